{# The lesson views with their dwell times (int_lesson_views), as a table for BI tools,
   lesson_dwell_times and the Welch's t-test of the report; the contract in the YAML
   lists its columns. #}
select * from {{ ref('int_lesson_views') }}
