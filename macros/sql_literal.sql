{#
    `value` (a Jinja string) as a SQL string literal of the engine. PostgreSQL (standard
    strings) doubles a quote and keeps a backslash as it is; Spark reads a backslash as
    an escape (`'\.'` is `.`), so there both are escaped with a backslash. Regular
    expressions and seed values go through it, so a backslash means the same everywhere.
#}
{% macro sql_literal(value) -%}
    {{ return(adapter.dispatch('sql_literal', 'access_analytics')(value)) }}
{%- endmacro %}

{% macro default__sql_literal(value) -%}
    {{ return("'" ~ (value | string | replace("'", "''")) ~ "'") }}
{%- endmacro %}

{% macro spark__sql_literal(value) -%}
    {{ return("'" ~ (value | string | replace('\\', '\\\\') | replace("'", "\\'")) ~ "'") }}
{%- endmacro %}
