{#
    Fails with one row per combination of `combination_of_columns` that occurs more
    than once in the model (a composite-key uniqueness test).
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

select
    {{ combination_of_columns | join(', ') }},
    count(*) as occurrences
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1

{% endtest %}
