{#
    dbt's seed loading on Spark, overridden by this project: dbt-spark passes the values
    as bindings, which a local Spark session pastes into the SQL unquoted, and a quote or
    a backslash inside a value (the user-agent patterns have hundreds) would be lost.
    Here every value is written as a literal of its own (sql_literal), cast to the
    column's type.
#}
{% macro spark__load_csv_rows(model, agate_table) -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
            (
                {%- for column_name in agate_table.column_names -%}
                {%- set type = column_override.get(
                    column_name, adapter.convert_type(agate_table, loop.index0)) -%}
                {%- set value = row[loop.index0] -%}
                cast({{
                    'null' if value is none
                    else (value | string | lower) if value is sameas true or value is sameas false
                    else sql_literal(value)
                }} as {{ type }})
                {%- if not loop.last %}, {% endif -%}
                {%- endfor -%}
            )
            {%- if not loop.last %},{% endif %}
            {% endfor -%}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{%- endmacro %}
