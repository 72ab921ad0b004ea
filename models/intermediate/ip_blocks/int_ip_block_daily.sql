with

user_hours as (
    select * from {{ ref('int_ip_block_user_hours') }}
),

{% for level, column in ip_block_levels() %}
by_{{ column }} as (
    select
        '{{ level }}' as block_level,
        {{ column }} as block,
        block_16 as parent_block_16,
        activity_date,
        day_of_week,
        count(distinct block_user_key) as unique_users,
        sum(requests) as requests
    from user_hours
    group by {{ column }}, block_16, activity_date, day_of_week
),
{% endfor %}

unioned as (
    {{ union_ip_block_levels() }}
)

select * from unioned
