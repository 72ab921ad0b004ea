{#
    A request path in one canonical form, so that the same page is counted once:
    query string and fragment dropped, percent-encoding undone (repeatedly, see
    percent_decode: `/a%2520b`, `/a%20b` and `/a b` are one path), repeated slashes
    collapsed, leading and trailing slashes removed. The home page ('/', '' or only slashes) becomes '/'. Null stays null.
#}
{% macro normalize_path(expression) -%}
    case
        when {{ expression }} is null then null
        else coalesce(
            nullif(
                {{ regexp_replace_all(
                    regexp_replace_all(
                        percent_decode(regexp_replace_all(expression, "'[?#].*$'", "''")),
                        "'/{2,}'", "'/'"
                    ),
                    "'^/|/$'", "''"
                ) }},
                ''
            ),
            '/'
        )
    end
{%- endmacro %}
