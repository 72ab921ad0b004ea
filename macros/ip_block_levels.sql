{#
    The block levels that IP-block models aggregate at, as (label, column) pairs:
    each model loops over them, so /16 and /24 are computed by the same SQL.
#}
{% macro ip_block_levels() -%}
    {{ return([('/16', 'block_16'), ('/24', 'block_24')]) }}
{%- endmacro %}

{# `select * from by_block_16 union all select * from by_block_24`: the per-level CTEs
   (named by_<column>) of a model that loops over ip_block_levels(), as one relation. #}
{% macro union_ip_block_levels() -%}
    {%- for level, column in ip_block_levels() %}
    select * from by_{{ column }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
