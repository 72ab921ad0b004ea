{#
    dbt `grants` give the reader SELECT on each mart table; reading a table also
    needs USAGE on its schema, which `grants` do not cover. A post-hook of every
    mart adds it, so the reader sees the marts schema and no other.
#}
{% macro grant_schema_usage_to_reader() %}
    {{ return(adapter.dispatch('grant_schema_usage_to_reader', 'access_analytics')()) }}
{% endmacro %}

{% macro default__grant_schema_usage_to_reader() %}
    {# Engines without schema privileges need nothing more than the table grant. #}
    select 1 as nothing_to_do
{% endmacro %}

{% macro postgres__grant_schema_usage_to_reader() %}
    {%- set role = var('reader_role', 'analytics_reader') -%}
    {%- if role -%}
        grant usage on schema {{ adapter.quote(this.schema) }} to {{ adapter.quote(role) }}
    {%- else -%}
        select 1 as reader_role_disabled
    {%- endif -%}
{% endmacro %}
