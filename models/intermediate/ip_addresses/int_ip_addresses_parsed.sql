with

requests as (
    select * from {{ ref('int_requests_unioned') }}
),

distinct_ips as (
    select distinct
        ip,
        ip_version
    from requests
    where is_valid_ip
),

parsed as (
    select
        ip,
        ip_version,
        {{ to_inet('ip') }} as ip_inet,
        case when ip_version = 4 then {{ ipv4_octet('ip', 1) }} end as octet_1,
        case when ip_version = 4 then {{ ipv4_octet('ip', 2) }} end as octet_2,
        case when ip_version = 4 then {{ ipv4_octet('ip', 3) }} end as octet_3,
        case when ip_version = 4 then {{ ipv4_octet('ip', 4) }} end as octet_4,
        {{ ipv4_attributes('ip', 'ip_version') }}
    from distinct_ips
)

select * from parsed
