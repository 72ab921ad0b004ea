{#
    A condition on the rows `rows` (an alias) alone that holds for every row of a batch
    given per key: `batch` selects `key` and the point `from_column` from which that
    key's rows are in the batch. The row's key is in the batch, and its `tail` is at or
    after the earliest point. Through an index on (key, tail), a run reads the recent
    rows of the batch's keys only: a join to the batch alone cannot be estimated, and
    PostgreSQL read every row (3 s at 10M requests for 13,000 of them).
#}
{% macro key_tail_bounds(rows, key, tail, batch, from_column) -%}
    {{ in_subquery(rows ~ '.' ~ key, 'select bounds.' ~ key ~ ' from (' ~ batch ~ ') as bounds') }}
    and {{ rows }}.{{ tail }} >= (
        select min(bounds.{{ from_column }}) from ({{ batch }}) as bounds
    )
{%- endmacro %}
