{#
    Columns derived from a validated IP (`ip_version` 4 or 6): the /16 and /24 block
    keys, and whether it is a private or reserved address rather than a public
    Internet client (the ranges: doc blocks private_ip and reserved_ip, in
    models/docs/definitions.md). IPv6 addresses get no blocks and no flags.
#}
{% macro ipv4_attributes(ip, ip_version) -%}
    {%- set first = ipv4_octet(ip, 1) -%}
    {%- set second = ipv4_octet(ip, 2) -%}
    {%- set third = ipv4_octet(ip, 3) -%}
    case when {{ ip_version }} = 4 then {{ ipv4_block(ip, 2) }} end as block_16,
    case when {{ ip_version }} = 4 then {{ ipv4_block(ip, 3) }} end as block_24,
    {#- CASE, not AND: PostgreSQL may evaluate both sides of an AND, and the octet casts
        fail on anything but IPv4. #}
    case when {{ ip_version }} = 4 then (
        {{ first }} = 10
        or ({{ first }} = 172 and {{ second }} between 16 and 31)
        or ({{ first }} = 192 and {{ second }} = 168)
        or ({{ first }} = 100 and {{ second }} between 64 and 127)
        or {{ first }} = 127
        or ({{ first }} = 169 and {{ second }} = 254)
    ) else false end as is_private_ip,
    case when {{ ip_version }} = 4 then (
        {{ first }} = 0
        or ({{ first }} = 192 and {{ second }} = 0 and {{ third }} in (0, 2))
        or ({{ first }} = 198 and {{ second }} in (18, 19))
        or ({{ first }} = 198 and {{ second }} = 51 and {{ third }} = 100)
        or ({{ first }} = 203 and {{ second }} = 0 and {{ third }} = 113)
        or {{ first }} >= 224
    ) else false end as is_reserved_ip
{%- endmacro %}
