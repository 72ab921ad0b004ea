{#
    HMAC-SHA-256 of a text expression under the database's secret key
    (`private.pseudonym_key`, see create_pseudonym_key), as 32 hex digits (128 bits).
    Null stays null. Only a view owned by the key's owner can evaluate it for a reader:
    the reader can neither read the key nor hash a value of its choosing.
#}
{% macro keyed_hash(expression) %}
    {{ return(adapter.dispatch('keyed_hash', 'access_analytics')(expression)) }}
{% endmacro %}

{% macro default__keyed_hash(expression) %}
    {{ exceptions.raise_compiler_error('keyed_hash is implemented for PostgreSQL only') }}
{% endmacro %}

{% macro postgres__keyed_hash(expression) -%}
    left(encode(sha256(
        (select pseudonym_key.outer_pad from private.pseudonym_key)
        || sha256(
            (select pseudonym_key.inner_pad from private.pseudonym_key)
            || convert_to({{ expression }}, 'UTF8')
        )
    ), 'hex'), 32)
{%- endmacro %}
