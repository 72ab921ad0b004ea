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
    the batch `scope` (a sessionized_batch_scope() query): macro key_tail_bounds on
    (user_key, requested_at) from each user's `recompute_from`.
#}
{% macro sessionized_batch_bounds(requests, scope) -%}
    {{ key_tail_bounds(requests, 'user_key', 'requested_at', scope, 'recompute_from') }}
{%- endmacro %}
