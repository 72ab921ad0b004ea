{#
    The traffic rules and classes, per suspect (an IP, or an IP + user agent). Every
    rule of the var `traffic_rules` has a class (scanner, declared_bot, automated) and a
    weight; its condition over int_traffic_suspect_indicators is written once here. A
    suspect's class is the first of `traffic_class_priority` whose fired rules weigh at
    least `traffic_class_min_score` together; else it is human. `score` adds the weights
    of every fired rule (the suspicion ranking), `reasons` names them.
#}
{#- Indexed by IP: each incremental run of int_ip_user_agent_traffic_classes looks up
    the IP of every pair it recomputed. The planner cannot know how many pairs are new
    (no index on their watermark), and without this one it chose to scan this table once
    per pair: 23 s instead of 0.13 s for 4,816 pairs at 1M requests. #}
{{
    config(
        materialized='table',
        indexes=[{'columns': ['ip']}],
    )
}}

{% set rules = var('traffic_rules') %}
{% set at_least_min = 'requests >= ' ~ var('traffic_min_requests') %}
{% set conditions = {
    'exploit_probe':
        'probe_requests > 0 and (asset_requests = 0 or probe_requests >= '
        ~ var('exploit_probe_min_share') ~ ' * requests)',
    'non_http_request': 'non_http_requests > 0',
    'error_storm':
        at_least_min ~ ' and coalesce(error_ratio >= ' ~ var('error_storm_min_ratio')
        ~ ', false)',
    'bot_user_agent':
        'bot_user_agent_share >= ' ~ var('bot_user_agent_min_share')
        ~ ' or bot_user_agents >= ' ~ var('bot_user_agent_min_share')
        ~ ' * distinct_user_agents',
    'robots_txt': 'robots_txt_requests > 0',
    'missing_user_agent':
        'missing_user_agent_requests > 0 and missing_user_agent_requests >= '
        ~ var('missing_user_agent_min_share') ~ ' * requests',
    'high_page_rate': 'peak_pages_per_minute >= ' ~ var('traffic_peak_pages_per_minute'),
    'many_paths': at_least_min ~ ' and peak_daily_paths >= ' ~ var('traffic_daily_paths'),
    'high_coverage':
        at_least_min ~ ' and peak_daily_coverage >= ' ~ var('traffic_daily_coverage'),
    'regular_intervals':
        at_least_min ~ ' and coalesce(interval_cv <= ' ~ var('traffic_max_interval_cv')
        ~ ', false)',
    'user_agent_churn':
        at_least_min ~ ' and distinct_user_agents >= ' ~ var('traffic_distinct_user_agents')
        ~ ' and distinct_user_agents >= ' ~ var('traffic_user_agent_churn_min_share')
        ~ ' * requests',
    'polling':
        'requests >= ' ~ var('polling_min_requests')
        ~ ' and distinct_paths = 1 and asset_requests = 0 and '
        ~ seconds_between('first_seen_at', 'last_seen_at') ~ ' >= '
        ~ var('polling_min_span_hours') ~ ' * 3600',
    'no_assets':
        'page_requests >= ' ~ var('traffic_min_requests') ~ ' and asset_requests = 0',
    'off_hours': at_least_min ~ ' and off_hours_share >= ' ~ var('traffic_off_hours_share'),
    'many_users': at_least_min ~ ' and distinct_users >= ' ~ var('traffic_distinct_users'),
} %}
{% set indicator_columns = [
    'grain', 'suspect_key', 'ip', 'block_16', 'user_agent', 'log_kind', 'requests',
    'page_requests', 'asset_requests', 'first_seen_at', 'last_seen_at', 'active_days',
    'peak_requests_per_minute', 'peak_pages_per_minute', 'distinct_paths',
    'peak_daily_paths', 'curriculum_coverage', 'peak_daily_coverage', 'error_ratio',
    'off_hours_share', 'distinct_users', 'distinct_user_agents', 'bot_user_agent_share',
    'bot_user_agents',
    'has_bot_user_agent', 'robots_txt_requests', 'probe_requests', 'non_http_requests',
    'missing_user_agent_requests', 'time_resolution', 'intervals', 'interval_cv',
] %}
{% set classes = var('traffic_class_priority') %}
{% set reason_expressions = [] %}
{% set fire_columns = [] %}
{% set weight_terms = [] %}
{% set class_terms = {} %}
{% for class in classes %}
{% do class_terms.update({class: ['0']}) %}
{% endfor %}
{% for rule in rules %}
{% if rule not in conditions %}
{% do exceptions.raise_compiler_error(
    "var traffic_rules: no condition for rule '" ~ rule ~ "' (known: "
    ~ (conditions.keys() | list | join(', ')) ~ ")"
) %}
{% endif %}
{% set term = 'case when fires_' ~ rule ~ ' then ' ~ rules[rule]['weight'] ~ ' else 0 end' %}
{% do reason_expressions.append("case when fires_" ~ rule ~ " then '" ~ rule ~ "' end") %}
{% do fire_columns.append('coalesce(' ~ conditions[rule] ~ ', false) as fires_' ~ rule) %}
{% do weight_terms.append(term) %}
{% if rules[rule]['class'] in class_terms %}
{% do class_terms[rules[rule]['class']].append(term) %}
{% endif %}
{% endfor %}
{% set class_scores = [] %}
{% set class_cases = [] %}
{% for class in classes %}
{% do class_scores.append(class_terms[class] | join(' + ') ~ ' as ' ~ class ~ '_score') %}
{% do class_cases.append(
    'when ' ~ class ~ '_score >= ' ~ var('traffic_class_min_score') ~ " then '" ~ class ~ "'"
) %}
{% endfor %}

with

indicators as (
    select * from {{ ref('int_traffic_suspect_indicators') }}
),

fired as (
    select
        indicators.*,
        {{ fire_columns | join(',\n        ') }}
    from indicators
),

scored as (
    select
        fired.*,
        {{ weight_terms | join(' + ') }} as score,
        {{ class_scores | join(',\n        ') }},
        nullif({{ join_non_null(', ', reason_expressions) }}, '') as reasons
    from fired
),

classified as (
    select
        {{ (indicator_columns + ['score', 'reasons']) | join(',\n        ') }},
        {{ classes | join('_score,\n        ') }}_score,
        case
            {{ class_cases | join('\n            ') }}
            else 'human'
        end as traffic_class
    from scored
)

select * from classified
