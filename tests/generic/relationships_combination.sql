{#
    Fails with one row per combination of `columns` in the model that `to` does not have
    in `fields` (the same number of columns, in the same order): a relationships test of
    a composite key. Rows with a null in any of `columns` are not checked, as dbt's
    relationships test leaves out null values.
#}
{% test relationships_combination(model, columns, to, fields) %}
{%- if columns | length != fields | length or columns | length == 0 %}
    {{ exceptions.raise_compiler_error(
        'relationships_combination on ' ~ model ~ ': `columns` and `fields` need the same'
        ~ ' number of names, at least one (' ~ columns | length ~ ' and ' ~ fields | length
        ~ ')'
    ) }}
{%- endif %}

select
    {%- for column in columns %}
    child.{{ column }}{{ ',' if not loop.last }}
    {%- endfor %}
from {{ model }} as child
where
    {%- for column in columns %}
    child.{{ column }} is not null
    and {% endfor -%}
    not exists (
        select 1
        from {{ to }} as parent
        where
            {%- for column, field in zip(columns, fields) %}
            parent.{{ field }} = child.{{ column }}{{ ' and' if not loop.last }}
            {%- endfor %}
    )

{% endtest %}
