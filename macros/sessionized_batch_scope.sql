{#
    The users re-sessionized since `this` was built, each with the first re-sessionized
    request (`recompute_from`), read from every request (int_requests_sessionized_all_traffic):
    a user whose requests all left the sessions is in the scope too, so that the
    incremental strategy `replace_key_tail` (config `tail_scope: sessionized_batch`)
    deletes the sessions that no longer exist.
#}
{% macro sessionized_batch_scope() -%}
    select
        user_key,
        min(requested_at) as recompute_from
    from {{ ref('int_requests_sessionized_all_traffic') }}
    where sessionized_at > {{ incremental_watermark('sessionized_at') }}
    group by user_key
{%- endmacro %}
