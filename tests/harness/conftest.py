"""Shared fixtures: one warehouse per test session, one fresh database per test."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import psycopg
import pytest

from access_analytics import warehouse

PROJECT_DIR = Path(__file__).resolve().parents[2]
SHARED_DATA = PROJECT_DIR.parent / "shared" / "data"
# Test databases are named <prefix><test>; set AA_TEST_DB_PREFIX to run two test
# sessions side by side on one server.
DB_PREFIX = os.environ.get("AA_TEST_DB_PREFIX", "aa_test_")


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
def database(
    settings: warehouse.Settings, request: pytest.FixtureRequest
) -> Iterator[warehouse.Settings]:
    """Settings of a new, empty database named after the test; dropped afterwards."""
    name = DB_PREFIX + re.sub(r"[^a-z0-9_]", "_", request.node.name.lower())[:40]
    warehouse.drop_database(settings, name)
    warehouse.ensure_database(settings, name)
    yield warehouse.Settings(**{**settings.__dict__, "dbname": name})
    if not os.environ.get("AA_KEEP_TEST_DATABASES"):
        warehouse.drop_database(settings, name)


@pytest.fixture
def conn(database: warehouse.Settings) -> Iterator[psycopg.Connection]:
    """A connection to the test's own database."""
    with warehouse.connect(database) as connection:
        yield connection


@pytest.fixture
def shared_data() -> Path:
    """The real reference data in ../shared/data; the test is skipped without it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real reference data not found at {SHARED_DATA} (a user's clone has none)")
    return SHARED_DATA


def run_cli(args: Sequence[str], database: warehouse.Settings | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run the access-analytics command in a subprocess, as a user would."""
    command = [sys.executable, "-m", "access_analytics.cli"]
    if database is not None:
        command += ["--database", database.dbname]
    return subprocess.run(
        [*command, *args], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=timeout,
        check=False,
    )


@pytest.fixture
def dbt(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run dbt against a test database, with target and logs in the test's tmp folder."""

    def run(database: warehouse.Settings, *args: str) -> subprocess.CompletedProcess[str]:
        command = [
            str(Path(sys.executable).parent / "dbt"), *args,
            "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
        ]
        return subprocess.run(
            command, cwd=PROJECT_DIR, env=warehouse.dbt_env(database), capture_output=True,
            text=True, timeout=900, check=False,
        )

    return run


def _demo_selection() -> list[str]:
    """While working on one area, AA_DEMO_SELECT (a dbt selector such as
    `+marts.curriculum`) builds only that part of the demo warehouse."""
    selector = os.environ.get("AA_DEMO_SELECT")
    return ["--select", selector] if selector else []


@pytest.fixture(scope="session")
def demo_warehouse(
    settings: warehouse.Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[warehouse.Settings, dict[str, object]]]:
    """The default demo data (1,000,000 requests, seed 42) loaded and built once per
    test session in its own database; yields its settings and the ground truth."""
    import json

    from access_analytics import demo_data

    folder = tmp_path_factory.mktemp("demo_warehouse")
    files = demo_data.generate(folder / "demo", events=1_000_000, seed=42)
    name = DB_PREFIX + "demo_warehouse"
    warehouse.drop_database(settings, name)
    warehouse.ensure_database(settings, name)
    demo = warehouse.Settings(**{**settings.__dict__, "dbname": name})
    for path, file_format in ((files.cohorts_path, "cohorts"), (files.requests_path, "csv")):
        loaded = run_cli(["load", file_format, str(path)], demo)
        assert loaded.returncode == 0, loaded.stderr
    # Seeds and models only: the data and unit tests run on the small builds of
    # test_pipeline.py; over a million rows they would triple this fixture's time.
    built = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "build", "--resource-type", "seed",
         "--resource-type", "model", "--target-path", str(folder / "target"),
         "--log-path", str(folder / "logs"), *_demo_selection()],
        cwd=PROJECT_DIR, env=warehouse.dbt_env(demo), capture_output=True, text=True,
        timeout=1200, check=False,
    )
    assert built.returncode == 0, built.stdout[-4000:]
    yield demo, json.loads(files.ground_truth_path.read_text())
    if not os.environ.get("AA_KEEP_TEST_DATABASES"):
        warehouse.drop_database(settings, name)
