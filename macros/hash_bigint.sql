{#
    A 64-bit integer hash of a text expression, the same on every engine: the first 16
    hex digits of its MD5, read as a signed bigint. For narrow keys into a dimension
    (user_agent_key): 8 bytes a row instead of the text. Null stays null. Among a
    million distinct texts, two share a hash with odds of about 1 in 37 million.
#}
{% macro hash_bigint(expression) -%}
    {{ return(adapter.dispatch('hash_bigint', 'access_analytics')(expression)) }}
{%- endmacro %}

{% macro default__hash_bigint(expression) -%}
    cast(cast('x' || substr(md5({{ expression }}), 1, 16) as bit(64)) as bigint)
{%- endmacro %}

{#- conv with a negative base reads the digits as a signed number. -#}
{% macro spark__hash_bigint(expression) -%}
    cast(conv(substr(md5({{ expression }}), 1, 16), 16, -10) as bigint)
{%- endmacro %}
