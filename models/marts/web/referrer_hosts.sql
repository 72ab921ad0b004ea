{#
    Which sites send visitors, and how long do their visitors stay (analysis C's
    "broken site" rule, applied to referring hosts): per month and external referring
    host, the requests it referred, the sessions it started, their mean and standard
    deviation of duration and the share of one-page sessions. Among the hosts that
    started at least `referrer_min_sessions` sessions in the month, the
    `referrer_flag_shortest_n` with the shortest mean session are flagged.
#}
with

int_requests_sessionized as (
    select * from {{ ref('int_requests_sessionized') }}
),

int_requests_referred as (
    select * from {{ ref('int_requests_referred') }}
),

fct_sessions as (
    select * from {{ ref('fct_sessions') }}
),

{# The web log's sessionized requests, the columns the steps below use: PostgreSQL
   keeps a CTE read by two steps whole, so the other logs' requests are left out here. #}
web_requests as (
    select
        request_id,
        session_id,
        requested_at,
        is_asset
    from int_requests_sessionized
    where log_kind = 'web'
),

external_requests as (
    select
        web_requests.request_id,
        web_requests.session_id,
        web_requests.requested_at,
        web_requests.is_asset,
        int_requests_referred.referrer_host
    from web_requests
    inner join int_requests_referred
        on web_requests.request_id = int_requests_referred.request_id
    where
        not coalesce(int_requests_referred.referrer_is_internal, false)
        and int_requests_referred.referrer_host is not null
),

referred_requests as (
    select
        cast({{ dbt.date_trunc('month', 'requested_at') }} as date) as period_month,
        referrer_host,
        count(*) as requests
    from external_requests
    group by
        cast({{ dbt.date_trunc('month', 'requested_at') }} as date),
        referrer_host
),

{# A session's entry is its first request; a page before the assets it loads at the
   same second. #}
entries as (
    select
        session_id,
        request_id,
        row_number() over (
            partition by session_id
            order by requested_at, is_asset, request_id
        ) as position_in_session
    from web_requests
),

referred_sessions as (
    select
        external_requests.referrer_host,
        fct_sessions.session_id,
        cast({{ dbt.date_trunc('month', 'fct_sessions.session_started_at') }} as date)
            as period_month,
        fct_sessions.duration_seconds,
        fct_sessions.requests - fct_sessions.asset_requests <= 1 as is_bounce
    from entries
    inner join external_requests
        on entries.request_id = external_requests.request_id
    inner join fct_sessions
        on entries.session_id = fct_sessions.session_id
    where entries.position_in_session = 1
),

session_stats as (
    select
        period_month,
        referrer_host,
        count(*) as sessions_started,
        avg(duration_seconds) as mean_session_seconds,
        {{ stddev_sample('duration_seconds') }} as sd_session_seconds,
        avg(case when is_bounce then 1.0 else 0.0 end) as bounce_share
    from referred_sessions
    group by period_month, referrer_host
),

hosts as (
    select
        referred_requests.period_month,
        referred_requests.referrer_host,
        referred_requests.requests,
        coalesce(session_stats.sessions_started, 0) as sessions_started,
        session_stats.mean_session_seconds,
        session_stats.sd_session_seconds,
        session_stats.bounce_share,
        coalesce(session_stats.sessions_started, 0)
        >= {{ var('referrer_min_sessions') }} as has_enough_sessions
    from referred_requests
    left join session_stats
        on
            referred_requests.period_month = session_stats.period_month
            and referred_requests.referrer_host = session_stats.referrer_host
),

ranked as (
    select
        hosts.*,
        case
            when has_enough_sessions
                then row_number() over (
                    partition by period_month, has_enough_sessions
                    order by mean_session_seconds, referrer_host
                )
        end as shortest_session_rank
    from hosts
),

final as (
    select
        {{ dbt.concat([
            dbt.cast('period_month', dbt.type_string()), "':'", 'referrer_host',
        ]) }} as referrer_host_period_id,
        period_month,
        referrer_host,
        cast(requests as bigint) as requests,
        cast(sessions_started as bigint) as sessions_started,
        cast(mean_session_seconds as {{ dbt.type_float() }}) as mean_session_seconds,
        cast(sd_session_seconds as {{ dbt.type_float() }}) as sd_session_seconds,
        cast(bounce_share as {{ dbt.type_float() }}) as bounce_share,
        has_enough_sessions,
        cast(shortest_session_rank as bigint) as shortest_session_rank,
        coalesce(
            shortest_session_rank <= {{ var('referrer_flag_shortest_n') }}, false
        ) as is_short_session_host
    from ranked
)

select * from final
