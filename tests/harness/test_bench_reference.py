"""The reference implementations of `make bench` (pandas and DuckDB, in
src/access_analytics/bench/) compute the project's core answers independently: on
generated data all three agree exactly, and on a hand-made log they give the expected
answers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from access_analytics import demo_data, warehouse
from access_analytics.bench import answers, reference_duckdb, reference_pandas
from conftest import PROJECT_DIR, run_cli

COHORTS = (
    "id,name,slack,start_date,end_date,created_at,updated_at,deleted_at,program_id\n"
    "1,Apex,#apex,2021-03-01,2021-03-31,NULL,NULL,NULL,2\n"
    "2,Staff,#staff,2014-01-01,2021-12-31,NULL,NULL,NULL,2\n"
)
BROWSER = '"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/90.0 Safari/537.36"'


def _requests() -> str:
    lines = ["date,time,path,user_id,cohort_id,ip,user_agent"]
    # User 1, Monday 2021-03-01: a request every 20 minutes from 00:00 to 05:00 is one
    # visit cut at 4 hours (two sessions); 05:31 follows a 31-minute gap (a third
    # session), 06:01 a gap of exactly 30 minutes (still the third).
    for minute in range(0, 301, 20):
        path = "java-i/intro" if minute < 100 else "/java-ii/arrays/?page=2"
        lines.append(
            f"2021-03-01,{minute // 60:02d}:{minute % 60:02d}:00,{path},1,1,10.1.2.3,{BROWSER}"
        )
    lines += [
        f"2021-03-01,05:31:00,java-i/intro,1,1,10.1.2.3,{BROWSER}",
        f"2021-03-01,06:01:00,java-i/intro.png,1,1,10.1.2.3,{BROWSER}",
        # User 2, Sunday 2021-03-07: staff, a bot, an address that is not IPv4.
        "2021-03-07,10:00:00,java-i/intro,2,2,10.1.9.9,curl/7.68.0",
        f"2021-03-07,10:05:00,java-i/intro,2,2,10.1.300.1,{BROWSER}",
        f"2021-03-07,10:06:00,java-ii/arrays,2,2,10.2.0.1,{BROWSER}",
    ]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("implementation", ["pandas", "duckdb"])
def test_reference_answers_on_a_known_log(tmp_path: Path, implementation: str) -> None:
    (tmp_path / "requests.csv").write_text(_requests())
    (tmp_path / "cohorts.csv").write_text(COHORTS)
    defs = answers.definitions(PROJECT_DIR)
    args = (tmp_path / "requests.csv", tmp_path / "cohorts.csv", defs)
    found = (
        reference_pandas.answers(*args)
        if implementation == "pandas"
        else reference_duckdb.answers(*args, tmp_path / "reference.duckdb")
    )
    answers.write_answers(tmp_path / "out", found)
    read = {
        name: (tmp_path / "out" / f"{name}.csv").read_text().splitlines()[1:]
        for name in answers.ANSWERS
    }
    assert read["sessions"] == ["user:1,3", "user:2,1"]
    # 6 requests of java-i/intro before 01:40 and at 05:31; 11 of the normalised
    # java-ii/arrays; the image is an asset; staff requests do not count.
    assert read["rankings"] == ["1,java-i/intro,6,2", "1,java-ii/arrays,11,1"]
    assert read["hourly"][:2] == ["10.1,2021-03-01,0,1", "10.1,2021-03-01,1,1"]
    assert len(read["hourly"]) == 7 + 1  # hours 0-6 of Monday; 10.2 at 10 on Sunday
    assert read["hourly"][-1] == "10.2,2021-03-07,10,1"
    # The log has two days (a Sunday and a Monday) on which some block had users.
    assert read["weekdays"] == [
        "10.1,1,0.00,1.00,,,,,,1.00,0.00,0.50,1,0",
        "10.2,1,1.00,0.00,,,,,,0.00,1.00,0.50,0,1",
    ]


def test_two_decimals_round_half_up_like_sql() -> None:
    assert [answers.two_decimals(*pair) for pair in ((1, 8), (2, 3), (5, 1), (0, 4), (3, 0))] == [
        "0.13",
        "0.67",
        "5.00",
        "0.00",
        "",
    ]


def test_references_agree_with_the_project(
    database: warehouse.Settings,
    tmp_path: Path,
    dbt: Callable[..., object],
) -> None:
    files = demo_data.generate(tmp_path / "demo", events=20_000, seed=7)
    for path, file_format in ((files.cohorts_path, "cohorts"), (files.requests_path, "csv")):
        loaded = run_cli(["load", file_format, str(path)], database)
        assert loaded.returncode == 0, loaded.stderr
    built = dbt(
        database,
        "build",
        "--resource-type",
        "seed",
        "--resource-type",
        "model",
        "--select",
        *answers.PROJECT_SELECTION,
        *answers.PROJECT_VARS,
    )
    assert built.returncode == 0, built.stdout[-4000:]  # type: ignore[attr-defined]
    with warehouse.connect(database) as conn:
        answers.project_answers(conn, tmp_path / "project")
    defs = answers.definitions(PROJECT_DIR)
    args = (files.requests_path, files.cohorts_path, defs)
    answers.write_answers(tmp_path / "pandas", reference_pandas.answers(*args))
    answers.write_answers(
        tmp_path / "duckdb", reference_duckdb.answers(*args, tmp_path / "reference.duckdb")
    )
    counts = answers.row_counts(tmp_path / "project")
    assert min(counts.values()) > 0, counts
    assert answers.total_sessions(tmp_path / "project") > 100
    for implementation in ("pandas", "duckdb"):
        assert answers.compare(tmp_path / "project", tmp_path / implementation) == dict.fromkeys(
            answers.ANSWERS, ""
        ), implementation
