{#
    A condition for the `not_null` tests (`not_null`, `not_null_columns`): true unless
    the engine itself refuses nulls in every one of `columns` of `model`. On PostgreSQL
    that is a `not null` constraint on each column (the raw tables declare them: the
    loader writes no null there, and the table refuses one): the test then reads the
    catalog instead of scanning every row (at 10M requests two `not_null` tests of
    `raw.curriculum_requests` took 38 and 33 s). A column the catalog does not show
    (another name, a relation not found), a view, a test with a `where` config (a
    subquery, not a relation) and any other engine get `1 = 1`: the test scans.
#}
{% macro null_not_enforced(model, columns) -%}
    {{ return(adapter.dispatch('null_not_enforced', 'access_analytics')(model, columns)) }}
{%- endmacro %}

{% macro default__null_not_enforced(model, columns) -%}
    1 = 1
{%- endmacro %}

{% macro postgres__null_not_enforced(model, columns) -%}
    {%- if not is_catalog_relation(model) -%}
        1 = 1
    {%- else -%}
        {%- set names = columns | map('lower') | map('trim') | unique | sort | list -%}
        not coalesce((
            select bool_and(declared_column.attnotnull)
            from pg_catalog.pg_attribute as declared_column
            where
                declared_column.attrelid = to_regclass('{{ model.include(database=false) }}')
                and not declared_column.attisdropped
                and cast(declared_column.attname as text) in (
                    {%- for name in names %}'{{ name }}'{{ ', ' if not loop.last }}{% endfor -%}
                )
            having count(*) = {{ names | length }}
        ), false)
    {%- endif -%}
{%- endmacro %}
