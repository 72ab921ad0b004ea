{#
    Credential sharing by concurrent use. One device cannot be in two networks at once:
    when the requests of one account and one device class alternate between two /16
    blocks within a few minutes, again and again, two people are using the login from
    two places. A phone leaving the campus Wi-Fi switches block once; a phone on a
    cellular network beside a laptop on campus is two device classes of one person.
    Window functions over the time-ordered requests (no self-join): each request is
    compared with the previous request of the same account and device class. A few
    minutes of alternation can be coincidence (a tab reloading at home while the student
    is on campus); two people reading at once alternate for most of an hour.
#}
{{ config(materialized='table') }}

with

int_requests_sessionized as (
    select * from {{ ref('int_requests_sessionized') }}
),

account_requests as (
    select
        user_key,
        user_id,
        request_id,
        requested_at,
        block_16,
        {# Without a user agent every request is one (unknown) device class. #}
        coalesce(device_class, 'unknown') as device_class
    from int_requests_sessionized
    where user_id is not null and block_16 is not null
),

steps as (
    select
        account_requests.*,
        lag(block_16) over by_device as previous_block_16,
        lag(requested_at) over by_device as previous_requested_at
    from account_requests
    window by_device as (
        partition by user_key, device_class
        order by requested_at, request_id
    )
),

{# A switch: the previous request of the same device class came from another /16 block
   at most `sharing_interleave_minutes` earlier. #}
switches as (
    select
        user_key,
        user_id,
        device_class,
        block_16,
        previous_block_16,
        previous_requested_at,
        requested_at,
        {{ utc_to_local_date('requested_at', var('curriculum_log_timezone')) }}
            as activity_date
    from steps
    where
        block_16 != previous_block_16
        and requested_at <= {{ dbt.dateadd(
            'minute', var('sharing_interleave_minutes'), 'previous_requested_at'
        ) }}
),

{# Switches more than `session_gap_minutes` apart belong to separate stretches of
   concurrent use; a stretch lasts from the request before its first switch to its last
   switch. #}
stretch_starts as (
    select
        switches.*,
        coalesce(
            requested_at > {{ dbt.dateadd(
                'minute', var('session_gap_minutes'), 'lag(requested_at) over by_day'
            ) }},
            true
        ) as is_stretch_start
    from switches
    window by_day as (partition by user_key, activity_date order by requested_at)
),

stretch_numbers as (
    select
        stretch_starts.*,
        sum(case when is_stretch_start then 1 else 0 end) over (
            partition by user_key, activity_date
            order by requested_at
            rows between unbounded preceding and current row
        ) as stretch_number
    from stretch_starts
),

stretches as (
    select
        user_key,
        activity_date,
        stretch_number,
        {{ seconds_between('min(previous_requested_at)', 'max(requested_at)') }} / 60
            as stretch_minutes
    from stretch_numbers
    group by user_key, activity_date, stretch_number
),

day_overlaps as (
    select
        user_key,
        activity_date,
        sum(stretch_minutes) as overlap_minutes
    from stretches
    group by user_key, activity_date
),

switch_places as (
    select
        user_key,
        activity_date,
        block_16
    from switches
    union
    select
        user_key,
        activity_date,
        previous_block_16 as block_16
    from switches
),

places as (
    select
        user_key,
        activity_date,
        count(*) as places,
        {{ dbt.listagg('block_16', "', '", 'order by block_16') }} as place_blocks_16
    from switch_places
    group by user_key, activity_date
),

switch_devices as (
    select distinct
        user_key,
        activity_date,
        device_class
    from switches
),

devices as (
    select
        user_key,
        activity_date,
        {{ dbt.listagg('device_class', "', '", 'order by device_class') }} as device_classes
    from switch_devices
    group by user_key, activity_date
),

days as (
    select
        user_key,
        activity_date,
        max(user_id) as user_id,
        count(*) as switches,
        min(previous_requested_at) as interleaved_from_at,
        max(requested_at) as interleaved_to_at
    from switches
    group by user_key, activity_date
),

final as (
    select
        days.user_key,
        days.user_id,
        days.activity_date,
        cast(days.switches as bigint) as switches,
        cast(places.places as bigint) as places,
        places.place_blocks_16,
        devices.device_classes,
        days.interleaved_from_at,
        days.interleaved_to_at,
        cast(day_overlaps.overlap_minutes as {{ dbt.type_float() }}) as overlap_minutes
    from days
    inner join places
        on days.user_key = places.user_key and days.activity_date = places.activity_date
    inner join devices
        on days.user_key = devices.user_key and days.activity_date = devices.activity_date
    inner join day_overlaps
        on
            days.user_key = day_overlaps.user_key
            and days.activity_date = day_overlaps.activity_date
    where
        days.switches >= {{ var('sharing_min_switches') }}
        and day_overlaps.overlap_minutes >= {{ var('sharing_min_overlap_minutes') }}
)

select * from final
