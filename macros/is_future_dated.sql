{#
    True when `requested_at` is more than the var `future_tolerance_hours` after "now"
    (the var `as_of_timestamp`, or the run time). Computed where it is read, never
    stored: it changes with the clock, and the stored request tables are incremental.
#}
{% macro is_future_dated(requested_at) -%}
    {{ requested_at }} > {{ dbt.dateadd('hour', var('future_tolerance_hours'), as_of_timestamp()) }}
{%- endmacro %}
