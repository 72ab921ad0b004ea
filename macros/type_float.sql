{#
    dbt's `dbt.type_float()` on Spark, overridden by this project: `float` is 32-bit on
    Spark (about 7 digits) where PostgreSQL's is 64-bit, so shares and scores would
    silently lose precision. `double` is Spark's 64-bit float, the type PostgreSQL uses.
#}
{% macro spark__type_float() -%}
    double
{%- endmacro %}
