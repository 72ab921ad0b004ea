{#
    The condition on a raw table's lines (or a staging view of one) that selects the
    lines an incremental run of the model has not read: `loaded_at` after the model's
    watermark `watermark_column`, and the ids of the files loaded since, read from
    stg_loads__loaded_files when the model is compiled. A load writes its lines and its
    loaded_files row in one transaction, with one `loaded_at`, so the ids add no line and
    drop none; with them PostgreSQL reads the new lines through the raw tables' primary
    key (file_id, line_number). The BRIN index on `loaded_at` alone finds a load's lines
    all over the table once vacuum has freed space in it (docs/performance.md).
    Not incremental: `true`. More than `max_files` files since: `loaded_at` alone.
#}
{% macro lines_loaded_since_last_run(watermark_column='loaded_at', max_files=1000) -%}
    {#- Referenced on every parse, so the model depends on the loaded files. A model that
        calls this macro also names the dependency (`-- depends_on:`): dbt's partial
        parsing does not see a ref that a changed macro adds. -#}
    {%- set loaded_files = ref('stg_loads__loaded_files') -%}
    {%- if not is_incremental() -%}
        {{ return('true') }}
    {%- endif -%}
    {%- set loaded_after = 'loaded_at > ' ~ incremental_watermark(watermark_column) -%}
    {%- if not execute -%}
        {{ return(loaded_after) }}
    {%- endif -%}
    {%- set file_ids = run_query(
        'select file_id from ' ~ loaded_files ~ ' where ' ~ loaded_after
        ~ ' order by file_id limit ' ~ (max_files + 1)
    ).columns[0].values() -%}
    {%- if file_ids | length == 0 -%}
        {{ return('1 = 0') }}
    {%- elif file_ids | length > max_files -%}
        {{ return(loaded_after) }}
    {%- endif -%}
    {{ return(loaded_after ~ ' and file_id in (' ~ file_ids | join(', ') ~ ')') }}
{%- endmacro %}
