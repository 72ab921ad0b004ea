{#
    One build at a time (docs/concurrency.md): the first `on-run-start` hook of every dbt
    command that builds or tests (plain `dbt` as much as `access-analytics`) claims the
    warehouse, the row of `private.build_lock`, before anything else of the run; the
    last `on-run-end` hook frees it (release_build_lock). dbt closes its hook connection
    when the hooks are done (and every node's when the node is done), so a session
    advisory lock would not outlive the hook: the claim is a row, and its owner is known
    by the invocation id that every query of the run carries in its comment
    (query_comment), which makes a killed build's row visible as an orphan.

    When another build holds the row, this one says so and waits at most
    `build_wait_timeout`, then fails before building anything (flag
    skip_nodes_if_on_run_start_fails). A holder without any session in the database for
    `build_orphan_after` (a dbt that was killed) loses the row. The claim is taken only
    while no load is writing (the loaders' lock), so a build never sees half of a batch
    of loads commit under it. dbt read its relation cache before the wait: it is read
    again from the catalog once the row is ours.
#}
{% macro claim_build_lock() %}
    {{ return(adapter.dispatch('claim_build_lock', 'access_analytics')()) }}
{% endmacro %}

{% macro default__claim_build_lock() %}
    {# Other engines: no build lock; run one build at a time yourself. #}
    select 1 as build_lock_not_implemented
{% endmacro %}

{% macro postgres__claim_build_lock() %}
    {%- if not execute or builds_nothing() -%}
        {{ return('select 1 as not_building') }}
    {%- endif -%}
    {%- set me = dbt.string_literal(invocation_id) -%}
    {%- set load_lock = "hashtext('access_analytics.load')" -%}
    {#- The lock's table, made by the first build of a new database only: no catalog row is
        written on later builds, so a claim never updates the `private` schema while the
        build holding the warehouse does (create_pseudonym_key; two such updates at once
        fail with "tuple concurrently updated"). Two first builds take turns on a session
        lock held across a commit, so the second looks again in a new transaction, whose
        view of the catalog includes the first one's table. -#}
    {%- set table_missing = "select to_regclass('private.build_lock') is null" -%}
    {%- set ddl_lock = "hashtext('access_analytics.build_lock_ddl')" -%}
    {%- if run_query(table_missing).columns[0].values()[0] -%}
        {%- do run_query("select pg_advisory_lock(" ~ ddl_lock ~ ")") -%}
        {%- do run_query("commit") -%}
        {%- if run_query(table_missing).columns[0].values()[0] -%}
            {%- do run_query(
                "create schema if not exists private;
                revoke all on schema private from public;
                create table if not exists private.build_lock (
                    -- At most one row: the dbt invocation that holds the warehouse.
                    is_held boolean primary key default true check (is_held),
                    invocation_id text not null,
                    command text not null,
                    claimed_at timestamptz not null default clock_timestamp(),
                    orphan_after interval not null
                );
                revoke all on private.build_lock from public"
            ) -%}
        {%- endif -%}
        {%- do run_query("commit") -%}
        {%- do run_query("select pg_advisory_unlock(" ~ ddl_lock ~ ")") -%}
    {%- endif -%}
    {%- do run_query("commit") -%}
    {%- set claim -%}
        insert into private.build_lock (invocation_id, command, orphan_after)
        select {{ me }}, {{ dbt.string_literal(flags.WHICH) }},
            {{ dbt.string_literal(var('build_orphan_after')) }}::interval
        where not exists (select from private.build_lock)
            and pg_try_advisory_xact_lock({{ load_lock }})
        on conflict (is_held) do nothing
    {%- endset -%}
    {%- set read_holder = "select invocation_id, command, to_char(claimed_at at time zone"
        ~ " 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC' from private.build_lock" -%}
    {%- do run_query(claim) -%}
    {%- set holder = run_query(read_holder) -%}
    {%- do run_query("commit") -%}
    {%- if holder.rows | length == 0 or holder.rows[0][0] != invocation_id -%}
        {%- if holder.rows | length == 0 -%}
            {{ log("a load is writing to the warehouse: waiting for it, at most "
                ~ var('build_wait_timeout') ~ " (var build_wait_timeout)", info=True) }}
        {%- else -%}
            {{ log("another build (dbt " ~ holder.rows[0][1] ~ ", invocation "
                ~ holder.rows[0][0] ~ ") holds the warehouse since " ~ holder.rows[0][2]
                ~ ": waiting for it, at most " ~ var('build_wait_timeout')
                ~ " (var build_wait_timeout)", info=True) }}
        {%- endif -%}
        {%- set wait -%}
        do $$
        declare
            started timestamptz := clock_timestamp();
            holder private.build_lock;
            absent_id text;
            absent_since timestamptz;
        begin
            loop
                -- pg_stat_activity is read once per transaction unless cleared.
                perform pg_stat_clear_snapshot();
                select * into holder from private.build_lock;
                if not found then
                    -- Free: take it, unless a load is writing.
                    if pg_try_advisory_xact_lock({{ load_lock }}) then
                        insert into private.build_lock (invocation_id, command, orphan_after)
                        values ({{ me }}, {{ dbt.string_literal(flags.WHICH) }},
                            {{ dbt.string_literal(var('build_orphan_after')) }}::interval)
                        on conflict (is_held) do nothing;
                        exit when found;
                    end if;
                elsif exists (
                    select from pg_catalog.pg_stat_activity
                    where datname = current_database()
                        and pid <> pg_backend_pid()
                        and query like '%' || holder.invocation_id || '%'
                ) then
                    absent_id := null;
                elsif absent_id is distinct from holder.invocation_id then
                    absent_id := holder.invocation_id;
                    absent_since := clock_timestamp();
                elsif clock_timestamp() - absent_since >= holder.orphan_after then
                    -- No session of the holder for orphan_after: that dbt was killed.
                    raise warning 'build % (dbt %) is gone: its claim is void',
                        holder.invocation_id, holder.command;
                    delete from private.build_lock where invocation_id = holder.invocation_id;
                    continue;
                end if;
                exit when clock_timestamp() - started
                    >= {{ dbt.string_literal(var('build_wait_timeout')) }}::interval;
                perform pg_sleep(0.5);
            end loop;
        end
        $$
        {%- endset -%}
        {%- do run_query(wait) -%}
        {%- set holder = run_query(read_holder) -%}
        {%- if holder.rows | length == 0 or holder.rows[0][0] != invocation_id -%}
            {{ exceptions.raise_compiler_error(
                "gave up after " ~ var('build_wait_timeout') ~ " (var build_wait_timeout): "
                ~ ("a load is still writing to the warehouse" if holder.rows | length == 0
                   else "another build (dbt " ~ holder.rows[0][1] ~ ", invocation "
                        ~ holder.rows[0][0] ~ ") still holds the warehouse since "
                        ~ holder.rows[0][2])
                ~ ". Nothing was built; run again when it is done") }}
        {%- endif -%}
        {{ log("the warehouse is free: building", info=True) }}
    {%- endif -%}
    {%- set relations = [] -%}
    {%- for node in graph.nodes.values()
        if node.resource_type in ('model', 'seed', 'snapshot')
            and node.config.materialized != 'ephemeral' -%}
        {%- do relations.append(api.Relation.create(
            database=node.database, schema=node.schema, identifier=node.alias)) -%}
    {%- endfor -%}
    {%- do sync_relation_cache(relations) -%}
    {#- The hooks after this one run outside a transaction: end this one. -#}
    {%- do run_query("commit") -%}
    select 1 as build_lock_claimed
{% endmacro %}
