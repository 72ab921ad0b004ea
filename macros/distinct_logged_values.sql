{#
    Each distinct value of a column of both request logs (`raw_path`, `ip`) with the
    latest load of a line that has it, read from the two staging views: the input of the
    models that parse a value once instead of on every request (int_request_paths,
    int_request_ips). An incremental run reads the lines loaded since the model's last
    run.
#}
{% macro distinct_logged_values(column) -%}
    {%- set batch = 'true' %}
    {%- if is_incremental() %}
    {%- set batch = 'loaded_at > ' ~ incremental_watermark('loaded_at') %}
    {%- endif -%}
    select
        {{ column }},
        max(loaded_at) as loaded_at
    from (
        {%- for log in ['stg_curriculum__requests', 'stg_web__requests'] %}
        select
            {{ column }},
            loaded_at
        from {{ ref(log) }}
        where {{ batch }}
        {%- if not loop.last %}
        union all
        {%- endif %}
        {%- endfor %}
    ) as logged
    where {{ column }} is not null
    group by {{ column }}
{%- endmacro %}
