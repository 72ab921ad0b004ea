{#
    Fails with one row per combination of `columns` in the model that `to` does not have
    in `fields` (the same number of columns, in the same order): a relationships test of
    a composite key. Rows with a null in any of `columns` are not checked, as dbt's
    relationships test leaves out null values.
#}
{% test relationships_combination(model, columns, to, fields) %}

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
            {%- for column in columns %}
            parent.{{ fields[loop.index0] }} = child.{{ column }}{{ ' and' if not loop.last }}
            {%- endfor %}
    )

{% endtest %}
