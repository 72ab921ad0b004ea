{#
    A `group by` that groups the rows once for every grain of a traffic suspect
    (suspect_grains()): one grouping set per grain, of the IP, the given `columns` and
    the grain's other columns, in that order. The sets are nested (the IP's set is the
    IP + user agent's without the user agent), so a sorting engine computes both in one
    pass over rows sorted for the finest; the IP and the columns come first, as the
    facts are stored (macro stored_in_order). suspect_grouping_columns() names the
    grain of each row.
#}
{% macro suspect_grouping_sets(columns) -%}
    group by grouping sets (
        {%- for grain_columns in suspect_grains().values() %}
        ({{ (['ip'] + columns + (grain_columns | reject('equalto', 'ip') | list)) | join(', ') }})
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    )
{%- endmacro %}
