{#
    The users whose sessions were recomputed since `this` (an incremental sessions
    model) was last built, each with the point to recompute from: the rows of the
    scope model int_sessionization_scope stamped after the model's own latest
    `sessionized_at` (the earliest point when several runs recomputed a user since).
    A user whose requests all left the sessions is in the scope too, so that the
    incremental strategy `replace_key_tail` (config `tail_scope: sessionized_batch`)
    deletes the sessions that no longer exist.
#}
{% macro sessionized_batch_scope() -%}
    select
        user_key,
        min(recompute_from) as recompute_from
    from {{ ref('int_sessionization_scope') }}
    where scoped_at > {{ incremental_watermark('sessionized_at') }}
    group by user_key
{%- endmacro %}
