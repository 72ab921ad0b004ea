{#
    Layers get plain schema names (staging, intermediate, marts, seeds) instead of
    dbt's default "<target schema>_<custom schema>", so BI tools and docs see stable
    names. Models without a custom schema go to the target schema. The var
    `schema_prefix` (default empty) prefixes every layer's schema, so an experiment
    (e.g. another session gap) can build beside the real layers without touching them.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set prefix = var('schema_prefix', '') or '' -%}
    {%- if custom_schema_name is none -%}
        {{ prefix }}{{ target.schema }}
    {%- else -%}
        {{ prefix }}{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
