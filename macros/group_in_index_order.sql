{#
    A pre-hook for a model whose full build groups every request by the columns its
    input is stored in (macro stored_in_order) and indexed by. PostgreSQL's planner
    prefers hash aggregates, which at 10M requests spilled to disk (four of them, in up
    to 21 batches each) where grouping the rows in the order they are read needs next to
    no memory (measured at 10M: docs/performance.md, "The suspects' day totals
    grouped as the facts are read"). Only when the model reads everything
    (not incremental): an incremental run groups a small batch, where a hash is right.
    The setting lasts for the model's transaction. No other engine needs it.
#}
{% macro group_in_index_order() -%}
    {{ return(adapter.dispatch('group_in_index_order', 'access_analytics')()) }}
{%- endmacro %}

{% macro default__group_in_index_order() -%}
{%- endmacro %}

{% macro postgres__group_in_index_order() -%}
    {%- if not is_incremental() -%}
        set local enable_hashagg = off
    {%- endif -%}
{%- endmacro %}
