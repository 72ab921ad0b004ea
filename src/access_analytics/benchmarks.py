"""Measurements that are not tests: incremental vs full refresh, and visit definitions.

Both build in places of their own, never in the user's layers: the benchmark in a
database of its own, the visit-definition runs in prefixed schemas (var
``schema_prefix``) that are dropped afterwards.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from psycopg import sql

from access_analytics import loaders, warehouse
from access_analytics import names as project_names

SESSION_MODELS = ("+fct_sessions", "+fct_activities")
# The schemas a prefixed build makes (on-run-end adds the dashboards' views).
LAYERS = (*project_names.LAYERS, project_names.PSEUDONYMISED)


class BenchmarkError(RuntimeError):
    """A step of a measurement failed; the message says which."""


@dataclass(frozen=True)
class DbtTiming:
    """One dbt invocation: wall-clock seconds and dbt's own elapsed time."""

    wall_seconds: float
    dbt_seconds: float


def dbt_timed(settings: warehouse.Settings, target_path: Path, args: Sequence[str]) -> DbtTiming:
    """Run dbt in this process (so start-up is paid once, not per timing); return its
    timings, or raise with the failure."""
    from dbt.cli.main import dbtRunner

    full_args = [
        *args,
        "--project-dir",
        str(settings.project_dir),
        "--profiles-dir",
        str(settings.project_dir),
        "--target-path",
        str(target_path),
        "--log-path",
        str(target_path / "logs"),
        "--quiet",
    ]
    saved = dict(os.environ)
    os.environ.update(warehouse.dbt_env(settings))
    try:
        started = time.perf_counter()
        result = dbtRunner().invoke(full_args)
        wall = time.perf_counter() - started
    finally:
        os.environ.clear()
        os.environ.update(saved)
    if not result.success:
        raise BenchmarkError(f"dbt {' '.join(args)} failed: {result.exception or 'see logs'}")
    run_results = json.loads((target_path / "run_results.json").read_text())
    return DbtTiming(wall, float(run_results["elapsed_time"]))


def next_day_rows(requests_csv: Path) -> tuple[list[str], list[list[str]]]:
    """The header and the last day's rows of a demo requests file, moved one day later."""
    with requests_csv.open("rb") as handle:
        handle.seek(0, io.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - 4_000_000))
        tail = handle.read().decode("utf-8")
    with requests_csv.open(newline="") as handle:
        header = next(csv.reader(handle))
    lines = tail.splitlines()[1:]  # the first line may be cut
    rows = list(csv.reader(lines))
    last_day = max(row[0] for row in rows)
    moved = (date.fromisoformat(last_day) + timedelta(days=1)).isoformat()
    return header, [[moved, *row[1:]] for row in rows if row[0] == last_day]


def model_seconds(run_results: Path) -> dict[str, float]:
    """Seconds per model of a dbt run_results.json."""
    results = json.loads(run_results.read_text())["results"]
    return {
        row["unique_id"].split(".", 2)[2]: float(row["execution_time"])
        for row in results
        if row["unique_id"].startswith("model.")
    }


def bench_incremental(
    settings: warehouse.Settings, demo_dir: Path, say: Callable[[str], None]
) -> dict[str, Any]:
    """Time a full refresh of the sessions models, then an incremental run after
    appending one day of events, in the database ``<name>_bench``. Returns figures."""
    bench = warehouse.Settings(**{**settings.__dict__, "dbname": settings.dbname + "_bench"})
    target = settings.project_dir / "target" / "bench"
    warehouse.drop_database(settings, bench.dbname)
    warehouse.ensure_database(settings, bench.dbname)
    try:
        with warehouse.connect(bench) as conn:
            for name, file_format in (("cohorts.csv", "cohorts"), ("requests.csv", "csv")):
                say("  " + loaders.load_file(conn, demo_dir / name, file_format).summary())
        dbt_timed(bench, target, ["seed"])
        say("full refresh of the sessions models ...")
        full = dbt_timed(bench, target, ["run", "--select", *SESSION_MODELS, "--full-refresh"])
        full_models = model_seconds(target / "run_results.json")
        header, day = next_day_rows(demo_dir / "requests.csv")
        day_file = target / f"next_day_{day[0][0]}.csv"
        with day_file.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(day)
        with warehouse.connect(bench) as conn:
            say("  " + loaders.load_file(conn, day_file, "csv").summary())
        say("incremental run after one more day ...")
        incremental = dbt_timed(bench, target, ["run", "--select", *SESSION_MODELS])
        incremental_models = model_seconds(target / "run_results.json")
        sessionized = settings.names.relation(
            project_names.INTERMEDIATE, "int_requests_sessionized_all_traffic"
        )
        with warehouse.connect(bench) as conn:
            row = conn.execute(
                sql.SQL(
                    "select count(*), count(distinct user_key) from {sessionized}"
                    " where sessionized_at = (select max(sessionized_at) from {sessionized})"
                ).format(sessionized=sessionized)
            ).fetchone()
            total = conn.execute(sql.SQL("select count(*) from {}").format(sessionized))
            total_rows = total.fetchone()
    finally:
        warehouse.drop_database(settings, bench.dbname)
    assert row is not None and total_rows is not None
    return {
        "requests": float(total_rows[0]),
        "appended_requests": float(len(day)),
        "recomputed_requests": float(row[0]),
        "recomputed_users": float(row[1]),
        "full_refresh_dbt_seconds": full.dbt_seconds,
        "full_refresh_wall_seconds": full.wall_seconds,
        "incremental_dbt_seconds": incremental.dbt_seconds,
        "incremental_wall_seconds": incremental.wall_seconds,
        "ratio_dbt": incremental.dbt_seconds / full.dbt_seconds,
        "ratio_wall": incremental.wall_seconds / full.wall_seconds,
        "models": {
            name: {"full_refresh": seconds, "incremental": incremental_models.get(name, 0.0)}
            for name, seconds in full_models.items()
        },
    }


def visit_definitions(
    settings: warehouse.Settings, gaps: Sequence[int], say: Callable[[str], None]
) -> list[dict[str, float]]:
    """Sessions and their median length for each session gap, built in prefixed
    schemas of the warehouse that are dropped afterwards."""
    target = settings.project_dir / "target" / "visits"
    figures = []
    for gap in gaps:
        prefix = f"visits_gap_{gap}_"
        names = dataclasses.replace(settings.names, schema_prefix=prefix)
        say(f"sessions with a {gap}-minute gap ...")
        variables = json.dumps({"session_gap_minutes": gap, "schema_prefix": prefix})
        try:
            dbt_timed(
                settings,
                target,
                [
                    "build",
                    "--select",
                    "+fct_sessions",
                    "--resource-type",
                    "model",
                    "--resource-type",
                    "seed",
                    "--full-refresh",
                    "--vars",
                    variables,
                ],
            )
            with warehouse.connect(settings) as conn:
                row = conn.execute(
                    sql.SQL(
                        "select count(*), percentile_cont(0.5) within group"
                        " (order by duration_seconds), avg(requests)"
                        " from {}"
                    ).format(names.mart("fct_sessions"))
                ).fetchone()
        finally:
            with warehouse.connect(settings, autocommit=True) as conn:
                for layer in LAYERS:
                    conn.execute(
                        sql.SQL("drop schema if exists {} cascade").format(
                            sql.Identifier(names.schema(layer))
                        )
                    )
        assert row is not None
        figures.append(
            {
                "gap_minutes": float(gap),
                "sessions": float(row[0]),
                "median_minutes": float(row[1]) / 60,
                "mean_requests": float(row[2]),
            }
        )
    return figures
