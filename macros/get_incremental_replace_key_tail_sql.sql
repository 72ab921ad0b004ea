{#
    Incremental strategy `replace_key_tail`: for every key (config `tail_key`, e.g.
    user_key) present in the new batch, delete the target's rows of that key from the
    batch's earliest `tail_column` value on, then insert the batch.

    The sessions models build each user's batch from the start of the visit that holds
    (or precedes) the user's earliest new request, so "from the batch's earliest row on"
    is exactly the part of that user's history that was recomputed: merged or split
    sessions leave no stale rows behind, whatever their keys were.

    With config `tail_scope: sessionized_batch`, the keys and their `replace_from` come
    from the macro sessionized_batch_scope instead of the batch: a user whose
    recomputed part has no rows left (all requests left the sessions) loses its stale
    rows too.
#}
{% macro get_incremental_replace_key_tail_sql(arg_dict) -%}
    {{ return(adapter.dispatch('replace_key_tail_sql', 'access_analytics')(arg_dict)) }}
{%- endmacro %}

{% macro default__replace_key_tail_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set batch = arg_dict['temp_relation'] -%}
    {%- set key = config.require('tail_key') -%}
    {%- set tail = config.require('tail_column') -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}

    {#- The same bounds on the target's rows alone (macro key_tail_bounds), so that
        they are read through its index on (key, tail). #}
    {%- set batch_keys = replace_key_tail_batch_keys(batch) %}
    delete from {{ target }} as existing
    using ({{ batch_keys }}) as batch_keys
    where
        existing.{{ key }} = batch_keys.{{ key }}
        and existing.{{ tail }} >= batch_keys.replace_from
        and {{ key_tail_bounds('existing', key, tail, batch_keys, 'replace_from') }};

    insert into {{ target }} ({{ columns }})
    select {{ columns }}
    from {{ batch }}
{%- endmacro %}

{#-
    Spark (parquet, no Delta): the same replacement by rewriting the affected part of
    the table (macro spark_overwrite_incremental; with config partition_by, e.g. a
    user bucket, only the buckets of the batch's keys).
#}
{% macro spark__replace_key_tail_sql(arg_dict) -%}
    {%- set key = config.require('tail_key') -%}
    {%- set tail = config.require('tail_column') -%}
    {{ spark_overwrite_incremental(
        arg_dict,
        replace_key_tail_batch_keys(arg_dict['temp_relation']),
        'existing.' ~ key ~ ' = batch_keys.' ~ key
        ~ ' and existing.' ~ tail ~ ' >= batch_keys.replace_from',
    ) }}
{%- endmacro %}
