{#
    The read-only role BI tools log in as (var `reader_role`; null turns it off).
    Called from `on-run-start`, so the role exists before dbt's `grants` name it.
    It can log in, has no password (the embedded warehouse trusts local
    connections; on an external server set one with ALTER ROLE) and owns nothing.
#}
{% macro create_reader_role() %}
    {{ return(adapter.dispatch('create_reader_role', 'access_analytics')()) }}
{% endmacro %}

{% macro default__create_reader_role() %}
    {# Other engines manage readers through their own catalogs: nothing to do. #}
    select 1 as nothing_to_do
{% endmacro %}

{% macro postgres__create_reader_role() %}
    {%- set role = var('reader_role', 'analytics_reader') -%}
    {%- if role -%}
        do $$
        begin
            if not exists (select from pg_catalog.pg_roles where rolname = '{{ role }}') then
                create role {{ adapter.quote(role) }} login nosuperuser nocreatedb nocreaterole;
            end if;
        exception
            -- Another dbt run (another database on the same server) created it first.
            when duplicate_object or unique_violation then null;
        end
        $$
    {%- else -%}
        select 1 as reader_role_disabled
    {%- endif -%}
{% endmacro %}
