{#
    Spark: dbt-spark's incremental materialization knows only its own strategies
    (append, insert_overwrite, merge, microbatch). This override (the root project's
    macro wins over the adapter's) sends the project's strategies, `delete+insert` and
    `replace_key_tail`, to their dispatched macros, whose spark__ versions rewrite the
    affected part of the table through insert overwrite (spark_overwrite_incremental):
    parquet tables, no Delta. dbt-spark's own strategies render as in its dispatcher.
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
    {#- dbt-spark's own strategies, as its dispatcher does (its macro cannot be called
        by name once overridden: internal packages have no namespace in the context). -#}
    {%- elif strategy == 'append' -%}
        {{ get_insert_into_sql(source, target) }}
    {%- elif strategy in ['insert_overwrite', 'microbatch'] -%}
        {{ get_insert_overwrite_sql(source, target, existing) }}
    {%- elif strategy == 'merge' -%}
        {{ get_merge_sql(
            target, source, unique_key, dest_columns=none,
            incremental_predicates=incremental_predicates
        ) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error('No known SQL for the incremental strategy ' ~ strategy) }}
    {%- endif -%}
{% endmacro %}
