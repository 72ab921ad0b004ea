{#
    dbt's `dbt.listagg` on Spark, overridden by this project: dbt-spark ignores the
    order (collect_list keeps whatever order the rows arrive in), so the lists would
    differ from run to run. Here the values are sorted by the order keys (ascending;
    `desc` is refused), as structs (key..., value), then joined.
#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if limit_num -%}
        {{ exceptions.raise_compiler_error('listagg: limit_num is not supported on Spark') }}
    {%- endif -%}
    {%- set keys = [] -%}
    {%- if order_by_clause -%}
        {%- set clause = modules.re.sub('(?i)^\\s*order\\s+by\\s+', '', order_by_clause) -%}
        {%- for key in clause.split(',') -%}
            {%- if modules.re.search('(?i)\\s(desc|nulls)\\b', key) -%}
                {{ exceptions.raise_compiler_error(
                    'listagg on Spark sorts ascending only, not: ' ~ order_by_clause) }}
            {%- endif -%}
            {%- do keys.append(modules.re.sub('(?i)\\s+asc\\s*$', '', key | trim)) -%}
        {%- endfor -%}
    {%- endif -%}
    array_join(transform(
        array_sort(collect_list(named_struct(
            {%- for key in keys %}'k{{ loop.index }}', {{ key }}, {% endfor -%}
            'value', {{ measure }}
        ))),
        item -> item.value
    ), {{ delimiter_text }})
{%- endmacro %}
