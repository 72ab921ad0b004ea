{#
    Bring dbt's relation cache up to date for `relations` and their `__dbt_tmp` and
    `__dbt_backup` siblings, from the catalog (one query): dbt read the catalog when the
    run started, and another build may have created, replaced or dropped them before
    this one held the warehouse (claim_build_lock).
#}
{% macro sync_relation_cache(relations) -%}
    {{ return(adapter.dispatch('sync_relation_cache', 'access_analytics')(relations)) }}
{%- endmacro %}

{% macro default__sync_relation_cache(relations) -%}
    {# Other engines: the cache of the run's start is used as is. #}
{%- endmacro %}

{% macro postgres__sync_relation_cache(relations) -%}
    {%- set schemas = relations | map(attribute='schema') | unique | list -%}
    {%- if schemas -%}
        {%- set found = run_query(
            "select n.nspname, c.relname, c.relkind from pg_catalog.pg_class as c"
            ~ " join pg_catalog.pg_namespace as n on n.oid = c.relnamespace"
            ~ " where c.relkind in ('r', 'p', 'v', 'm', 'f') and n.nspname in ("
            ~ schemas | map('string') | map('tojson') | join(', ') | replace('"', "'") ~ ")"
        ) -%}
        {%- set kinds = {} -%}
        {%- for row in found.rows -%}
            {%- do kinds.update({row[0] ~ '.' ~ row[1]: 'view' if row[2] in ('v', 'm') else 'table'}) -%}
        {%- endfor -%}
        {%- for relation in relations -%}
            {%- for name in [relation.identifier, relation.identifier ~ '__dbt_tmp',
                             relation.identifier ~ '__dbt_backup'] -%}
                {%- set key = relation.schema ~ '.' ~ name -%}
                {%- set cached = adapter.get_relation(
                    database=relation.database, schema=relation.schema, identifier=name) -%}
                {%- if cached is not none and (key not in kinds or cached.type != kinds[key]) -%}
                    {%- do adapter.cache_dropped(cached) -%}
                    {%- set cached = none -%}
                {%- endif -%}
                {%- if cached is none and key in kinds -%}
                    {%- do adapter.cache_added(api.Relation.create(
                        database=relation.database, schema=relation.schema, identifier=name,
                        type=kinds[key])) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
