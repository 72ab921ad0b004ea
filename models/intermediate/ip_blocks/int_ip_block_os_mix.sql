{#
    OS shares over the whole period, of users (IP + user agent; one OS class each).
    The Gini coefficient is taken over the five classes windows, mac, linux, mobile
    and other, sorted ascending: G = 2 * sum(i * share_i) / n - (n + 1) / n with
    n = 5 (shares sum to 1). 0 = all five equal, 0.8 = one class only.
#}
{% set os_classes = ['windows', 'mac', 'linux', 'mobile', 'other'] %}

with

user_hours as (
    select * from {{ ref('int_ip_block_user_hours') }}
),

users as (
    select distinct
        block_16,
        block_24,
        block_user_key,
        ip,
        os_class
    from user_hours
),

requests_per_user as (
    select
        block_user_key,
        sum(requests) as requests
    from user_hours
    group by block_user_key
),

users_with_requests as (
    select
        users.*,
        requests_per_user.requests
    from users
    inner join requests_per_user
        on users.block_user_key = requests_per_user.block_user_key
),

block_users as (
    {%- for level, column in ip_block_levels() %}
    select
        '{{ level }}' as block_level,
        {{ column }} as block,
        block_16 as parent_block_16,
        block_user_key,
        ip,
        os_class,
        requests
    from users_with_requests
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

counted as (
    select
        block_level,
        block,
        parent_block_16,
        count(*) as unique_users,
        count(distinct ip) as distinct_ips,
        {%- for os_class in os_classes %}
        sum(case when os_class = '{{ os_class }}' then 1 else 0 end) as {{ os_class }}_users,
        {%- endfor %}
        cast(sum(requests) as {{ dbt.type_bigint() }}) as requests
    from block_users
    group by block_level, block, parent_block_16
),

shares as (
    {%- for os_class in os_classes %}
    select
        block_level,
        block,
        '{{ os_class }}' as os_class,
        cast({{ os_class }}_users as {{ dbt.type_float() }}) / unique_users as os_share
    from counted
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

ordered_shares as (
    select
        shares.*,
        row_number() over (
            partition by shares.block_level, shares.block
            order by shares.os_share asc, shares.os_class asc
        ) as share_order,
        row_number() over (
            partition by shares.block_level, shares.block
            order by shares.os_share desc, shares.os_class asc
        ) as dominance_order
    from shares
),

indices as (
    select
        block_level,
        block,
        max(case when dominance_order = 1 then os_class end) as dominating_os,
        max(os_share) as dominating_os_share,
        sum(os_share * os_share) as inequality_index,
        2.0 * sum(share_order * os_share) / {{ os_classes | length }}
        - ({{ os_classes | length }} + 1.0) / {{ os_classes | length }} as gini_os
    from ordered_shares
    group by block_level, block
),

final as (
    select
        counted.*,
        {%- for os_class in os_classes %}
        round(cast(
            100.0 * counted.{{ os_class }}_users / counted.unique_users
            as {{ dbt.type_numeric() }}
        ), 2) as {{ os_class }}_pct,
        {%- endfor %}
        indices.dominating_os,
        round(cast(
            100.0 * indices.dominating_os_share as {{ dbt.type_numeric() }}
        ), 2) as dominating_os_pct,
        round(cast(indices.inequality_index as {{ dbt.type_numeric() }}), 4) as inequality_index,
        round(cast(indices.gini_os as {{ dbt.type_numeric() }}), 4) as gini_os
    from counted
    inner join indices
        on
            counted.block_level = indices.block_level
            and counted.block = indices.block
)

select * from final
