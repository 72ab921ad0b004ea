{#
    The (subject, rule) pairs where a rule's regular expression matches a subject.
    `rules` is a relation with columns rule_key, pattern and required_text (text every
    match contains, lower case when is_case_insensitive, '' for none); `subjects` has
    `subject_column` and its lower-case copy `subject_lower_column`. The required text is
    tested first with a substring search, a cheap prefilter.
#}
{% macro regexp_rule_matches(rules, subjects, subject_column, subject_lower_column) -%}
    {{ return(adapter.dispatch('regexp_rule_matches', 'access_analytics')(
        rules, subjects, subject_column, subject_lower_column)) }}
{%- endmacro %}

{#
    PostgreSQL keeps only 32 compiled regular expressions: the loop goes rule by rule
    (offset 0 keeps the planner from turning the lateral subquery into a join that
    loops over subjects and recompiles every pattern for each), and the case runs the
    regex only after the prefilter (PostgreSQL may reorder plain and-ed conditions).
#}
{% macro default__regexp_rule_matches(rules, subjects, subject_column, subject_lower_column) -%}
    select
        rules.rule_key,
        matched.{{ subject_column }}
    from {{ rules }} as rules
    cross join lateral (
        select subjects.{{ subject_column }}
        from {{ subjects }} as subjects
        where {{ regexp_rule_condition(subject_column, subject_lower_column) }}
        offset 0
    ) as matched
{%- endmacro %}

{#- Spark: one join; the prefilter guards the regex inside the case. -#}
{% macro spark__regexp_rule_matches(rules, subjects, subject_column, subject_lower_column) -%}
    select
        rules.rule_key,
        subjects.{{ subject_column }}
    from {{ rules }} as rules
    inner join {{ subjects }} as subjects
        on {{ regexp_rule_condition(subject_column, subject_lower_column) }}
{%- endmacro %}
