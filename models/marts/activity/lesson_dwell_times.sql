{#- Each part reads the table itself: PostgreSQL would write a CTE read by three parts to
    disk whole, every column of every view. #}
{%- set lesson_views = ref('fct_lesson_views') %}

with

{# Three aggregates per lesson page, joined on the path (the key; module and lesson
   follow from it): the counts and moments hashed, the distinct sessions hashed, and
   the median over a sort of the path and the dwell only. In one group, the count of
   distinct sessions and the median sorted every view by path and session, wide rows:
   at 10M requests a 680 MB sort on disk, twice the time of the three parts
   (docs/performance.md). A session's last view has no dwell (null): it is counted as
   a session exit, and left out of the dwell statistics rather than counted as 0. #}
view_counts as (
    select
        path,
        module,
        lesson,
        count(*) as page_views,
        count(dwell_seconds) as dwell_views,
        sum(case when is_session_exit then 1 else 0 end) as session_exits,
        sum(
            case when dwell_seconds < {{ var('dwell_immediate_exit_seconds') }} then 1 else 0 end
        ) as immediate_exits,
        avg(dwell_seconds) as mean_dwell_seconds,
        {{ stddev_sample('dwell_seconds') }} as stddev_dwell_seconds
    from {{ lesson_views }}
    group by path, module, lesson
),

view_sessions as (
    select
        path,
        count(session_id) as sessions
    from (
        select distinct
            path,
            session_id
        from {{ lesson_views }}
    ) as viewed
    group by path
),

dwell_medians as (
    select
        path,
        {{ median('dwell_seconds') }} as median_dwell_seconds
    from {{ lesson_views }}
    group by path
),

lessons as (
    select
        view_counts.path,
        view_counts.module,
        view_counts.lesson,
        view_counts.page_views,
        view_sessions.sessions,
        view_counts.dwell_views,
        view_counts.session_exits,
        view_counts.immediate_exits,
        view_counts.mean_dwell_seconds,
        dwell_medians.median_dwell_seconds,
        view_counts.stddev_dwell_seconds
    from view_counts
    inner join view_sessions
        on view_counts.path = view_sessions.path
    inner join dwell_medians
        on view_counts.path = dwell_medians.path
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
