{#
    Fails with one row per combination of `combination_of_columns` that occurs more
    than once in the model (a composite-key uniqueness test). When the engine enforces
    the key (macro key_not_enforced), the rows are not grouped.
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

select
    {{ combination_of_columns | join(', ') }},
    count(*) as occurrences
from {{ model }}
where {{ key_not_enforced(model, combination_of_columns) }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1

{% endtest %}
