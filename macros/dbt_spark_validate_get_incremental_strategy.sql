{#
    Spark: the project's incremental strategies `delete+insert` and `replace_key_tail`
    are valid on any file format (macro dbt_spark_get_incremental_sql); the others are
    validated by dbt-spark as before.
#}
{% macro dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format) %}
    {%- if raw_strategy in ['delete+insert', 'replace_key_tail'] -%}
        {%- do return(raw_strategy) -%}
    {%- endif -%}
    {%- do return(dbt_spark.dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format)) -%}
{% endmacro %}
