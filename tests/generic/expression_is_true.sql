{#
    Fails with one row per row of the model for which the SQL boolean `expression` is
    not true (false or null), e.g. `last_seen_at >= first_seen_at`. (dbt's own
    `config: where:` limits the rows tested.)
#}
{% test expression_is_true(model, expression) %}

select *
from {{ model }}
where not coalesce(({{ expression }}), false)

{% endtest %}
