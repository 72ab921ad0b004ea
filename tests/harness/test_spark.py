"""The same DAG on Spark: one small generated data set built on PostgreSQL and on a local
Spark session (dbt-spark's session method, raw tables as Parquet), every mart compared.
The comparison runs Spark in this process: one JVM for the loads, the dbt build and the
reads (docs/spark.md, "The cross-engine test in one JVM").

The comparison is part of `make test`, which installs the spark extra (dbt-spark, pyspark)
and sets AA_TEST_SPARK=required: there, a Spark that cannot run fails the tests; in a plain
`pytest` without the extra or Java 17 they are skipped with the reason. The Spark part
takes about 90 s on a quiet machine. The four-batch incremental test on Spark (about four
minutes) is opt-in: `make test-spark` (or `pytest -m spark`).
"""

from __future__ import annotations

import datetime
import decimal
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from access_analytics import demo_data, spark_target, warehouse
from conftest import PROJECT_DIR, _built_warehouse, _dbt_in, _drop, demo_loads

pytestmark = pytest.mark.spark

# The cross-engine comparison: few requests (Spark's cost is per statement, not per row),
# a small web log with external referrers (referrer_hosts reads web logs only) and
# thresholds low enough that every mart has rows at that size (the same on both engines).
COMPARED_EVENTS = 5_000
COMPARED_VARS = (
    "{coactivity_min_requests: 20, sharing_min_switches: 1, sharing_min_overlap_minutes: 0,"
    " referrer_min_sessions: 1}"
)
SEED = 42
# Numbers agree when equal to this many significant digits (a sum of floats depends on
# the order of addition, which differs between the engines).
DIGITS = 9
# Seconds before a dbt command on Spark counts as hung: the comparison's build takes
# about a minute alone and took 1,003 s on a 2-core machine at load 15 to 17.
SPARK_TIMEOUT = 1800


def _spark_can_run() -> None:
    """Fail (AA_TEST_SPARK=required, as `make test` sets) or skip unless Spark can run here."""
    reason = spark_target.missing()
    if reason and os.environ.get("AA_TEST_SPARK") == "required":
        pytest.fail(f"AA_TEST_SPARK=required, but Spark cannot run here: {reason}", pytrace=False)
    if reason:
        pytest.skip(f"the spark extra cannot run here: {reason} (`make test` installs it)")


@pytest.fixture(scope="module")
def spark_ready() -> None:
    """Spark can run here (else the test fails or is skipped: _spark_can_run)."""
    _spark_can_run()


@pytest.mark.parametrize(
    ("shown", "problem"),
    [
        ('openjdk version "11.0.22" 2024-01-16', "is Java 11; Spark needs Java 17 or newer"),
        ('java version "1.8.0_402"', "is Java 8; Spark needs Java 17 or newer"),
        ('openjdk version "17.0.15" 2025-04-15', None),
        ('openjdk version "21" 2023-09-19', None),
        ("no version said", None),
    ],
)
def test_spark_needs_java_17_or_newer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shown: str, problem: str | None
) -> None:
    """The Java that pyspark would start ($JAVA_HOME/bin/java) is judged by what
    `java -version` shows; a version it does not show is left to Spark."""
    java = tmp_path / "bin" / "java"
    java.parent.mkdir()
    java.write_text(f"#!/bin/sh\necho '{shown}' >&2\n")
    java.chmod(0o755)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))

    found = spark_target.java_problem()

    assert found == (None if problem is None else f"{java} {problem} (set JAVA_HOME to one)")


def test_a_java_home_without_java_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    assert spark_target.java_problem() == (
        "Java is not installed (Spark needs Java 17: e.g. apt-get install"
        f" openjdk-17-jre-headless); JAVA_HOME is {tmp_path}, without bin/java"
    )


def _run(args: list[str], env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def _normalised(value: Any) -> Any:
    """One value as both engines should give it: numbers to DIGITS significant digits,
    timestamps in UTC without zone, everything else as it is."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float | decimal.Decimal):
        number = float(value)
        return 0.0 if number == 0 else float(f"{number:.{DIGITS}g}")
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _rows(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted((tuple(map(_normalised, row)) for row in rows), key=repr)


class Builds:
    """Both engines' builds of the same files, and the marts to compare."""

    def __init__(
        self, postgres: warehouse.Settings, spark_dir: Path, marts: dict[str, list[str]]
    ) -> None:
        self.postgres = postgres
        self.spark_dir = spark_dir
        self.marts = marts  # relation name (schema.table) -> columns


def _load_command(file_format: str, path: Path) -> list[str]:
    cli = [sys.executable, "-m", "access_analytics.cli"]
    return [*cli, "load", "--target=spark", file_format, str(path)]


# The only columns left out of the comparison: stamps of when a load or a build ran,
# which cannot agree between two runs, whatever the engine.
BUILD_STAMPS = {
    "loaded_at": "load_outcomes: when the loader loaded the file (now() of the load)",
    "sessionized_at": "fct_sessions, fct_activities: when the run that built the row"
    " started (dbt.current_timestamp() in int_requests_sessionized_all_traffic)",
}


def _marts(manifest: Path) -> dict[str, list[str]]:
    nodes = json.loads(manifest.read_text())["nodes"].values()
    return {
        f"{node['schema']}.{node['alias']}": [
            column for column in node["columns"] if column not in BUILD_STAMPS
        ]
        for node in nodes
        if node["resource_type"] == "model" and node["fqn"][1] == "marts"
    }


# A few lines of a combined-format web log, some with external referrers.
REFERRERS = ("https://www.google.com/search?q=css", "https://news.example.org/item?id=7", "-")
WEB_LOG = "".join(
    f"198.51.100.{line % 4 + 1} - - [18/May/2015:{10 + line}:00:00 +0000]"
    f' "GET /blog/post-{line % 5}.html HTTP/1.1" 200 512 "{REFERRERS[line % 3]}"'
    ' "Mozilla/5.0 (X11; Linux x86_64) Firefox/38.0"\n'
    for line in range(12)
)


def _start_spark(spark_dir: Path) -> Any:
    """The local Spark session of this process, started before dbt's: dbt-spark's session
    method takes the session already running (its static settings, such as the catalog,
    are ignored then), so every dbt command and the reads share one JVM. Settings for a
    few thousand rows: the metastore in memory (no Derby), no adaptive execution and no
    code generation (22% less JVM CPU here: each statement's planning and compiling cost
    more than its data); the JVM's quick JIT only and the serial collector, as in
    profiles.yml. AA_SPARK_CORES as there (default 2); AA_SPARK_MEMORY when set (else
    Spark's own 1g, enough for these rows, not the profile's 3g)."""
    from pyspark.sql import SparkSession

    memory = os.environ.get("AA_SPARK_MEMORY")
    settings = {
        **({"spark.driver.memory": memory} if memory else {}),
        "spark.master": f"local[{os.environ.get('AA_SPARK_CORES', '2')}]",
        "spark.sql.catalogImplementation": "in-memory",
        "spark.sql.warehouse.dir": str(spark_dir / "warehouse"),
        "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.adaptive.enabled": "false",
        "spark.sql.codegen.wholeStage": "false",
        "spark.sql.codegen.factoryMode": "NO_CODEGEN",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
    }
    session = SparkSession.builder.config(map=settings).getOrCreate()
    # Not a warning per dbt statement that the session was already running.
    session.sparkContext.setLogLevel("ERROR")
    return session


def _stop_spark() -> str:
    """Stop the Spark session of this process and its JVM (which ends when its stdin
    closes); returns the JVM's CPU time."""
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    session = SparkSession._instantiatedSession
    if session is not None:
        session.stop()
    gateway = SparkContext._gateway
    if gateway is None:
        return "no JVM"
    stat = Path(f"/proc/{gateway.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = f"JVM CPU {(int(stat[11]) + int(stat[12])) / 100:.0f} s"
    gateway.shutdown()
    gateway.proc.stdin.close()
    gateway.proc.wait(timeout=120)
    SparkContext._gateway = None
    SparkContext._jvm = None
    return cpu


def _spark_dbt(env: dict[str, str], folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`dbt ARGS` on Spark in this process (the environment `env`), its target and logs
    in `folder`."""
    return _dbt_in(lambda: env, folder, args, SPARK_TIMEOUT)


@pytest.fixture(scope="module")
def builds(
    spark_ready: None, settings: warehouse.Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Builds]:
    """The same files built on PostgreSQL and on a local Spark session in this process
    (seeds and models; every dbt command and the reads share its JVM)."""
    from access_analytics import parquet_raw

    folder = tmp_path_factory.mktemp("spark")
    files = demo_data.generate(folder / "demo", events=COMPARED_EVENTS, seed=SEED)
    web_log = folder / "web.log"
    web_log.write_text(WEB_LOG, encoding="utf-8")
    loads = [*demo_loads(files), ("combined", web_log)]
    build = ["build", "--resource-type", "seed", "--resource-type", "model"]
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    postgres = _built_warehouse(
        settings, "spark_compare", folder / "postgres", loads, *build[1:], "--vars", COMPARED_VARS
    )
    seconds["postgres load + build"] = time.perf_counter() - started

    spark_dir = folder / "spark"
    started = time.perf_counter()
    for file_format, path in loads:
        parquet_raw.load_file(spark_dir / "raw", path, file_format)
    seconds["spark load (Parquet)"] = time.perf_counter() - started
    env = {**spark_target.dbt_env(PROJECT_DIR), "AA_SPARK_DIR": str(spark_dir)}
    started = time.perf_counter()
    try:
        _start_spark(spark_dir)
        seconds["spark session start"] = time.perf_counter() - started
        started = time.perf_counter()
        built = _spark_dbt(env, folder / "spark_dbt", *build, "--vars", COMPARED_VARS)
        seconds["spark dbt build (seeds, models)"] = time.perf_counter() - started
        assert built.returncode == 0, built.stdout[-4000:]
        print(f"\nspark: {next(line for line in built.stdout.splitlines() if 'PASS=' in line)}")
        for step, taken in seconds.items():
            print(f"  {step}: {taken:.0f} s")
        yield Builds(postgres, spark_dir, _marts(folder / "spark_dbt" / "target" / "manifest.json"))
    finally:
        print(f"\nspark: {_stop_spark()}")
    _drop(settings, postgres)


def test_every_mart_is_equal_on_postgres_and_spark(builds: Builds) -> None:
    """Row counts and every row (numbers to DIGITS significant digits) of every mart;
    every mart has rows."""
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.getOrCreate()
    report: dict[str, str] = {}
    counts: dict[str, int] = {}
    with warehouse.connect(builds.postgres) as conn:
        for relation, columns in sorted(builds.marts.items()):
            query = f"select {', '.join(columns) or '*'} from {relation}"
            expected = _rows(conn.execute(query).fetchall())  # type: ignore[call-overload]
            try:
                actual = _rows([tuple(row) for row in spark.sql(query).collect()])
            except Exception as error:  # a table that Spark did not build
                report[relation] = f"not read on Spark ({str(error).splitlines()[0][:120]})"
                continue
            counts[relation] = len(expected)
            if actual != expected:
                missing = [row for row in expected if row not in actual][:2]
                extra = [row for row in actual if row not in expected][:2]
                report[relation] = (
                    f"{len(expected)} rows on PostgreSQL, {len(actual)} on Spark;"
                    f" e.g. only on PostgreSQL {missing}, only on Spark {extra}"
                )
    equal = sorted(set(builds.marts) - set(report))
    print(f"\n{len(equal)} of {len(builds.marts)} marts equal on both engines:")
    print(", ".join(f"{relation} ({counts[relation]} rows)" for relation in equal))
    for relation, difference in report.items():
        print(f"  {relation}: {difference}")
    assert not report, f"{len(report)} marts differ (see the output)"
    # Every mart of the project was compared.
    assert sorted(relation.split(".")[1] for relation in builds.marts) == sorted(
        path.stem for path in (PROJECT_DIR / "models" / "marts").rglob("*.sql")
    )
    empty = sorted(relation for relation, count in counts.items() if count == 0)
    assert not empty, f"marts without rows (nothing compared): {empty}"


def test_load_outcomes_count_every_line_on_spark(builds: Builds) -> None:
    """The Parquet raw tables hold every line of the files: loaded or rejected."""
    import pyarrow.parquet as pq

    raw = builds.spark_dir / "raw"
    loaded = pq.read_table(raw / "loaded_files").to_pylist()
    by_format = {row["file_format"]: row for row in loaded}
    requests = pq.read_table(raw / "curriculum_requests").num_rows
    rejected = pq.read_table(raw / "rejected_lines").num_rows
    assert by_format["csv"]["rows_loaded"] == requests
    assert by_format["csv"]["lines_read"] == COMPARED_EVENTS + 1  # the header
    assert requests + rejected == COMPARED_EVENTS


# The four-batch test runs dbt in this process (conftest's _dbt_in), so its five dbt
# commands share one JVM and one Spark session: a dbt process of its own starts a JVM,
# the Spark session and the Derby metastore for each command (40 to 70 s of a loaded
# machine each). Its catalog is Spark's in-memory one (AA_SPARK_CATALOG=in-memory,
# docs/configuration.md): it lives as long as the session, which is all the test needs.
def _session_rows(queries: dict[str, str]) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of each query (name -> SQL) in this process's Spark session (dbt's)."""
    from pyspark.sql import SparkSession

    session = SparkSession.builder.getOrCreate()
    return {
        name: [tuple(row) for row in session.sql(query).collect()]
        for name, query in queries.items()
    }


def _one(session_rows: list[tuple[Any, ...]]) -> int:
    [(value,)] = session_rows
    return int(value)


# test_sessions_incremental's queries, with the batch of a request read from its file's
# name by Spark's regexp_extract (PostgreSQL's `substring(... from regex)` is not Spark's).
SPARK_BATCH_OF_REQUEST = (
    "select request_id,"
    " cast(regexp_extract(source_file, 'batch_([0-9])[.]csv$', 1) as int) as batch,"
    " requested_at from staging.stg_curriculum__requests"
)


@pytest.fixture
def spark_in_process(request: pytest.FixtureRequest) -> Iterator[None]:
    """This process's own Spark session for the test, stopped afterwards; the test is
    opt-in (`-m spark`, as `make test-spark` runs)."""
    if "spark" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("the four-batch Spark test is opt-in: `make test-spark` (or pytest -m spark)")
    _spark_can_run()
    _stop_spark()
    yield
    _stop_spark()


def test_four_incremental_batches_on_spark_equal_a_full_refresh(
    spark_in_process: None, tmp_path: Path
) -> None:
    """test_sessions_incremental on Spark: the sessions models and their parents, run
    incrementally after each of four batches (late requests included), equal a full
    refresh of the same loaded files, row for row (the tables of COMPARED); the same
    dbt commands, the same data and the same checks that the runs were incremental and
    that late requests and sessions across batches occurred."""
    import test_sessions_incremental as postgres

    spark_dir = tmp_path / "spark"
    env = {
        **spark_target.dbt_env(PROJECT_DIR),
        "AA_SPARK_DIR": str(spark_dir),
        "AA_SPARK_CATALOG": "in-memory",
    }
    files = demo_data.generate(tmp_path / "demo", events=postgres.EVENTS, seed=11)
    batches = postgres.write_batches(files.requests_path, tmp_path)
    late_counts = postgres.reaching_back(batches)
    dbt_folder = tmp_path / "dbt"
    seeds_and_models = ("--resource-type", "seed", "--resource-type", "model")

    def dbt(*args: str) -> None:
        done = _spark_dbt(env, dbt_folder, *args, *postgres.SELECTED)
        assert done.returncode == 0, done.stdout[-4000:]

    started = time.perf_counter()
    loaded = _run(_load_command("cohorts", files.cohorts_path), env, 300)
    assert loaded.returncode == 0, loaded.stderr
    # As test_sessions_incremental: the seeds and models after the first batch, `dbt run`
    # after the others. Without its data tests after the last: they check the state that
    # the comparison below finds equal, row for row, to the full refresh, and every data
    # test of the project passes on Spark in `make build TARGET=spark` (docs/spark.md).
    for number, batch in enumerate(batches, start=1):
        loaded = _run(_load_command("csv", batch), env, 300)
        assert loaded.returncode == 0, loaded.stderr
        if number == 1:
            dbt("build", *seeds_and_models)
        else:
            dbt("run")
    print(f"\nspark: four incremental runs in {time.perf_counter() - started:.0f} s")

    # A bare `numeric` is decimal(10, 0) on Spark: keep the decimals COMPARED rounds to.
    queries = {
        table: f"select {columns.replace('::numeric', '::decimal(38, 12)')} from {table}"
        for table, columns in postgres.COMPARED.items()
    }
    late = {
        f"late {number}": "select count(*) from raw.curriculum_requests where source_file"
        f" like '%/batch_{number}.csv' and requested_at < (select max(requested_at) from"
        f" raw.curriculum_requests where source_file like '%/batch_{number - 1}.csv')"
        for number in (2, 3, 4)
    }
    incremental = _session_rows({**queries, **late, "runs": postgres.SESSIONIZING_RUNS})
    # The runs were incremental: later runs re-sessionized only some users.
    assert _one(incremental.pop("runs")) >= 2
    # Late requests did arrive late: dated before the previous batch's last request.
    for number in (2, 3, 4):
        assert _one(incremental.pop(f"late {number}")) == late_counts[number - 2] > 0, number

    # The same loaded lines, every model rebuilt from scratch (the seeds are those of the
    # first run: the same files).
    started = time.perf_counter()
    dbt("run", "--full-refresh")
    print(f"spark: the full refresh in {time.perf_counter() - started:.0f} s")
    counts = {
        "runs": postgres.SESSIONIZING_RUNS,
        "across": postgres.SESSIONS_ACROSS_BATCHES.replace(
            postgres.BATCH_OF_REQUEST, SPARK_BATCH_OF_REQUEST
        ),
        "late": postgres.SESSIONS_WITH_A_LATE_REQUEST.replace(
            postgres.BATCH_OF_REQUEST, SPARK_BATCH_OF_REQUEST
        ),
        "total": "select count(*) from intermediate.int_requests_sessionized_all_traffic",
        "left out": "select count(*) from intermediate.int_requests_sessionized_all_traffic"
        " where not is_in_sessions and session_started_at is null",
        "kept": "select count(*) from intermediate.int_requests_sessionized",
    }
    full = _session_rows({**queries, **counts})
    # One run sessionized every request: nothing is left of the incremental state.
    assert _one(full["runs"]) == 1
    for table in queries:
        expected, actual = full[table], incremental[table]
        assert len(actual) == len(expected) > 0, table
        assert sorted(actual, key=repr) == sorted(expected, key=repr), table
    # The cases that make incremental sessions hard did occur.
    assert _one(full["across"]) > 0
    assert _one(full["late"]) > 0
    # Every request has its row; the non-human ones have no session.
    assert _one(full["total"]) == postgres.EVENTS
    assert _one(full["left out"]) > 0
    assert _one(full["left out"]) + _one(full["kept"]) == postgres.EVENTS
