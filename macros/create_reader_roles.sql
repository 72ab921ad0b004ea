{#
    Creates the read-only roles of `reader_roles()` and confines them; called from
    `on-run-start`, so the roles exist before dbt's `grants` name them. Each role can
    log in (the embedded warehouse gives it a generated password; on an external server
    set one with ALTER ROLE), has no attribute beyond LOGIN, owns nothing, may CONNECT
    to this database (PUBLIC loses CONNECT and TEMPORARY on it, so readers create no
    temporary tables), and gets session defaults: `reader_statement_timeout`,
    `reader_idle_in_transaction_timeout` and a search_path of the schema it reads.
    What the dbt user may not change (an external server's roles belong to its admin)
    is reported as a warning, not an error.
#}
{% macro create_reader_roles() %}
    {{ return(adapter.dispatch('create_reader_roles', 'access_analytics')()) }}
{% endmacro %}

{% macro default__create_reader_roles() %}
    {# Other engines manage readers through their own catalogs: nothing to do. #}
    select 1 as nothing_to_do
{% endmacro %}

{% macro postgres__create_reader_roles() %}
    {%- set roles = reader_roles() -%}
    {#- The real layers, not an experiment's (var schema_prefix): roles are server-wide. #}
    {%- set schemas = {'analytics': 'marts_pseudonymised', 'security': 'marts'} -%}
    {%- if roles -%}
        do $$
        declare
            database_name text := current_database();
        begin
            -- Only the owner, the dbt user and the readers enter this database, and only
            -- the owner and the dbt user create temporary tables.
            begin
                if exists (
                    select from pg_catalog.pg_database
                    where datname = database_name
                        and (datacl is null or exists (
                            select from aclexplode(datacl) where grantee = 0
                        ))
                ) then
                    execute format(
                        'grant connect, temporary on database %I to current_user', database_name
                    );
                    execute format(
                        'revoke connect, temporary on database %I from public', database_name
                    );
                end if;
            exception when insufficient_privilege then
                raise warning 'cannot revoke CONNECT and TEMPORARY on % from PUBLIC', database_name;
            end;
            {%- for audience, role in roles.items() %}
            {%- set settings = [
                'statement_timeout=' ~ var('reader_statement_timeout'),
                'idle_in_transaction_session_timeout=' ~ var('reader_idle_in_transaction_timeout'),
                'search_path=' ~ schemas[audience],
            ] %}
            begin
                if not exists (select from pg_catalog.pg_roles where rolname = '{{ role }}') then
                    create role {{ adapter.quote(role) }} login;
                end if;
                if exists (
                    select from pg_catalog.pg_roles
                    where rolname = '{{ role }}'
                        and (rolsuper or rolcreatedb or rolcreaterole or rolreplication
                            or rolbypassrls)
                ) then
                    alter role {{ adapter.quote(role) }}
                        nosuperuser nocreatedb nocreaterole noreplication nobypassrls;
                end if;
                {%- for setting in settings %}
                {%- set name, value = setting.split('=', 1) %}
                if not exists (
                    select from pg_catalog.pg_db_role_setting
                    where setdatabase = 0
                        and setrole = (select oid from pg_catalog.pg_roles where rolname = '{{ role }}')
                        and setconfig @> array['{{ setting }}']
                ) then
                    alter role {{ adapter.quote(role) }} set {{ name }} = '{{ value }}';
                end if;
                {%- endfor %}
                if not has_database_privilege('{{ role }}', database_name, 'connect') then
                    execute format('grant connect on database %I to %I', database_name, '{{ role }}');
                end if;
            exception
                -- Another dbt run (another database on the same server) created it first.
                when duplicate_object or unique_violation then null;
                when insufficient_privilege then
                    raise warning 'cannot create or confine the role {{ role }}: ask the server''s admin';
            end;
            {%- endfor %}
        end
        $$
    {%- else -%}
        select 1 as reader_roles_disabled
    {%- endif -%}
{% endmacro %}
