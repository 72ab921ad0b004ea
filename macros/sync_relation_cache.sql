{#
    Bring dbt's relation cache up to date for `relation` and its `__dbt_tmp` and
    `__dbt_backup` siblings, from the catalog: another dbt invocation may have created,
    replaced or dropped them since this one read the catalog at its start.
#}
{% macro sync_relation_cache(relation) -%}
    {{ return(adapter.dispatch('sync_relation_cache', 'access_analytics')(relation)) }}
{%- endmacro %}

{% macro default__sync_relation_cache(relation) -%}
    {# Other engines: the cache of the run's start is used as is. #}
{%- endmacro %}

{% macro postgres__sync_relation_cache(relation) -%}
    {%- set names = [relation.identifier, relation.identifier ~ '__dbt_tmp',
                     relation.identifier ~ '__dbt_backup'] -%}
    {%- set found = run_query(
        "select c.relname, c.relkind from pg_catalog.pg_class as c"
        ~ " join pg_catalog.pg_namespace as n on n.oid = c.relnamespace"
        ~ " where n.nspname = " ~ dbt.string_literal(relation.schema)
        ~ " and c.relname in (" ~ names | map('string') | map('tojson') | join(', ')
            | replace('"', "'") ~ ")"
    ) -%}
    {%- set kinds = {} -%}
    {%- for row in found.rows -%}
        {%- do kinds.update({row[0]: 'view' if row[1] in ('v', 'm') else 'table'}) -%}
    {%- endfor -%}
    {%- for name in names -%}
        {%- set cached = adapter.get_relation(
            database=relation.database, schema=relation.schema, identifier=name) -%}
        {%- if cached is not none and (name not in kinds or cached.type != kinds[name]) -%}
            {%- do adapter.cache_dropped(cached) -%}
            {%- set cached = none -%}
        {%- endif -%}
        {%- if cached is none and name in kinds -%}
            {%- do adapter.cache_added(api.Relation.create(
                database=relation.database, schema=relation.schema, identifier=name,
                type=kinds[name])) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}
