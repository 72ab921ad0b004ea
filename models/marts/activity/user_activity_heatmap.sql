with

int_user_hourly_requests as (
    select * from {{ ref('int_user_hourly_requests') }}
),

users as (
    select distinct user_key
    from int_user_hourly_requests
),

{# The cells of both heat maps (day_of_week 0 stands for "either" in the hour-of-day
   map until the final step), so that every user has every cell (0 when idle):
   24 hours x 2 day types, and 7 days x 12 two-hour bins. #}
hours as (
    select cast(generated_number - 1 as integer) as hour_of_day
    from ({{ dbt.generate_series(24) }}) as series
),

days as (
    select cast(generated_number as integer) as day_of_week
    from ({{ dbt.generate_series(7) }}) as series
),

cells as (
    select distinct
        'hour_of_day' as bin_kind,
        case when days.day_of_week >= 6 then 'weekend' else 'weekday' end as day_type,
        0 as day_of_week,
        hours.hour_of_day as bin_start_hour
    from days
    cross join hours
    union all
    select
        'week_2h' as bin_kind,
        case when days.day_of_week >= 6 then 'weekend' else 'weekday' end as day_type,
        days.day_of_week,
        hours.hour_of_day as bin_start_hour
    from days
    cross join hours
    where mod(hours.hour_of_day, 2) = 0
),

{# Each hourly row lands in one cell of each heat map. #}
requests_per_cell as (
    select
        'hour_of_day' as bin_kind,
        user_key,
        case when day_of_week >= 6 then 'weekend' else 'weekday' end as day_type,
        0 as day_of_week,
        hour_of_day as bin_start_hour,
        sum(requests) as requests
    from int_user_hourly_requests
    group by
        user_key,
        case when day_of_week >= 6 then 'weekend' else 'weekday' end,
        hour_of_day
    union all
    select
        'week_2h' as bin_kind,
        user_key,
        case when day_of_week >= 6 then 'weekend' else 'weekday' end as day_type,
        day_of_week,
        hour_of_day - mod(hour_of_day, 2) as bin_start_hour,
        sum(requests) as requests
    from int_user_hourly_requests
    group by
        user_key,
        case when day_of_week >= 6 then 'weekend' else 'weekday' end,
        day_of_week,
        hour_of_day - mod(hour_of_day, 2)
),

{# Every cell with 0 requests for every user; added to the cells with requests and
   summed (a union and a group by, not an outer join over all cells). #}
empty_cells as (
    select
        cells.bin_kind,
        users.user_key,
        cells.day_type,
        cells.day_of_week,
        cells.bin_start_hour,
        0 as requests
    from users
    cross join cells
),

dense as (
    select
        bin_kind,
        user_key,
        day_type,
        day_of_week,
        bin_start_hour,
        sum(requests) as requests
    from (
        select * from requests_per_cell
        union all
        select * from empty_cells
    ) as all_cells
    group by
        bin_kind,
        user_key,
        day_type,
        day_of_week,
        bin_start_hour
),

final as (
    select
        user_key,
        bin_kind,
        {{ dbt.concat([
            'day_type', "'|'",
            dbt.cast('day_of_week', dbt.type_string()), "'|'",
            dbt.cast('bin_start_hour', dbt.type_string()),
        ]) }} as cell,
        day_type,
        cast(nullif(day_of_week, 0) as integer) as day_of_week,
        bin_start_hour,
        cast(requests as bigint) as requests,
        {# `share` is a non-reserved keyword in PostgreSQL: fine as a column name, and
           the name the HTML report reads. #}
        cast(requests as {{ dbt.type_float() }})
        / sum(requests) over (partition by user_key, bin_kind) as share  -- noqa: RF04
    from dense
)

select * from final
