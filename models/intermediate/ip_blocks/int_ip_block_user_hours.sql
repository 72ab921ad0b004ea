{#
    The people of analysis E: a user is an IP and a user agent (its key, doc block
    user_agent_key). Bots are left out (they are nobody's OS mix; non-human traffic is
    not in int_requests_sessionized), and so are requests without an IPv4 block. Hours
    and dates are local (the web log's own offset, or var `curriculum_log_timezone`).
    The requests are read from the sessionized table, which holds every request but the
    future-dated ones: a table scan is several times faster than the enriched view's
    joins.
#}
with

requests as (
    select * from {{ ref('int_requests_sessionized') }}
),

people as (
    select
        ip,
        {{ user_agent_join_key('user_agent_key') }} as user_agent_key,
        block_16,
        block_24,
        coalesce(os_class, 'other') as os_class,
        cast(requested_local_time as date) as activity_date,
        cast({{ extract_part('hour', 'requested_local_time') }} as {{ dbt.type_int() }})
            as activity_hour
    from requests
    where
        block_16 is not null
        and not coalesce(is_bot, false)
),

user_hours as (
    select
        ip,
        user_agent_key,
        block_16,
        block_24,
        os_class,
        activity_date,
        activity_hour,
        count(*) as requests
    from people
    group by
        ip,
        user_agent_key,
        block_16,
        block_24,
        os_class,
        activity_date,
        activity_hour
),

keyed as (
    select
        {{ dbt.concat([
            'ip', "'|'", dbt.cast('user_agent_key', dbt.type_string())
        ]) }} as block_user_key,
        user_hours.*,
        {{ day_of_week('activity_date') }} as day_of_week
    from user_hours
)

select * from keyed
