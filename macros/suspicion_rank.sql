{#
    1 = most suspicious among int_traffic_suspects_classified rows (aliased `suspects`):
    by score, then the busiest day's distinct paths, then the peak page rate, then
    `key` (the tie-break that makes the rank unique).
#}
{% macro suspicion_rank(key) -%}
    row_number() over (
        order by
            suspects.score desc,
            suspects.peak_daily_paths desc,
            suspects.peak_pages_per_minute desc,
            suspects.{{ key }} asc
    )
{%- endmacro %}
