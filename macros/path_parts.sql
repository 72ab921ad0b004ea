{#
    Columns derived from a normalised path (see normalize_path): module = first segment,
    lesson = last segment, depth = number of segments, the file extension of the last
    segment, whether the request is for an asset (an extension listed in the var
    asset_extensions) and which kind (var asset_types), and whether it is the home page. The home page has no module and no lesson.
#}
{% macro path_parts(path) -%}
    case when {{ path }} = '/' then null else {{ dbt.split_part(path, "'/'", 1) }} end as module,
    case when {{ path }} = '/' then null else {{ regexp_substr(path, "'[^/]+$'") }} end as lesson,
    case
        when {{ path }} = '/' then 0
        else {{ dbt.length(path) }} - {{ dbt.length(dbt.replace(path, "'/'", "''")) }} + 1
    end as path_depth,
    lower({{ regexp_substr(path, "'\\.([A-Za-z0-9]+)$'") }}) as file_extension,
    coalesce(
        lower({{ regexp_substr(path, "'\\.([A-Za-z0-9]+)$'") }})
        in ({{ string_list(var('asset_extensions') | map('lower') | list) }}),
        false
    ) as is_asset,
    case
        when not coalesce(
            lower({{ regexp_substr(path, "'\\.([A-Za-z0-9]+)$'") }})
            in ({{ string_list(var('asset_extensions') | map('lower') | list) }}),
            false
        ) then null
        {%- for asset_type, extensions in var('asset_types').items() %}
        when lower({{ regexp_substr(path, "'\\.([A-Za-z0-9]+)$'") }})
            in ({{ string_list(extensions | map('lower') | list) }})
            then '{{ asset_type }}'
        {%- endfor %}
        else 'other'
    end as asset_type,
    coalesce({{ path }} = '/', false) as is_home
{%- endmacro %}
