{#
    dbt's grants on Spark, overridden by this project: open-source Spark has no grants
    (dbt-spark's `show grants on` is a syntax error there), and dbt runs it whenever a
    model with a `grants` config replaces a table that exists, so a second build failed
    on the security marts. Nothing is granted or revoked; on Databricks the adapter's own
    grants apply (adapter type `databricks`).
#}
{% macro spark__apply_grants(relation, grant_config, should_revoke=True) %}
{% endmacro %}
