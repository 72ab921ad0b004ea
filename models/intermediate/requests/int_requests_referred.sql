{# The referrer of each web request that has one, split (stg_web__requests), beside the
   request's session. #}
with

stg_web__requests as (
    select * from {{ ref('stg_web__requests') }}
),

referred as (
    select
        request_id,
        referrer,
        referrer_scheme,
        referrer_host,
        referrer_path,
        referrer_is_internal,
        referrer_target_host
    from stg_web__requests
    where referrer is not null and referrer != '-'
)

select * from referred
