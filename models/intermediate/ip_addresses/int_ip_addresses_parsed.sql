with

curriculum_requests as (
    select * from {{ ref('stg_curriculum__requests') }}
),

web_requests as (
    select * from {{ ref('stg_web__requests') }}
),

distinct_ips as (
    select distinct
        ip,
        ip_version
    from curriculum_requests
    where is_valid_ip
    union
    select distinct
        ip,
        ip_version
    from web_requests
    where is_valid_ip
),

octets as (
    select
        ip,
        ip_version,
        case when ip_version = 4 then {{ ipv4_octet('ip', 1) }} end as octet_1,
        case when ip_version = 4 then {{ ipv4_octet('ip', 2) }} end as octet_2,
        case when ip_version = 4 then {{ ipv4_octet('ip', 3) }} end as octet_3,
        case when ip_version = 4 then {{ ipv4_octet('ip', 4) }} end as octet_4
    from distinct_ips
),

{# Private: RFC 1918, carrier-grade NAT, loopback, link-local. Reserved: "this
   network", IETF protocol assignments, documentation, benchmarking, multicast and
   the old class E. Both are not public Internet clients. #}
flagged as (
    select
        ip,
        ip_version,
        {{ to_inet('ip') }} as ip_inet,
        octet_1,
        octet_2,
        octet_3,
        octet_4,
        case when ip_version = 4 then {{ ipv4_block('ip', 2) }} end as block_16,
        case when ip_version = 4 then {{ ipv4_block('ip', 3) }} end as block_24,
        coalesce(
            octet_1 = 10
            or (octet_1 = 172 and octet_2 between 16 and 31)
            or (octet_1 = 192 and octet_2 = 168)
            or (octet_1 = 100 and octet_2 between 64 and 127)
            or octet_1 = 127
            or (octet_1 = 169 and octet_2 = 254),
            false
        ) as is_private_ip,
        coalesce(
            octet_1 = 0
            or (octet_1 = 192 and octet_2 = 0 and octet_3 in (0, 2))
            or (octet_1 = 198 and octet_2 in (18, 19))
            or (octet_1 = 198 and octet_2 = 51 and octet_3 = 100)
            or (octet_1 = 203 and octet_2 = 0 and octet_3 = 113)
            or octet_1 >= 224,
            false
        ) as is_reserved_ip
    from octets
)

select * from flagged
