{#
    uap-core's replacement templates: `template` with $1 ... $9 replaced by the capture
    groups of the first match of `pattern` in `expression` (an unmatched group is
    empty), trimmed; null when the result is empty.
#}
{% macro regexp_template(expression, pattern, template) -%}
    {{ return(adapter.dispatch('regexp_template', 'access_analytics')(expression, pattern, template)) }}
{%- endmacro %}

{% macro default__regexp_template(expression, pattern, template) -%}
    (
        select
            nullif(trim(
                {%- for group in range(9, 0, -1) %}replace({% endfor -%}
                {{ template }}
                {%- for group in range(1, 10) -%}
                    , '${{ group }}', coalesce(captures.groups[{{ group }}], ''))
                {%- endfor -%}
            ), '')
        from (select regexp_match({{ expression }}, {{ pattern }}) as groups) as captures
    )
{%- endmacro %}

{#-
    regexp_extract fails on a group the pattern does not have: a group is extracted only
    when the template names it. An unmatched group or pattern gives '', as coalesce does
    in the default. The pattern is a rule's (rule_pattern translates it).
-#}
{% macro spark__regexp_template(expression, pattern, template) -%}
    {%- set pattern = rule_pattern(pattern) -%}
    nullif(trim(
        {%- for group in range(9, 0, -1) %}replace({% endfor -%}
        {{ template }}
        {%- for group in range(1, 10) -%}
            , '${{ group }}', case
                when instr({{ template }}, '${{ group }}') > 0
                    then coalesce(regexp_extract({{ expression }}, {{ pattern }}, {{ group }}), '')
                else ''
            end)
        {%- endfor -%}
    ), '')
{%- endmacro %}
