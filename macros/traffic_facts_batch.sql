{#
    For an incremental traffic model reading int_requests_traffic_facts: a condition
    keeping the requests whose `columns` (e.g. ip and local_date) match those of a
    request written after the model's own latest `facts_at`, so that a run recomputes
    only the groups new or changed requests fall in. `true` on a full build. One column
    (an IP) goes through macro in_subquery, so that an index on it is used.
#}
{% macro traffic_facts_batch(columns) -%}
    {%- if is_incremental() -%}
        {%- set batch -%}
            select distinct {{ columns | join(', ') }}
            from {{ ref('int_requests_traffic_facts') }}
            where facts_at > {{ incremental_watermark('facts_at') }}
        {%- endset -%}
        {%- if columns | length == 1 -%}
        {{ in_subquery(columns[0], batch) }}
        {%- else -%}
        ({{ columns | join(', ') }}) in ({{ batch }})
        {%- endif -%}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
