{{ config(materialized='table') }}

with

profiles as (
    select * from {{ ref('int_user_daily_profiles') }}
),

{# Analysis D: the reference is computed from the middle two quartiles only, so
   neither one-visit accounts nor the heaviest users (scrapers, staff) shape it. #}
middle as (
    select *
    from profiles
    where activity_quartile in (2, 3)
),

reference as (
    select
        quarter_hour,
        count(*) as reference_users,
        cast(avg(share_of_user_requests) as {{ dbt.type_float() }}) as reference_share
    from middle
    group by quarter_hour
)

select * from reference
