{#
    Spark (parquet, no Delta): dbt's `delete+insert` strategy. The rows of the target
    whose `unique_key` is in the batch are replaced by the batch, by rewriting the
    affected part of the table (macro spark_overwrite_incremental). On PostgreSQL dbt's
    own delete + insert runs.
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
