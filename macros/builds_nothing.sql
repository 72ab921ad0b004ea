{#
    True for a dbt command that only reads: `compile`, `docs generate`, `show`, `list`,
    `parse`. It takes no turn in the build lock (claim_build_lock, release_build_lock):
    dbt renders the project's hooks as nodes of such a command's graph, in no fixed order,
    so a freeing hook rendered before the claiming one left the warehouse held until it
    counted as orphaned (a full `dbt compile` held it, and the next build waited for it).
#}
{% macro builds_nothing() %}
    {{ return(flags.WHICH in ['compile', 'generate', 'show', 'list', 'ls', 'parse']) }}
{% endmacro %}
