{#
    dbt's own `load_cached_relation`, which every materialization calls first to learn
    whether its relation exists, overridden to make builds take turns: it first waits
    for another dbt invocation that builds the same relation (`wait_for_build_lock`),
    then refreshes dbt's cached view of the relation, which was read when this run
    started and may predate the other run's work (`sync_relation_cache`).
#}
{% macro load_cached_relation(relation) -%}
    {%- if execute and this is defined and this is not none
        and relation.identifier == this.identifier and relation.schema == this.schema -%}
        {%- do wait_for_build_lock() -%}
        {%- do sync_relation_cache(relation) -%}
    {%- endif -%}
    {%- do return(adapter.get_relation(
        database=relation.database,
        schema=relation.schema,
        identifier=relation.identifier
    )) -%}
{%- endmacro %}
