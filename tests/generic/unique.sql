{#
    dbt's `unique` test, overriding the built-in one: fails with one row per value of
    `column_name` that occurs more than once (nulls are not compared), as dbt's does.
    When the engine enforces the key (macro key_not_enforced: a unique index on the
    column, checked on every write), the rows are not grouped: the catalog says they
    cannot repeat.
#}
{% test unique(model, column_name) %}

select
    {{ column_name }} as unique_field,
    count(*) as n_records
from {{ model }}
where
    {{ column_name }} is not null
    and {{ key_not_enforced(model, [column_name]) }}
group by {{ column_name }}
having count(*) > 1

{% endtest %}
