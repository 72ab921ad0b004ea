{#
    The block levels that IP-block models aggregate at, as (label, column) pairs:
    each model loops over them, so /16 and /24 are computed by the same SQL.
#}
{% macro ip_block_levels() -%}
    {{ return([('/16', 'block_16'), ('/24', 'block_24')]) }}
{%- endmacro %}
