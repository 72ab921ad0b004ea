"""Lint is part of the test suite, so CI (which runs only `make test`) enforces it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import PROJECT_DIR

BIN = Path(sys.executable).parent


def test_python_is_ruff_clean() -> None:
    result = subprocess.run(
        [str(BIN / "ruff"), "check", "src", "tests/harness"],
        cwd=PROJECT_DIR, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_sql_is_sqlfluff_clean(settings: object) -> None:
    # `settings` starts the warehouse: the dbt templater compiles the project.
    result = subprocess.run(
        [str(BIN / "sqlfluff"), "lint", "models", "tests", "analyses", "--nocolor"],
        cwd=PROJECT_DIR, capture_output=True, text=True, check=False, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
