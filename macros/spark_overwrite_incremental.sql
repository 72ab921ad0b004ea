{#
    Spark (parquet tables: no delete, no merge): an incremental run that replaces rows
    of the target. `batch_keys` is a query of the keys the batch replaces and
    `replaced` the join condition (`existing.<col>` = a target row, `batch_keys.<col>`)
    that says which of the target's rows are replaced. The rows that stay and the
    batch are written to a stage table, which then overwrites the target:
    - a target partitioned by config `partition_by` (e.g. a user bucket): only the
      partitions that lose or gain rows are rewritten (dynamic partition overwrite);
      a partition left without rows is dropped;
    - an unpartitioned target: the whole table is rewritten.
    The statements run in order here; the one returned (the materialization's main
    statement) drops the stage. Spark cannot overwrite a table it reads in the same
    statement, hence the stage.
#}
{% macro spark_overwrite_incremental(arg_dict, batch_keys, replaced) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set batch = arg_dict['temp_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set partition_by = config.get('partition_by') or [] -%}
    {%- set partitions = [partition_by] if partition_by is string else partition_by -%}
    {%- set stage = target.incorporate(path={'identifier': target.identifier ~ '__aa_stage'}) -%}
    {%- set kept -%}
        select existing.* from {{ target }} as existing
        left anti join ({{ batch_keys }}) as batch_keys on {{ replaced }}
    {%- endset -%}
    {%- if partitions -%}
        {%- set on_partitions = [] -%}
        {%- for column in partitions -%}
            {%- do on_partitions.append('rows.' ~ column ~ ' = affected.' ~ column) -%}
        {%- endfor -%}
        {%- set affected -%}
            select distinct {{ partitions | join(', ') }} from (
                select existing.* from {{ target }} as existing
                left semi join ({{ batch_keys }}) as batch_keys on {{ replaced }}
            ) as changed
            union
            select distinct {{ partitions | join(', ') }} from {{ batch }}
        {%- endset -%}
        {%- set kept -%}
            select rows.* from ({{ kept }}) as rows
            left semi join ({{ affected }}) as affected on {{ on_partitions | join(' and ') }}
        {%- endset -%}
    {%- endif -%}
    {%- do run_query('drop table if exists ' ~ stage) -%}
    {%- do run_query(
        'create table ' ~ stage ~ ' using parquet as select ' ~ columns ~ ' from ('
        ~ kept ~ ') as kept union all select ' ~ columns ~ ' from ' ~ batch
    ) -%}
    {%- if partitions -%}
        {%- set emptied = run_query(
            'select affected.* from (' ~ affected ~ ') as affected left anti join '
            ~ stage ~ ' as rows on ' ~ on_partitions | join(' and ')
        ) -%}
        {%- for row in emptied.rows -%}
            {%- set spec = [] -%}
            {%- for column in partitions -%}
                {%- do spec.append(column ~ " = '" ~ row[loop.index0] ~ "'") -%}
            {%- endfor -%}
            {%- do run_query(
                'alter table ' ~ target ~ ' drop if exists partition (' ~ spec | join(', ') ~ ')'
            ) -%}
        {%- endfor -%}
        {%- do run_query('set spark.sql.sources.partitionOverwriteMode = dynamic') -%}
    {%- endif -%}
    {%- do run_query(
        'insert overwrite table ' ~ target
        ~ (' partition (' ~ partitions | join(', ') ~ ')' if partitions else '')
        ~ ' select ' ~ columns ~ ' from ' ~ stage
    ) -%}
    drop table if exists {{ stage }}
{%- endmacro %}
