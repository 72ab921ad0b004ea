with

fct_lesson_views as (
    select * from {{ ref('fct_lesson_views') }}
),

{# A session's last view has no dwell (null): it is counted as a session exit, and
   left out of the dwell statistics rather than counted as 0 seconds. #}
lessons as (
    select
        path,
        module,
        lesson,
        count(*) as page_views,
        count(distinct session_id) as sessions,
        count(dwell_seconds) as dwell_views,
        sum(case when is_session_exit then 1 else 0 end) as session_exits,
        sum(
            case when dwell_seconds < {{ var('dwell_immediate_exit_seconds') }} then 1 else 0 end
        ) as immediate_exits,
        avg(dwell_seconds) as mean_dwell_seconds,
        {{ median('dwell_seconds') }} as median_dwell_seconds,
        {{ stddev_sample('dwell_seconds') }} as stddev_dwell_seconds
    from fct_lesson_views
    group by path, module, lesson
),

eligible as (
    select
        lessons.*,
        sessions >= {{ var('dwell_min_sessions') }} and dwell_views > 0 as is_eligible
    from lessons
),

ranked as (
    select
        eligible.*,
        case
            when is_eligible
                then rank() over (partition by is_eligible order by mean_dwell_seconds, path)
        end as shortest_dwell_rank
    from eligible
),

final as (
    select
        path,
        module,
        lesson,
        cast(page_views as bigint) as page_views,
        cast(sessions as bigint) as sessions,
        cast(dwell_views as bigint) as dwell_views,
        cast(session_exits as bigint) as session_exits,
        cast(mean_dwell_seconds as {{ dbt.type_float() }}) as mean_dwell_seconds,
        cast(median_dwell_seconds as {{ dbt.type_float() }}) as median_dwell_seconds,
        cast(stddev_dwell_seconds as {{ dbt.type_float() }}) as stddev_dwell_seconds,
        cast(immediate_exits as {{ dbt.type_float() }})
        / nullif(dwell_views, 0) as immediate_exit_share,
        is_eligible,
        cast(shortest_dwell_rank as bigint) as shortest_dwell_rank,
        coalesce(
            shortest_dwell_rank <= {{ var('dwell_flag_shortest_n') }}, false
        ) as is_likely_broken_or_skipped
    from ranked
)

select * from final
