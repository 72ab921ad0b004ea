{#
    The indicator columns of int_traffic_suspects_classified (aliased `suspects`) as the
    security marts show them: counts as they are, shares and ratios rounded to 4 places
    (numeric(12, 4) on every engine: Spark's round keeps the precision of its input).
#}
{% macro traffic_indicator_columns() -%}
    suspects.requests,
    suspects.page_requests,
    suspects.asset_requests,
    suspects.first_seen_at,
    suspects.last_seen_at,
    suspects.active_days,
    suspects.peak_requests_per_minute,
    suspects.peak_pages_per_minute,
    suspects.distinct_paths,
    suspects.peak_daily_paths,
    {%- for share in [
        'curriculum_coverage', 'peak_daily_coverage', 'error_ratio', 'off_hours_share',
        'bot_user_agent_share',
    ] %}
    cast(round(cast(suspects.{{ share }} as {{ dbt.type_numeric() }}), 4) as numeric(12, 4))
        as {{ share }},
    {%- endfor %}
    suspects.distinct_users,
    suspects.distinct_user_agents,
    suspects.bot_user_agents,
    suspects.has_bot_user_agent,
    suspects.robots_txt_requests,
    suspects.probe_requests,
    suspects.non_http_requests,
    suspects.missing_user_agent_requests,
    suspects.time_resolution,
    suspects.intervals,
    cast(round(cast(suspects.interval_cv as {{ dbt.type_numeric() }}), 4) as numeric(12, 4))
        as interval_cv
{%- endmacro %}
