{#
    Columns split from a referrer URL (`scheme://[user@]host[:port]/path?query`):
    scheme, host (lowercased, percent-decoded, without a trailing dot; an IDN host is
    kept as written, Unicode or `xn--` punycode), path (see normalize_path), whether
    the host is one of the site's own (var `site_hosts`, subdomains included), and the
    host of a URL the referrer redirects to (a query parameter named in the var
    `referrer_redirect_params`, percent-decoded as often as it was encoded; the
    innermost when redirects are nested). Null when the referrer is not a URL.
#}
{#- trim(trailing ... from ...), not rtrim(x, '.'): Spark's two-argument rtrim takes the
    characters first, and would trim the host from '.'. -#}
{% macro referrer_parts(referrer) -%}
    {%- set url = "'^[A-Za-z][A-Za-z0-9+.-]*://'" -%}
    {%- set host -%}
        nullif(
            trim(trailing '.' from lower({{ percent_decode(regexp_substr(
                referrer, "'^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@]*@)?([^/?#:]*)'"
            )) }})),
            ''
        )
    {%- endset -%}
    {%- set params = var('referrer_redirect_params') | join('|') -%}
    lower({{ regexp_substr(referrer, "'^([A-Za-z][A-Za-z0-9+.-]*)://'") }}) as referrer_scheme,
    {{ host }} as referrer_host,
    case
        when {{ regexp_like(referrer, url) }}
            then {{ normalize_path(regexp_substr(
                referrer, "'^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*([^#]*)'"
            )) }}
    end as referrer_path,
    {%- if var('site_hosts') | length > 0 %}
    case
        when {{ host }} is null then null
        else (
            {{ host }} in ({{ string_list(var('site_hosts') | map('lower') | list) }})
            {%- for site in var('site_hosts') %}
            or {{ host }} like '%.{{ site | lower }}'
            {%- endfor %}
        )
    end as referrer_is_internal,
    {%- else %}
    case when {{ host }} is not null then false end as referrer_is_internal,
    {%- endif %}
    nullif(trim(trailing '.' from lower({{ regexp_substr(
        percent_decode(referrer),
        "'(?i)^.*[?&](?:" ~ params ~ ")=(?:[a-z][a-z0-9+.-]*://)?(?:[^/?#@&]*@)?([^/?#&:=]+)'"
    ) }})), '') as referrer_target_host
{%- endmacro %}
