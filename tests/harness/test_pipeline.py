"""End to end: generated data -> loaders -> dbt build, with exact checks on the result."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
import yaml

from access_analytics import cli, demo_data, warehouse
from conftest import PROJECT_DIR, run_cli

SMALL_EVENTS = 30_000


def scalar(conn: psycopg.Connection, query: str) -> object:
    row = conn.execute(query).fetchone()
    assert row is not None
    return row[0]


def load(database: warehouse.Settings, files: demo_data.DemoFiles, fmt: str) -> None:
    for path, file_format in ((files.cohorts_path, "cohorts"), (files.requests_path, fmt)):
        result = run_cli(["load", file_format, str(path)], database)
        assert result.returncode == 0, result.stderr
        assert f"{path.name}: loaded:" in result.stderr


def test_dbt_build_passes_on_a_small_generated_data_set(
    full_build_warehouse: tuple[warehouse.Settings, demo_data.DemoFiles, Path],
) -> None:
    # Loaded by the CLI and built (`dbt build`: every model, data test and unit test) by
    # the fixture, shared with the real cohort table's tests (test_curriculum_students.py).
    database, files, folder = full_build_warehouse
    summary = [
        line
        for line in (folder / "logs" / "dbt.log").read_text().splitlines()
        if "Done. PASS=" in line
    ]
    assert len(summary) == 1, summary
    assert "ERROR=0" in summary[0] and "WARN=0" in summary[0]
    results = json.loads((folder / "target" / "run_results.json").read_text())
    # A build of everything: every model, seed, data test and unit test of the project.
    manifest = json.loads((folder / "target" / "manifest.json").read_text())
    everything = set(manifest["unit_tests"]) | {
        unique_id
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "seed", "snapshot", "test")
    }
    built = {result["unique_id"] for result in results["results"]}
    assert results["args"]["which"] == "build" and everything <= built, everything - built
    statuses = {
        result["status"]
        for result in results["results"]
        if not result["unique_id"].startswith("exposure.")
    }
    assert statuses <= {"success", "pass"}, statuses
    # Exposures are not run, only listed: dbt build reports them as no-op.
    assert {
        result["status"]
        for result in results["results"]
        if result["unique_id"].startswith("exposure.")
    } <= {"no-op"}
    truth = json.loads(files.ground_truth_path.read_text())
    with warehouse.connect(database) as conn:
        assert scalar(conn, "select count(*) from staging.stg_curriculum__requests") == (
            files.events
        )
        assert scalar(conn, "select count(*) from staging.stg_curriculum__cohorts") == (
            files.cohorts
        )
        assert (
            scalar(conn, "select count(*) from staging.stg_curriculum__requests where path is null")
            == truth["missing_path_rows"]
            == 1
        )
        assert (
            scalar(conn, "select cohort_id from staging.stg_curriculum__cohorts where is_staff")
            == truth["staff_cohort_id"]
        )
        assert (
            scalar(
                conn, "select count(*) from staging.stg_curriculum__requests where not is_valid_ip"
            )
            == 0
        )
        assert scalar(conn, "select count(*) from staging.stg_loads__rejected_lines") == 0
        # Every request's user agent survives the CSV round trip: only the planted scanner
        # and health check that send none have none.
        agentless = sum(
            item["requests"]
            for kind in ("exploit_scanners", "uptime_monitors")
            for item in truth[kind]
            if item["user_agent"] == ""
        )
        assert agentless > 0
        assert (
            scalar(
                conn,
                "select count(*) from staging.stg_curriculum__requests where user_agent is null",
            )
            == agentless
        )
        # The dimensions: every program of the seed with its cohorts; staff and
        # placeholder cohorts are not classes.
        assert conn.execute(
            "select count(*), sum(cohorts), sum(class_cohorts) from marts.dim_programs"
        ).fetchone() == (
            len(truth["programs"]),
            files.cohorts,
            files.cohorts - 1 - len(truth["placeholder_cohort_ids"]),
        )
        # The operators' mart: the requests file, every line loaded, none in the future.
        assert conn.execute(
            "select data_lines, rows_loaded, lines_rejected, future_dated_requests"
            " from marts.load_outcomes where file_format = 'csv'"
        ).fetchall() == [(files.events, files.events, 0, 0)]
        # persist_docs: BI tools see every mart's and every mart column's description.
        marts = len(list((PROJECT_DIR / "models" / "marts").rglob("*.sql")))
        assert conn.execute(
            "select count(*), count(obj_description(class.oid, 'pg_class'))"
            " from pg_class as class"
            " join pg_namespace as namespace on namespace.oid = class.relnamespace"
            " where namespace.nspname = 'marts' and class.relkind = 'r'"
        ).fetchone() == (marts, marts)
        undocumented = conn.execute(
            "select class.relname, attribute.attname from pg_attribute as attribute"
            " join pg_class as class on class.oid = attribute.attrelid"
            " join pg_namespace as namespace on namespace.oid = class.relnamespace"
            " where namespace.nspname = 'marts' and class.relkind = 'r'"
            " and attribute.attnum > 0 and not attribute.attisdropped"
            " and col_description(class.oid, attribute.attnum) is null"
        ).fetchall()
        assert undocumented == []


def test_bootcamp_format_round_trip(database: warehouse.Settings, tmp_path: Path) -> None:
    files = demo_data.generate(tmp_path / "demo", events=SMALL_EVENTS, seed=7, fmt="bootcamp")
    load(database, files, "bootcamp")
    with warehouse.connect(database) as conn:
        assert scalar(conn, "select count(*) from raw.curriculum_requests") == SMALL_EVENTS
        assert scalar(conn, "select count(*) from raw.rejected_lines") == 0
        assert scalar(conn, "select count(*) from raw.curriculum_requests where path is null") == 1


def test_real_cohort_table_with_generated_logs(
    real_cohort_warehouse: tuple[warehouse.Settings, demo_data.DemoFiles],
) -> None:
    # Built (`dbt build`, every model and test) by the fixture, shared with
    # test_curriculum_students.py and the build test above.
    database, _ = real_cohort_warehouse
    with warehouse.connect(database) as conn:
        assert scalar(conn, "select count(*) from staging.stg_curriculum__cohorts") == 53
        assert (
            scalar(conn, "select cohort_id from staging.stg_curriculum__cohorts where is_staff")
            == 28
        )
        unknown = scalar(
            conn,
            "select count(*) from staging.stg_curriculum__requests as requests"
            " where cohort_id is not null and not exists (select 1 from"
            " staging.stg_curriculum__cohorts as cohorts"
            " where cohorts.cohort_id = requests.cohort_id)",
        )
        assert unknown == 0


@pytest.mark.parametrize("events", [999, 0])
def test_demo_command_refuses_a_too_small_size(events: int, tmp_path: Path) -> None:
    result = run_cli(["demo", "--events", str(events), "--out", str(tmp_path)])
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


# The request tables whose key a unique index enforces (config `indexes`), so that their
# `unique` test reads the catalog (macro key_not_enforced), with the folder of their YAML.
KEYED_REQUEST_TABLES = {
    "int_requests_unioned": "requests",
    "int_requests_enriched": "requests",
    "int_requests_traffic_facts": "traffic",
    "int_requests_sessionized_all_traffic": "sessions",
}


def compiled_test(folder: Path, name: str, *, prefix: bool = False) -> str:
    """The SQL dbt ran for the data test `name` (or the one test whose name starts with
    it) in the build of `folder`."""
    results = json.loads((folder / "target" / "run_results.json").read_text())["results"]
    start = f"test.access_analytics.{name}" + ("" if prefix else ".")
    (code,) = (
        result["compiled_code"] for result in results if result["unique_id"].startswith(start)
    )
    return str(code)


def scans_of(conn: psycopg.Connection, query: str, table: str) -> list[str]:
    """The lines of `EXPLAIN ANALYZE` of `query` that scan `table`."""
    plan = conn.execute(f"explain (analyze, costs off, timing off) {query}").fetchall()
    return [line for (line,) in plan if "Scan" in line and f" on {table}" in line]


def assert_scans(conn: psycopg.Connection, query: str, table: str, *, executed: bool) -> None:
    """`EXPLAIN ANALYZE` of `query` scans `table`, and runs those scans (``executed``) or
    never executes them (a gating condition on the catalog was false)."""
    scans = scans_of(conn, query, table)
    assert scans and all(("never executed" not in line) == executed for line in scans), scans


@contextmanager
def catalog_gate_lifted(
    conn: psycopg.Connection, test_sql: str, table: str, *lift: str
) -> Iterator[None]:
    """The data test `test_sql` passes without scanning `table` (the catalog says the
    constraint holds); inside the block, in a transaction rolled back after it, the
    statements `lift` have removed the constraint and the test scans the rows."""
    assert conn.execute(test_sql).fetchall() == []
    assert_scans(conn, test_sql, table, executed=False)
    with conn.transaction(force_rollback=True):
        for statement in lift:
            conn.execute(statement)
        assert_scans(conn, test_sql, table, executed=True)
        yield


def test_request_keys_are_enforced_on_write_and_their_unique_tests_read_the_catalog(
    full_build_warehouse: tuple[warehouse.Settings, demo_data.DemoFiles, Path],
) -> None:
    database, _, folder = full_build_warehouse
    with warehouse.connect(database) as conn:
        for table in KEYED_REQUEST_TABLES:
            test_sql = compiled_test(folder, f"unique_{table}_request_id")
            relation = f"intermediate.{table}"
            (request_id,) = conn.execute(f"select min(request_id) from {relation}").fetchone() or (
                None,
            )
            assert request_id is not None
            # Every write checks the key, an incremental run's insert as much as a full
            # build: a second row with a request_id already there is refused.
            with pytest.raises(psycopg.errors.UniqueViolation), conn.transaction():
                conn.execute(
                    f"insert into {relation} select * from {relation} where request_id = %s",
                    (request_id,),
                )
            # So the test does not group the rows: the table is never scanned. Without
            # the index the same test groups every row and finds a repeated key.
            (index,) = conn.execute(
                "select indexrelid::regclass::text from pg_index"
                " where indrelid = %s::regclass and indisunique",
                (relation,),
            ).fetchone() or (None,)
            with catalog_gate_lifted(conn, test_sql, table, f"drop index {index}"):
                conn.execute(
                    f"insert into {relation} select * from {relation} where request_id = %s",
                    (request_id,),
                )
                assert conn.execute(test_sql).fetchall() == [(request_id, 2)]


def test_the_traffic_facts_are_stored_in_the_order_of_their_ip_and_day_index(
    full_build_warehouse: tuple[warehouse.Settings, demo_data.DemoFiles, Path],
) -> None:
    # The suspects' models group every request by (ip, local_date) in the order they
    # read it (macros stored_in_order, group_in_index_order): the rows are stored in
    # that order, so no row, in the order of the heap (ctid), follows a row of a later
    # IP and day. Before the change, unordered, 16% of the rows at 1M did.
    database, _, _ = full_build_warehouse
    with warehouse.connect(database) as conn:
        row = conn.execute(
            """
            with stored as (
                select
                    ip,
                    local_date,
                    lag(ip) over (order by ctid) as previous_ip,
                    lag(local_date) over (order by ctid) as previous_date
                from intermediate.int_requests_traffic_facts
            )
            select
                count(*) filter (where (ip, local_date) < (previous_ip, previous_date)),
                count(*) filter (
                    where (ip, local_date) is distinct from (previous_ip, previous_date)
                )
            from stored
            """
        ).fetchone()
    assert row is not None
    out_of_order, changes = row
    assert out_of_order == 0
    # Many (IP, day) groups, so an unordered table could not pass by chance.
    assert changes > 100


def test_composite_key_test_reads_the_catalog_only_when_the_key_is_enforced(
    full_build_warehouse: tuple[warehouse.Settings, demo_data.DemoFiles, Path],
) -> None:
    # The raw request table's primary key (file_id, line_number): its source test
    # `unique_combination_of_columns` reads the catalog, and groups the rows without it.
    database, _, folder = full_build_warehouse
    test_sql = compiled_test(
        folder, "source_unique_combination_of_columns_curriculum_requests_file_id__line_number"
    )
    raw = "raw.curriculum_requests"
    # Still unique, but with line_number nullable a plain unique index takes nulls as
    # distinct while the test groups them together: the rows are grouped.
    lift = [
        f"alter table {raw} drop constraint curriculum_requests_pkey",
        f"alter table {raw} alter column line_number drop not null",
        f"create unique index on {raw} (file_id, line_number)",
    ]
    with (
        warehouse.connect(database) as conn,
        catalog_gate_lifted(conn, test_sql, "curriculum_requests", *lift),
    ):
        conn.execute(
            f"insert into {raw} (file_id, source_file, line_number, line_key, requested_at,"
            " user_id, ip) select file_id, source_file, null, 'duplicate:' || n,"
            f" requested_at, user_id, ip from (select * from {raw} limit 1) as one_row,"
            " generate_series(1, 2) as n"
        )
        (file_id,) = conn.execute(
            f"select file_id from {raw} where line_number is null limit 1"
        ).fetchone() or (None,)
        assert conn.execute(test_sql).fetchall() == [(file_id, None, 2)]


def test_not_null_test_reads_the_catalog_only_when_the_column_refuses_nulls(
    full_build_warehouse: tuple[warehouse.Settings, demo_data.DemoFiles, Path],
) -> None:
    # The raw request table declares `ip` not null: its source test `not_null` reads the
    # catalog (macro null_not_enforced), and scans the rows, finding a null, without it.
    database, _, folder = full_build_warehouse
    test_sql = compiled_test(folder, "source_not_null_curriculum_requests_ip")
    raw = "raw.curriculum_requests"
    with warehouse.connect(database) as conn:
        lift = f"alter table {raw} alter column ip drop not null"
        with catalog_gate_lifted(conn, test_sql, "curriculum_requests", lift):
            first = f"(select min(line_key) from {raw})"
            assert rows_after(
                conn, f"update {raw} set ip = null where line_key = {first}", test_sql
            ) == [(None,)]


def test_the_build_analyzes_every_table_it_makes_with_a_small_sample(
    full_build_warehouse: tuple[warehouse.Settings, demo_data.DemoFiles, Path],
) -> None:
    # The post-hook analyze_relation analyzes every table and incremental model the build
    # makes (`last_analyze`: autovacuum's own analyze does not count). An incremental
    # model with an index was skipped: creating the index sets the row estimate, which
    # stood for "has statistics", so the models after it were planned without any. The
    # sample is the var analyze_statistics_target (10): a histogram of one bound more
    # (11), not PostgreSQL's 101. The analyze leaves no changed rows uncounted: they were reported
    # after it, so autovacuum analyzed every table again with the full sample (and its
    # histogram of 101 bounds replaced the build's).
    database, _, _ = full_build_warehouse
    with warehouse.connect(database) as conn:
        unanalyzed = conn.execute(
            "select schemaname, relname from pg_stat_user_tables"
            " where schemaname in ('intermediate', 'marts') and last_analyze is null"
        ).fetchall()
        changed_since = conn.execute(
            "select relname, n_mod_since_analyze from pg_stat_user_tables"
            " where schemaname in ('intermediate', 'marts') and n_mod_since_analyze > 0"
        ).fetchall()
        (tables,) = conn.execute(
            "select count(*) from pg_stat_user_tables where schemaname in ('intermediate', 'marts')"
        ).fetchone() or (0,)
        bounds = conn.execute(
            "select cardinality(histogram_bounds::text::text[]) from pg_stats"
            " where schemaname = 'intermediate'"
            " and tablename = 'int_requests_traffic_facts' and attname = 'requested_at'"
        ).fetchall()
    assert tables > 40
    assert unanalyzed == []
    assert changed_since == []
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())
    assert bounds == [(project["vars"]["analyze_statistics_target"] + 1,)]


def test_a_compile_leaves_the_warehouse_free(
    full_build_warehouse: tuple[warehouse.Settings, demo_data.DemoFiles, Path],
    dbt: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    # dbt compile builds nothing: it renders the project's hooks as nodes of its graph,
    # and the freeing hook came before the claiming one, so the warehouse stayed held
    # until it counted as orphaned (the next build waited for it). It takes no turn
    # (macro builds_nothing; docs/concurrency.md).
    database, _, _ = full_build_warehouse
    compiled = dbt(database, "compile")
    assert compiled.returncode == 0, compiled.stdout[-3000:]
    with warehouse.connect(database) as conn:
        held = conn.execute("select count(*) from private.build_lock").fetchone()
    assert held == (0,)


@pytest.mark.parametrize("command", ["build", "dbt"])
def test_the_double_dash_before_the_dbt_arguments_is_dropped(command: str) -> None:
    # argparse takes `--select` for an option of its own unless `--` comes first; dbt took
    # the `--` for the end of its options and refused the rest.
    args = cli.build_parser().parse_args([command, "--", "--select", "+fct_sessions"])
    assert cli.dbt_arguments(args) == ["--select", "+fct_sessions"]
    assert cli.dbt_arguments(cli.build_parser().parse_args([command])) == []


def test_build_leaves_the_unit_tests_out_unless_asked(
    database: warehouse.Settings, dbt: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    # `access-analytics build` (make build) runs what dbt selects for these arguments:
    # every model, seed and data test, no unit test; with --unit-tests every unit test too.
    # (This checks the arguments, not that each caller passes them: cmd_build and
    # _build_spark call build_arguments, side_by_side uses warehouse.UNIT_TESTS_LEFT_OUT.)
    parser = cli.build_parser()
    default = cli.build_arguments(parser.parse_args(["build", "--", "--select", "+fct_sessions"]))
    assert default == ["build", "--exclude-resource-type", "unit_test", "--select", "+fct_sessions"]
    asked = cli.build_arguments(parser.parse_args(["build", "--unit-tests"]))
    assert asked == ["build"]

    def listed(arguments: list[str]) -> set[str]:
        result = dbt(database, "ls", *arguments[1:], "--output", "json", "--quiet")
        assert result.returncode == 0, result.stdout[-3000:]
        return {json.loads(line)["resource_type"] for line in result.stdout.splitlines()}

    # Sources and exposures are listed by `dbt ls` by default; `dbt build` runs neither.
    assert listed(cli.build_arguments(parser.parse_args(["build"]))) == {
        "model",
        "seed",
        "test",
        "exposure",
        "source",
    }
    # The project has unit tests, which dbt selects without the flag.
    assert "unit_test" in listed(asked)


def rows_after(conn: psycopg.Connection, update: str, test_sql: str) -> list[tuple[object, ...]]:
    """The rows of the data test `test_sql` after `update`, which is rolled back."""
    with conn.transaction(force_rollback=True):
        conn.execute(update)
        return conn.execute(test_sql).fetchall()


def data_test_case(
    build: tuple[warehouse.Settings, demo_data.DemoFiles, Path],
    test_name: str,
    relation: str,
    where: str = "true",
) -> tuple[warehouse.Settings, str, str]:
    """The database of the full build, the SQL of its data test whose name starts with
    `test_name`, and a subquery of the first request of `relation` where `where` holds."""
    database, _, folder = build
    test_sql = compiled_test(folder, test_name, prefix=True)
    return database, test_sql, f"(select min(request_id) from {relation} where {where})"


def test_not_null_columns_counts_the_nulls_of_each_column_in_one_test(
    full_build_warehouse: tuple[warehouse.Settings, demo_data.DemoFiles, Path],
) -> None:
    # int_requests_enriched's eight not-null columns are one test: it passes on the
    # build, and one row with nulls in three of them fails it with each column's count.
    relation = "intermediate.int_requests_enriched"
    database, test_sql, first = data_test_case(
        full_build_warehouse, "not_null_columns_int_requests_enriched", relation
    )
    with warehouse.connect(database) as conn:
        assert conn.execute(test_sql).fetchall() == []
        nulls = f"update {relation} set device_class = null, is_staff = null, cohort_phase = null"
        # traffic_class, device_class, is_staff, is_placeholder_cohort, cohort_phase,
        # is_cross_program, is_private_ip, is_reserved_ip
        assert rows_after(conn, f"{nulls} where request_id = {first}", test_sql) == [
            (0, 1, 1, 0, 1, 0, 0, 0)
        ]


def test_not_null_columns_tests_only_the_rows_of_its_where_config(
    full_build_warehouse: tuple[warehouse.Settings, demo_data.DemoFiles, Path],
) -> None:
    # The session columns must be set only for requests in the sessions (config `where:
    # is_in_sessions`): a null outside them passes, one inside fails.
    relation = "intermediate.int_requests_sessionized_all_traffic"
    database, test_sql, in_sessions = data_test_case(
        full_build_warehouse,
        "not_null_columns_int_requests_sessionized_all_traffic_session_started_at",
        relation,
        "is_in_sessions",
    )
    first = f"where request_id = {in_sessions}"
    with warehouse.connect(database) as conn:
        assert conn.execute(test_sql).fetchall() == []
        # Taken out of the sessions, its null session columns are not tested.
        out = f"update {relation} set is_in_sessions = false, session_started_at = null {first}"
        assert rows_after(conn, out, test_sql) == []
        nulls = f"update {relation} set session_started_at = null, activity_started_at = null"
        # session_started_at, visit_started_at, activity_started_at
        assert rows_after(conn, f"{nulls} {first}", test_sql) == [(1, 0, 1)]


def test_relationships_combination_returns_each_combination_its_parent_lacks(
    full_build_warehouse: tuple[warehouse.Settings, demo_data.DemoFiles, Path],
    dbt: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    # Every session of a sessionized request is in fct_sessions, by user and start: the
    # test passes on the build; a request moved to a start no session has fails it with
    # that user and start; a request without a session start is not checked.
    relation = "intermediate.int_requests_sessionized_all_traffic"
    database, test_sql, first = data_test_case(
        full_build_warehouse, "relationships_combination_int_", relation, "is_in_sessions"
    )
    with warehouse.connect(database) as conn:
        assert conn.execute(test_sql).fetchall() == []
        row = conn.execute(
            f"select user_key, session_started_at - interval '1 microsecond' from {relation}"
            f" where request_id = {first}"
        ).fetchone()
        moved = (
            f"update {relation} set session_started_at = session_started_at"
            f" - interval '1 microsecond' where request_id = {first}"
        )
        assert rows_after(conn, moved, test_sql) == [row]
        unset = f"update {relation} set session_started_at = null where request_id = {first}"
        assert rows_after(conn, unset, test_sql) == []
    # Column and field lists of different lengths: one clear message, no SQL.
    uneven = dbt(
        database,
        "compile",
        "--inline",
        "{{ test_relationships_combination(model=ref('fct_sessions'), columns=['user_key',"
        " 'session_started_at'], to=ref('fct_sessions'), fields=['user_key']) }}",
    )
    assert uneven.returncode != 0
    assert (
        "`columns` and `fields` need the same number of names, at least one (2 and 1)"
        in uneven.stdout
    )


def test_a_build_refused_for_tables_of_an_earlier_version_names_them(tmp_path: Path) -> None:
    # dbt's words for an incremental table whose columns differ from the model's (the
    # project sets on_schema_change: fail), as a build of an older warehouse wrote them.
    out_of_sync = (
        "Compilation Error in model int_requests_unioned (models/intermediate/requests/"
        "int_requests_unioned.sql)\n  \n                The source and target schemas on"
        " this incremental model are out of sync!\n"
    )
    results = [
        {
            "unique_id": "model.access_analytics.int_requests_unioned",
            "status": "error",
            "message": out_of_sync,
        },
        {
            "unique_id": "model.access_analytics.int_user_agents_classified",
            "status": "error",
            "message": out_of_sync.replace("int_requests_unioned", "int_user_agents_classified"),
        },
        {
            "unique_id": "model.access_analytics.fct_sessions",
            "status": "error",
            "message": "Database Error in model fct_sessions: division by zero",
        },
        {
            "unique_id": "model.access_analytics.int_request_paths",
            "status": "success",
            "message": "SELECT 450",
        },
        {"unique_id": "test.access_analytics.not_null_x", "status": "skipped", "message": None},
    ]
    run_results = tmp_path / "run_results.json"
    run_results.write_text(json.dumps({"results": results}))
    assert cli.stale_incremental_models(run_results) == [
        "int_requests_unioned",
        "int_user_agents_classified",
    ]
    # Another failure alone, no results file, or a file that is not dbt's: no such hint.
    run_results.write_text(json.dumps({"results": results[2:]}))
    assert cli.stale_incremental_models(run_results) == []
    assert cli.stale_incremental_models(tmp_path / "missing.json") == []
    run_results.write_text("not json")
    assert cli.stale_incremental_models(run_results) == []
