{#
    The keys that an incremental run of strategy `replace_key_tail` replaces, each with
    the point from which its rows are replaced (`replace_from`): the batch's keys and
    their earliest `tail_column` value, or with config `tail_scope: sessionized_batch`
    the users of sessionized_batch_scope and their `recompute_from`.
#}
{% macro replace_key_tail_batch_keys(batch) -%}
    {%- set key = config.require('tail_key') -%}
    {%- set tail = config.require('tail_column') -%}
    {%- if config.get('tail_scope') == 'sessionized_batch' %}
        select
            user_key as {{ key }},
            recompute_from as replace_from
        from ({{ sessionized_batch_scope() }}) as scope
    {%- else %}
        select
            {{ key }},
            min({{ tail }}) as replace_from
        from {{ batch }}
        group by {{ key }}
    {%- endif %}
{%- endmacro %}
