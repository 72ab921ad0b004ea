{#
    The end of a table model's select that stores its rows in the order of the given
    columns, where the engine keeps a table's rows in the order they were written.
    PostgreSQL does: a reader that groups by those columns or walks their index then
    reads the heap's pages in order, once each, instead of jumping between pages (at
    10M requests int_traffic_suspect_day_totals 79.0 s before and 38.3 s after,
    int_traffic_suspect_gap_days 51.6 s and 39.1 s; docs/performance.md). Other
    engines: nothing (Spark's files have no order a reader could use).
#}
{% macro stored_in_order(columns) -%}
    {{ return(adapter.dispatch('stored_in_order', 'access_analytics')(columns)) }}
{%- endmacro %}

{% macro default__stored_in_order(columns) -%}
{%- endmacro %}

{% macro postgres__stored_in_order(columns) -%}
    order by {{ columns | join(', ') }}
{%- endmacro %}
