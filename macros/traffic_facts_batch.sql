{#
    For an incremental traffic model reading int_requests_traffic_facts: a condition
    keeping the requests whose `columns` (e.g. ip and local_date) match those of a
    request written after the model's own latest `facts_at`, so that a run recomputes
    only the groups new or changed requests fall in. `true` on a full build.
#}
{% macro traffic_facts_batch(columns) -%}
    {%- if is_incremental() -%}
        ({{ columns | join(', ') }}) in (
            select distinct {{ columns | join(', ') }}
            from {{ ref('int_requests_traffic_facts') }}
            where facts_at > {{ incremental_watermark('facts_at') }}
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
