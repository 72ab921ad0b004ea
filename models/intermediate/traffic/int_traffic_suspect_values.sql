{#
    The distinct values of each suspect (IP, or IP + user agent): one row per suspect and
    path, account (`user_key`) or user agent it was seen with, so that the distinct
    counts of int_traffic_suspect_indicators count these rows instead of reading the
    suspect's requests (a distinct count cannot be merged from daily counts).
    `is_page` (a path's requests are pages: it is a function of the path) and `is_bot`
    (the user agent is a declared bot's: when the user agent is classified again, all
    of its requests are written again) hold for all of the value's requests.
    Incremental: a run writes the values of the requests written since its last run
    (requests are never taken away, so a value once seen stays).
    Each grain groups by its own columns (suspect_grains()). The finest grain reads
    the facts, each grouping itself: a CTE of the facts read by several would be
    written whole. The coarser grain groups the finest grain's rows again.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['grain', 'suspect_key', 'value_kind', 'seen_value'],
        on_schema_change='fail',
        indexes=[{'columns': ['ip']}],
        delete_within='ip',
        pre_hook="{{ prefer_sequential_reads() }}",
    )
}}

{%- set batch = 'true' %}
{%- if is_incremental() %}
{%- set batch = 'facts_at > ' ~ incremental_watermark('facts_at') %}
{%- endif %}
{%- set facts %}
    select * from {{ ref('int_requests_traffic_facts') }}
    where {{ batch }}
{%- endset %}

{#- Per kind of value: its column, and the flags that hold for all of its requests. A
    user agent is grouped and written as its key (doc block user_agent_key). #}
{%- set value_kinds = [
    ('path', 'path', 'max(is_page)', '0'),
    ('user_key', 'user_key', '0', '0'),
    ('user_agent', 'user_agent_key', '0', 'max(is_bot)'),
] %}

{#- Only the finest grain (the last: IP + user agent) reads the requests. A coarser
    grain's values are the finest grain's rows grouped again: the distinct paths of an
    IP are the distinct paths of its IP + user agent rows, and the flags are maxima.
    Three reads of the requests, not one per grain and kind. #}
{%- set grains = suspect_grains() %}
{%- set finest = (grains | list)[-1] %}

with
{% for grain, columns in grains.items() | list | reverse %}
{%- for value_kind, column, is_page, is_bot in value_kinds %}
{%- set keys = (columns + [column]) | unique | join(', ') %}

{%- if grain == finest %}
{%- set source = '(' ~ facts ~ ') as facts' %}
{%- set flags = [is_page, is_bot] %}
{%- else %}
{%- set source = finest ~ '_' ~ value_kind ~ '_values' %}
{%- set flags = ['max(is_page)', 'max(is_bot)'] %}
{%- endif %}

{{ grain }}_{{ value_kind }}_values as (
    select
        {{ keys }},
        {{ flags[0] }} as is_page,
        {{ flags[1] }} as is_bot,
        max(facts_at) as facts_at
    from {{ source }}
    {%- if grain == finest and value_kind == 'path' %}
    where path is not null
    {%- endif %}
    group by {{ keys }}
),
{%- endfor %}
{% endfor %}

grain_values as (
    {%- for grain in grains %}
    {%- set last_grain = loop.last %}
    {%- for value_kind, column, is_page, is_bot in value_kinds %}
    select
        {{ suspect_grain_columns(grain) }},
        '{{ value_kind }}' as value_kind,
        {% if column == value_kind -%}
        {{ column }}
        {%- else -%}
        cast({{ column }} as {{ dbt.type_string() }})
        {%- endif %} as seen_value,
        is_page,
        is_bot,
        facts_at
    from {{ grain }}_{{ value_kind }}_values
    {%- if not (last_grain and loop.last) %}

    union all
    {% endif %}
    {%- endfor %}
    {%- endfor %}
),

suspect_values as (
    select
        grain_values.grain,
        {{ suspect_key() }} as suspect_key,
        grain_values.value_kind,
        grain_values.seen_value,
        grain_values.ip,
        grain_values.is_page,
        grain_values.is_bot,
        grain_values.facts_at
    from grain_values
    {{ suspect_user_agent_join('grain_values') }}
)

select * from suspect_values
