{#
    A condition for the key tests (`unique`, `unique_combination_of_columns`): true
    unless the engine itself enforces that `columns` are unique in `model`. On
    PostgreSQL that is a valid unique index on exactly those columns (not partial, no
    expressions): every write, full build or incremental insert, checks it, and a
    duplicate fails the model. The test then reads the catalog instead of grouping
    every row (at 1M requests the `unique` test of a request table took 4 to 6 s). For a
    key of several columns the index must also treat nulls as equal (`nulls not
    distinct`) or the columns be `not null`, as the test groups nulls together. A
    view, a test with a `where` config (a subquery, not a relation) and any other
    engine get `1 = 1`: the test scans as before.
#}
{% macro key_not_enforced(model, columns) -%}
    {{ return(adapter.dispatch('key_not_enforced', 'access_analytics')(model, columns)) }}
{%- endmacro %}

{% macro default__key_not_enforced(model, columns) -%}
    1 = 1
{%- endmacro %}

{% macro postgres__key_not_enforced(model, columns) -%}
    {%- if not is_catalog_relation(model) -%}
        1 = 1
    {%- else -%}
        {%- set names = columns | map('lower') | map('trim') | unique | sort | list -%}
        not exists (
            select 1
            from pg_catalog.pg_index as key_index
            where
                key_index.indrelid = to_regclass('{{ model.include(database=false) }}')
                and key_index.indisunique
                and key_index.indisvalid
                and key_index.indpred is null
                and key_index.indexprs is null
                and key_index.indnatts = {{ names | length }}
                and (
                    select array_agg(cast(key_column.attname as text) order by key_column.attname)
                    from pg_catalog.pg_attribute as key_column
                    where
                        key_column.attrelid = key_index.indrelid
                        and key_column.attnum = any(cast(key_index.indkey as int2 []))
                ) = array[{% for name in names %}'{{ name }}'{{ ', ' if not loop.last }}{% endfor %}]
                {%- if names | length > 1 %}
                and (
                    {#- `nulls not distinct` is PostgreSQL 15's: read as false before. #}
                    coalesce(
                        cast(to_jsonb(key_index) ->> 'indnullsnotdistinct' as boolean), false
                    )
                    or not exists (
                        select 1
                        from pg_catalog.pg_attribute as key_column
                        where
                            key_column.attrelid = key_index.indrelid
                            and key_column.attnum = any(cast(key_index.indkey as int2 []))
                            and not key_column.attnotnull
                    )
                )
                {%- endif %}
        )
    {%- endif -%}
{%- endmacro %}
