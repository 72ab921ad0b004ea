"""Command line: ``access-analytics COMMAND``. Run with ``--help`` for the commands.

Errors the user can fix end with one message on stderr and exit code 2, never a
traceback.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql

from access_analytics import credentials, loaders, rules, spark_target, warehouse
from access_analytics import names as project_names

DEFAULT_EVENTS = 1_000_000
DEFAULT_SEED = 42


class UserError(RuntimeError):
    """An error to show as one line, without a traceback."""


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _settings(args: argparse.Namespace) -> warehouse.Settings:
    settings = warehouse.settings_from_env()
    if args.database:
        settings = warehouse.Settings(**{**settings.__dict__, "dbname": args.database})
    return settings


def _prepare(settings: warehouse.Settings) -> str:
    """Start the warehouse (if embedded) and create the raw schema; return the URI."""
    uri = warehouse.start(settings, _say)
    with warehouse.connect(settings) as conn:
        loaders.ensure_raw_schema(conn)
    return uri


# --------------------------------------------------------------------------------------
# Commands


def cmd_warehouse(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if args.action == "start":
        uri = _prepare(settings)
        _say(f"warehouse ready: psql {uri}")
        print(uri)
    elif args.action == "stop":
        warehouse.stop(settings, _say)
    elif args.action == "destroy":
        warehouse.destroy(settings, _say)
    elif args.action == "status":
        running = warehouse.is_running(settings)
        kind = "external" if settings.external else "embedded"
        _say(f"{kind} warehouse {'running' if running else 'stopped'}: {settings.uri()}")
        return 0 if running else 3
    elif args.action == "uri":
        print(_uri(settings, args.role, show_password=args.show_password))
        if not args.show_password:
            _say(_where_passwords_are(settings))
    return 0


def _uri(settings: warehouse.Settings, role: str | None, *, show_password: bool) -> str:
    """The URI of ``role`` (default: the settings' user), with its password only when
    asked for (it comes from the credentials file, or PGPASSWORD for the settings' user)."""
    uri = settings.uri(user=role)
    if not show_password:
        return uri
    user = role or settings.user
    password = settings.password if user == settings.user else ""
    if not password and not settings.external:
        password = credentials.read(settings.home).get(user, "")
    if not password:
        raise UserError(f"no password of {user!r} is known here (external server: ask its admin)")
    return uri.replace(f"//{user}@", f"//{user}:{quote(password, safe='')}@", 1)


def _where_passwords_are(settings: warehouse.Settings) -> str:
    if settings.external:
        return "passwords: your own (PGPASSWORD, ~/.pgpass or your server's authentication)"
    return (
        f"passwords: {settings.home / credentials.CREDENTIALS_FILE} (readable by you only);"
        f" for psql: export PGPASSFILE={settings.passfile}, or add --show-password"
    )


def cmd_load(args: argparse.Namespace) -> int:
    """Load every file; a refused file does not stop the batch. Exit code 2 when any
    file was refused."""
    settings = _settings(args)
    paths = [Path(name) for name in args.files]
    if args.target == spark_target.TARGET:
        _spark_ready()
        from access_analytics import parquet_raw

        raw_dir = spark_target.raw_dir(settings.project_dir)
        return _load_each(
            paths,
            args.format,
            lambda path: parquet_raw.load_file(
                raw_dir, path, args.format, source=args.source, progress=_say
            ),
        )
    warehouse.start(settings, _say)
    with warehouse.connect(settings) as conn:
        loaders.ensure_raw_schema(conn)
        return _load_each(
            paths,
            args.format,
            lambda path: loaders.load_file(
                conn, path, args.format, source=args.source, progress=_say
            ),
        )


def _load_each(
    paths: list[Path], file_format: str, load: Callable[[Path], loaders.LoadResult]
) -> int:
    """Load each file with `load` (into PostgreSQL or Parquet) and say the totals."""
    results: list[loaders.LoadResult] = []
    refused: list[str] = []
    for path in paths:
        _say(f"loading {path} as {file_format} ...")
        try:
            result = load(path)
        except loaders.LoadError as error:
            refused.append(str(path))
            _say(f"{path.name}: refused: {error}")
            continue
        results.append(result)
        _say(result.summary())
    _say_load_totals(file_format, len(paths), results, refused)
    return 2 if refused else 0


def _spark_ready() -> None:
    reason = spark_target.missing()
    if reason:
        raise UserError(f"the Spark target cannot run here: {reason}")


def _say_load_totals(
    file_format: str, files: int, results: list[loaders.LoadResult], refused: list[str]
) -> None:
    rows = sum(result.rows_loaded for result in results)
    rejected = sum(result.lines_rejected for result in results)
    if rejected:
        rejects = f"{project_names.RAW_SCHEMA}.rejected_lines"
        _say(f"rejected lines and their reasons: select * from {rejects}")
    if any(result.status == "replaced" for result in results):
        _say(
            "a file was replaced by a shorter version: rebuild the incremental models with"
            " `access-analytics dbt -- build --full-refresh`"
        )
    table = f"{project_names.RAW_SCHEMA}.{loaders.FORMATS[file_format].table}"
    summary = (
        f"{files} file{'s' if files > 1 else ''}: {rows:,} rows loaded into "
        f"{table}, {rejected:,} lines rejected"
    )
    duplicates = sum(result.lines_duplicate for result in results)
    if duplicates:
        summary += f", {duplicates:,} lines already loaded"
    if refused:
        summary += f"; {len(refused)} refused: {', '.join(refused)}"
    _say(summary)


def _demo_is_current(out_dir: Path, events: int, seed: int) -> bool:
    truth = out_dir / "ground_truth.json"
    if not truth.is_file() or not (out_dir / "requests.csv").is_file():
        return False
    try:
        known = json.loads(truth.read_text())
    except (OSError, ValueError):
        return False
    return bool(known.get("events") == events and known.get("seed") == seed)


def cmd_demo(args: argparse.Namespace) -> int:
    from access_analytics import demo_data

    started = time.perf_counter()
    files = demo_data.generate(
        Path(args.out),
        events=args.events,
        seed=args.seed,
        cohorts_file=Path(args.cohorts) if args.cohorts else None,
        fmt=args.format,
        progress=_say,
    )
    _say(
        f"demo data: {files.events:,} requests, {files.cohorts} cohorts in "
        f"{time.perf_counter() - started:.1f} s -> {files.requests_path.parent}/"
    )
    return 0


def _ensure_demo(settings: warehouse.Settings, events: int, seed: int) -> Path:
    """The demo data folder, generated unless it already holds this size and seed."""
    out_dir = settings.project_dir / "data" / "demo"
    if _demo_is_current(out_dir, events, seed):
        _say(f"  up to date in {out_dir} ({events:,} requests, seed {seed})")
    else:
        cmd_demo(
            argparse.Namespace(
                out=str(out_dir), events=events, seed=seed, cohorts=None, format="csv"
            )
        )
    return out_dir


def cmd_bench(args: argparse.Namespace) -> int:
    from access_analytics.bench import side_by_side

    settings = _settings(args)
    _prepare(settings)
    demo_dir = _ensure_demo(settings, args.events, args.seed)
    # The code measured: taken before the run, which can take an hour at 10M.
    version = side_by_side.code_version(settings.project_dir)
    report = side_by_side.side_by_side(
        settings, demo_dir, args.rounds, _say, incremental=not args.no_incremental
    )
    growth = side_by_side.growth_factors(
        settings.project_dir / "target" / "bench",
        args.events,
        side_by_side.model_seconds(report),
        version,
    )
    print(side_by_side.render(report, growth))
    if any(text for found in report.differences.values() for text in found.values()):
        _say("the answers differ (see above): the project or a reference is wrong")
        return 1
    return 0


def cmd_visits(args: argparse.Namespace) -> int:
    from access_analytics import benchmarks

    settings = _settings(args)
    _prepare(settings)
    figures = benchmarks.visit_definitions(settings, args.gaps, _say)
    print("| session gap (min) | sessions | median session (min) | requests per session |")
    print("|---:|---:|---:|---:|")
    for row in figures:
        print(
            f"| {row['gap_minutes']:.0f} | {row['sessions']:,.0f} |"
            f" {row['median_minutes']:.1f} | {row['mean_requests']:.1f} |"
        )
    return 0


def _dbt_executable() -> str:
    beside = Path(sys.executable).parent / "dbt"
    if beside.is_file():
        return str(beside)
    found = shutil.which("dbt")
    if not found:
        raise UserError("dbt is not installed: run `make build` to create the virtualenv")
    return found


def run_dbt(
    settings: warehouse.Settings, dbt_args: Sequence[str], env: dict[str, str] | None = None
) -> int:
    """Run dbt against the warehouse and return its exit code.

    SIGTERM and SIGHUP sent to this process are passed on to dbt, which stops cleanly;
    this process waits for it, so no dbt is left running without its parent. Ctrl-C
    reaches dbt from the terminal itself (same process group): here it is ignored.
    ``env`` replaces the PostgreSQL environment (the Spark target's)."""
    command = [_dbt_executable(), *dbt_args]
    child = subprocess.Popen(
        command, cwd=settings.project_dir, env=env or warehouse.dbt_env(settings)
    )

    def forward(number: int, _frame: object) -> None:
        child.send_signal(number)

    previous = {
        number: signal.signal(number, forward) for number in (signal.SIGTERM, signal.SIGHUP)
    }
    previous[signal.SIGINT] = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return child.wait()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def cmd_dwell_test(args: argparse.Namespace) -> int:
    from access_analytics import dwell

    settings = _settings(args)
    _prepare(settings)
    result = dwell.welch_test(settings, args.module_a, args.module_b)
    print(f"Welch's t-test of dwell times (seconds): {args.module_a} vs {args.module_b}")
    for sample in (result.a, result.b):
        print(f"  {sample}")
    print(f"  t = {result.t:.4f}, df = {result.df:.1f}, p = {result.p_value:.4g}")
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    seeds_dir = Path(args.seeds)
    if not seeds_dir.is_dir():
        raise UserError(f"no such folder: {seeds_dir}")
    sources = ", ".join(f"{name} {version}" for name, version in rules.versions().items())
    if args.check:
        stale = rules.stale(seeds_dir)
        if stale:
            raise UserError(f"out of date (run `make rules`): {', '.join(stale)} ({sources})")
        _say(f"user-agent rule seeds are current ({sources})")
        return 0
    for path in rules.write(seeds_dir):
        _say(f"wrote {path} ({sources})")
    return 0


def dbt_arguments(args: argparse.Namespace) -> list[str]:
    """The arguments for dbt of `dbt` and `build`: those after the command's own, without
    the `--` that must come before them when the first starts with `-` (`build --
    --select fct_sessions`)."""
    given: list[str] = args.dbt_args
    return given[1:] if given[:1] == ["--"] else given


def build_arguments(args: argparse.Namespace) -> list[str]:
    """`dbt build`'s arguments for `build`: the unit tests left out unless --unit-tests
    (warehouse.UNIT_TESTS_LEFT_OUT), then the user's own (dbt_arguments)."""
    left_out = [] if args.unit_tests else list(warehouse.UNIT_TESTS_LEFT_OUT)
    return ["build", *left_out, *dbt_arguments(args)]


def cmd_dbt(args: argparse.Namespace) -> int:
    settings = _settings(args)
    dbt_args = dbt_arguments(args)
    if args.target == spark_target.TARGET:
        _spark_ready()
        return run_dbt(settings, dbt_args, spark_target.dbt_env(settings.project_dir))
    _prepare(settings)
    return run_dbt(settings, dbt_args)


def cmd_build(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if args.target == spark_target.TARGET:
        return _build_spark(settings, args)
    started = time.perf_counter()
    _say("[1/4] warehouse")
    uri = _prepare(settings)
    _say("[2/4] demo data")
    out_dir = _ensure_demo(settings, args.events, args.seed)
    _say("[3/4] load")
    with warehouse.connect(settings) as conn:
        for name, file_format in (("cohorts.csv", "cohorts"), ("requests.csv", "csv")):
            result = loaders.load_file(conn, out_dir / name, file_format, progress=_say)
            _say("  " + result.summary())
    _say("[4/4] dbt build")
    code = run_dbt(settings, build_arguments(args))
    seconds = time.perf_counter() - started
    if code != 0:
        _say(f"dbt build failed (exit {code}) after {seconds:.0f} s; see the output above")
        stale = stale_incremental_models(settings.project_dir / "target" / "run_results.json")
        if stale:
            _say(
                f"{', '.join(stale)}: stored by an earlier version of the models, with other"
                " columns; rebuild the warehouse's tables once with"
                " `.venv/bin/access-analytics build -- --full-refresh`"
            )
        return code
    _say(_row_counts(settings))
    for line in _reader_uris(settings):
        _say(line)
    _say(f"built in {seconds:.0f} s. Connect with: psql {uri}")
    _say(_where_passwords_are(settings))
    return 0


def stale_incremental_models(run_results: Path) -> list[str]:
    """The incremental models that a failed build refused because their stored table has
    other columns than the model now makes (dbt's `on_schema_change: fail`, set for the
    whole project): tables of an earlier version of the project, which a full refresh
    rebuilds. Empty when the build's results say nothing of the kind."""
    try:
        results = json.loads(run_results.read_text())["results"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    return sorted(
        str(result["unique_id"]).rsplit(".", 1)[-1]
        for result in results
        if result.get("status") == "error" and "out of sync" in str(result.get("message") or "")
    )


def _build_spark(settings: warehouse.Settings, args: argparse.Namespace) -> int:
    """`build --target spark`: the demo data loaded as Parquet, dbt build on a local
    Spark session; each step timed."""
    _spark_ready()
    from access_analytics import parquet_raw

    started = time.perf_counter()
    home = spark_target.spark_dir(settings.project_dir)
    _say(f"[1/4] Spark warehouse in {home} (metastore, tables, raw Parquet)")
    _say("[2/4] demo data")
    out_dir = _ensure_demo(settings, args.events, args.seed)
    _say("[3/4] load into Parquet")
    step = time.perf_counter()
    for name, file_format in (("cohorts.csv", "cohorts"), ("requests.csv", "csv")):
        result = parquet_raw.load_file(
            spark_target.raw_dir(settings.project_dir), out_dir / name, file_format, progress=_say
        )
        _say("  " + result.summary())
    _say(f"  loaded in {time.perf_counter() - step:.0f} s")
    _say("[4/4] dbt build on Spark")
    step = time.perf_counter()
    spark_env = spark_target.dbt_env(settings.project_dir)
    code = run_dbt(settings, build_arguments(args), spark_env)
    seconds = time.perf_counter() - started
    if code != 0:
        _say(f"dbt build on Spark failed (exit {code}) after {seconds:.0f} s; see the output above")
        return code
    _say(f"dbt build on Spark: {time.perf_counter() - step:.0f} s; in all {seconds:.0f} s")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from access_analytics import report

    settings = _settings(args)
    _prepare(settings)
    with warehouse.connect(settings) as conn:
        if not project_names.relation_exists(conn, settings.names.mart("program_overview")):
            raise UserError(
                f"the marts of database {settings.dbname!r} are not built: "
                "run `make build` (or `access-analytics dbt -- build`) first"
            )
    try:
        report.make_report(settings, Path(args.out), say=_say)
    except LookupError as error:
        raise UserError(f"a mart does not hold what the slide needs: {error}") from None
    return 0


# What each audience of `names.Names.reader_roles` reads.
READER_PURPOSES = {
    "analytics": "BI tools (dashboards; pseudonymised marts)",
    "security": "security analysts (security marts, raw IPs)",
}


def _reader_uris(settings: warehouse.Settings) -> list[str]:
    """One line per read-only role of `dbt build` that exists: its purpose and URI."""
    roles = settings.names.reader_roles()
    with warehouse.connect(settings) as conn:
        found = {
            row[0]
            for row in conn.execute(
                "select rolname from pg_roles where rolname = any(%s)", (list(roles.values()),)
            )
        }
    return [
        f"{READER_PURPOSES[audience]}: {settings.uri(user=role)}"
        for audience, role in roles.items()
        if role in found
    ]


def _row_counts(settings: warehouse.Settings) -> str:
    """Rows per table of the raw schema and every dbt layer (views are not counted:
    counting one recomputes it)."""
    lines = ["rows per table:"]
    schemas = list(settings.names.schemas())
    with warehouse.connect(settings) as conn:
        relations = conn.execute(
            "select table_schema, table_name from information_schema.tables"
            " where table_schema = any(%(schemas)s) and table_type = 'BASE TABLE'"
            " order by array_position(%(schemas)s::text[], table_schema::text), table_name",
            {"schemas": schemas},
        ).fetchall()
        for schema, table in relations:
            query = sql.SQL("select count(*) from {}").format(sql.Identifier(schema, table))
            row = conn.execute(query).fetchone()
            lines.append(f"  {schema + '.' + table:<44} {row[0] if row else 0:>12,}")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------
# Parser


def _positive(text: str) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {value}")
    return value


def _target_argument(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--target",
        choices=["postgres", spark_target.TARGET],
        default="postgres",
        help="the engine: the embedded PostgreSQL (default) or a local Spark session"
        " (the spark extra and Java 17; raw tables as Parquet)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and docs)."""
    parser = argparse.ArgumentParser(
        prog="access-analytics",
        description="Warehouse, loaders and demo data for the access_analytics dbt project.",
    )
    parser.add_argument(
        "--database", help="database name (default: PGDATABASE or access_analytics)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_warehouse_commands(commands)
    _add_build_commands(commands)
    _add_answer_commands(commands)
    return parser


def _add_warehouse_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """The commands that set up the warehouse and load files."""
    sub = commands.add_parser("warehouse", help="start, stop or inspect the embedded PostgreSQL")
    sub.add_argument("action", choices=["start", "stop", "status", "uri", "destroy"])
    sub.add_argument(
        "--role", help="uri: the URI of this role (e.g. analytics_reader; default PGUSER)"
    )
    sub.add_argument(
        "--show-password",
        action="store_true",
        help="uri: include the password (it is never printed otherwise)",
    )
    sub.set_defaults(func=cmd_warehouse)

    sub = commands.add_parser("load", help="load log or cohort files into the raw schema")
    sub.add_argument("format", choices=sorted(loaders.FORMATS), help="file format")
    sub.add_argument("files", nargs="+", metavar="FILE", help="files to load (.gz is fine)")
    _target_argument(sub)
    sub.add_argument(
        "--source",
        metavar="NAME",
        help="the log stream the files belong to, e.g. a server's name (default: the"
        " absolute path of each file's folder); rotated and overlapping files of one"
        " source load every line once",
    )
    sub.set_defaults(func=cmd_load)


def _add_build_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """The commands that generate the demo data, build and measure."""
    sub = commands.add_parser("demo", help="generate the demo data set with planted truth")
    sub.add_argument("--events", type=_positive, default=DEFAULT_EVENTS)
    sub.add_argument("--seed", type=int, default=DEFAULT_SEED)
    sub.add_argument("--out", default="data/demo", help="output folder (default data/demo)")
    sub.add_argument("--cohorts", help="use this cohort table (real export format)")
    sub.add_argument("--format", choices=["csv", "bootcamp"], default="csv")
    sub.set_defaults(func=cmd_demo)

    sub = commands.add_parser(
        "build", help="start, generate and load the demo data, then dbt build"
    )
    sub.add_argument("--events", type=_positive, default=DEFAULT_EVENTS)
    sub.add_argument("--seed", type=int, default=DEFAULT_SEED)
    _target_argument(sub)
    sub.add_argument(
        "--unit-tests",
        action="store_true",
        help="run the unit tests too (left out by default: they check the SQL on fixed"
        " rows, not the data; make test runs them)",
    )
    sub.add_argument(
        "dbt_args",
        nargs=argparse.REMAINDER,
        help="extra arguments for dbt build, after --: build -- --select +fct_sessions",
    )
    sub.set_defaults(func=cmd_build)

    sub = commands.add_parser(
        "bench",
        help="the project against pandas and DuckDB on the same files (answers checked),"
        " then the build per model, the loader, sessionization and an incremental run",
    )
    sub.add_argument("--events", type=_positive, default=DEFAULT_EVENTS)
    sub.add_argument("--seed", type=int, default=DEFAULT_SEED)
    sub.add_argument(
        "--rounds",
        type=_positive,
        default=2,
        help="interleaved runs of each implementation (default 2)",
    )
    sub.add_argument(
        "--no-incremental",
        action="store_true",
        help="skip the incremental vs full refresh measurement",
    )
    sub.set_defaults(func=cmd_bench)

    sub = commands.add_parser(
        "visits", help="sessions and median session length for several session gaps"
    )
    sub.add_argument("--gaps", type=_positive, nargs="+", default=[10, 30, 60], metavar="MINUTES")
    sub.set_defaults(func=cmd_visits)


def _add_answer_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """The commands that answer from the marts and maintain the project."""
    sub = commands.add_parser(
        "report", help="the board slide (PNG, PDF) and the HTML report, from the marts"
    )
    sub.add_argument("--out", default="reports", help="output folder (default reports)")
    sub.set_defaults(func=cmd_report)

    sub = commands.add_parser(
        "dwell-test", help="Welch's t-test between the dwell times of two modules"
    )
    sub.add_argument("module_a", metavar="MODULE_A")
    sub.add_argument("module_b", metavar="MODULE_B")
    sub.set_defaults(func=cmd_dwell_test)

    sub = commands.add_parser(
        "rules", help="generate the user-agent rule seeds from the pinned packages"
    )
    sub.add_argument("--seeds", default="seeds", help="the seeds folder (default: seeds)")
    sub.add_argument(
        "--check",
        action="store_true",
        help="only check that the seeds are current (exit 2 when not)",
    )
    sub.set_defaults(func=cmd_rules)

    sub = commands.add_parser("dbt", help="run dbt against the warehouse: dbt -- ARGS")
    _target_argument(sub)
    sub.add_argument("dbt_args", nargs=argparse.REMAINDER)
    sub.set_defaults(func=cmd_dbt)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``access-analytics`` command."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (
        UserError,
        warehouse.WarehouseError,
        loaders.LoadError,
        ValueError,
        RuntimeError,
    ) as error:
        _say(f"error: {error}")
        return 2
    except psycopg.Error as error:
        first_line = (str(error).strip().splitlines() or ["unknown error"])[0]
        _say(f"error: the database said: {first_line}")
        return 2
    except KeyboardInterrupt:
        _say("interrupted: the unfinished step was rolled back")
        return 130


if __name__ == "__main__":
    sys.exit(main())
