{#
    The end of a table model's select that stores its rows in the order of the given
    columns, where the engine keeps a table's rows in the order they were written.
    PostgreSQL does: a reader that groups by those columns or walks their index then
    reads the heap's pages in order, once each, instead of jumping between pages. At
    10M requests, with the day totals grouping in that order (group_in_index_order),
    int_traffic_suspect_day_totals took 48.1 s on unsorted facts and 38.3 s on sorted
    ones, and int_traffic_suspect_gap_days 51.6 s and 39.1 s (docs/performance.md);
    sorting alone, with the planner's hash aggregates, bought nothing (76.8 s, 79.0 s).
    The order holds after a full build: an incremental run appends its batch after the
    stored rows, and its readers reach the batch through the index. Other engines:
    nothing (Spark's files have no order a reader could use).
#}
{% macro stored_in_order(columns) -%}
    {{ return(adapter.dispatch('stored_in_order', 'access_analytics')(columns)) }}
{%- endmacro %}

{% macro default__stored_in_order(columns) -%}
{%- endmacro %}

{% macro postgres__stored_in_order(columns) -%}
    order by {{ columns | join(', ') }}
{%- endmacro %}
