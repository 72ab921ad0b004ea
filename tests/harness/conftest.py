"""Shared fixtures: one warehouse per test session, one fresh database per test."""

from __future__ import annotations

import ast
import contextlib
import functools
import hashlib
import io
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import psycopg
import pytest

from access_analytics import demo_data, warehouse

PROJECT_DIR = Path(__file__).resolve().parents[2]
SHARED_DATA = PROJECT_DIR.parent / "shared" / "data"
# Test databases are named <prefix><test>; set AA_TEST_DB_PREFIX to run two test
# sessions side by side on one server. Each pytest-xdist worker (`make test` runs two)
# adds its name, so that its databases never meet the other worker's.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
DB_PREFIX = os.environ.get("AA_TEST_DB_PREFIX", "aa_test_") + (f"{_WORKER}_" if _WORKER else "")
# The database of the `database` fixture (one name per worker, see there).
TEST_DATABASE = DB_PREFIX + "test"
# The demo warehouse: 200,000 requests, seed 42 (`make build` makes 1,000,000; the
# generator plants what the rules must find at every size, and test_demo_data.py checks
# the files of both). lesson_cohort_outliers flags the planted over-use alone at 100,000,
# 200,000, 400,000 and 1,000,000 requests (its share must be significantly more than
# outlier_min_share_ratio times its peers', not only in the point estimate).
DEMO_EVENTS = 200_000


_STARTED_BY_CONTROLLER = pytest.StashKey[warehouse.Settings]()


def _runs_workers(config: pytest.Config) -> bool:
    """True in the controller of a pytest-xdist run (`pytest -n 2`)."""
    return not _WORKER and bool(config.getoption("numprocesses", default=None))


def pytest_configure(config: pytest.Config) -> None:
    """With workers, the controller starts the warehouse before them and stops it after
    them: a worker that stopped the server it started would stop it under the other."""
    if _runs_workers(config):
        found = warehouse.settings_from_env(PROJECT_DIR)
        if not warehouse.is_running(found):
            config.stash[_STARTED_BY_CONTROLLER] = found
        warehouse.start(found)


def pytest_unconfigure(config: pytest.Config) -> None:
    started = config.stash.get(_STARTED_BY_CONTROLLER, None)
    if started is not None:
        warehouse.stop(started)


@functools.cache
def _shared_tests(test_file: str, warehouses: tuple[str, ...]) -> frozenset[str]:
    """The tests of a file (path from the project folder) that run in the group of the
    session-scoped `warehouses`: those that use one (directly or through a fixture of the
    file), and those that share a fixture of the file with them (it is built once, on the
    worker that runs them)."""
    tree = ast.parse((PROJECT_DIR / test_file).read_text(encoding="utf-8"))
    uses = {
        node.name: {arg.arg for arg in node.args.args}
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
    }
    local = {name for name in uses if not name.startswith("test_")}

    def needs(name: str) -> set[str]:
        """The fixtures a function uses, through the file's own fixtures too."""
        found, todo = set(), list(uses[name])
        while todo:
            fixture = todo.pop()
            if fixture not in found:
                found.add(fixture)
                todo.extend(uses.get(fixture, ()) if fixture in local else ())
        return found

    tests = {name: needs(name) for name in uses if name.startswith("test_")}
    shared = {name for name, fixtures in tests.items() if fixtures & set(warehouses)}
    while True:
        pinned = set().union(*(tests[name] & local for name in shared))
        more = {name for name, fixtures in tests.items() if fixtures & pinned} - shared
        if not more:
            return frozenset(shared)
        shared |= more


def _group(nodeid: str) -> str:
    test_file, _, test = nodeid.partition("::")
    groups = [
        group
        for group, warehouses in _WAREHOUSE_GROUPS.items()
        if test.split("[")[0] in _shared_tests(test_file, warehouses)
    ]
    if len(groups) > 1:
        raise pytest.UsageError(f"{nodeid} uses the warehouses of two groups: {groups}")
    return groups[0] if groups else test_file


# The files whose tests take longest (`pytest --durations=0`), started first on the
# workers that do not build the shared warehouses, so that no long file is left to the
# end. A worker takes its next file when two of its tests are left, so longest first is
# not the quickest order. This one was, in a replay of pytest-xdist's scheduling on the
# durations of a whole `make test` (2026-12-01), with each file's time varied by up to
# 15%: the last worker ended after 467 s (median; 496 s in one run of ten) against 498 s
# (530 s) in the order before it, roughly longest first.
_LONGEST_FIRST = (
    "tests/harness/test_spark.py",
    "tests/harness/test_lint.py",
    "apache_warehouses",
    "tests/harness/test_user_agent_rules.py",
    "tests/harness/test_file_identity.py",
    "tests/harness/test_sessions_incremental.py",
    "tests/harness/test_fuzz_loaders.py",
    "tests/harness/test_user_agents.py",
)


def _order(nodeid: str) -> tuple[int, int]:
    """The shared warehouses' group first, then the longest files (and groups)."""
    group = _group(nodeid)
    if group == "shared_warehouses":
        return (0, 0)
    return (1, _LONGEST_FIRST.index(group) if group in _LONGEST_FIRST else len(_LONGEST_FIRST))


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: unknown without it
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """`--dist loadgroup` with our groups (pytest-xdist's own marks do not work with
    pytest 9's node ids): a file's tests stay on one worker (its module fixtures are built
    once), and every file that uses a shared warehouse runs on one worker (each is built
    once)."""
    if config.getoption("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SharedWarehouseGroups(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _group(nodeid)

    return SharedWarehouseGroups(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With workers, the shared warehouses' group first (and --no-loadscope-reorder): the
    other worker meanwhile runs the other files one by one, the longest first. (The
    workers collect; pytest-xdist gives them `dist` "no" and `loadgroup` True.)"""
    if getattr(config.option, "loadgroup", False):
        items.sort(key=lambda item: _order(item.nodeid))


@pytest.fixture(scope="session")
def settings() -> Iterator[warehouse.Settings]:
    """The warehouse the tests use (embedded unless PGHOST is set), started once.

    An embedded server that the tests started is stopped again at the end.
    """
    found = warehouse.settings_from_env(PROJECT_DIR)
    was_running = warehouse.is_running(found)
    warehouse.start(found)
    yield found
    if not was_running:
        warehouse.stop(found)


@pytest.fixture
def database(settings: warehouse.Settings) -> Iterator[warehouse.Settings]:
    """Settings of a new, empty database; dropped afterwards.

    Every test of a worker gets the same name (<prefix>test), created anew: dbt's saved
    parse depends on the database name, so one name lets each test reuse it (see
    dbt_in). With AA_KEEP_TEST_DATABASES set, the database of the worker's last test is
    kept (run one test, `pytest -k NAME`, to look into its data)."""
    warehouse.drop_database(settings, TEST_DATABASE)
    warehouse.ensure_database(settings, TEST_DATABASE)
    yield warehouse.Settings(**{**settings.__dict__, "dbname": TEST_DATABASE})
    if not os.environ.get("AA_KEEP_TEST_DATABASES"):
        warehouse.drop_database(settings, TEST_DATABASE)


@pytest.fixture
def conn(database: warehouse.Settings) -> Iterator[psycopg.Connection]:
    """A connection to the test's own database."""
    with warehouse.connect(database) as connection:
        yield connection


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real reference data in ../shared/data; the test is skipped without it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real reference data not found at {SHARED_DATA} (a user's clone has none)")
    return SHARED_DATA


def run_cli(
    args: Sequence[str], database: warehouse.Settings | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run the access-analytics command in a subprocess, as a user would."""
    command = [sys.executable, "-m", "access_analytics.cli"]
    if database is not None:
        command += ["--database", database.dbname]
    return subprocess.run(
        [*command, *args],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def dbt(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run dbt against a test database, with target and logs in the test's tmp folder."""

    def run(database: warehouse.Settings, *args: str) -> subprocess.CompletedProcess[str]:
        return dbt_in(database, tmp_path, *args)

    return run


def _demo_selection() -> list[str]:
    """While working on one area, AA_DEMO_SELECT (a dbt selector such as
    `+marts.curriculum`) builds only that part of the demo warehouse."""
    selector = os.environ.get("AA_DEMO_SELECT")
    return ["--select", selector] if selector else []


# dbt parses the whole project (about 15 s of CPU) unless its target folder holds the
# parse of an earlier run (partial_parse.msgpack) made with the same connection (host,
# port, user, database, schema) and the same --vars. The tests' target folders are new,
# so dbt_in keeps each worker's latest parse per database and --vars here, copies it into
# the target folder before dbt runs and saves it afterwards. dbt itself checks that the
# parse still fits (project files, versions, environment) and parses again when not.
_SAVED_PARSES: list[Path] = []


@pytest.fixture(scope="session", autouse=True)
def _saved_parses(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    _SAVED_PARSES.append(tmp_path_factory.mktemp("dbt_parses"))
    yield
    _SAVED_PARSES.clear()


def _saved_parse(database: warehouse.Settings, args: Sequence[str]) -> Path | None:
    """Where the parse for `database` and the --vars of `args` is kept (None outside a
    test session)."""
    if not _SAVED_PARSES:
        return None
    cli_vars = args[args.index("--vars") + 1] if "--vars" in args else ""
    key = hashlib.sha256(f"{database.dbname}\0{cli_vars}".encode()).hexdigest()[:16]
    return _SAVED_PARSES[0] / f"{key}.msgpack"


def dbt_in(
    database: warehouse.Settings, folder: Path, *args: str, timeout: int = 900
) -> subprocess.CompletedProcess[str]:
    """`dbt ARGS` on `database`, with its target and logs in `folder`; reuses the
    worker's saved parse for this database (see _SAVED_PARSES)."""
    saved, parse = _saved_parse(database, args), folder / "target" / "partial_parse.msgpack"
    if saved is not None and saved.is_file():
        parse.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(saved, parse)
    try:
        return _dbt_in(lambda: warehouse.dbt_env(database), folder, args, timeout)
    finally:
        if saved is not None and parse.is_file():
            shutil.copyfile(parse, saved)


class _DbtTimedOut(KeyboardInterrupt):
    """Raised in dbt when a call runs out of time: dbt cancels its queries on a
    KeyboardInterrupt, as on Ctrl-C."""


def _dbt_in(
    env: Callable[[], Mapping[str, str]], folder: Path, args: Sequence[str], timeout: int
) -> subprocess.CompletedProcess[str]:
    """`dbt ARGS` in this process, through dbt's programmatic API: a new dbt process
    costs about 4 s of CPU for importing dbt alone. The result is the `dbt` command's:
    returncode 0 (success), 1 (failed nodes) or 2 (error), the console output in stdout.
    During the call the environment is what `env` returns in an empty environment
    (warehouse.dbt_env of a database: the connection's variables only) and the working
    folder the project, as for a dbt process; dbt's state of
    the previous call is reset as dbt's own test harness does (dbt.tests.util.run_dbt).
    After `timeout` seconds dbt is interrupted and subprocess.TimeoutExpired raised (main
    thread only)."""
    from dbt.cli.exceptions import DbtUsageException
    from dbt.cli.main import dbtRunner

    command = [
        *args,
        "--target-path",
        str(folder / "target"),
        "--log-path",
        str(folder / "logs"),
    ]
    stdout, stderr = io.StringIO(), io.StringIO()
    saved_environ, saved_cwd = dict(os.environ), os.getcwd()
    os.environ.clear()
    os.environ.update(env())
    os.chdir(PROJECT_DIR)
    try:
        # dbt's loggers write to the sys.stdout of the moment they are set up.
        with (
            contextlib.redirect_stdout(stdout),
            contextlib.redirect_stderr(stderr),
            _interrupt_after(timeout),
        ):
            _reset_dbt_globals()
            outcome = dbtRunner().invoke(command)
    except _DbtTimedOut:
        outcome = None
    finally:
        _reset_dbt_globals(log_to_stdout=False)
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_environ)
    if outcome is None or isinstance(outcome.exception, _DbtTimedOut):
        raise subprocess.TimeoutExpired(["dbt", *command], timeout, stdout.getvalue())
    if isinstance(outcome.exception, KeyboardInterrupt):
        raise outcome.exception
    if isinstance(outcome.exception, DbtUsageException):
        # The dbt command shows a command line error on stderr.
        stderr.write(f"Error: {outcome.exception}\n")
    elif outcome.exception is not None and str(outcome.exception) not in stdout.getvalue():
        # dbt logs the exceptions of its commands, not all of those around them.
        stdout.write(f"{type(outcome.exception).__name__}: {outcome.exception}\n")
    returncode = 0 if outcome.success else 1 if outcome.exception is None else 2
    return subprocess.CompletedProcess(
        ["dbt", *command], returncode, stdout.getvalue(), stderr.getvalue()
    )


def _reset_dbt_globals(log_to_stdout: bool = True) -> None:
    """Put dbt's process-wide state back as a new dbt process has it (as dbt's own
    test harness does, dbt.tests.util.run_dbt): a new event manager logging to the
    current sys.stdout (or nowhere), each deprecation not yet shown, the DBT_ENV_CUSTOM_ENV_
    variables not yet read. Closes the log files of the last call."""
    from dbt import deprecations
    from dbt_common.events.base_types import EventLevel
    from dbt_common.events.event_manager import EventManager
    from dbt_common.events.event_manager_client import ctx_set_event_manager
    from dbt_common.events.functions import get_stdout_config, reset_metadata_vars
    from dbt_common.events.logger import LineFormat

    for name in ("stdout_log", "file_log"):
        for handler in logging.getLogger(name).handlers:
            handler.close()
        logging.getLogger(name).handlers.clear()
    manager = EventManager()
    if log_to_stdout:
        # dbt_common.events's start-up logger, for the events before dbt sets up its own.
        manager.add_logger(get_stdout_config(LineFormat.PlainText, True, EventLevel.INFO, False))
    ctx_set_event_manager(manager)
    deprecations.active_deprecations.clear()  # as deprecations.reset_deprecations()
    deprecations.buffered_deprecations.clear()
    reset_metadata_vars()


@contextlib.contextmanager
def _interrupt_after(seconds: int) -> Iterator[None]:
    """Raise _DbtTimedOut in this thread after `seconds` (a timer signal, so only in the
    main thread; elsewhere no limit)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise _DbtTimedOut

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _loaded_database(
    settings: warehouse.Settings, name: str, loads: Sequence[tuple[str, Path]]
) -> warehouse.Settings:
    """A new database `name` with the files loaded (format, path) by the command line."""
    database = warehouse.Settings(**{**settings.__dict__, "dbname": DB_PREFIX + name})
    warehouse.drop_database(settings, database.dbname)
    warehouse.ensure_database(settings, database.dbname)
    for file_format, path in loads:
        loaded = run_cli(["load", file_format, str(path)], database)
        assert loaded.returncode == 0, loaded.stderr
    return database


def demo_loads(files: demo_data.DemoFiles) -> list[tuple[str, Path]]:
    """The loads (format, path) of generated demo files: cohorts, then requests."""
    return [("cohorts", files.cohorts_path), ("csv", files.requests_path)]


def _built_warehouse(
    settings: warehouse.Settings,
    name: str,
    folder: Path,
    loads: Sequence[tuple[str, Path]],
    *dbt_args: str,
) -> warehouse.Settings:
    """A new database `name` with the files loaded and `dbt build DBT_ARGS` run on it,
    with its dbt target and logs in `folder`."""
    database = _loaded_database(settings, name, loads)
    built = dbt_in(database, folder, "build", *dbt_args, timeout=1200)
    assert built.returncode == 0, built.stdout[-4000:]
    return database


def _drop(settings: warehouse.Settings, database: warehouse.Settings) -> None:
    if not os.environ.get("AA_KEEP_TEST_DATABASES"):
        warehouse.drop_database(settings, database.dbname)


# The session-scoped warehouses below are built once per test session (with workers: once,
# since every file that uses one runs on the same worker; see pytest_collection_modifyitems).
SHARED_WAREHOUSES = ("demo_warehouse", "full_build_warehouse", "real_cohort_warehouse")
# The real Apache log's warehouses (below): a group of their own, on another worker.
APACHE_WAREHOUSES = ("apache_warehouse", "apache_site_warehouse")
_WAREHOUSE_GROUPS = {"shared_warehouses": SHARED_WAREHOUSES, "apache_warehouses": APACHE_WAREHOUSES}


@pytest.fixture(scope="session")
def demo_warehouse(
    settings: warehouse.Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[warehouse.Settings, dict[str, object]]]:
    """The demo data (DEMO_EVENTS requests, seed 42) loaded and built once per test
    session in its own database; yields its settings and the ground truth."""
    folder = tmp_path_factory.mktemp("demo_warehouse")
    files = demo_data.generate(folder / "demo", events=DEMO_EVENTS, seed=42)
    # Seeds and models only: the data and unit tests run on the small builds of
    # test_pipeline.py; over this many rows they would triple this fixture's time.
    demo = _built_warehouse(
        settings,
        "demo_warehouse",
        folder,
        demo_loads(files),
        "--resource-type",
        "seed",
        "--resource-type",
        "model",
        *_demo_selection(),
    )
    yield demo, json.loads(files.ground_truth_path.read_text())
    _drop(settings, demo)


@pytest.fixture(scope="session")
def full_build_warehouse(
    settings: warehouse.Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[warehouse.Settings, demo_data.DemoFiles, Path]]:
    """30,000 generated requests (seed 3) loaded and fully built
    (`dbt build`: every model, data test and unit test) once per test session; yields
    its settings, its files and the folder of dbt's target and logs. Its cohort table is
    the real one (../shared/data/codeup_cohorts) when the real data is there (a user's
    clone has none: then the generator's)."""
    folder = tmp_path_factory.mktemp("full_build_warehouse")
    real_cohorts = SHARED_DATA / "codeup_cohorts" / "cohorts.csv"
    files = demo_data.generate(
        folder / "demo",
        events=30_000,
        seed=3,
        cohorts_file=real_cohorts if SHARED_DATA.is_dir() else None,
    )
    database = _built_warehouse(settings, "full_build_warehouse", folder, demo_loads(files))
    yield database, files, folder
    _drop(settings, database)


@pytest.fixture(scope="session")
def real_cohort_warehouse(
    shared_data: Path,
    full_build_warehouse: tuple[warehouse.Settings, demo_data.DemoFiles, Path],
) -> tuple[warehouse.Settings, demo_data.DemoFiles]:
    """The fully built warehouse with the real cohort table; skipped without the real
    data."""
    database, files, _ = full_build_warehouse
    return database, files


# The real Apache log (../shared/data/apache_logs): a personal website, 17-20 May 2015.
APACHE_LOG = SHARED_DATA / "apache_logs" / "apache_logs"
# The site's own host, and automated traffic kept in the sessions: the vars of
# apache_site_warehouse (test_web_referrers.py recomputes its counts over every request).
SITE_VARS = "{site_hosts: [semicomplete.com], include_automated_traffic: true}"
# Loaded beside the log in apache_site_warehouse: the same lesson three ways and a path
# with a broken escape (100%zz), one visitor (TWINS_IP) within a minute.
TWINS_IP = "10.1.2.3"
TWINS = (
    '10.1.2.3 - - [18/May/2015:10:00:00 +0000] "GET /blog/tags/open%2520source HTTP/1.1" 200 '
    '100 "-" "Mozilla/5.0 (X11; Linux x86_64) Firefox/38.0"\n'
    '10.1.2.3 - - [18/May/2015:10:00:20 +0000] "GET /blog/tags/open%20source HTTP/1.1" 200 '
    '100 "-" "Mozilla/5.0 (X11; Linux x86_64) Firefox/38.0"\n'
    '10.1.2.3 - - [18/May/2015:10:00:40 +0000] "GET /blog/tags/open%252520source HTTP/1.1"'
    ' 200 100 "-" "Mozilla/5.0 (X11; Linux x86_64) Firefox/38.0"\n'
    '10.1.2.3 - - [18/May/2015:10:00:50 +0000] "GET /blog/tags/100%zz HTTP/1.1" 404 '
    '100 "-" "Mozilla/5.0 (X11; Linux x86_64) Firefox/38.0"\n'
)


@pytest.fixture(scope="session")
def apache_warehouse(
    settings: warehouse.Settings, shared_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[warehouse.Settings, Path]]:
    """The real Apache log alone, loaded and fully built with the default vars (every
    seed, model and data test; the unit tests do not read the loaded data) once per test
    session; yields its settings and the folder of its dbt target and logs. Tests read
    it and never change it. Skipped without the real data."""
    folder = tmp_path_factory.mktemp("apache_warehouse")
    database = _built_warehouse(
        settings,
        "apache_warehouse",
        folder,
        [("combined", APACHE_LOG)],
        "--exclude-resource-type",
        "unit_test",
    )
    yield database, folder
    _drop(settings, database)


@pytest.fixture(scope="session")
def apache_site_warehouse(
    settings: warehouse.Settings, shared_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[warehouse.Settings]:
    """The real Apache log and TWINS, loaded and built up to referrer_hosts with SITE_VARS
    (the site's host; automated traffic in the sessions) once per test session. Tests
    read it and never change it. Skipped without the real data."""
    folder = tmp_path_factory.mktemp("apache_site_warehouse")
    twins = folder / "twins.log"
    twins.write_text(TWINS, encoding="utf-8")
    database = _built_warehouse(
        settings,
        "apache_site_warehouse",
        folder,
        [("combined", APACHE_LOG), ("combined", twins)],
        "--select",
        "+referrer_hosts",
        # Only tests whose parents are all built.
        "--indirect-selection",
        "cautious",
        "--vars",
        SITE_VARS,
        # The unit tests do not read the loaded data (the full-build warehouse runs them).
        "--exclude-resource-type",
        "unit_test",
    )
    yield database
    _drop(settings, database)
