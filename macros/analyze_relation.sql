{#
    Fresh planner statistics for a table the run has just built or changed. PostgreSQL
    collects them only when autovacuum gets round to it, so the next model's plan
    would assume a tiny table: at 10M requests the planner expected 7,700 rows where
    5.65M came, and sorted 589 MB on disk instead of hashing in memory. A post-hook of
    every model (dbt_project.yml); views and ephemeral models have nothing to analyze.
#}
{% macro analyze_relation(relation) -%}
    {{ return(adapter.dispatch('analyze_relation', 'access_analytics')(relation)) }}
{%- endmacro %}

{% macro default__analyze_relation(relation) -%}
{%- endmacro %}

{% macro postgres__analyze_relation(relation) -%}
    {%- if config.get('materialized') in ('table', 'incremental') -%}
        analyze {{ relation }}
    {%- endif -%}
{%- endmacro %}
