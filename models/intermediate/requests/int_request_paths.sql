-- depends_on: {{ ref('stg_loads__loaded_files') }}
{#
    Each distinct path as written in the logs, normalised and parsed once: the request
    models join this small table instead of running the path regexes on every request.
    Incremental: a run adds (or re-parses) the paths of the lines loaded since the last
    run.
#}
{{
    config(
        materialized='incremental',
        unique_key='raw_path',
    )
}}

with

distinct_paths as (
    {{ distinct_logged_values('raw_path') }}
),

normalized as (
    select
        raw_path,
        {{ normalize_path('raw_path') }} as path,
        loaded_at
    from distinct_paths
),

parsed as (
    select
        raw_path,
        path,
        {{ path_parts('path') }},
        loaded_at
    from normalized
),

{# A lesson view: a page (not an asset) other than the home page. #}
final as (
    select
        raw_path,
        path,
        module,
        lesson,
        path_depth,
        file_extension,
        is_asset,
        asset_type,
        is_home,
        path is not null and not is_asset and not is_home as is_lesson_view,
        loaded_at
    from parsed
)

select * from final
