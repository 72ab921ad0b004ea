{#
    The last `on-run-end` hook: frees the warehouse that claim_build_lock claimed for
    this invocation (a run that never got it frees nothing). A run that stops before its
    `on-run-end` (killed, interrupted, a failed hook before this one) leaves its row,
    which the next build or load treats as void once no session of the run is left for
    `build_orphan_after`.
#}
{% macro release_build_lock() %}
    {{ return(adapter.dispatch('release_build_lock', 'access_analytics')()) }}
{% endmacro %}

{% macro default__release_build_lock() %}
    select 1 as build_lock_not_implemented
{% endmacro %}

{% macro postgres__release_build_lock() %}
    {%- if execute and not builds_nothing() -%}
        {%- do run_query(
            "delete from private.build_lock where invocation_id = "
            ~ dbt.string_literal(invocation_id)
        ) -%}
        {%- do run_query("commit") -%}
    {%- endif -%}
    select 1 as build_lock_released
{% endmacro %}
