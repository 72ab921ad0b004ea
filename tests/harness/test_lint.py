"""Lint is part of the test suite, so CI (which runs only `make test`) enforces it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from access_analytics import warehouse
from conftest import PROJECT_DIR

BIN = Path(sys.executable).parent


def _assert_clean(*command: str) -> None:
    """Run one of the virtualenv's tools in the project; its whole output on failure."""
    result = subprocess.run(
        [str(BIN / command[0]), *command[1:]],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_python_is_ruff_clean() -> None:
    _assert_clean("ruff", "check", "src", "tests/harness")


def test_python_is_ruff_formatted() -> None:
    _assert_clean("ruff", "format", "--check", "src", "tests/harness")


def test_python_type_checks() -> None:
    # The files and settings are [tool.mypy] in pyproject.toml, as for `make lint`.
    _assert_clean("mypy")


def test_sql_is_sqlfluff_clean(database: warehouse.Settings) -> None:
    # The dbt templater compiles the project against the warehouse (with its passwords, as
    # `make lint` gives them), in a new, empty database: `is_incremental()` is then false
    # whether or not `make build` ran before, so the result does not depend on it.
    result = subprocess.run(
        [str(BIN / "sqlfluff"), "lint", "models", "tests", "analyses", "--nocolor"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,  # about 80 s on a quiet machine; far longer when it is shared
        env=warehouse.dbt_env(database),
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
