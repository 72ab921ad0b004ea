"""File identity: rotation, several servers, appended files, re-exports and shorter
replacements load every line exactly once; one build at a time; concurrent first use."""

from __future__ import annotations

import gzip
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import psycopg
import pytest

from access_analytics import demo_data, loaders, warehouse
from conftest import PROJECT_DIR, TEST_DATABASE, dbt_in, run_cli

DbtRunner = Callable[..., subprocess.CompletedProcess[str]]


def day_lines(day: int, host: str = "a", count: int = 40) -> list[str]:
    """One day of a server's combined log; the last line repeats the one before it
    (two identical requests in one second are two requests)."""
    lines = [
        f"10.0.{day}.{n % 7} - - [{day:02d}/Mar/2021:{n % 24:02d}:{n % 60:02d}:00 +0000]"
        f' "GET /{host}/page-{n} HTTP/1.1" 200 {100 + n} "-" "Mozilla/5.0 ({host})"'
        for n in range(count)
    ]
    return [*lines, lines[-1]]


def write(path: Path, lines: list[str]) -> Path:
    data = ("\n".join(lines) + "\n").encode() if lines else b""
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


def rotate(folder: Path, days: list[list[str]]) -> list[Path]:
    """The folder as logrotate leaves it: access.log (today), access.log.1, then
    access.log.2.gz, access.log.3.gz (compressed, delaycompress)."""
    for old in folder.glob("access.log*"):
        old.unlink()
    names = ["access.log", "access.log.1", "access.log.2.gz", "access.log.3.gz"]
    return [write(folder / name, lines) for name, lines in zip(names, reversed(days), strict=False)]


def test_loading_a_rotation_set_daily_for_5_days_gives_each_line_once(
    conn: psycopg.Connection, tmp_path: Path
) -> None:
    folder = tmp_path / "var_log"
    folder.mkdir()
    days = [day_lines(day) for day in range(1, 6)]
    for today in range(1, 6):
        # At noon: half of today's log so far (the file grows by appends) ...
        files = rotate(folder, [*days[: today - 1], days[today - 1][:20]])
        for path in files:
            loaders.load_file(conn, path, "combined")
        # ... at midnight, just before the rotation: the whole day.
        files = rotate(folder, days[:today])
        results = [loaders.load_file(conn, path, "combined") for path in files]
        assert [result.rows_loaded for result in results] == [21] + [0] * (len(files) - 1)

    expected = sorted((line.split(" ")[0], line.split(" ")[6]) for lines in days for line in lines)
    assert conn.execute("select ip, path from raw.web_requests order by 1, 2").fetchall() == (
        expected
    )
    assert len(expected) == 5 * 41
    assert count(conn, "select count(*) from raw.rejected_lines") == 0
    files = conn.execute(
        "select sum(rows_loaded), sum(lines_duplicate), sum(lines_removed) from raw.loaded_files"
    ).fetchone()
    assert files is not None and (files[0], files[2]) == (205, 0)


def test_two_servers_same_named_files_are_both_kept(
    conn: psycopg.Connection, tmp_path: Path
) -> None:
    host_a, host_b = tmp_path / "hostA", tmp_path / "hostB"
    host_a.mkdir()
    host_b.mkdir()
    first = loaders.load_file(conn, write(host_a / "access.log.1", day_lines(1, "a")), "combined")
    second = loaders.load_file(conn, write(host_b / "access.log.1", day_lines(1, "b")), "combined")

    assert (first.status, first.rows_loaded, second.status, second.rows_loaded) == (
        "loaded",
        41,
        "loaded",
        41,
    )
    assert count(conn, "select count(*) from raw.web_requests") == 82
    assert conn.execute(
        "select source_file, rows_loaded from raw.loaded_files order by 1"
    ).fetchall() == [(str(host_a / "access.log.1"), 41), (str(host_b / "access.log.1"), 41)]


def test_the_source_option_names_a_server(database: warehouse.Settings, tmp_path: Path) -> None:
    # Two servers' logs copied into one folder under different names: --source keeps
    # them apart even though their lines are identical.
    write(tmp_path / "web1.log", day_lines(1))
    write(tmp_path / "web2.log", day_lines(1))
    for name in ("web1", "web2"):
        loaded = run_cli(
            ["load", "combined", "--source", name, str(tmp_path / f"{name}.log")], database
        )
        assert loaded.returncode == 0, loaded.stderr
    with warehouse.connect(database) as conn:
        assert conn.execute(
            "select source_file, rows_loaded from raw.loaded_files order by 1"
        ).fetchall() == [("web1/web1.log", 41), ("web2/web2.log", 41)]


def test_compressed_re_export_and_overlapping_exports_are_not_double_counted(
    conn: psycopg.Connection, tmp_path: Path
) -> None:
    header = "user_id,date,time,path,cohort_id,ip"
    rows = [
        f"{n},2019-03-01,10:{n // 60 % 60:02d}:{n % 60:02d},toc,22,1.2.3.4" for n in range(1, 1001)
    ]
    first = write(tmp_path / "export_jan.csv", [header, *rows[:600]])
    again = tmp_path / "export_jan.csv.gz"
    again.write_bytes(gzip.compress(first.read_bytes()))
    overlapping = write(tmp_path / "export_feb.csv", [header, *rows[399:]])

    results = [loaders.load_file(conn, path, "csv") for path in (first, again, overlapping)]

    assert [(result.status, result.rows_loaded, result.lines_duplicate) for result in results] == [
        ("loaded", 600, 0),
        ("unchanged", 0, 0),
        ("loaded", 400, 201),
    ]
    assert results[1].same_as == "export_jan.csv"
    assert count(conn, "select count(*) from raw.curriculum_requests") == 1000
    assert "201 lines already loaded (overlap, not counted)" in results[2].summary()


def count(conn: psycopg.Connection, query: str) -> int:
    row = conn.execute(query).fetchone()
    assert row is not None
    return int(row[0])


def test_a_shorter_replacement_fails_the_next_plain_build_with_the_command(
    database: warehouse.Settings, dbt: DbtRunner, tmp_path: Path
) -> None:
    header = "user_id,date,time,path,cohort_id,ip"
    rows = [f"{n},2019-03-01,10:00:{n:02d},toc,,1.2.3.4" for n in range(1, 51)]
    path = write(tmp_path / "export.csv", [header, *rows])
    assert run_cli(["load", "csv", str(path)], database).returncode == 0
    # The models that the raw-to-intermediate reconciliation reads, and the data tests of
    # these alone (not the requests' relationship to the cohorts, say). The unit tests do
    # not read the loaded data (test_pipeline.py's full build runs them).
    select = (
        "--select",
        "+int_requests_unioned",
        "--indirect-selection",
        "cautious",
        "--exclude-resource-type",
        "unit_test",
    )
    assert dbt(database, "build", *select).returncode == 0

    write(path, [header, *rows[:47]])
    replaced = run_cli(["load", "csv", str(path)], database)
    assert replaced.returncode == 0, replaced.stderr
    assert (
        "export.csv: replaced earlier version: 0 rows loaded, 0 lines rejected, 47 lines"
        " already loaded (overlap, not counted), 3 lines of the earlier version removed"
        in replaced.stderr
    )
    assert "`access-analytics dbt -- build --full-refresh`" in replaced.stderr

    plain = dbt(database, "build", *select)

    assert plain.returncode == 1, plain.stdout[-4000:]
    assert (
        f"rows differ between layers for {path}: raw 47, staging 47, intermediate 50"
        " (a file was replaced by a shorter version, or two builds overlapped): run"
        " `dbt build --full-refresh`"
    ) in plain.stdout
    assert "FAIL 1 assert_requests_reconcile_from_raw_to_intermediate" in plain.stdout
    refreshed = dbt(database, "build", "--full-refresh", *select)
    assert refreshed.returncode == 0, refreshed.stdout[-3000:]
    with warehouse.connect(database) as conn:
        assert count(conn, "select count(*) from intermediate.int_requests_unioned") == 47


def test_a_subset_build_on_a_new_database_passes(
    database: warehouse.Settings, dbt: DbtRunner, tmp_path: Path
) -> None:
    files = demo_data.generate(tmp_path / "demo", events=2_000, seed=5)
    for path, file_format in ((files.cohorts_path, "cohorts"), (files.requests_path, "csv")):
        assert run_cli(["load", file_format, str(path)], database).returncode == 0

    built = dbt(database, "build", "--select", "+fct_sessions")

    assert built.returncode == 0, built.stdout[-3000:]
    assert "assert_every_loaded_line_is_accounted_for" in built.stdout


# --------------------------------------------------------------------------------------
# One build at a time (docs/concurrency.md); concurrent first use

# Every dbt run of a test passes the same vars: other vars would make dbt parse the
# whole project again instead of reusing the test's first parse.
BUILD_VARS = ("--vars", "{build_lock_timeout: 10min}")
LOCK_VARS = (
    "--vars",
    "{build_lock_timeout: 10min, build_orphan_after: 2s, build_wait_timeout: 3s}",
)


def _dbt_process(
    database: warehouse.Settings, parsed: Path, target: Path, *args: str
) -> subprocess.Popen:
    """Plain dbt in the background, reusing the parse of an earlier run (in ``parsed``)."""
    target.mkdir(parents=True)
    shutil.copy(parsed / "partial_parse.msgpack", target / "partial_parse.msgpack")
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "dbt"),
            *args,
            "--target-path",
            str(target),
            "--log-path",
            str(target / "logs"),
        ],
        cwd=PROJECT_DIR,
        env=warehouse.dbt_env(database),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_until(
    conn: psycopg.Connection,
    query: str,
    what: str,
    running: Sequence[subprocess.Popen] = (),
    never: str | None = None,
) -> None:
    """Poll ``query`` (one boolean) until it is true; fail at once when a process of
    ``running`` ends (with its output) or the query ``never`` is true first."""
    deadline = time.monotonic() + 300
    while not conn.execute(query).fetchone()[0]:  # type: ignore[index]
        for process in running:
            if process.poll() is not None:
                output = process.communicate()[0]
                pytest.fail(f"{process.args[:2]} ended before {what}:\n{output[-3000:]}")
        if never is not None:
            assert not conn.execute(never).fetchone()[0], f"{never} before {what}"  # type: ignore[index]
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.2)


# Sessions of others: a build waiting in its claim loop (macros/claim_build_lock.sql),
# a load waiting in build_lock.wait_for_build, a dbt run waiting for a table lock.
OTHERS = (
    "select exists (select from pg_stat_activity where datname = current_database()"
    " and pid <> pg_backend_pid() and "
)
BUILD_WAITING = OTHERS + "query like '%holder private.build_lock;%')"
LOAD_WAITING = OTHERS + "query like '%and query like $1%')"
BLOCKED = OTHERS + "wait_event_type = 'Lock')"


def test_two_builds_started_at_once_take_turns_and_a_load_waits_for_them(
    database: warehouse.Settings, dbt: DbtRunner, tmp_path: Path
) -> None:
    files = demo_data.generate(tmp_path / "demo", events=4_000, seed=9)
    lines = files.requests_path.read_text().splitlines()
    parts = [tmp_path / f"part_{n}.csv" for n in (1, 2, 3)]
    write(parts[0], lines[:2_001])
    write(parts[1], [lines[0], *lines[2_001:3_001]])
    write(parts[2], [lines[0], *lines[3_001:]])
    assert run_cli(["load", "cohorts", str(files.cohorts_path)], database).returncode == 0
    assert run_cli(["load", "csv", str(parts[0])], database).returncode == 0
    select = ("--select", "+fct_sessions", *BUILD_VARS)
    assert (
        dbt(
            database,
            "build",
            *select,
            "--exclude-resource-type",
            "test",
            "--exclude-resource-type",
            "unit_test",
        ).returncode
        == 0
    )
    assert run_cli(["load", "csv", str(parts[1])], database).returncode == 0

    with warehouse.connect(database) as conn:
        # The first run to hold the warehouse stops at a staging view it replaces ...
        conn.execute("lock table staging.stg_curriculum__requests in access share mode")
        runs = [
            _dbt_process(database, tmp_path / "target", tmp_path / f"run_{n}", "run", *select)
            for n in (1, 2)
        ]
        with warehouse.connect(database) as watch:
            watch.autocommit = True
            # ... while the other waits for the warehouse, and a load waits for both.
            _wait_until(watch, BUILD_WAITING, "one run waits for the other", runs)
            load = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "access_analytics.cli",
                    "--database",
                    database.dbname,
                    "load",
                    "csv",
                    str(parts[2]),
                ],
                cwd=PROJECT_DIR,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            _wait_until(watch, LOAD_WAITING, "the load waits", [*runs, load])
        conn.commit()
    outputs = [run.communicate(timeout=600)[0] for run in runs]
    loaded = load.communicate(timeout=600)[0]

    assert [run.returncode for run in runs] == [0, 0], outputs[0][-2000:] + outputs[1][-2000:]
    assert load.returncode == 0, loaded
    waited = [
        "holds the warehouse since" in output and "the warehouse is free" in output
        for output in outputs
    ]
    assert sorted(waited) == [False, True], outputs
    assert "holds the warehouse since" in loaded and "the load waits for it" in loaded
    with warehouse.connect(database) as conn:
        # The run that waited came after the load (it could not claim while the load
        # held the loaders' lock): every request once, the last 1,000 included ...
        for table in (
            "intermediate.int_requests_unioned",
            "intermediate.int_requests_sessionized_all_traffic",
        ):
            assert count(conn, f"select count(*) from {table}") == 4_000, table
        assert count(conn, "select count(*) from private.build_lock") == 0
        sessions = conn.execute(SESSIONS).fetchone()
    # ... and the sessions are those of a full refresh of the same data.
    assert dbt(database, "run", *select, "--full-refresh").returncode == 0
    with warehouse.connect(database) as conn:
        assert conn.execute(SESSIONS).fetchone() == sessions


SESSIONS = (
    "select (select count(*) from intermediate.int_requests_sessionized),"
    " count(*), sum(requests), sum(distinct_lessons) from marts.fct_sessions"
)


def test_a_waiting_build_gives_up_clearly_and_a_killed_build_frees_the_warehouse(
    database: warehouse.Settings, dbt: DbtRunner, tmp_path: Path
) -> None:
    seed = ("seed", "--select", "programs", *LOCK_VARS)
    assert dbt(database, *seed).returncode == 0
    with warehouse.connect(database) as conn:
        conn.execute("lock table seeds.programs in access share mode")
        holder = _dbt_process(database, tmp_path / "target", tmp_path / "holder", *seed)
        with warehouse.connect(database) as watch:
            watch.autocommit = True
            _wait_until(watch, BLOCKED, "the first seed holds the warehouse and is blocked")

            gave_up = dbt(database, *seed)

            # dbt stops at its first hook: no model, seed or other hook runs.
            assert gave_up.returncode == 2
            assert (
                "gave up after 3s (var build_wait_timeout): another build (dbt seed"
                in gave_up.stdout
            )
            assert "Nothing was built" in gave_up.stdout
            assert "on-run-start.1" not in gave_up.stdout
            holder.kill()
            holder.communicate(timeout=60)
            conn.commit()
            # The killed run's session ends once its blocked statement has run.
            _wait_until(
                watch,
                "select not exists (select from pg_stat_activity where"
                " datname = current_database() and backend_type = 'client backend'"
                f" and pid not in (pg_backend_pid(), {conn.info.backend_pid}))",
                "the killed run is gone",
            )

        after_kill = dbt(database, *seed)

        assert after_kill.returncode == 0, after_kill.stdout[-3000:]
        assert "holds the warehouse since" in after_kill.stdout
        assert "the warehouse is free" in after_kill.stdout
        assert count(conn, "select count(*) from seeds.programs") == 4
        assert count(conn, "select count(*) from private.build_lock") == 0


def test_a_waiting_claim_leaves_the_catalog_rows_of_the_holder_alone(
    database: warehouse.Settings, dbt: DbtRunner, tmp_path: Path
) -> None:
    """A build that must wait writes no catalog row in its claim: the build holding the
    warehouse updates the `private` schema's row (create_pseudonym_key), and a claim that
    updated it too waited for that row and then failed with "tuple concurrently updated"
    (seen when two builds started at once)."""
    seed = ("seed", "--select", "programs", *BUILD_VARS)
    assert dbt(database, *seed).returncode == 0
    holder_id = "a-holder-of-this-test"
    with warehouse.connect(database) as holder:
        holder.execute(
            "insert into private.build_lock (invocation_id, command, orphan_after)"
            " values (%s, 'build', '10min')",
            (holder_id,),
        )
        holder.commit()
        # The holder in its create_pseudonym_key hook: the schema's row updated, not
        # committed; its session's last query names it (alive for the waiting claim).
        holder.execute("revoke all on schema private from public")
        holder.execute(f"select '{holder_id}'")
        waiting = _dbt_process(database, tmp_path / "target", tmp_path / "waiting", *seed)
        try:
            with warehouse.connect(database) as watch:
                watch.autocommit = True
                _wait_until(watch, BUILD_WAITING, "the second build waits", [waiting], BLOCKED)
        except BaseException:
            waiting.kill()
            raise
        holder.commit()
        holder.execute("delete from private.build_lock where invocation_id = %s", (holder_id,))
        holder.commit()
    output = waiting.communicate(timeout=600)[0]

    assert waiting.returncode == 0, output[-3000:]
    assert f"invocation {holder_id}) holds the warehouse since" in output
    assert "the warehouse is free" in output


def test_first_use_of_a_new_database_by_two_loads_and_two_builds_at_once(
    settings: warehouse.Settings, tmp_path: Path
) -> None:
    # The name of conftest's `database` (dropped: the database is new), whose parse the
    # worker may have saved already.
    name = TEST_DATABASE
    warehouse.drop_database(settings, name)
    # Both builds start from one parse of the project for this database, as a user's
    # second run would (each would parse the whole project otherwise); `dbt parse` does
    # not connect, so the database is still new.
    parse = dbt_in(warehouse.Settings(**{**settings.__dict__, "dbname": name}), tmp_path, "parse")
    assert parse.returncode == 0, parse.stdout[-3000:]
    with warehouse.connect(settings) as conn:
        assert count(conn, f"select count(*) from pg_database where datname = '{name}'") == 0
    for n in (1, 2):
        (tmp_path / f"target_{n}").mkdir()
        shutil.copy(tmp_path / "target" / "partial_parse.msgpack", tmp_path / f"target_{n}")
    paths = [write(tmp_path / f"day{day}.log", day_lines(day)) for day in (1, 2)]
    cli = [sys.executable, "-m", "access_analytics.cli", "--database", name]
    commands = [
        *([*cli, "load", "combined", str(path)] for path in paths),
        *(
            [
                *cli,
                "dbt",
                "--",
                "seed",
                "--select",
                "programs",
                "--target-path",
                str(tmp_path / f"target_{n}"),
            ]
            for n in (1, 2)
        ),
    ]
    try:
        started = [
            subprocess.Popen(
                command,
                cwd=PROJECT_DIR,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for command in commands
        ]
        outputs = [process.communicate(timeout=600)[0] for process in started]
        assert [process.returncode for process in started] == [0, 0, 0, 0], outputs
        with warehouse.connect(settings, name) as conn:
            assert count(conn, "select count(*) from raw.web_requests") == 82
            assert count(conn, "select count(*) from seeds.programs") == 4
            assert count(conn, "select count(*) from private.build_lock") == 0
    finally:
        warehouse.drop_database(settings, name)


def _children(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in found.read_text().split()] if found.exists() else []


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_stopping_the_dbt_wrapper_stops_dbt(database: warehouse.Settings) -> None:
    wrapper = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "access_analytics.cli",
            "--database",
            database.dbname,
            "dbt",
            "--",
            "seed",
        ],
        cwd=PROJECT_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    children: list[int] = []
    while not children and time.monotonic() < deadline and wrapper.poll() is None:
        children = _children(wrapper.pid)
        time.sleep(0.05)
    assert children, "dbt did not start"
    time.sleep(1)

    wrapper.send_signal(signal.SIGTERM)
    wrapper.wait(timeout=60)

    assert wrapper.returncode != 0, "dbt finished before it was stopped"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(
        Path(f"/proc/{child}").exists() for child in children
    ):
        time.sleep(0.1)
    alive = [child for child in children if Path(f"/proc/{child}").exists()]
    for child in alive:
        os.kill(child, signal.SIGKILL)
    assert alive == []
