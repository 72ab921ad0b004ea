{#
    Spark (parquet, no Delta): dbt's `delete+insert` strategy. The rows of the target
    whose `unique_key` is in the batch are replaced by the batch, by rewriting the
    affected part of the table (macro spark_overwrite_incremental). The config
    `delete_within` of the PostgreSQL version below does not apply here.
#}
{% macro spark__get_incremental_delete_insert_sql(arg_dict) -%}
    {%- set unique_key = arg_dict['unique_key'] -%}
    {%- set keys = [unique_key] if unique_key is string else unique_key -%}
    {%- set batch_keys -%}
        select distinct {{ keys | join(', ') }} from {{ arg_dict['temp_relation'] }}
    {%- endset -%}
    {%- set matches = [] -%}
    {%- for key in keys -%}
        {%- do matches.append('existing.' ~ key ~ ' = batch_keys.' ~ key) -%}
    {%- endfor -%}
    {{ spark_overwrite_incremental(arg_dict, batch_keys, matches | join(' and ')) }}
{%- endmacro %}

{#
    PostgreSQL: dbt's own delete + insert. With config `delete_within` (a column the
    unique key determines, such as `ip`, with an index on the target), the delete also
    keeps to the batch's values of that column (macro in_subquery), so it reads the
    target's rows of those values through the index instead of every row: a row whose
    key is in the batch has its batch row's value, so no row to replace is left out.
#}
{% macro postgres__get_incremental_delete_insert_sql(arg_dict) -%}
    {%- set within = config.get('delete_within') -%}
    {%- if within -%}
        {%- set batch_values = 'select distinct ' ~ within ~ ' from ' ~ arg_dict['temp_relation'] -%}
        {%- do arg_dict.update({'incremental_predicates': (arg_dict['incremental_predicates'] or [])
            + [in_subquery('DBT_INTERNAL_DEST.' ~ within, batch_values)]}) -%}
    {%- endif -%}
    {{ return(dbt.default__get_incremental_delete_insert_sql(arg_dict)) }}
{%- endmacro %}
