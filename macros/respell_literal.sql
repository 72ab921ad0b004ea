{#
    A SQL expression in which a macro argument written as a standard SQL string literal
    (`'...'`, a quote doubled, a backslash as itself) is respelled for the engine
    (sql_literal); any other expression (a column, a concatenation) is returned as it is.
    The regular-expression macros take their patterns in the standard spelling.
#}
{% macro respell_literal(expression) -%}
    {%- set text = expression | string | trim -%}
    {%- if modules.re.fullmatch("'(?:[^']|'')*'", text) -%}
        {{ return(sql_literal(text[1:-1] | replace("''", "'"))) }}
    {%- endif -%}
    {{ return(expression) }}
{%- endmacro %}
