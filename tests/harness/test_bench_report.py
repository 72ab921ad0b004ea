"""`make bench` prints ratios that decide issue 16: the report's arithmetic (medians of
interleaved runs, x pandas / x DuckDB, the loader's share of a plain COPY, the growth of
each model between two sizes) checked on hand-made runs with known figures."""

from __future__ import annotations

import functools
import json
import os
import subprocess
from pathlib import Path

import pytest

from access_analytics.bench import side_by_side
from access_analytics.bench.side_by_side import Report, Run


def _rate(per_second: float, python_cpu: float, server_cpu: float) -> dict[str, float]:
    return {"per_second": per_second, "python_cpu": python_cpu, "server_cpu": server_cpu}


def _project(seconds: float, loader: float, copy: float) -> Run:
    details = {
        "load_seconds": 10.0,
        "dbt_seconds": seconds - 10.0,
        "loader": _rate(loader, 5.0, 3.0),
        "copy": _rate(copy, 0.0, 2.0),
    }
    return Run("project", seconds, 300 * 1024, 2048 * 1024, details)


def _report() -> Report:
    runs = [
        _project(90.0, loader=60_000, copy=100_000),  # the loader at 60% of COPY
        Run("pandas", 30.0, 700 * 1024, 0, {}),
        Run("duckdb", 20.0, 400 * 1024, 0, {"disk_bytes": 20 * 2**20}),
        _project(120.0, loader=40_000, copy=200_000),  # 20%
        Run("pandas", 40.0, 800 * 1024, 0, {}),
        Run("duckdb", 10.0, 500 * 1024, 0, {"disk_bytes": 21 * 2**20}),
    ]
    nodes = {
        "int_requests_sessionized_all_traffic": {"kind": "model", "seconds": 12.0},
        "fct_sessions": {"kind": "model", "seconds": 3.0},
        "unique_fct_sessions_session_id": {"kind": "test", "seconds": 2.5},
        "programs": {"kind": "seed", "seconds": 9.0},
    }
    extras = {
        "core_disk_bytes": 100 * 2**20,
        "floors": {"bare lag": 4.0, "lag + running sum": 6.0},
        "full_build": {
            "dbt_seconds": 50.0,
            "unit_test_seconds": 7.0,
            "server_peak_kib": 1024 * 1024,
            "disk_bytes": 400 * 2**20,
            "nodes": nodes,
        },
    }
    return Report(
        events=1_000_000,
        csv_bytes=200 * 2**20,
        runs=runs,
        differences={"pandas": {"sessions": ""}, "duckdb": {"sessions": "3 rows differ"}},
        answer_rows={"sessions": 82_684},
        sessions=82_684,
        extras=extras,
        load=((1.0, 2.0, 3.0), (4.0, 5.0, 6.0)),
    )


def test_the_table_gives_medians_and_ratios_of_the_interleaved_runs() -> None:
    lines = side_by_side.render(_report(), None).splitlines()
    rows = {line.split(" | ")[0].strip("| "): line for line in lines if line.startswith("| ")}
    # Medians: project 105 s, pandas 35 s, DuckDB 15 s.
    assert rows["project"] == (
        "| project | 105.0 (90.0-120.0) | 3.0x | 7.0x | 300 MiB | 2,048 MiB | 100 MiB |"
    )
    assert (
        rows["pandas"]
        == "| pandas | 35.0 (30.0-40.0) | 1.0x | 2.3x | 800 MiB | — | — (in memory) |"
    )
    assert rows["duckdb"] == "| duckdb | 15.0 (10.0-20.0) | 0.4x | 1.0x | 500 MiB | — | 21 MiB |"
    assert (
        "project phases: load 10.0 (10.0-10.0) s, dbt build of the core answers (dbt elapsed)"
        " 95.0 (80.0-110.0) s"
    ) in lines
    assert "- pandas vs project: identical" in lines
    assert "- duckdb vs project: DIFFERENT: sessions: 3 rows differ" in lines


def test_the_loader_line_gives_the_median_of_the_rounds_ratios() -> None:
    text = side_by_side.render(_report(), None)
    # Rounds 60% and 20%: the median of the ratios (40%), not the ratio of the medians
    # (50,000 / 150,000 = 33%).
    assert "loader 40% of COPY (rounds: 60%, 20%)" in text
    assert "loader: 50,000 lines/s (CPU per 1M: python 5.0 s + server 3.0 s)" in text
    assert "plain COPY of the same 7 typed columns right after it: 150,000 rows/s" in text


def test_the_build_lines_count_data_tests_time_unit_tests_apart_and_compare_with_floors() -> None:
    text = side_by_side.render(_report(), None)
    assert "12.0 s; bare lag over the same rows: 4.0 s (3.0x); lag + running sum: 6.0 s" in text
    # Models 15 s (the seed is neither), data tests 2.5 s; 400 MiB for a 200 MiB CSV.
    assert "models 15.0 s and tests 2.5 s summed over threads" in text
    assert "PostgreSQL peak 1,024 MiB; warehouse 400 MiB = 2.0x the CSV" in text
    assert "then the unit tests (make test runs them, make build leaves them out): 7.0 s" in text
    assert "slowest tests: unique_fct_sessions_session_id 2.5 s" in text


def test_growth_factors_compare_with_the_nearest_size_measured_before(tmp_path: Path) -> None:
    # 100,000 saved with its commit; 10,000,000 in the older format (seconds alone).
    saved = {"commit": "abc1234", "seconds": {"a": 1.0, "b": 2.0}}
    (tmp_path / "model_seconds_100000.json").write_text(json.dumps(saved))
    (tmp_path / "model_seconds_10000000.json").write_text(json.dumps({"a": 50.0}))
    growth = side_by_side.growth_factors(
        tmp_path, 1_000_000, {"a": 4.0, "b": 20.0, "c": 1.0}, "abc1234"
    )
    assert growth is not None
    # 100,000 is nearer to 1,000,000 than 10,000,000 is; "c" was not measured there.
    assert growth.factors == {"a": 4.0, "b": 10.0}
    assert growth.sizes == (100_000, 1_000_000)
    assert growth.commits == ("abc1234", "abc1234")
    written = json.loads((tmp_path / "model_seconds_1000000.json").read_text())
    assert written == {"commit": "abc1234", "seconds": {"a": 4.0, "b": 20.0, "c": 1.0}}
    rows = side_by_side.render(
        _report(),
        side_by_side.Growth({"fct_sessions": 2.5}, (100_000, 1_000_000), ("abc1234", "abc1234")),
    )
    assert "| model | seconds | growth 100,000 → 1,000,000 requests |" in rows
    assert "| fct_sessions | 3.0 | 2.5x |" in rows
    assert "| int_requests_sessionized_all_traffic | 12.0 | — |" in rows
    assert "different code" not in rows


def test_growth_between_two_commits_says_so(tmp_path: Path) -> None:
    (tmp_path / "model_seconds_10000000.json").write_text(json.dumps({"a": 50.0}))
    growth = side_by_side.growth_factors(tmp_path, 1_000_000, {"a": 4.0}, "def5678+0a1b2c3d")
    assert growth is not None
    assert growth.factors == {"a": 12.5}
    assert growth.commits == ("def5678+0a1b2c3d", "unknown")
    text = side_by_side.render(_report(), growth)
    assert (
        "The growth may compare different code: 1,000,000 requests ran commit"
        " def5678+0a1b2c3d, 10,000,000 ran unknown" in text
    )
    growth = side_by_side.Growth({"a": 12.5}, (1_000_000, 10_000_000), ("def5678", "abc1234"))
    assert (
        "The growth compares different code: 1,000,000 requests ran commit def5678,"
        " 10,000,000 ran abc1234; run `make bench` at both sizes on one commit"
        in side_by_side.render(_report(), growth)
    )


def test_the_code_version_is_the_commit_and_a_hash_of_the_code_changes(tmp_path: Path) -> None:
    assert side_by_side.code_version(tmp_path) == "unknown"
    # Git of this test only: not a repository or settings inherited from the caller.
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    run = functools.partial(subprocess.run, cwd=tmp_path, check=True, capture_output=True, env=env)
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "a.sql").write_text("select 1\n")
    run(["git", "init", "-q"])
    run(["git", "add", "models/a.sql"])
    run(
        [
            "git",
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "-c",
            "commit.gpgsign=false",
            "commit",
            "-qm",
            "a",
        ]
    )
    commit = run(["git", "rev-parse", "--short", "HEAD"], text=True).stdout.strip()
    with pytest.MonkeyPatch.context() as patch:
        for key in os.environ:
            if key.startswith("GIT_"):
                patch.delenv(key)
        assert side_by_side.code_version(tmp_path) == commit
        # Docs are no code.
        (tmp_path / "notes.md").write_text("measured\n")
        assert side_by_side.code_version(tmp_path) == commit
        (tmp_path / "models" / "a.sql").write_text("select 2\n")
        first = side_by_side.code_version(tmp_path)
        (tmp_path / "models" / "a.sql").write_text("select 3\n")
        second = side_by_side.code_version(tmp_path)
        # A new model not yet added is a change too.
        (tmp_path / "models" / "b.sql").write_text("select 4\n")
        third = side_by_side.code_version(tmp_path)
    assert [version.split("+")[0] for version in (first, second, third)] == [commit] * 3
    assert len({first, second, third}) == 3
    assert all(len(version.split("+")[1]) == 8 for version in (first, second, third))


def test_the_first_size_measured_has_no_growth(tmp_path: Path) -> None:
    assert side_by_side.growth_factors(tmp_path, 1_000, {"a": 1.0}, "abc1234") is None
