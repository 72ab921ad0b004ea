{#
    `expression` (text) with its percent-encoding undone, again and again until it no
    longer changes, at most var `percent_decode_max_passes` times (`%2520` -> `%20` ->
    ` `). A run of `%XX` escapes is decoded only when its bytes are valid UTF-8 of
    printable characters; anything else (`%zz`, a lone `%`, `%FF`, `%00`, control
    characters) is kept exactly as written, so decoding never fails and rejects nothing.
#}
{% macro percent_decode(expression) -%}
    {{ return(adapter.dispatch('percent_decode', 'access_analytics')(expression)) }}
{%- endmacro %}

{% macro default__percent_decode(expression) -%}
    {%- set utf8 = utf8_hex_pattern() -%}
    {%- set decoded = namespace(sql=expression) -%}
    {%- for pass in range(var('percent_decode_max_passes')) -%}
        {%- set decoded.sql -%}
        (
            select
                case
                    when strpos(encoded_{{ pass }}.value, '%') = 0 then encoded_{{ pass }}.value
                    else (
                        select string_agg(
                            case
                                when
                                    upper(replace(parts_{{ pass }}.token[1], '%', ''))
                                    ~ '^{{ utf8 }}+$'
                                    and parts_{{ pass }}.token[1] ~ '^%'
                                    then convert_from(
                                        decode(replace(parts_{{ pass }}.token[1], '%', ''), 'hex'),
                                        'UTF8'
                                    )
                                else parts_{{ pass }}.token[1]
                            end,
                            '' order by parts_{{ pass }}.position
                        )
                        from regexp_matches(
                            encoded_{{ pass }}.value, '(?:%[0-9A-Fa-f]{2})+|%|[^%]+', 'g'
                        ) with ordinality as parts_{{ pass }} (token, position)
                    )
                end
            from (select {{ decoded.sql }} as value) as encoded_{{ pass }}
        )
        {%- endset -%}
    {%- endfor -%}
    {#- Almost no path holds a `%`: those skip the subqueries altogether. -#}
    case when strpos({{ expression }}, '%') = 0 then {{ expression }} else {{ decoded.sql }} end
{%- endmacro %}

{#-
    Spark: the same tokens, decoded with higher-order functions (no lateral unnest).
    Each pass reads the previous one once, so the SQL grows linearly with the passes.
-#}
{% macro spark__percent_decode(expression) -%}
    {%- set utf8 = utf8_hex_pattern() -%}
    {%- set decoded = namespace(sql=expression) -%}
    {%- for pass in range(var('percent_decode_max_passes')) -%}
        {%- set decoded.sql -%}
        array_join(transform(
            regexp_extract_all({{ decoded.sql }}, '((?:%[0-9A-Fa-f]{2})+|%|[^%]+)', 1),
            token_{{ pass }} -> case
                when
                    upper(replace(token_{{ pass }}, '%', '')) rlike '^{{ utf8 }}+$'
                    and startswith(token_{{ pass }}, '%')
                    then decode(unhex(replace(token_{{ pass }}, '%', '')), 'UTF-8')
                else token_{{ pass }}
            end
        ), '')
        {%- endset -%}
    {%- endfor -%}
    case when instr({{ expression }}, '%') = 0 then {{ expression }} else {{ decoded.sql }} end
{%- endmacro %}
