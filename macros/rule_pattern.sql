{#
    A regular expression written for PostgreSQL (an ARE: the user-agent rule seeds,
    src/access_analytics/rules.py) as the engine's own. PostgreSQL: as it is. Spark
    (Java regex) reads ARE's word-boundary escapes `\y` and `\Y` as errors: they become
    `\b` and `\B` (a backslash that is itself escaped is left alone). The other escapes
    the seeds use (`\d`, `\s`, `\w`, `\S`) mean the same in both.
#}
{% macro rule_pattern(expression) -%}
    {{ return(adapter.dispatch('rule_pattern', 'access_analytics')(expression)) }}
{%- endmacro %}

{% macro default__rule_pattern(expression) -%}
    {{ expression }}
{%- endmacro %}

{% macro spark__rule_pattern(expression) -%}
    {#- `~` stands for a backslash: the Java regex (?<!\\)((?:\\\\)*)\\y and so on. -#}
    {%- set backslash = '\\' -%}
    {%- set escaped = '(?<!~~)((?:~~~~)*)~~' | replace('~', backslash) -%}
    regexp_replace(
        regexp_replace(
            {{ expression }},
            {{ sql_literal(escaped ~ 'y') }},
            {{ sql_literal('$1' ~ backslash ~ backslash ~ 'b') }}
        ),
        {{ sql_literal(escaped ~ 'Y') }},
        {{ sql_literal('$1' ~ backslash ~ backslash ~ 'B') }}
    )
{%- endmacro %}
