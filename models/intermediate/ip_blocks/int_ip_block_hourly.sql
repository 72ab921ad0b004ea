{#
    Both block levels in one table: /24 rows are needed for the /16 blocks that the
    mart splits, and cost little beside the /16 rows.
#}
with

user_hours as (
    select * from {{ ref('int_ip_block_user_hours') }}
),

{# A user-hour row is one user (IP + user agent) in one hour, so count(*) counts users. #}
{% set os_classes = ['windows', 'mac', 'linux', 'mobile', 'other'] %}

{% for level, column in ip_block_levels() %}
by_{{ column }} as (
    select
        '{{ level }}' as block_level,
        {{ column }} as block,
        block_16 as parent_block_16,
        activity_date,
        activity_hour,
        count(*) as unique_users,
        {%- for os_class in os_classes %}
        sum(case when os_class = '{{ os_class }}' then 1 else 0 end) as {{ os_class }}_users,
        {%- endfor %}
        sum(requests) as requests
    from user_hours
    group by {{ column }}, block_16, activity_date, activity_hour
),
{% endfor %}

unioned as (
    {{ union_ip_block_levels() }}
)

select * from unioned
