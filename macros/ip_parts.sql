{#
    Validation of an IP address written as text: ip_version is 4 for a dotted quad whose
    octets are 0-255, 6 for a hexadecimal colon form, null otherwise; is_valid_ip says
    whether it is either. (The loaders keep any non-blank token, so bad IPs are visible
    here rather than lost.)
#}
{% macro ip_parts(ip) -%}
    {%- set octet = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])" -%}
    {%- set version -%}
    case
        when {{ regexp_like(ip, "'^" ~ octet ~ "(\\." ~ octet ~ "){3}$'") }} then 4
        when {{ regexp_like(ip, "'^[0-9A-Fa-f]{0,4}(:[0-9A-Fa-f]{0,4}){2,7}$'") }} then 6
    end
    {%- endset -%}
    {{ version }} as ip_version,
    ({{ version }}) is not null as is_valid_ip
{%- endmacro %}
