{#
    The first `octets` octets of an IPv4 address written as text ('97.105' for 2, the
    /16 block; '97.105.19' for 3, the /24 block). Call it on validated IPv4 only.
#}
{% macro ipv4_block(ip, octets) -%}
    {%- set parts = [] -%}
    {%- for position in range(1, octets + 1) -%}
        {%- do parts.append(dbt.split_part(ip, "'.'", position)) -%}
        {%- if not loop.last %}{% do parts.append("'.'") %}{% endif -%}
    {%- endfor -%}
    {{ dbt.concat(parts) }}
{%- endmacro %}
