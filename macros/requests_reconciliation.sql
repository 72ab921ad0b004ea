{#
    The query of the test `assert_requests_reconcile_from_raw_to_intermediate`: request
    counts per source file in raw, staging (when `staging_built`) and
    int_requests_unioned (when `intermediate_built`); the files where they differ. It runs
    once, as the test: when the test fails, the on-run-end hook log_reconciliation_failures
    runs the test's query again to log each file with the command that fixes it.
#}
{% macro requests_reconciliation(staging_built, intermediate_built) -%}
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
{%- endmacro %}
