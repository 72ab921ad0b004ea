{#
    The dashboards' layer, made at the end of every run (`on-run-end`): schema
    `marts_pseudonymised` holds one view per mart table, with the columns the marts'
    YAML declares personal (`config: meta: pii: KIND`) replaced by pseudonymise_column
    and every other column as it is. The reader role (`reader_roles().analytics`) reads
    these views and nothing else; the security role reads the security marts (dbt
    `grants` of models/marts/security) in the `marts` schema. The views are owned by the
    dbt user, so they read the marts and the key with its rights; they are remade from
    scratch in one transaction (a mart rebuilt by dbt drops its view with it), after at
    most `build_lock_timeout` of waiting for readers.
#}
{% macro create_pseudonymised_views() %}
    {{ return(adapter.dispatch('create_pseudonymised_views', 'access_analytics')()) }}
{% endmacro %}

{% macro default__create_pseudonymised_views() %}
    {# Other engines: no pseudonymised layer (create_pseudonym_key refuses them). #}
    select 1 as nothing_to_do
{% endmacro %}

{% macro postgres__create_pseudonymised_views() %}
    {%- if not execute -%}
        {{ return('select 1 as not_executing') }}
    {%- endif -%}
    {%- set marts = generate_schema_name('marts', none) | trim -%}
    {%- set views = generate_schema_name('marts_pseudonymised', none) | trim -%}
    {%- set roles = reader_roles() -%}
    begin;
    set local lock_timeout = '{{ var("build_lock_timeout") }}';
    drop schema if exists {{ adapter.quote(views) }} cascade;
    create schema {{ adapter.quote(views) }};
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.schema == marts %}
    {%- set relation = adapter.get_relation(node.database, node.schema, node.alias) %}
    {%- if relation is not none %}
    create view {{ adapter.quote(views) }}.{{ adapter.quote(node.alias) }}
    with (security_barrier) as
    select
        {%- for column in adapter.get_columns_in_relation(relation) %}
        {%- set declared = node.columns.get(column.name, {}) %}
        {%- set kind = (declared.get('config', {}).get('meta', {}) or declared.get('meta', {})).get('pii') %}
        {%- set quoted = adapter.quote(column.name) %}
        {{ pseudonymise_column(quoted, kind) if kind else quoted }} as {{ quoted }}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ relation }};
    comment on view {{ adapter.quote(views) }}.{{ adapter.quote(node.alias) }} is
        {{ dbt.string_literal('Pseudonymised ' ~ node.alias ~ ' for dashboards: '
            ~ 'personal columns replaced by keyed hashes (see the README).') }};
    {%- if roles.analytics %}
    grant select on {{ adapter.quote(views) }}.{{ adapter.quote(node.alias) }}
        to {{ adapter.quote(roles.analytics) }};
    {%- endif %}
    {%- endif %}
    {%- endfor %}
    {%- if roles.analytics %}
    grant usage on schema {{ adapter.quote(views) }} to {{ adapter.quote(roles.analytics) }};
    {%- if adapter.check_schema_exists(target.database, marts) %}
    -- The dashboards' role never reads the raw marts (older builds granted it that).
    revoke all on all tables in schema {{ adapter.quote(marts) }}
        from {{ adapter.quote(roles.analytics) }};
    revoke all on schema {{ adapter.quote(marts) }} from {{ adapter.quote(roles.analytics) }};
    {%- endif %}
    {%- endif %}
    {%- if roles.security and adapter.check_schema_exists(target.database, marts) %}
    grant usage on schema {{ adapter.quote(marts) }} to {{ adapter.quote(roles.security) }};
    {%- endif %}
    commit
{% endmacro %}
