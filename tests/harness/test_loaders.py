"""Loaders: every line loaded or rejected with a reason, reloads change nothing."""

from __future__ import annotations

import gzip
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from access_analytics import loaders, warehouse
from conftest import PROJECT_DIR, run_cli


def count(conn: psycopg.Connection, query: str, *params: object) -> int:
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return int(row[0])


def table_snapshot(conn: psycopg.Connection) -> dict[str, list[tuple[object, ...]]]:
    """Every raw table's full content, for "changes nothing" comparisons."""
    return {
        table: conn.execute(f"select * from raw.{table} order by 1, 2").fetchall()
        for table in (
            "loaded_files",
            "rejected_lines",
            "curriculum_requests",
            "cohorts",
            "web_requests",
        )
    }


# --------------------------------------------------------------------------------------
# Real files from ../shared/data


def test_real_apache_log_loads_9999_requests_and_rejects_line_8899(
    conn: psycopg.Connection, shared_data: Path
) -> None:
    path = shared_data / "apache_logs" / "apache_logs"
    result = loaders.load_file(conn, path, "combined")

    assert (result.status, result.lines_read, result.rows_loaded, result.lines_rejected) == (
        "loaded",
        10_000,
        9_999,
        1,
    )
    assert count(conn, "select count(*) from raw.web_requests") == 9_999
    rejected = conn.execute(
        "select source_file, line_number, reason, raw_line from raw.rejected_lines"
    ).fetchall()
    assert len(rejected) == 1
    source_file, line_number, reason, raw_line = rejected[0]
    assert (source_file, line_number) == (str(path.resolve()), 8899)
    assert reason.startswith("does not match the combined log format: a quoted field is never")
    assert raw_line.startswith("46.118.127.106 - - [20/May/2015:12:05:17 +0000]")
    first = conn.execute(
        "select ip, requested_at, method, path, status, response_bytes, user_agent"
        " from raw.web_requests where line_number = 1"
    ).fetchone()
    assert first is not None
    assert first[0] == "83.149.9.216"
    assert first[1].isoformat() == "2015-05-17T10:05:03+00:00"
    assert first[2:6] == (
        "GET",
        "/presentations/logstash-monitorama-2013/images/kibana-search.png",
        200,
        203023,
    )
    assert first[6].startswith("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1)")


def test_reloading_the_same_file_changes_nothing(
    conn: psycopg.Connection, shared_data: Path
) -> None:
    path = shared_data / "apache_logs" / "apache_logs"
    loaders.load_file(conn, path, "combined")
    before = table_snapshot(conn)

    again = loaders.load_file(conn, path, "combined")

    assert (again.status, again.lines_read, again.rows_loaded) == ("unchanged", 10_000, 0)
    assert table_snapshot(conn) == before


def test_real_cohort_file_loads_53_cohorts_with_null_deleted_at(
    conn: psycopg.Connection, shared_data: Path
) -> None:
    result = loaders.load_file(conn, shared_data / "codeup_cohorts" / "cohorts.csv", "cohorts")

    assert (result.lines_read, result.rows_loaded, result.lines_rejected) == (54, 53, 0)
    assert count(conn, "select count(*) from raw.cohorts where deleted_at is null") == 53
    staff = conn.execute(
        "select name, slack, start_date::text, end_date::text, created_at::text, program_id"
        " from raw.cohorts where id = 28"
    ).fetchone()
    assert staff == ("Staff", "#", "2014-02-04", "2014-02-04", "2018-12-06 17:04:19", 2)
    placeholder = conn.execute("select name, end_date::text from raw.cohorts where id = 136")
    assert placeholder.fetchone() == ("Placeholder for students in transition", "2029-03-01")


# --------------------------------------------------------------------------------------
# Planted bad lines: loaded + rejected = input lines, each reason exact


BOOTCAMP_LINES = [
    "2018-01-26 09:55:03 / 1 8 97.105.19.61",  # 1 ok
    "2018-01-26 09:56:02 java-ii/object-oriented-programming 1 8 97.105.19.61",  # 2 ok
    "2018-01-26 09:56:05 slides/object_oriented_programming 2 NaN 97.105.19.61",  # 3 ok
    "2018-01-26 09:56:06  3 22 97.105.19.61",  # 4 ok: empty path
    "2018-01-26 09:56:07 4 22 97.105.19.61",  # 5 ok: no path field at all
    "2018-02-30 09:56:06 javascript-i 1 8 97.105.19.61",  # 6 bad date
    "2018-01-26 25:00:00 javascript-i 1 8 97.105.19.61",  # 7 bad time
    "2018-01-26 09:56:06 javascript-i abc 8 97.105.19.61",  # 8 bad user
    "2018-01-26 09:56:06 javascript-i 1 eight 97.105.19.61",  # 9 bad cohort
    "not a log line",  # 10 wrong field count
    "",  # 11 empty
    "2018-01-26 09:56:08 javascript-i 1  97.105.19.61",  # 12 ok: empty cohort
    "2018-01-26 09:56:09 javascript-i 1 8.0 97.105.19.61",  # 13 ok: pandas float cohort
]


def test_bootcamp_lines_are_loaded_or_rejected_with_reasons(
    conn: psycopg.Connection, tmp_path: Path
) -> None:
    path = tmp_path / "anonymized-curriculum-access.txt"
    path.write_bytes(("\n".join(BOOTCAMP_LINES) + "\n").encode() + b"2018-01-26 \xff\xfe bad\n")

    result = loaders.load_file(conn, path, "bootcamp")

    assert result.lines_read == 14
    assert (result.rows_loaded, result.lines_rejected) == (7, 7)
    assert result.rows_loaded + result.lines_rejected == result.lines_read
    reasons = dict(
        conn.execute("select line_number, reason from raw.rejected_lines order by 1").fetchall()
    )
    assert reasons == {
        6: "invalid date '2018-02-30' (expected YYYY-MM-DD)",
        7: "invalid time '25:00:00' (expected HH:MM:SS)",
        8: "user_id is not a whole number: 'abc'",
        9: "cohort_id is not a whole number, empty or NaN: 'eight'",
        10: "expected 6 space-separated fields (date time path user_id cohort_id ip), found 4",
        11: "empty line",
        14: "not valid UTF-8 (invalid start byte)",
    }
    rows = conn.execute(
        "select line_number, requested_at::text, path, user_id, cohort_id, ip"
        " from raw.curriculum_requests order by 1"
    ).fetchall()
    assert rows == [
        (1, "2018-01-26 09:55:03", "/", 1, 8, "97.105.19.61"),
        (2, "2018-01-26 09:56:02", "java-ii/object-oriented-programming", 1, 8, "97.105.19.61"),
        (3, "2018-01-26 09:56:05", "slides/object_oriented_programming", 2, None, "97.105.19.61"),
        (4, "2018-01-26 09:56:06", None, 3, 22, "97.105.19.61"),
        (5, "2018-01-26 09:56:07", None, 4, 22, "97.105.19.61"),
        (12, "2018-01-26 09:56:08", "javascript-i", 1, None, "97.105.19.61"),
        (13, "2018-01-26 09:56:09", "javascript-i", 1, 8, "97.105.19.61"),
    ]


def test_csv_export_lines_are_loaded_or_rejected(conn: psycopg.Connection, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "user_id,date,time,path,cohort_id,ip,user_agent\n"  # columns in any order
        '1,2019-03-01,10:00:00,toc,22,1.2.3.4,"Mozilla/5.0 (X11; Linux x86_64) Firefox/65.0"\n'
        "2,2019-03-01,10:00:01,,,1.2.3.5,\n"
        "3,2019-03-01,10:00:02,toc,22,1.2.3.6\n"  # one field short
        '4,2019-03-01,10:00:03,"multi\nline",22,1.2.3.7,curl/7.64.1\n'  # quoted newline: ok
        "5,2019-13-01,10:00:04,toc,22,1.2.3.8,curl/7.64.1\n"
    )

    result = loaders.load_file(conn, path, "csv")

    assert (result.lines_read, result.rows_loaded, result.lines_rejected) == (7, 3, 2)
    rejected = conn.execute("select line_number, reason from raw.rejected_lines order by 1")
    assert rejected.fetchall() == [
        (4, "expected 7 CSV fields, found 6"),
        (7, "invalid date '2019-13-01' (expected YYYY-MM-DD)"),
    ]
    rows = conn.execute(
        "select line_number, user_id, path, cohort_id, user_agent"
        " from raw.curriculum_requests order by 1"
    ).fetchall()
    assert rows == [
        (2, 1, "toc", 22, "Mozilla/5.0 (X11; Linux x86_64) Firefox/65.0"),
        (3, 2, None, None, None),
        (5, 4, "multi\nline", 22, "curl/7.64.1"),
    ]


def test_combined_log_with_planted_bad_lines(conn: psycopg.Connection, tmp_path: Path) -> None:
    good = '1.2.3.4 - - [17/May/2015:10:05:03 +0200] "GET /a?b=1 HTTP/1.1" 200 512 "-" "curl/7.1"'
    lines = [
        good,
        '1.2.3.4 - bob [17/May/2015:10:05:04 -0500] "POST /login HTTP/1.1" 302 - "-" "-"',
        '1.2.3.4 - - [17/May/2015:10:05:05 +0000] "-" 400 0',  # common log format: ok
        '1.2.3.4 - - [31/Feb/2015:10:05:05 +0000] "GET / HTTP/1.1" 200 1 "-" "x"',  # bad date
        '1.2.3.4 - - [17/May/2015:10:05:05 +0000] "GET / HTTP/1.1" 200 1 "-" "unclosed',
        "garbage",
    ]
    path = tmp_path / "access.log.gz"
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))

    result = loaders.load_file(conn, path, "combined")

    assert (result.lines_read, result.rows_loaded, result.lines_rejected) == (6, 3, 3)
    rows = conn.execute(
        "select line_number, requested_at, method, path, status, response_bytes, auth_user,"
        " user_agent from raw.web_requests order by 1"
    ).fetchall()
    assert [(row[0], row[1].isoformat()) for row in rows] == [
        (1, "2015-05-17T08:05:03+00:00"),
        (2, "2015-05-17T15:05:04+00:00"),
        (3, "2015-05-17T10:05:05+00:00"),
    ]
    # The log's own offset is kept: local hours are the server's.
    offsets = conn.execute("select utc_offset_minutes from raw.web_requests order by line_number")
    assert offsets.fetchall() == [(120,), (-300,), (0,)]
    assert [row[2:] for row in rows] == [
        ("GET", "/a?b=1", 200, 512, None, "curl/7.1"),
        ("POST", "/login", 302, None, "bob", None),
        (None, None, 400, 0, None, None),
    ]
    reasons = dict(conn.execute("select line_number, reason from raw.rejected_lines").fetchall())
    assert reasons[4].startswith("invalid timestamp [31/Feb/2015:10:05:05 +0000]")
    assert reasons[5].startswith("does not match the combined log format: a quoted field")
    assert reasons[6].startswith("does not match the combined log format (")


def test_lines_loaded_after_a_watermark_are_found_through_the_loaded_at_index(
    conn: psycopg.Connection, tmp_path: Path
) -> None:
    # The incremental models read `loaded_at > <their last load>`: each request table
    # has a BRIN index on loaded_at, and it finds exactly the later load's lines, also
    # when its block ranges are not summarised yet.
    line = '1.2.3.{n} - - [17/May/2015:10:05:0{n} +0000] "GET /a HTTP/1.1" 200 1 "-" "x"'
    for name, numbers in (("first.log", range(1, 4)), ("second.log", range(4, 6))):
        (tmp_path / name).write_text("".join(line.format(n=n) + "\n" for n in numbers))
        loaders.load_file(conn, tmp_path / name, "combined")
    indexes = conn.execute(
        "select indrelid::regclass::text, am.amname, pg_get_indexdef(indexrelid, 1, true)"
        " from pg_index join pg_class on pg_class.oid = indexrelid"
        " join pg_am as am on am.oid = pg_class.relam"
        " where indrelid in ('raw.curriculum_requests'::regclass, 'raw.web_requests'::regclass)"
        " and am.amname = 'brin' order by 1"
    ).fetchall()
    assert indexes == [
        ("raw.curriculum_requests", "brin", "loaded_at"),
        ("raw.web_requests", "brin", "loaded_at"),
    ]
    first_load = conn.execute(
        "select loaded_at from raw.loaded_files where source_file like '%first.log'"
    ).fetchone()
    assert first_load is not None
    with conn.transaction():
        conn.execute("set local enable_seqscan = off")
        query = "select ip from raw.web_requests where loaded_at > %s order by ip"
        plan = " ".join(row[0] for row in conn.execute("explain " + query, first_load))
        assert "Bitmap Index Scan on web_requests_loaded_at" in plan
        assert conn.execute(query, first_load).fetchall() == [("1.2.3.4",), ("1.2.3.5",)]


# --------------------------------------------------------------------------------------
# Replacing, refusing, transactions


def test_shorter_version_under_the_same_name_replaces_its_rows(
    conn: psycopg.Connection, tmp_path: Path
) -> None:
    path = tmp_path / "day.txt"
    path.write_text("\n".join(BOOTCAMP_LINES[:3]) + "\nbad line\n")
    loaders.load_file(conn, path, "bootcamp")
    path.write_text("\n".join(BOOTCAMP_LINES[:2]) + "\n")

    result = loaders.load_file(conn, path, "bootcamp")

    # Lines 1-2 are already loaded; line 3 and the bad line are gone from the new version.
    assert (
        result.status,
        result.rows_loaded,
        result.lines_rejected,
        result.lines_duplicate,
        result.lines_removed,
    ) == ("replaced", 0, 0, 2, 2)
    assert count(conn, "select count(*) from raw.curriculum_requests") == 2
    assert count(conn, "select count(*) from raw.rejected_lines") == 0
    assert conn.execute(
        "select rows_loaded, lines_rejected, lines_duplicate, lines_removed"
        " from raw.loaded_files order by file_id"
    ).fetchall() == [(2, 0, 0, 2), (0, 0, 2, 0)]


def test_same_content_under_another_name_is_loaded_once(
    conn: psycopg.Connection, tmp_path: Path
) -> None:
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    for path in (first, second):
        path.write_text("\n".join(BOOTCAMP_LINES[:2]) + "\n")
    loaders.load_file(conn, first, "bootcamp")

    again = loaders.load_file(conn, second, "bootcamp")

    assert (again.status, again.same_as, again.rows_loaded) == ("unchanged", "a.txt", 0)
    assert again.summary() == "b.txt: unchanged: same content as a.txt, already loaded (2 lines)"
    assert count(conn, "select count(*) from raw.curriculum_requests") == 2


def test_a_file_of_another_format_is_refused_whole(
    conn: psycopg.Connection, shared_data: Path
) -> None:
    with pytest.raises(loaders.LoadError, match=r"does not look like the .bootcamp. format"):
        loaders.load_file(conn, shared_data / "apache_logs" / "apache_logs", "bootcamp")
    assert count(conn, "select count(*) from raw.loaded_files") == 0
    assert count(conn, "select count(*) from raw.rejected_lines") == 0


def test_csv_without_the_required_columns_is_refused(
    conn: psycopg.Connection, tmp_path: Path
) -> None:
    path = tmp_path / "wrong.csv"
    path.write_text("when,where\n2019-01-01,home\n")
    expected = (
        r"the CSV \(user_agent optional\) header must name date, time, path, user_id,"
        r" cohort_id, ip; missing: date, time, path, user_id"
    )
    with pytest.raises(loaders.LoadError, match=expected):
        loaders.load_file(conn, path, "csv")


def test_a_load_killed_half_way_leaves_nothing(
    database: warehouse.Settings, tmp_path: Path
) -> None:
    path = tmp_path / "big.txt"
    line = "2019-03-01 10:00:00 javascript-i/functions 1 8 97.105.19.58\n"
    path.write_text(line * 2_000_000)
    # Autocommit: activity views are snapshots taken once per transaction.
    conn = warehouse.connect(database, autocommit=True)
    loader = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "access_analytics.cli",
            "--database",
            database.dbname,
            "load",
            "bootcamp",
            str(path),
        ],
        cwd=PROJECT_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # Wait until the COPY is under way and has written rows, then kill the loader.
        copied = 0
        deadline = time.monotonic() + 60
        while copied < 100_000 and time.monotonic() < deadline and loader.poll() is None:
            row = conn.execute(
                "select coalesce(max(tuples_processed), 0) from pg_stat_progress_copy"
                " where datname = %s",
                (database.dbname,),
            ).fetchone()
            copied = int(row[0]) if row else 0
            time.sleep(0.05)
        assert loader.poll() is None, "the load finished before it could be killed"
        assert copied >= 100_000
        loader.send_signal(signal.SIGKILL)
        loader.wait(timeout=30)
    finally:
        if loader.poll() is None:
            loader.kill()

    # The server notices the dropped connection and rolls the transaction back.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and count(
        conn,
        "select count(*) from pg_stat_activity where datname = %s and pid <> %s",
        database.dbname,
        conn.info.backend_pid,
    ):
        time.sleep(0.1)
    with conn:
        assert count(conn, "select count(*) from raw.curriculum_requests") == 0
        assert count(conn, "select count(*) from raw.loaded_files") == 0
        assert count(conn, "select count(*) from raw.rejected_lines") == 0


# --------------------------------------------------------------------------------------
# The command line: one clear message, never a traceback


def test_cli_missing_file_gives_one_clear_message(database: warehouse.Settings) -> None:
    result = run_cli(["load", "bootcamp", "/no/such/file.txt"], database)
    assert result.returncode == 2
    assert "file.txt: refused: no such file: /no/such/file.txt" in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "1 file: 0 rows loaded into raw.curriculum_requests, 0 lines rejected;"
        " 1 refused: /no/such/file.txt"
    )
    assert "Traceback" not in result.stderr


def test_cli_unknown_format_gives_usage_not_traceback(database: warehouse.Settings) -> None:
    result = run_cli(["load", "parquet", "x"], database)
    assert result.returncode == 2
    assert "invalid choice: 'parquet'" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_wrong_format_gives_one_clear_message(
    database: warehouse.Settings, shared_data: Path
) -> None:
    result = run_cli(
        ["load", "cohorts", str(shared_data / "apache_logs" / "apache_logs")], database
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert (
        "apache_logs: refused: the cohort file's header must name id, name, start_date,"
        " end_date, program_id;" in result.stderr
    )
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .endswith("1 refused: " + str(shared_data / "apache_logs" / "apache_logs"))
    )


def test_cli_load_prints_counts(database: warehouse.Settings, shared_data: Path) -> None:
    result = run_cli(
        ["load", "combined", str(shared_data / "apache_logs" / "apache_logs")], database
    )
    assert result.returncode == 0, result.stderr
    assert "apache_logs: loaded: 9,999 rows loaded, 1 lines rejected" in result.stderr
    # It ends with one line saying what was loaded and where.
    assert result.stderr.strip().splitlines()[-1] == (
        "1 file: 9,999 rows loaded into raw.web_requests, 1 lines rejected"
    )
    again = run_cli(
        ["load", "combined", str(shared_data / "apache_logs" / "apache_logs")], database
    )
    assert "apache_logs: unchanged: same content, already loaded (10,000 lines)" in again.stderr


def test_a_raw_schema_of_files_known_by_base_name_is_brought_up_to_date(
    conn: psycopg.Connection, tmp_path: Path
) -> None:
    """Warehouses loaded by the earlier loaders keep their rows: each gets its file's id
    and a legacy line key, and new files load beside them."""
    with conn.transaction():
        conn.execute(
            "create schema raw;"
            "create table raw.loaded_files (source_file text primary key, file_format text"
            " not null, sha256 text not null, lines_read bigint not null, header_lines"
            " integer not null, rows_loaded bigint not null, lines_rejected bigint not null,"
            " loaded_at timestamptz not null default now());"
            + "".join(
                f"create table raw.{table} (source_file text not null, line_number bigint"
                f" not null, {columns}, primary key (source_file, line_number));"
                for table, columns in (
                    ("rejected_lines", "file_format text, raw_line text, reason text"),
                    (
                        "curriculum_requests",
                        "requested_at timestamp, path text, user_id"
                        " bigint, cohort_id bigint, ip text, user_agent text, loaded_at"
                        " timestamptz default now()",
                    ),
                    ("cohorts", "id bigint"),
                    ("web_requests", "ip text"),
                )
            )
            + "insert into raw.loaded_files values ('old.txt', 'bootcamp', 'x', 1, 0, 1, 0);"
            "insert into raw.curriculum_requests (source_file, line_number, requested_at,"
            " user_id, ip) values ('old.txt', 1, '2018-01-26 09:55:03', 1, '1.2.3.4');"
        )

    loaders.ensure_raw_schema(conn)
    result = loaders.load_file(
        conn, write_lines(tmp_path / "new.txt", BOOTCAMP_LINES[:2]), "bootcamp"
    )

    assert result.rows_loaded == 2
    assert conn.execute(
        "select source_file, file_id, line_key from raw.curriculum_requests"
        " where source_file = 'old.txt'"
    ).fetchall() == [("old.txt", 1, "legacy:old.txt:1")]
    assert count(conn, "select count(*) from raw.loaded_files") == 2


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path
