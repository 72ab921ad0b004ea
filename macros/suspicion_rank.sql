{#
    1 = most suspicious among int_traffic_suspects_classified rows (aliased `suspects`):
    by score, then the busiest day's distinct paths, then the peak page rate, then
    `key` (the tie-break that makes the rank unique). A bigint on every engine.
#}
{% macro suspicion_rank(key) -%}
    cast(row_number() over (
        order by
            suspects.score desc,
            suspects.peak_daily_paths desc,
            suspects.peak_pages_per_minute desc,
            suspects.{{ key }} asc
    ) as {{ dbt.type_bigint() }})
{%- endmacro %}
