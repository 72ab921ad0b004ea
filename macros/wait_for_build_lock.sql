{#
    One build at a time: before a model or seed is built, and before an incremental
    model reads its watermark, its connection takes a lock on the relation, waiting
    (with a message) while another dbt invocation builds it. The lock is a session lock
    and dbt closes the node's connection when the node is done, so it is held from the
    watermark read to the commit and released even when dbt is killed. Two builds
    started at once therefore take turns node by node: the second finds the first's
    rows already there and adds none twice. Called from `load_cached_relation` (the
    first thing every materialization does), from `incremental_watermark` (compile
    time) and from the seeds' pre-hook.
#}
{% macro wait_for_build_lock() -%}
    {{ return(adapter.dispatch('wait_for_build_lock', 'access_analytics')()) }}
{%- endmacro %}

{% macro default__wait_for_build_lock() -%}
    {# Other engines: no advisory locks; run one build at a time yourself. #}
{%- endmacro %}

{% macro postgres__wait_for_build_lock() -%}
    {%- if execute -%}
        {%- set key = "hashtext(" ~ dbt.string_literal("access_analytics.build:" ~ this) ~ ")" -%}
        {%- set taken = run_query("select pg_try_advisory_lock(" ~ key ~ ")") -%}
        {%- if not taken.columns[0].values()[0] -%}
            {{ log("another dbt invocation is building " ~ this ~ ": waiting for it (one build at a time)", info=True) }}
            {%- do run_query("select pg_advisory_lock(" ~ key ~ ")") -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
