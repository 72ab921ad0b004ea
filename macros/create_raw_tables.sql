{#
    The raw tables of the sources (schema `raw`). On PostgreSQL the loaders create them
    (loaders.RAW_DDL): nothing to do. On Spark the loaders write one Parquet folder per
    raw table (src/access_analytics/parquet_raw.py) under `AA_SPARK_DIR/raw`; this
    on-run-start hook declares each as an external Parquet table, and refreshes its
    file listing (files loaded since the last run). The tables are those of the
    project's sources in schema `raw`.
#}
{% macro create_raw_tables() %}
    {{ return(adapter.dispatch('create_raw_tables', 'access_analytics')()) }}
{% endmacro %}

{% macro default__create_raw_tables() %}
{% endmacro %}

{% macro spark__create_raw_tables() %}
    {%- if execute -%}
        {%- set folder = env_var('AA_SPARK_DIR', '') -%}
        {%- if not folder -%}
            {{ exceptions.raise_compiler_error(
                'AA_SPARK_DIR is not set: run the Spark target through '
                '`access-analytics build --target spark` or `access-analytics dbt --target spark`'
            ) }}
        {%- endif -%}
        {%- set tables = [] -%}
        {%- for source in graph.sources.values() if source.schema == 'raw' -%}
            {%- if source.identifier not in tables -%}
                {%- do tables.append(source.identifier) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- do run_query('create database if not exists raw') -%}
        {%- for table in tables | sort -%}
            {%- do run_query(
                'create table if not exists raw.' ~ table
                ~ " using parquet location '" ~ folder ~ '/raw/' ~ table ~ "'"
            ) -%}
            {%- do run_query('refresh table raw.' ~ table) -%}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}
