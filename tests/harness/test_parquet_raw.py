"""The Parquet sink of the loaders (the raw tables of the Spark target) keeps the
loaders' rules: the same rows and the same rejected lines (file, line number, reason) as
the PostgreSQL sink, every line accounted for, a reload changes nothing, an overlapping
file loads only its new lines. No Spark needed: the files are read back with pyarrow."""

from __future__ import annotations

import datetime
import fcntl
from pathlib import Path
from typing import Any

import psycopg
import pytest

from access_analytics import demo_data, loaders

pq = pytest.importorskip("pyarrow.parquet", reason="pyarrow (the bench or spark extra) is missing")
parquet_raw = pytest.importorskip("access_analytics.parquet_raw")

LINES = [
    "date,time,path,user_id,cohort_id,ip,user_agent",
    "2018-01-26,09:55:03,/,1,8,97.105.19.61,Mozilla/5.0",
    "2018-13-26,09:55:03,/,1,8,97.105.19.61,",  # invalid date
    "broken",  # too few fields
    '2018-01-26,09:56:03,"back\\slash\ttab",2,,97.105.19.61,',
    "2018-01-26,09:57:03,javascript-i/functions,3,NaN,10.0.0.1,curl/7.1",
    "2018-01-26,09:57:03,javascript-i/functions,3,NaN,10.0.0.1,curl/7.1",  # repeated line
    "2018-01-26,25:00:00,/,1,8,97.105.19.61,",  # invalid time
]
COLUMNS = ("line_number", "line_key", "requested_at", "path", "user_id", "cohort_id", "ip")


def _utc(value: Any) -> Any:
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return value


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def _both_sinks(
    conn: psycopg.Connection, raw: Path, columns: tuple[str, ...]
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The curriculum requests as the PostgreSQL sink and the Parquet sink hold them."""
    expected = [
        tuple(map(_utc, row))
        for row in conn.execute(
            f"select {', '.join(columns)} from raw.curriculum_requests order by line_number"
        ).fetchall()
    ]
    table = pq.read_table(raw / "curriculum_requests").sort_by("line_number")
    return expected, [tuple(_utc(row[column]) for column in columns) for row in table.to_pylist()]


def test_parquet_sink_gives_the_rows_and_rejects_of_the_postgres_sink(
    conn: psycopg.Connection, tmp_path: Path
) -> None:
    path = _write(tmp_path / "requests.csv", LINES)
    raw = tmp_path / "raw"
    in_postgres = loaders.load_file(conn, path, "csv")
    in_parquet = parquet_raw.load_file(raw, path, "csv")

    assert (in_parquet.rows_loaded, in_parquet.lines_rejected) == (4, 3)
    assert (in_parquet.rows_loaded, in_parquet.lines_rejected, in_parquet.lines_read) == (
        in_postgres.rows_loaded,
        in_postgres.lines_rejected,
        in_postgres.lines_read,
    )
    expected, actual = _both_sinks(conn, raw, COLUMNS)
    assert actual == expected
    assert actual[1][3] == "back\\slash\ttab"  # the CSV row's quoting undone

    expected_rejects = conn.execute(
        "select line_number, line_key, raw_line, reason from raw.rejected_lines"
        " order by line_number"
    ).fetchall()
    rejects = pq.read_table(raw / "rejected_lines").sort_by("line_number").to_pylist()
    assert [
        (row["line_number"], row["line_key"], row["raw_line"], row["reason"]) for row in rejects
    ] == expected_rejects
    assert [row["line_number"] for row in rejects] == [3, 4, 8]
    assert {row["source_file"] for row in rejects} == {in_parquet.source_file}


def test_parquet_sink_of_a_demo_export_equals_the_postgres_sink(
    conn: psycopg.Connection, tmp_path: Path
) -> None:
    """A generated export: most lines take the loaders' bulk path (rows as COPY CSV)."""
    files = demo_data.generate(tmp_path / "demo", events=3_000, seed=7)
    loaders.load_file(conn, files.requests_path, "csv")
    loaded = parquet_raw.load_file(tmp_path / "raw", files.requests_path, "csv")
    expected, actual = _both_sinks(
        conn, tmp_path / "raw", (*COLUMNS, "user_agent", "truncated_fields")
    )
    assert loaded.rows_loaded == len(expected) == 3_000
    assert actual == expected


def test_parquet_sink_undoes_the_escapes_of_copy_text(
    conn: psycopg.Connection, tmp_path: Path
) -> None:
    """The bootcamp format's rows go to COPY as text (backslash escapes), not as CSV."""
    path = _write(
        tmp_path / "anonymized-curriculum-access.txt",
        ["2018-01-26 09:55:03 / 1 8 97.105.19.61", "2018-01-26 09:56:03 a\\b 2 8 10.0.0.1"],
    )
    loaders.load_file(conn, path, "bootcamp")
    parquet_raw.load_file(tmp_path / "raw", path, "bootcamp")
    expected, actual = _both_sinks(conn, tmp_path / "raw", COLUMNS)
    assert actual == expected
    assert [row[3] for row in actual] == ["/", "a\\b"]


def test_parquet_reload_changes_nothing_and_overlap_loads_new_lines_once(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    first = parquet_raw.load_file(raw, _write(tmp_path / "a.csv", LINES[:3]), "csv", source="s")
    again = parquet_raw.load_file(raw, tmp_path / "a.csv", "csv", source="s")
    overlap = parquet_raw.load_file(
        raw, _write(tmp_path / "b.csv", [LINES[0], *LINES[1:6]]), "csv", source="s"
    )
    assert (first.status, first.rows_loaded, first.lines_rejected) == ("loaded", 1, 1)
    assert (again.status, again.rows_loaded) == ("unchanged", 0)
    # b.csv repeats a.csv's two lines (duplicates) and adds three: 2 rows, 1 reject.
    assert (overlap.rows_loaded, overlap.lines_rejected, overlap.lines_duplicate) == (2, 1, 2)
    loaded = pq.read_table(raw / "loaded_files").to_pylist()
    assert sorted(row["file_id"] for row in loaded) == [1, 2]
    requests = pq.read_table(raw / "curriculum_requests").num_rows
    rejected = pq.read_table(raw / "rejected_lines").num_rows
    assert (requests, rejected) == (3, 2)


def test_a_load_killed_before_its_loaded_files_row_is_loaded_again_in_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lines and rejects of a load are published before its `loaded_files` row: a
    load killed in between leaves them without it, and the retry loads them again."""
    raw, path = tmp_path / "raw", _write(tmp_path / "a.csv", LINES)
    publish = parquet_raw._publish

    def killed_at_the_record(hidden: Path) -> None:
        if hidden.parent.name == "loaded_files" and hidden.name.startswith("_file-"):
            raise KeyboardInterrupt
        publish(hidden)

    with monkeypatch.context() as patch:
        patch.setattr(parquet_raw, "_publish", killed_at_the_record)
        with pytest.raises(KeyboardInterrupt):
            parquet_raw.load_file(raw, path, "csv")
    left = sorted(path.relative_to(raw).as_posix() for path in raw.rglob("*file-*.parquet"))
    assert left == [
        "curriculum_requests/file-0000000001.parquet",
        "loaded_files/_file-0000000001.parquet",
        "rejected_lines/file-0000000001.parquet",
    ]
    said: list[str] = []
    retried = parquet_raw.load_file(raw, path, "csv", progress=said.append)
    assert said == [
        f"removed {folder}/file-0000000001.parquet: the lines of a load killed before it"
        " finished (loading that file again loads them in full)"
        for folder in ("rejected_lines", "curriculum_requests")
    ]
    # 8 lines: the header, 4 rows (a line repeated in one file is two requests), 3
    # rejected; none a duplicate of the lines the killed load left.
    assert (retried.status, retried.rows_loaded, retried.lines_rejected) == ("loaded", 4, 3)
    assert retried.lines_duplicate == 0
    requests = pq.read_table(raw / "curriculum_requests")["line_number"].to_pylist()
    assert sorted(requests) == [2, 5, 6, 7]
    assert sorted(pq.read_table(raw / "rejected_lines")["line_number"].to_pylist()) == [3, 4, 8]
    assert pq.read_table(raw / "loaded_files")["file_id"].to_pylist() == [1]
    assert not list(raw.rglob("_file-*.parquet"))


def test_parquet_loads_take_turns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A load holds the raw folder's lock file: another cannot take it meanwhile."""
    raw, load = tmp_path / "raw", parquet_raw._load_file
    refused = []

    def while_loading(*args: Any) -> Any:
        with open(raw / "_load.lock", "a") as other:
            try:
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                refused.append(True)
        return load(*args)

    monkeypatch.setattr(parquet_raw, "_load_file", while_loading)
    loaded = parquet_raw.load_file(raw, _write(tmp_path / "a.csv", LINES[:2]), "csv")
    assert (loaded.status, loaded.rows_loaded, refused) == ("loaded", 1, [True])
    # Released afterwards.
    with open(raw / "_load.lock", "a") as other:
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_a_file_of_another_format_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    path = _write(tmp_path / "cohorts.csv", ["id,name", *(f"{n},x" for n in range(1200))])
    with pytest.raises(loaders.LoadError, match="does not look like"):
        parquet_raw.load_file(tmp_path / "raw", path, "combined")
    assert not any((tmp_path / "raw").rglob("file-*.parquet"))
