{#
    For a model aggregating int_requests_sessionized (aliased `requests`) incrementally:
    a join keeping the requests of the users re-sessionized since `this` was built,
    from the first re-sessionized request of each (a visit start, so whole sessions
    and activities), and a `where` clause bounding the same requests by themselves
    (macro sessionized_batch_bounds). Renders nothing on a full build.
#}
{% macro sessionized_batch_join(requests) -%}
    {%- if is_incremental() %}
    {%- set scope = sessionized_batch_scope() %}
    inner join ({{ scope }}) as batch
        on
            {{ requests }}.user_key = batch.user_key
            and {{ requests }}.requested_at >= batch.recompute_from
    where {{ sessionized_batch_bounds(requests, scope) }}
    {%- endif -%}
{%- endmacro %}

{#
    A condition on the requests alone (alias `requests`) that holds for every request of
    the batch `scope` (a sessionized_batch_scope() query): its user is in the scope, and
    it is dated at or after the earliest point to recompute from. Through the index on
    (user_key, requested_at), a run reads the recent requests of the users in the scope
    only: a join to the scope alone cannot be estimated, and PostgreSQL read every
    request (3 s at 10M requests for 13,000 of them).
#}
{% macro sessionized_batch_bounds(requests, scope) -%}
    {{ in_subquery(requests ~ '.user_key', 'select bounds.user_key from (' ~ scope ~ ') as bounds') }}
    and {{ requests }}.requested_at >= (
        select min(bounds.recompute_from) from ({{ scope }}) as bounds
    )
{%- endmacro %}
