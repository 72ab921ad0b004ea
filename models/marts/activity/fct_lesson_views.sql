{# The lesson views with their dwell times (int_lesson_views), as a table for BI tools,
   lesson_dwell_times and the Welch's t-test of the report. #}
with

int_lesson_views as (
    select * from {{ ref('int_lesson_views') }}
)

select
    request_id,
    user_key,
    session_id,
    requested_at,
    path,
    module,
    lesson,
    cast(dwell_seconds as {{ dbt.type_float() }}) as dwell_seconds,
    is_session_exit
from int_lesson_views
