{#
    For a model aggregating int_requests_sessionized (aliased `requests`) incrementally:
    a join keeping the requests of the users re-sessionized since `this` was built,
    from the first re-sessionized request of each (a visit start, so whole sessions
    and activities). Renders nothing on a full build.
#}
{% macro sessionized_batch_join(requests) -%}
    {%- if is_incremental() %}
    inner join ({{ sessionized_batch_scope() }}) as batch
        on
            {{ requests }}.user_key = batch.user_key
            and {{ requests }}.requested_at >= batch.recompute_from
    {%- endif -%}
{%- endmacro %}
