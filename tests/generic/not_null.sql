{#
    dbt's `not_null` test, overriding the built-in one: fails with one row per null of
    `column_name`, as dbt's does. When the engine refuses nulls in the column (macro
    null_not_enforced: a `not null` constraint), the rows are not scanned: the catalog
    says there can be none.
#}
{% test not_null(model, column_name) %}

select {{ column_name }}
from {{ model }}
where
    {{ column_name }} is null
    and {{ null_not_enforced(model, [column_name]) }}

{% endtest %}
