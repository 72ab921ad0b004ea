{#
    Request counts per source file agree from layer to layer: raw = staging =
    int_requests_unioned. Stale rows (a file replaced by a shorter version: deleted
    lines cannot be noticed incrementally) or duplicated rows in the incremental model
    fail the build, and the build's log says what to run: `dbt build --full-refresh`.
    A layer is compared when its models are part of this invocation (or on `dbt test`),
    so a subset build never compares against a model it did not build.
#}
{%- set checking = invocation_args_dict.get('which') == 'test' -%}
{%- set staging_built = checking
    or 'model.access_analytics.stg_curriculum__requests' in selected_resources
    or 'model.access_analytics.stg_web__requests' in selected_resources -%}
{%- set intermediate_built = checking
    or 'model.access_analytics.int_requests_unioned' in selected_resources %}
{# The models compared, whether or not this invocation compares them: #}
-- depends_on: {{ ref('stg_curriculum__requests') }}
-- depends_on: {{ ref('stg_web__requests') }}
-- depends_on: {{ ref('int_requests_unioned') }}

{% set reconciliation %}
with

raw_rows as (
    select
        source_file,
        count(*) as raw_count
    from {{ source('curriculum', 'requests') }}
    group by source_file
    union all
    select
        source_file,
        count(*) as raw_count
    from {{ source('web', 'requests') }}
    group by source_file
),

layer_rows as (
    select
        source_file,
        raw_count,
        0 as staging_count,
        0 as intermediate_count
    from raw_rows
    {%- if staging_built %}
    {%- for staging_model in ['stg_curriculum__requests', 'stg_web__requests'] %}
    union all
    select
        source_file,
        0 as raw_count,
        count(*) as staging_count,
        0 as intermediate_count
    from {{ ref(staging_model) }}
    group by source_file
    {%- endfor %}
    {%- endif %}
    {%- if intermediate_built %}
    union all
    select
        source_file,
        0 as raw_count,
        0 as staging_count,
        count(*) as intermediate_count
    from {{ ref('int_requests_unioned') }}
    group by source_file
    {%- endif %}
),

per_file as (
    select
        source_file,
        sum(raw_count) as raw_count,
        sum(staging_count) as staging_count,
        sum(intermediate_count) as intermediate_count
    from layer_rows
    group by source_file
)

select
    source_file,
    raw_count,
    staging_count,
    intermediate_count,
    'rows differ between layers: run dbt build --full-refresh' as fix
from per_file
where
    {{ 'staging_count != raw_count' if staging_built else 'false' }}
    or {{ 'intermediate_count != raw_count' if intermediate_built else 'false' }}
{% endset %}

{%- if execute -%}
    {%- set differing = run_query(reconciliation) -%}
    {%- for row in differing.rows -%}
        {{ log("rows differ between layers for " ~ row['source_file'] ~ ": raw " ~ row['raw_count']
               ~ ", staging " ~ row['staging_count'] ~ ", intermediate " ~ row['intermediate_count']
               ~ " (a file was replaced by a shorter version, or two builds overlapped):"
               ~ " run `dbt build --full-refresh`", info=True) }}
    {%- endfor -%}
{%- endif %}

{{ reconciliation }}
