{#
    True when `expression` matches the regular expression `pattern` ignoring case.
    `pattern` is any SQL string expression (a literal or a column).
#}
{% macro regexp_like_ci(expression, pattern) -%}
    {{ return(adapter.dispatch('regexp_like_ci', 'access_analytics')(expression, pattern)) }}
{%- endmacro %}

{% macro default__regexp_like_ci(expression, pattern) -%}
    ({{ expression }} ~* {{ pattern }})
{%- endmacro %}

{#- Java's (?i) folds ASCII letters only, as PostgreSQL's ~* does in the C locale. -#}
{% macro spark__regexp_like_ci(expression, pattern) -%}
    {%- set text = pattern | string | trim -%}
    {%- if modules.re.fullmatch("'(?:[^']|'')*'", text) -%}
        ({{ expression }} rlike {{ sql_literal('(?i)' ~ (text[1:-1] | replace("''", "'"))) }})
    {%- else -%}
        ({{ expression }} rlike concat('(?i)', {{ pattern }}))
    {%- endif -%}
{%- endmacro %}
