{#
    dbt's `dbt.dateadd` on Spark, overridden by this project: dbt-spark adds hours and
    minutes through Unix seconds, which drops the fraction of a second, and fails on a
    null timestamp. timestampadd keeps microseconds and passes null through, as
    PostgreSQL's `+ interval` does; a date becomes a timestamp (midnight) there too.
#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    timestampadd({{ datepart }}, {{ interval }}, cast({{ from_date_or_timestamp }} as timestamp))
{%- endmacro %}
