{# Octet number `position` (1-4) of a validated IPv4 address, as an integer. #}
{% macro ipv4_octet(ip, position) -%}
    cast({{ dbt.split_part(ip, "'.'", position) }} as {{ dbt.type_int() }})
{%- endmacro %}
