{#
    Question 8 input: where the traffic of the curriculum log comes from. Requests
    without a cohort (and with a cohort id missing from the cohort table) form one
    row with program_id and cohort_id null. `non_human_requests` says how much of it
    the human analytics leave out (traffic class not human).
#}
with

requests as (
    select * from {{ ref('int_requests_enriched') }}
    where log_kind = 'curriculum'
),

keyed as (
    select
        requests.*,
        {# A cohort id missing from the cohort table counts as no cohort. #}
        case when cohort_start_date is not null then cohort_id end as known_cohort_id
    from requests
),

{# Two steps: per cohort, user and IP first (a hash aggregate to far fewer rows than
   requests), then per cohort. count(distinct) over the requests themselves would sort
   every request once per distinct count. The shares are the sums of the 1.0/0.0 flags
   over the requests, as avg computes them. #}
per_user_ip as (
    select
        program_id,
        program_slug,
        known_cohort_id,
        cohort_name,
        user_id,
        ip,
        {{ dbt.bool_or('is_staff') }} as is_staff_cohort,
        {{ dbt.bool_or('is_placeholder_cohort') }} as is_placeholder_cohort,
        count(*) as requests,
        sum(case when is_staff then 1.0 else 0.0 end) as staff_requests,
        sum(case when is_asset then 1.0 else 0.0 end) as asset_requests,
        sum(case when cohort_phase = 'before' then 1 else 0 end) as before_session_requests,
        sum(case when cohort_phase = 'during' then 1 else 0 end) as in_session_requests,
        sum(case when cohort_phase = 'after' then 1 else 0 end) as after_session_requests,
        sum(case when traffic_class != 'human' then 1 else 0 end) as non_human_requests,
        min(requested_at) as first_request_at,
        max(requested_at) as last_request_at
    from keyed
    group by program_id, program_slug, known_cohort_id, cohort_name, user_id, ip
),

overview as (
    select
        coalesce(cast(known_cohort_id as {{ dbt.type_string() }}), 'none') as cohort_key,
        program_id,
        program_slug,
        known_cohort_id as cohort_id,
        cohort_name,
        {{ dbt.bool_or('is_staff_cohort') }} as is_staff_cohort,
        {{ dbt.bool_or('is_placeholder_cohort') }} as is_placeholder_cohort,
        cast(sum(requests) as bigint) as requests,
        count(distinct user_id) as distinct_users,
        count(distinct ip) as distinct_ips,
        cast(sum(staff_requests) / sum(requests) as {{ dbt.type_float() }}) as staff_share,
        cast(sum(asset_requests) / sum(requests) as {{ dbt.type_float() }}) as asset_share,
        cast(sum(before_session_requests) as bigint) as before_session_requests,
        cast(sum(in_session_requests) as bigint) as in_session_requests,
        cast(sum(after_session_requests) as bigint) as after_session_requests,
        {# Left out of sessions, activities and the activity marts (by default). #}
        cast(sum(non_human_requests) as bigint) as non_human_requests,
        min(first_request_at) as first_request_at,
        max(last_request_at) as last_request_at
    from per_user_ip
    group by program_id, program_slug, known_cohort_id, cohort_name
)

select * from overview
