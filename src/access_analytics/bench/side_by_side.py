"""``make bench``: the project and the pandas and DuckDB references, interleaved, on the
same generated files; then the project's own measurements (whole build, per model,
loader against ``COPY``, sessionization against a bare ``lag``, incremental run).

Each implementation runs in a child process (``python -m
access_analytics.bench.side_by_side IMPL ...``) so that its wall time and the peak
memory of its process tree are its own; the PostgreSQL server's memory is sampled
beside it (proportional set size, so shared buffers count once).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from psycopg import sql

from access_analytics import benchmarks, loaders, warehouse
from access_analytics import names as project_names
from access_analytics.bench import answers, loader_speed

IMPLEMENTATIONS = ("project", "pandas", "duckdb")
SCRATCH_SCHEMA = "bench_scratch"


# --------------------------------------------------------------------------------------
# One implementation, in a child process


def _project_settings(database: str) -> warehouse.Settings:
    settings = warehouse.settings_from_env()
    return warehouse.Settings(**{**settings.__dict__, "dbname": database})


def node_times(run_results: Path) -> dict[str, dict[str, Any]]:
    """Seconds per dbt node of a run_results.json: {name: {"kind", "seconds"}}."""
    results = json.loads(run_results.read_text())["results"]
    return {
        row["unique_id"].split(".", 2)[2]: {
            "kind": row["unique_id"].split(".", 1)[0],
            "seconds": float(row["execution_time"]),
        }
        for row in results
    }


def run_project(demo_dir: Path, out_dir: Path, database: str) -> dict[str, Any]:
    """Load the files into a fresh database and ``dbt build`` the core answers. Right
    after the load, in the same process and database, a plain ``COPY`` of the request
    file's typed columns: the loader's floor, measured back to back with it."""
    settings = _project_settings(database)
    admin = warehouse.settings_from_env()
    warehouse.drop_database(admin, database)
    warehouse.ensure_database(admin, database)
    started = time.perf_counter()
    with warehouse.connect(settings) as conn:
        loaders.load_file(conn, demo_dir / "cohorts.csv", "cohorts")
        cpu = loader_speed.Cpu(conn)
        requests = loaders.load_file(conn, demo_dir / "requests.csv", "csv")
        loader = loader_speed.rate(requests.lines_read, requests.seconds, cpu.used())
    load_seconds = time.perf_counter() - started
    floor = loader_speed.floor_rows_per_second(
        settings, demo_dir / "requests.csv", loader_speed.FLOOR_COLUMNS["csv"], header=True
    )
    target = out_dir / "target"
    timing = benchmarks.dbt_timed(
        settings,
        target,
        [
            "build",
            *warehouse.UNIT_TESTS_LEFT_OUT,
            "--select",
            *answers.PROJECT_SELECTION,
            *answers.PROJECT_VARS,
        ],
    )
    with warehouse.connect(settings) as conn:
        answers.project_answers(
            conn, out_dir, project_names.for_project(warehouse.find_project_dir())
        )
    return {
        "load_seconds": load_seconds,
        "loader": loader._asdict(),
        "copy": floor._asdict(),
        "dbt_seconds": timing.dbt_seconds,
        "nodes": node_times(target / "run_results.json"),
    }


def run_reference(implementation: str, demo_dir: Path, out_dir: Path) -> dict[str, Any]:
    """Compute the answers with pandas or DuckDB and write them."""
    defs = answers.definitions(warehouse.find_project_dir())
    requests_csv, cohorts_csv = demo_dir / "requests.csv", demo_dir / "cohorts.csv"
    details: dict[str, Any] = {}
    if implementation == "pandas":
        from access_analytics.bench import reference_pandas

        result = reference_pandas.answers(requests_csv, cohorts_csv, defs)
    else:
        from access_analytics.bench import reference_duckdb

        database = out_dir / "reference.duckdb"
        result = reference_duckdb.answers(requests_csv, cohorts_csv, defs, database)
        details["disk_bytes"] = database.stat().st_size
    answers.write_answers(out_dir, result)
    return details


def child_main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the child process: run one implementation, print its details."""
    parser = argparse.ArgumentParser(prog="python -m access_analytics.bench.side_by_side")
    parser.add_argument("implementation", choices=IMPLEMENTATIONS)
    parser.add_argument("demo_dir", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--database", default="")
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    if args.implementation == "project":
        details = run_project(args.demo_dir, args.out_dir, args.database)
    else:
        details = run_reference(args.implementation, args.demo_dir, args.out_dir)
    print(json.dumps(details))
    return 0


# --------------------------------------------------------------------------------------
# Memory: peak of a process tree (resident set) and of the server (proportional set)


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def _tree(root: int, children: dict[int, list[int]]) -> list[int]:
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def _memory_kib(pid: int, field_name: str) -> int:
    """``Rss`` or ``Pss`` of a process in KiB (0 when it is gone)."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    return 0


def server_pid(settings: warehouse.Settings) -> int | None:
    """The embedded server's postmaster process id (None for an external server)."""
    pid_file = settings.pgdata / "postmaster.pid"
    if settings.external or not pid_file.is_file():
        return None
    return int(pid_file.read_text().split()[0])


@dataclass
class PeakMemory:
    """Samples the peak memory of a process tree and of the server while running."""

    root: int | None
    server: int | None
    interval: float = 0.2
    tree_peak_kib: int = 0
    server_peak_kib: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _sample(self) -> None:
        while not self._stop.is_set():
            children = _children_map()
            if self.root is not None:
                tree = sum(_memory_kib(pid, "Rss") for pid in _tree(self.root, children))
                self.tree_peak_kib = max(self.tree_peak_kib, tree)
            if self.server is not None:
                server = sum(_memory_kib(pid, "Pss") for pid in _tree(self.server, children))
                self.server_peak_kib = max(self.server_peak_kib, server)
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()


@dataclass(frozen=True)
class Run:
    """One run of one implementation."""

    implementation: str
    seconds: float
    tree_peak_kib: int
    server_peak_kib: int
    details: dict[str, Any]


def _run_child(
    implementation: str, demo_dir: Path, out_dir: Path, database: str, server: int | None
) -> Run:
    command = [
        sys.executable,
        "-m",
        "access_analytics.bench.side_by_side",
        implementation,
        str(demo_dir),
        str(out_dir),
        "--database",
        database,
    ]
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with PeakMemory(child.pid, server if implementation == "project" else None) as peak:
        stdout, stderr = child.communicate()
    seconds = time.perf_counter() - started
    if child.returncode != 0:
        raise benchmarks.BenchmarkError(
            f"the {implementation} run failed (exit {child.returncode}): {stderr[-2000:]}"
        )
    return Run(
        implementation,
        seconds,
        peak.tree_peak_kib,
        peak.server_peak_kib,
        json.loads(stdout.strip().splitlines()[-1]),
    )


# --------------------------------------------------------------------------------------
# The project's own measurements, in the database of its last run


LAG_FLOORS = {
    "bare lag": """
        create table {scratch}.floor as
        select request_id, user_key, requested_at,
            lag(requested_at) over (partition by user_key order by requested_at, request_id)
                as previous_requested_at
        from {requests}
    """,
    "lag + running sum": """
        create table {scratch}.floor as
        with gaps as (
            select request_id, user_key, requested_at,
                requested_at - lag(requested_at) over by_user > interval '{gap} seconds'
                    as is_start
            from {requests}
            window by_user as (partition by user_key order by requested_at, request_id)
        )
        select request_id, user_key, requested_at,
            sum(case when coalesce(is_start, true) then 1 else 0 end) over (
                partition by user_key order by requested_at, request_id
                rows unbounded preceding
            ) as visit_number
        from gaps
    """,
}


def lag_floors(settings: warehouse.Settings, gap_seconds: int) -> dict[str, float]:
    """Seconds of a bare ``lag`` and of a plain lag + running-sum sessionization over
    the stored request rows, each written to a table like a model."""
    names = project_names.for_project(warehouse.find_project_dir())
    requests = names.relation(project_names.INTERMEDIATE, "int_requests_unioned")
    seconds = {}
    with warehouse.connect(settings, autocommit=True) as conn:
        scratch = sql.Identifier(SCRATCH_SCHEMA)
        for name, query in LAG_FLOORS.items():
            conn.execute(sql.SQL("drop schema if exists {} cascade").format(scratch))
            conn.execute(sql.SQL("create schema {}").format(scratch))
            started = time.perf_counter()
            conn.execute(
                sql.SQL(
                    query.format(scratch="{scratch}", requests="{requests}", gap=gap_seconds)
                ).format(scratch=scratch, requests=requests)
            )
            seconds[name] = time.perf_counter() - started
        conn.execute(sql.SQL("drop schema if exists {} cascade").format(scratch))
    return seconds


def database_bytes(settings: warehouse.Settings) -> int:
    """Size on disk of the settings' database."""
    with warehouse.connect(settings) as conn:
        row = conn.execute("select pg_database_size(current_database())").fetchone()
    return int(row[0]) if row else 0


# --------------------------------------------------------------------------------------
# The whole measurement


@dataclass
class Report:
    """Everything ``make bench`` prints."""

    events: int
    csv_bytes: int
    runs: list[Run]
    differences: dict[str, dict[str, str]]
    answer_rows: dict[str, int]
    sessions: int
    extras: dict[str, Any]
    load: tuple[tuple[float, ...], tuple[float, ...]]


def side_by_side(
    settings: warehouse.Settings,
    demo_dir: Path,
    rounds: int,
    say: Callable[[str], None],
    incremental: bool = True,
) -> Report:
    """Run the three implementations ``rounds`` times, interleaved (the order rotates
    each round), compare their answers, then measure the project's build in detail."""
    database = settings.dbname + "_side_by_side"
    work = settings.project_dir / "target" / "bench"
    server = server_pid(settings)
    load_before = os.getloadavg()
    runs = []
    for number in range(rounds):
        order = IMPLEMENTATIONS[number % 3 :] + IMPLEMENTATIONS[: number % 3]
        for implementation in order:
            say(f"round {number + 1}/{rounds}: {implementation} ...")
            run = _run_child(implementation, demo_dir, work / implementation, database, server)
            say(f"  {run.seconds:.1f} s")
            runs.append(run)
    differences = {
        implementation: answers.compare(work / "project", work / implementation)
        for implementation in ("pandas", "duckdb")
    }
    project = _project_settings(database)
    extras: dict[str, Any] = {"core_disk_bytes": database_bytes(project)}
    say("bare lag and lag + running sum over the stored requests ...")
    extras["floors"] = lag_floors(
        project, answers.definitions(settings.project_dir).session_gap_seconds
    )
    say("the whole dbt build (every model and data test, full refresh), then the unit tests ...")
    extras["full_build"] = _whole_build(project, work, server)
    warehouse.drop_database(settings, database)
    if incremental:
        say("incremental run after one more day vs full refresh (sessions models) ...")
        extras["incremental"] = benchmarks.bench_incremental(settings, demo_dir, say)
    return Report(
        events=_events(demo_dir),
        csv_bytes=(demo_dir / "requests.csv").stat().st_size,
        runs=runs,
        differences=differences,
        answer_rows=answers.row_counts(work / "project"),
        sessions=answers.total_sessions(work / "project"),
        extras=extras,
        load=(load_before, os.getloadavg()),
    )


def _whole_build(project: warehouse.Settings, work: Path, server: int | None) -> dict[str, Any]:
    """The whole ``dbt build --full-refresh`` as ``make build`` runs it (every model and
    data test: warehouse.UNIT_TESTS_LEFT_OUT), with the server's peak memory, the
    database's size and each node's seconds; then the unit tests alone."""
    target = work / "full_build"
    with PeakMemory(None, server) as peak:
        full = benchmarks.dbt_timed(
            project, target, ["build", *warehouse.UNIT_TESTS_LEFT_OUT, "--full-refresh"]
        )
    unit_tests = benchmarks.dbt_timed(
        project, work / "unit_tests", ["test", "--select", "test_type:unit"]
    )
    return {
        "dbt_seconds": full.dbt_seconds,
        "unit_test_seconds": unit_tests.dbt_seconds,
        "server_peak_kib": peak.server_peak_kib,
        "disk_bytes": database_bytes(project),
        "nodes": node_times(target / "run_results.json"),
    }


def _events(demo_dir: Path) -> int:
    return int(json.loads((demo_dir / "ground_truth.json").read_text())["events"])


# --------------------------------------------------------------------------------------
# Printing


def _mib(kib: float) -> str:
    return f"{kib / 1024:,.0f} MiB"


def _spread(values: Sequence[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.1f}"
    return f"{statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f})"


@dataclass
class Growth:
    """Each model's growth factor between two sizes, and the code each size ran."""

    factors: dict[str, float]
    sizes: tuple[int, int]
    commits: tuple[str, str]  # of the smaller and the larger size


def render(report: Report, growth: Growth | None) -> str:
    """The report as Markdown tables."""
    by_impl = {
        impl: [run for run in report.runs if run.implementation == impl] for impl in IMPLEMENTATIONS
    }
    nodes = report.extras["full_build"]["nodes"]
    models = {name: node for name, node in nodes.items() if node["kind"] == "model"}
    lines = [
        *_implementation_table(report, by_impl),
        *_answer_lines(report, by_impl["project"]),
        *_build_lines(report, by_impl["project"], models),
        *_model_table(models, growth),
    ]
    return "\n".join(lines)


def _implementation_table(report: Report, by_impl: dict[str, list[Run]]) -> list[str]:
    """The heading and one row per implementation: time, memory, disk."""
    extras = report.extras
    median = {
        impl: statistics.median(run.seconds for run in runs) for impl, runs in by_impl.items()
    }
    lines = [
        f"## Side by side: {report.events:,} requests ({report.csv_bytes / 2**20:,.0f} MiB"
        f" CSV), {len(by_impl['project'])} interleaved runs each",
        f"machine: {os.cpu_count()} cores; load average (1, 5, 15 min) before"
        f" {', '.join(f'{v:.1f}' for v in report.load[0])}, after"
        f" {', '.join(f'{v:.1f}' for v in report.load[1])}",
        "",
        "| implementation | seconds, median (min-max) | x pandas | x DuckDB |"
        " peak memory, process tree | peak memory, PostgreSQL server (PSS) | disk |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    disk = {
        "project": f"{extras['core_disk_bytes'] / 2**20:,.0f} MiB",
        "pandas": "— (in memory)",
        "duckdb": f"{by_impl['duckdb'][-1].details.get('disk_bytes', 0) / 2**20:,.0f} MiB",
    }
    for impl, runs in by_impl.items():
        lines.append(
            f"| {impl} | {_spread([run.seconds for run in runs])} |"
            f" {median[impl] / median['pandas']:.1f}x | {median[impl] / median['duckdb']:.1f}x |"
            f" {_mib(max(run.tree_peak_kib for run in runs))} |"
            + (
                f" {_mib(max(run.server_peak_kib for run in runs))} |"
                if impl == "project"
                else " — |"
            )
            + f" {disk[impl]} |"
        )
    return lines


def _answer_lines(report: Report, project_runs: list[Run]) -> list[str]:
    """The project's phases, the answers' sizes and each reference's verdict."""
    lines = [
        "",
        "project phases: load "
        + _spread([run.details["load_seconds"] for run in project_runs])
        + " s, dbt build of the core answers (dbt elapsed) "
        + _spread([run.details["dbt_seconds"] for run in project_runs])
        + " s",
        "",
        f"answers: {report.sessions:,} sessions; rows "
        + ", ".join(f"{name} {count:,}" for name, count in report.answer_rows.items()),
    ]
    for impl, differences in report.differences.items():
        verdict = "; ".join(f"{name}: {text}" for name, text in differences.items() if text)
        lines.append(
            f"- {impl} vs project: " + ("identical" if not verdict else f"DIFFERENT: {verdict}")
        )
    return lines


def _build_lines(
    report: Report, project_runs: list[Run], models: dict[str, dict[str, Any]]
) -> list[str]:
    """Loader, sessionization, whole build and incremental run against their floors."""
    extras = report.extras
    floors = extras["floors"]
    full = extras["full_build"]
    nodes = full["nodes"]
    sessionized = nodes.get("int_requests_sessionized_all_traffic", {}).get("seconds", 0.0)
    test_nodes = {
        name: node["seconds"]
        for name, node in nodes.items()
        if node["kind"] in ("test", "unit_test")
    }
    tests = sum(test_nodes.values())
    slowest_tests = sorted(test_nodes.items(), key=lambda item: -item[1])[:5]
    lines = [
        "",
        _loader_line(project_runs),
        f"sessionization (int_requests_sessionized_all_traffic, full build): {sessionized:.1f} s;"
        f" bare lag over the same rows: {floors['bare lag']:.1f} s"
        f" ({sessionized / floors['bare lag']:.1f}x); lag + running sum:"
        f" {floors['lag + running sum']:.1f} s",
        "whole dbt build as make build runs it (every model and data test, full refresh):"
        f" {full['dbt_seconds']:.1f} s dbt elapsed; models"
        f" {sum(node['seconds'] for node in models.values()):.1f} s and tests {tests:.1f} s"
        f" summed over threads; PostgreSQL peak {_mib(full['server_peak_kib'])}; warehouse"
        f" {full['disk_bytes'] / 2**20:,.0f} MiB = {full['disk_bytes'] / report.csv_bytes:.1f}x"
        " the CSV; then the unit tests (make test runs them, make build leaves them out):"
        f" {full['unit_test_seconds']:.1f} s dbt elapsed",
        "slowest tests: "
        + ", ".join(f"{name.split('.')[0]} {seconds:.1f} s" for name, seconds in slowest_tests),
    ]
    if "incremental" in extras:
        inc = extras["incremental"]
        lines.append(
            f"incremental run after one more day ({inc['appended_requests']:,.0f} requests):"
            f" {inc['incremental_dbt_seconds']:.1f} s vs full refresh"
            f" {inc['full_refresh_dbt_seconds']:.1f} s of the sessions models"
            f" ({inc['ratio_dbt']:.1%})"
        )
        slowest = sorted(inc["models"].items(), key=lambda item: -item[1]["incremental"])[:6]
        lines.append(
            "incremental run, slowest models (full refresh → incremental): "
            + ", ".join(
                f"{name} {seconds['full_refresh']:.1f} → {seconds['incremental']:.1f} s"
                for name, seconds in slowest
            )
        )
    return lines


def _loader_line(project_runs: list[Run]) -> str:
    """The loader against a plain ``COPY`` of the same 7 typed columns, timed back to
    back in each project run: the median of the rounds' ratios, and the CPU per 1M."""
    loaders_, copies = (
        [loader_speed.Rate(**run.details[side]) for run in project_runs]
        for side in ("loader", "copy")
    )
    ratios = [
        loader.per_second / copy.per_second for loader, copy in zip(loaders_, copies, strict=True)
    ]
    return (
        f"loader: {statistics.median(rate.per_second for rate in loaders_):,.0f} lines/s"
        f" (CPU per 1M: python {statistics.median(rate.python_cpu for rate in loaders_):.1f} s"
        f" + server {statistics.median(rate.server_cpu for rate in loaders_):.1f} s); plain"
        f" COPY of the same 7 typed columns right after it:"
        f" {statistics.median(rate.per_second for rate in copies):,.0f} rows/s (CPU per 1M:"
        f" server {statistics.median(rate.server_cpu for rate in copies):.1f} s); loader"
        f" {statistics.median(ratios):.0%} of COPY (rounds: "
        + ", ".join(f"{ratio:.0%}" for ratio in ratios)
        + ")"
    )


def _model_table(models: dict[str, dict[str, Any]], growth: Growth | None) -> list[str]:
    """Seconds per model, slowest first, with the growth factor between two sizes (and a
    warning when the two sizes ran different code)."""
    header = "| model | seconds |" + (
        f" growth {growth.sizes[0]:,} → {growth.sizes[1]:,} requests |" if growth else ""
    )
    lines = ["", header, "|---|---:|" + ("---:|" if growth else "")]
    for name, node in sorted(models.items(), key=lambda item: -item[1]["seconds"]):
        row = f"| {name} | {node['seconds']:.1f} |"
        if growth:
            factor = growth.factors.get(name)
            row += f" {factor:.1f}x |" if factor is not None else " — |"
        lines.append(row)
    if growth and (len(set(growth.commits)) > 1 or "unknown" in growth.commits):
        verb = "may compare" if "unknown" in growth.commits else "compares"
        lines += [
            "",
            f"The growth {verb} different code: {growth.sizes[0]:,} requests ran commit"
            f" {growth.commits[0]}, {growth.sizes[1]:,} ran {growth.commits[1]}; run `make"
            " bench` at both sizes on one commit for a fair factor.",
        ]
    return lines


def model_seconds(report: Report) -> dict[str, float]:
    """Seconds per model of the whole build."""
    return {
        name: node["seconds"]
        for name, node in report.extras["full_build"]["nodes"].items()
        if node["kind"] == "model"
    }


# What the bench's figures depend on (docs and reports do not count as a change).
CODE_PATHS = (
    "models",
    "macros",
    "seeds",
    "tests",
    "analyses",
    "src",
    "dbt_project.yml",
    "profiles.yml",
    "pyproject.toml",
)


def code_version(project_dir: Path) -> str:
    """The project's commit (short); with `+` and a hash of the differences when the code
    (CODE_PATHS, new files included) differs from it, so two different edits of one
    commit are two versions; `unknown` outside a git clone."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=project_dir, capture_output=True, text=True, check=True
        ).stdout

    try:
        commit = git("rev-parse", "--short", "HEAD").strip()
        changes = git("diff", "HEAD", "--", *CODE_PATHS)
        new_files = git("ls-files", "--others", "--exclude-standard", "--", *CODE_PATHS).split()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    if not changes and not new_files:
        return commit
    digest = hashlib.sha256(changes.encode())
    for name in sorted(new_files):
        digest.update(name.encode() + b"\0" + (project_dir / name).read_bytes())
    return f"{commit}+{digest.hexdigest()[:8]}"


def growth_factors(
    work: Path, events: int, seconds: dict[str, float], commit: str
) -> Growth | None:
    """Save this size's model times and commit; return each model's growth factor against
    the nearest other size measured before (target/bench/model_seconds_<events>.json)."""
    work.mkdir(parents=True, exist_ok=True)
    saved = {"commit": commit, "seconds": seconds}
    (work / f"model_seconds_{events}.json").write_text(json.dumps(saved, indent=1))
    others = sorted(int(path.stem.rsplit("_", 1)[1]) for path in work.glob("model_seconds_*.json"))
    others = [size for size in others if size != events]
    if not others:
        return None
    other = min(others, key=lambda size: abs(size - events))
    found = json.loads((work / f"model_seconds_{other}.json").read_text())
    # A file saved before the commit was recorded holds the seconds alone.
    before, before_commit = (
        (found["seconds"], found["commit"]) if "seconds" in found else (found, "unknown")
    )
    small, large = (before, seconds) if other < events else (seconds, before)
    factors = {
        name: large[name] / small[name]
        for name in seconds
        if name in before and small.get(name, 0) > 0
    }
    commits = (before_commit, commit) if other < events else (commit, before_commit)
    return Growth(factors, (min(other, events), max(other, events)), commits)


if __name__ == "__main__":
    sys.exit(child_main())
