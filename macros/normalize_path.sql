{#
    A request path in one canonical form, so that the same page is counted once:
    query string and fragment dropped, repeated slashes collapsed, leading and trailing
    slashes removed. The home page ('/', '' or only slashes) becomes '/'. Null stays null.
#}
{% macro normalize_path(expression) -%}
    case
        when {{ expression }} is null then null
        else coalesce(
            nullif(
                {{ regexp_replace_all(
                    regexp_replace_all(
                        regexp_replace_all(expression, "'[?#].*$'", "''"),
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
