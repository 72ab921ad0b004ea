{#
    Fresh planner statistics for a table the run has just built or changed. PostgreSQL
    collects them only when autovacuum gets round to it, so the next model's plan
    would assume a tiny table: at 10M requests the planner expected 7,700 rows where
    5.65M came, and sorted 589 MB on disk instead of hashing in memory. A post-hook of
    every model, after its commit and flush_table_statistics (dbt_project.yml); views
    and ephemeral models have nothing to analyze.
    An incremental model is analyzed only when it has no column statistics yet (a first
    build or a full refresh: pg_stats has no row for it; the row estimate is no sign,
    as creating an index sets it) or has grown by more than a tenth since them:
    analyzing a large table after a small incremental batch cost more than the batch
    (4 s of a 5 s model at 200,000 requests), and its plans do not change.
    The sample is small (the var `analyze_statistics_target`, `set local`: this
    transaction only): at 1M requests it analyzes a table in 25-50 ms instead of
    0.1-0.8 s, and the plans measured there were as good (docs/performance.md).
#}
{% macro analyze_relation(relation) -%}
    {{ return(adapter.dispatch('analyze_relation', 'access_analytics')(relation)) }}
{%- endmacro %}

{% macro default__analyze_relation(relation) -%}
{%- endmacro %}

{% macro postgres__analyze_relation(relation) -%}
    {%- set target = var('analyze_statistics_target') | int -%}
    {%- if config.get('materialized') == 'table' -%}
        set local default_statistics_target = {{ target }};
        analyze {{ relation }}
    {%- elif config.get('materialized') == 'incremental' -%}
        do $$
        begin
            if (
                select
                    not exists (
                        select
                        from pg_catalog.pg_stats as column_stats
                        where
                            column_stats.schemaname = '{{ relation.schema }}'
                            and column_stats.tablename = '{{ relation.identifier }}'
                    )
                    or pg_relation_size(stats.oid)
                    > 1.1 * stats.relpages * current_setting('block_size')::bigint
                from pg_catalog.pg_class as stats
                where stats.oid = '{{ relation }}'::regclass
            ) then
                perform set_config('default_statistics_target', '{{ target }}', true);
                execute 'analyze {{ relation }}';
            end if;
        end
        $$
    {%- endif -%}
{%- endmacro %}

{#
    Hands this session's counts of changed rows to PostgreSQL's statistics at once: the
    post-hook before analyze_relation, after the model's commit. A session reports them
    when it next goes idle, but at most once a second; reported after the analyze, they
    counted as changes since it, so autovacuum analyzed every table the build made a
    second time, with PostgreSQL's full sample, while the build ran on.
#}
{% macro flush_table_statistics() -%}
    {{ return(adapter.dispatch('flush_table_statistics', 'access_analytics')()) }}
{%- endmacro %}

{% macro default__flush_table_statistics() -%}
{%- endmacro %}

{% macro postgres__flush_table_statistics() -%}
    {%- if config.get('materialized') in ('table', 'incremental') -%}
        select pg_stat_force_next_flush()
    {%- endif -%}
{%- endmacro %}
