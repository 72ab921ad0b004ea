{# The reference daily profile of analysis D (int_activity_reference_profile), the
   yardstick of user_activity_segments, for BI tools to draw beside a user's profile. #}
with

int_activity_reference_profile as (
    select * from {{ ref('int_activity_reference_profile') }}
)

select
    cast(quarter_hour as integer) as quarter_hour,
    cast(reference_users as bigint) as reference_users,
    cast(reference_share as {{ dbt.type_float() }}) as reference_share
from int_activity_reference_profile
