{#
    The largest value of `column` in the model's existing table (or in `relation`), read
    when the model is compiled for an incremental run, as a quoted literal. Inlining it
    (instead of a subquery) lets the planner use the column's index and statistics: an
    incremental run then touches only the new rows. An empty table gives the earliest
    timestamp, so everything is new.
#}
{% macro incremental_watermark(column, relation=none) -%}
    {%- set value = none -%}
    {%- if execute and (is_incremental() or relation is not none) -%}
        {%- set result = run_query(
            'select max(' ~ column ~ ') from ' ~ (relation if relation is not none else this)
        ) -%}
        {%- set value = result.columns[0].values()[0] -%}
    {%- endif -%}
    {{ return("'" ~ (value if value is not none else '0001-01-01 00:00:00+00:00') ~ "'") }}
{%- endmacro %}
