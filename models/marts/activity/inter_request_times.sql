{%- set edges = var('inter_request_bucket_seconds') -%}

with

int_requests_sessionized as (
    select * from {{ ref('int_requests_sessionized') }}
),

{# Bucket n holds gaps from edge n-1 (inclusive) to edge n (exclusive); the first
   starts at 0 and the last has no upper edge. #}
buckets as (
    {%- for edge in edges + [none] %}
    select
        {{ loop.index }} as bucket_number,
        cast({{ 0 if loop.first else edges[loop.index0 - 1] }} as {{ dbt.type_float() }})
            as lower_seconds,
        cast({{ 'null' if edge is none else edge }} as {{ dbt.type_float() }})
            as upper_seconds
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

gaps as (
    select
        user_key,
        case
            {%- for edge in edges %}
            when seconds_since_previous < {{ edge }} then {{ loop.index }}
            {%- endfor %}
            else {{ edges | length + 1 }}
        end as bucket_number
    from int_requests_sessionized
    where seconds_since_previous is not null
),

gaps_per_bucket as (
    select
        user_key,
        bucket_number,
        count(*) as gaps
    from gaps
    group by user_key, bucket_number
),

users as (
    select
        user_key,
        sum(gaps) as user_gaps
    from gaps_per_bucket
    group by user_key
),

dense as (
    select
        users.user_key,
        users.user_gaps,
        buckets.bucket_number,
        buckets.lower_seconds,
        buckets.upper_seconds,
        coalesce(gaps_per_bucket.gaps, 0) as gaps
    from users
    cross join buckets
    left join gaps_per_bucket
        on
            users.user_key = gaps_per_bucket.user_key
            and buckets.bucket_number = gaps_per_bucket.bucket_number
),

cumulated as (
    select
        dense.*,
        sum(gaps) over (
            partition by user_key order by bucket_number
            rows between unbounded preceding and current row
        ) as cumulative_gaps
    from dense
),

final as (
    select
        user_key,
        cast(bucket_number as integer) as bucket_number,
        lower_seconds,
        upper_seconds,
        cast(gaps as bigint) as gaps,
        cast(gaps as {{ dbt.type_float() }}) / user_gaps as share_of_gaps,
        cast(cumulative_gaps as {{ dbt.type_float() }}) / user_gaps as cumulative_share
    from cumulated
)

select * from final
