{#
    True when a data test's `model` is a relation the catalog knows (a table or view by
    name), false for the subquery dbt gives a test with a `where` config: the tests that
    read the catalog instead of scanning (key_not_enforced, null_not_enforced) can only
    look up the former.
#}
{% macro is_catalog_relation(model) %}
    {{ return(model is not string and model.identifier is defined) }}
{% endmacro %}
