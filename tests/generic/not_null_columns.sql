{#
    `not_null` on several columns in one scan: fails with one row, the number of nulls
    in each of `columns`, when any of them has a null. On a request table each
    `not_null` test reads every row (about 1 s each at 1M requests under load); this
    reads them once for all the columns, and not at all when the engine refuses nulls
    in every one of them (macro null_not_enforced). (dbt's `config: where:` limits the
    rows tested, as for `not_null`.)
#}
{% test not_null_columns(model, columns) %}

with

null_counts as (
    select
        {%- for column in columns %}
        sum(case when {{ column }} is null then 1 else 0 end) as {{ column }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from {{ model }}
    where {{ null_not_enforced(model, columns) }}
)

select *
from null_counts
where
    {%- for column in columns %}
    {{ 'or ' if not loop.first }}{{ column }} > 0
    {%- endfor %}

{% endtest %}
