{#
    dbt `grants` give the reader SELECT on each mart table; reading a table also
    needs USAGE on its schema, which `grants` do not cover. This runs once at the end
    of a run (`on-run-end`), for the marts schema when the run built into it: as a
    post-hook of every mart it would run in parallel threads, and concurrent GRANTs
    on one schema fail with "tuple concurrently updated".
#}
{% macro grant_reader_schema_usage(built_schemas) %}
    {{ return(adapter.dispatch('grant_reader_schema_usage', 'access_analytics')(built_schemas)) }}
{% endmacro %}

{% macro default__grant_reader_schema_usage(built_schemas) %}
    {# Engines without schema privileges need nothing more than the table grants. #}
    select 1 as nothing_to_do
{% endmacro %}

{% macro postgres__grant_reader_schema_usage(built_schemas) %}
    {%- set role = var('reader_role', 'analytics_reader') -%}
    {%- set marts = generate_schema_name('marts', none) | trim -%}
    {%- if role and marts in built_schemas -%}
        grant usage on schema {{ adapter.quote(marts) }} to {{ adapter.quote(role) }}
    {%- else -%}
        select 1 as nothing_to_grant
    {%- endif -%}
{% endmacro %}
