{#
    The distinct user keys of `relation` whose rows match `filter` (SQL), read when the
    model is compiled for an incremental run; an empty list otherwise.
#}
{% macro incremental_new_user_keys(relation, filter) -%}
    {%- if execute and is_incremental() -%}
        {%- set result = run_query(
            'select distinct user_key from ' ~ relation ~ ' where ' ~ filter
        ) -%}
        {{ return(result.columns[0].values() | list) }}
    {%- endif -%}
    {{ return([]) }}
{%- endmacro %}
