{#
    A pre-hook for a model whose full build groups every request by keys that an index
    also orders. At 10M requests PostgreSQL read int_requests_traffic_facts in the order
    of its (ip, local_date) index to group without sorting: the index visits the heap's
    pages out of order, 2.9M page reads for 10M rows: the IP totals of
    int_traffic_suspect_day_totals took 47 s where a sequential read and a hash took
    3.8 s, and int_traffic_suspect_values 43.0 s against 29.6 s (docs/performance.md).
    int_traffic_suspect_gap_days keeps the index: its windows need that order, and a
    sort of every request took longer. Only when the model reads everything (not
    incremental): an incremental run reads its batch through that index. The setting
    lasts for the model's transaction. No other engine needs it.
    The day totals have since moved to group_in_index_order: the facts are now stored
    in the index's order (macro stored_in_order), so reading them in that order costs
    no page jumps; int_traffic_suspect_values still uses this macro.
#}
{% macro prefer_sequential_reads() -%}
    {{ return(adapter.dispatch('prefer_sequential_reads', 'access_analytics')()) }}
{%- endmacro %}

{% macro default__prefer_sequential_reads() -%}
{%- endmacro %}

{% macro postgres__prefer_sequential_reads() -%}
    {%- if not is_incremental() -%}
        set local enable_indexscan = off
    {%- endif -%}
{%- endmacro %}
