{#
    Spark: the project's incremental strategies `delete+insert` and `replace_key_tail`
    are valid on any file format (macro dbt_spark_get_incremental_sql); the others are
    checked as dbt-spark checks them.
#}
{% macro dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format) %}
    {%- if raw_strategy in ['delete+insert', 'replace_key_tail'] -%}
        {%- do return(raw_strategy) -%}
    {%- endif -%}
    {#- dbt-spark's own check (its macro cannot be called by name once overridden). -#}
    {%- if raw_strategy not in ['append', 'merge', 'insert_overwrite', 'microbatch'] -%}
        {%- do exceptions.raise_compiler_error(
            'Invalid incremental strategy provided: ' ~ raw_strategy
            ~ ". Expected one of: 'append', 'merge', 'insert_overwrite', 'microbatch',"
            ~ " 'delete+insert', 'replace_key_tail'"
        ) -%}
    {%- endif -%}
    {%- if raw_strategy == 'merge' and file_format not in ['delta', 'iceberg', 'hudi'] -%}
        {%- do exceptions.raise_compiler_error(
            "The 'merge' strategy needs file_format delta, iceberg or hudi"
        ) -%}
    {%- endif -%}
    {%- do return(raw_strategy) -%}
{% endmacro %}
