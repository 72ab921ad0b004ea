{#
    The non-null values of `expressions` (a list of SQL expressions) joined by
    `separator`; an empty string when all are null.
#}
{% macro join_non_null(separator, expressions) -%}
    {{ return(adapter.dispatch('join_non_null', 'access_analytics')(separator, expressions)) }}
{%- endmacro %}

{% macro default__join_non_null(separator, expressions) -%}
    concat_ws('{{ separator }}', {{ expressions | join(', ') }})
{%- endmacro %}
