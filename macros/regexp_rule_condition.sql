{#
    The condition of regexp_rule_matches for one rule (`rules`) and one subject
    (`subjects`): the rule's required text is in the subject (its lower-case copy when
    the rule ignores case), a cheap substring search, and only then the regex. A case,
    not an `and`: an engine may evaluate and-ed conditions in any order.
#}
{% macro regexp_rule_condition(subject_column, subject_lower_column) -%}
    case
        when
            coalesce(rules.required_text, '') = ''
            or {{ dbt.position(
                'rules.required_text',
                'case when rules.is_case_insensitive then subjects.' ~ subject_lower_column
                ~ ' else subjects.' ~ subject_column ~ ' end'
            ) }} > 0
            then {{ regexp_like('subjects.' ~ subject_column, rule_pattern('rules.pattern')) }}
        else false
    end
{%- endmacro %}
