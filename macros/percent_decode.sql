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
    {#- Printable ASCII, then the well-formed multi-byte UTF-8 sequences, in hex. -#}
    {%- set utf8 = "(?:[2-6][0-9A-F]|7[0-9A-E]"
        ~ "|(?:C[2-9A-F]|D[0-9A-F])[89AB][0-9A-F]"
        ~ "|E0[AB][0-9A-F][89AB][0-9A-F]"
        ~ "|(?:E[1-9A-CEF])(?:[89AB][0-9A-F]){2}"
        ~ "|ED[89][0-9A-F][89AB][0-9A-F]"
        ~ "|F0[9AB][0-9A-F](?:[89AB][0-9A-F]){2}"
        ~ "|F[1-3](?:[89AB][0-9A-F]){3}"
        ~ "|F48[0-9A-F](?:[89AB][0-9A-F]){2})" -%}
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
