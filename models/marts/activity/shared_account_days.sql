{# The days on which two people used one login at once (int_shared_account_days), with
   their evidence, for the people who follow a shared account up. #}
with

int_shared_account_days as (
    select * from {{ ref('int_shared_account_days') }}
)

select
    user_key,
    cast(user_id as bigint) as user_id,
    activity_date,
    cast(switches as bigint) as switches,
    cast(places as bigint) as places,
    place_blocks_16,
    device_classes,
    interleaved_from_at,
    interleaved_to_at,
    cast(overlap_minutes as {{ dbt.type_float() }}) as overlap_minutes
from int_shared_account_days
