{#
    dbt's `create schema if not exists`, which dbt runs for every schema of a run before
    its hooks, one transaction at a time per database: two first builds of a new
    database would otherwise both create the schema and one fail on a duplicate key
    (pg_namespace). The advisory lock lasts until dbt commits the schema.
#}
{% macro postgres__create_schema(relation) -%}
    {%- if relation.database -%}
        {{ adapter.verify_database(relation.database) }}
    {%- endif -%}
    {%- call statement('create_schema') -%}
        select pg_advisory_xact_lock(hashtext('access_analytics.create_schema'));
        create schema if not exists {{ relation.without_identifier().include(database=False) }}
    {%- endcall -%}
{%- endmacro %}
