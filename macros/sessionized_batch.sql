{#
    For a model aggregating int_requests_sessionized incrementally: a filter keeping
    the requests of the users re-sessionized since `this` was built, from the first
    re-sessionized request of each (a visit start, so whole sessions and activities).
    Renders `true` on a full build.
#}
{% macro sessionized_batch(requests) -%}
    {%- if is_incremental() -%}
        exists (
            select 1
            from (
                select
                    user_key,
                    min(requested_at) as recompute_from
                from {{ ref('int_requests_sessionized') }}
                where sessionized_at > (select max(sessionized_at) from {{ this }})
                group by user_key
            ) as batch
            where
                batch.user_key = {{ requests }}.user_key
                and {{ requests }}.requested_at >= batch.recompute_from
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
