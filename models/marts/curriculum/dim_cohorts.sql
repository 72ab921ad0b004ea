{# The cohort dimension (int_cohorts_covered), as a table for BI tools to join; the
   contract in the YAML lists its columns. #}
select * from {{ ref('int_cohorts_covered') }}
