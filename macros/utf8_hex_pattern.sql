{#
    A regular expression (no anchors, one group) for the hex digits of one printable,
    well-formed UTF-8 character: printable ASCII, then the multi-byte sequences. Upper
    case; it has no backslash, so it reads the same in every engine's string literal.
#}
{% macro utf8_hex_pattern() -%}
    {{ return("(?:[2-6][0-9A-F]|7[0-9A-E]"
        ~ "|(?:C[2-9A-F]|D[0-9A-F])[89AB][0-9A-F]"
        ~ "|E0[AB][0-9A-F][89AB][0-9A-F]"
        ~ "|(?:E[1-9A-CEF])(?:[89AB][0-9A-F]){2}"
        ~ "|ED[89][0-9A-F][89AB][0-9A-F]"
        ~ "|F0[9AB][0-9A-F](?:[89AB][0-9A-F]){2}"
        ~ "|F[1-3](?:[89AB][0-9A-F]){3}"
        ~ "|F48[0-9A-F](?:[89AB][0-9A-F]){2})") }}
{%- endmacro %}
