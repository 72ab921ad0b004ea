{#
    Each distinct value of a column of both request logs (`raw_path`, `ip`,
    `user_agent`) with the latest load of a line that has it (`loaded_at`), or the first
    (`first_loaded_at`, when `first` is true), read from the two staging views: the input
    of the models that parse or classify a value once instead of on every request
    (int_request_paths, int_request_ips, int_user_agents_classified). A missing value is
    left out, or stands as `missing` when that is given. An incremental run reads the
    lines loaded since the model's last run.
#}
{% macro distinct_logged_values(column, missing=none, first=false) -%}
    {%- set loaded = 'first_loaded_at' if first else 'loaded_at' %}
    {%- set value = column if missing is none else 'coalesce(' ~ column ~ ', ' ~ missing ~ ')' %}
    {%- set batch = lines_loaded_since_last_run(loaded) -%}
    select
        {{ value }} as {{ column }},
        {{ 'min' if first else 'max' }}(loaded_at) as {{ loaded }}
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
    {%- if missing is none %}
    where {{ column }} is not null
    {%- endif %}
    group by {{ value }}
{%- endmacro %}
