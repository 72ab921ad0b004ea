{#
    The dashboard version of a mart column declared personal in the marts' YAML
    (column `config: meta: pii: KIND`):
    - `user_key`, `ip`, `user_agent`, `key` (an id derived from them, such as a session
      id): the keyed hash of the text (keyed_hash), so one value gets one pseudonym in
      every mart and build, and joins still work;
    - `user_id`: the keyed hash as a positive bigint (the column keeps its type);
    - `ip_list`: each address of a ', '-separated list hashed, sorted by pseudonym;
    - `ip_block`: an IPv4 block written as octets ('97.105.19') cut to its first
      `pseudonym_ip_block_prefix` bits (16: '97.105').
    An unknown kind stops the build, so a typo cannot leave a column raw.
#}
{% macro pseudonymise_column(column, kind) %}
    {{ return(adapter.dispatch('pseudonymise_column', 'access_analytics')(column, kind)) }}
{% endmacro %}

{% macro default__pseudonymise_column(column, kind) %}
    {{ exceptions.raise_compiler_error('pseudonymise_column is implemented for PostgreSQL only') }}
{% endmacro %}

{% macro postgres__pseudonymise_column(column, kind) -%}
    {%- if kind in ('user_key', 'ip', 'user_agent', 'key') -%}
        {{ keyed_hash(column) }}
    {%- elif kind == 'user_id' -%}
        (('x' || left({{ keyed_hash(column ~ '::text') }}, 16))::bit(64)::bigint
            & 9223372036854775807)
    {%- elif kind == 'ip_list' -%}
        (
            select string_agg(pseudonyms.pseudonym, ', ' order by pseudonyms.pseudonym)
            from (
                select {{ keyed_hash('listed.ip') }} as pseudonym
                from unnest(string_to_array({{ column }}, ', ')) as listed (ip)
            ) as pseudonyms
        )
    {%- elif kind == 'ip_block' -%}
        {%- set prefix = var('pseudonym_ip_block_prefix') | int -%}
        {%- if prefix not in (8, 16, 24) -%}
            {{ exceptions.raise_compiler_error(
                'var pseudonym_ip_block_prefix must be 8, 16 or 24, not ' ~ prefix) }}
        {%- endif -%}
        array_to_string((string_to_array({{ column }}, '.'))[1:{{ prefix // 8 }}], '.')
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "unknown pii kind '" ~ kind ~ "' of column " ~ column
            ~ ": use user_key, user_id, ip, ip_list, ip_block, user_agent or key") }}
    {%- endif -%}
{%- endmacro %}
