{#
    The end of a table model's select that stores its rows in the order of the given
    columns, where the engine keeps a table's rows in the order they were written.
    PostgreSQL does: a reader that groups by those columns or walks their index then
    reads the heap's pages in order, once each, instead of jumping between pages
    (measured at 10M: docs/performance.md, "The suspects' day totals grouped as the
    facts are read").
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
