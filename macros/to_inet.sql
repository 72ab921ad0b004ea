{# An IP address as the engine's network-address type (PostgreSQL: inet). #}
{% macro to_inet(ip) -%}
    {{ return(adapter.dispatch('to_inet', 'access_analytics')(ip)) }}
{%- endmacro %}

{% macro default__to_inet(ip) -%}
    cast({{ ip }} as inet)
{%- endmacro %}
