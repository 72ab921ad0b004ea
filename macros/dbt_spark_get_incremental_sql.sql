{#
    Spark: dbt-spark's incremental materialization knows only its own strategies
    (append, insert_overwrite, merge, microbatch). This override (the root project's
    macro wins over the adapter's) sends the project's strategies, `delete+insert` and
    `replace_key_tail`, to their dispatched macros, whose spark__ versions rewrite the
    affected part of the table through insert overwrite (spark_overwrite_incremental):
    parquet tables, no Delta. Every other strategy goes to dbt-spark as before.
#}
{% macro dbt_spark_get_incremental_sql(
    strategy, source, target, existing, unique_key, incremental_predicates
) %}
    {%- if strategy in ['delete+insert', 'replace_key_tail'] -%}
        {%- set arg_dict = {
            'target_relation': target,
            'temp_relation': source,
            'unique_key': unique_key,
            'dest_columns': adapter.get_columns_in_relation(target),
            'incremental_predicates': incremental_predicates,
        } -%}
        {%- if strategy == 'delete+insert' -%}
            {{ get_incremental_delete_insert_sql(arg_dict) }}
        {%- else -%}
            {{ get_incremental_replace_key_tail_sql(arg_dict) }}
        {%- endif -%}
    {%- else -%}
        {{ dbt_spark.dbt_spark_get_incremental_sql(
            strategy, source, target, existing, unique_key, incremental_predicates
        ) }}
    {%- endif -%}
{% endmacro %}
