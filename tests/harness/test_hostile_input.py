"""Hostile input: every line judged alone, loaded (bounded) or rejected with a reason;
no line aborts its file, no file stops the batch, no CLI command ends in a traceback."""

from __future__ import annotations

import gzip
from pathlib import Path

import psycopg
import pytest

from access_analytics import loaders, warehouse
from conftest import run_cli

GOOD = '1.2.3.4 - - [17/May/2015:10:05:03 +0000] "GET /a HTTP/1.1" 200 512 "-" "curl/7.1"'


def combined(
    ip: str = "1.2.3.4",
    stamp: str = "17/May/2015:10:05:03 +0000",
    request: str = "GET /a HTTP/1.1",
    status: str = "200",
    size: str = "512",
    agent: str = "curl/7.1",
) -> str:
    return f'{ip} - - [{stamp}] "{request}" {status} {size} "-" "{agent}"'


def load_lines(
    conn: psycopg.Connection, path: Path, file_format: str, lines: list[str]
) -> loaders.LoadResult:
    path.write_text("\n".join(lines) + "\n")
    return loaders.load_file(conn, path, file_format)


def reasons(conn: psycopg.Connection) -> dict[int, str]:
    rows = conn.execute("select line_number, reason from raw.rejected_lines order by 1")
    return dict(rows.fetchall())


def test_hostile_combined_fields_are_judged_line_by_line(
    conn: psycopg.Connection, tmp_path: Path
) -> None:
    lines = [
        combined(agent="A" * 8_000),  # 1 cut to 1,000 bytes
        combined(ip="::ffff:10.0.0.1"),  # 2 IPv4-mapped -> 10.0.0.1
        combined(ip="fe80::1%eth0"),  # 3 zone dropped
        combined(ip="crawl-66-249-66-1.googlebot.com"),  # 4 host name: kept
        combined(stamp="17/May/2015:10:05:03 +2500"),  # 5 offset out of range
        combined(stamp="17/May/2015:10:05:03 +0099"),  # 6 minutes > 59
        combined(size="12345678901234567890"),  # 7 20-digit byte count
        combined(stamp="17/May/0001:10:05:03 +0000"),  # 8 year 1
        combined(stamp="17/May/9999:10:05:03 +0000"),  # 9 year 9999
        combined(status="\uff12\uff10\uff10"),  # 10 full-width digits
        combined(request="GET /a b c HTTP/1.1"),  # 11 spaces in the target
        combined(ip="1.2.3.4!"),  # 12 neither IP nor host
        GOOD,  # 13 the file goes on
    ]
    result = load_lines(conn, tmp_path / "access.log", "combined", lines)

    assert (result.lines_read, result.rows_loaded, result.lines_rejected) == (13, 6, 7)
    assert reasons(conn) == {
        5: "invalid UTC offset +2500 (expected -1200 to +1400)",
        6: "invalid UTC offset +0099 (expected -1200 to +1400)",
        7: "response size is not a plausible byte count: 12345678901234567890",
        8: "date out of range '17/May/0001:10:05:03 +0000' (expected 1990-01-01 to 2099-12-31)",
        9: "date out of range '17/May/9999:10:05:03 +0000' (expected 1990-01-01 to 2099-12-31)",
        10: 'does not match the combined log format (ip ident user [time] "request" status'
        ' bytes "referrer" "user agent")',
        12: "invalid ip '1.2.3.4!'",
    }
    rows = conn.execute(
        "select line_number, ip, method, path, protocol, length(user_agent), truncated_fields"
        " from raw.web_requests order by 1"
    ).fetchall()
    assert rows == [
        (1, "1.2.3.4", "GET", "/a", "HTTP/1.1", 1_000, "user_agent"),
        (2, "10.0.0.1", "GET", "/a", "HTTP/1.1", 8, None),
        (3, "fe80::1", "GET", "/a", "HTTP/1.1", 8, None),
        (4, "crawl-66-249-66-1.googlebot.com", "GET", "/a", "HTTP/1.1", 8, None),
        (11, "1.2.3.4", "GET", "/a b c", "HTTP/1.1", 8, None),
        (13, "1.2.3.4", "GET", "/a", "HTTP/1.1", 8, None),
    ]


def test_a_10_mb_line_is_rejected_and_the_file_goes_on(
    conn: psycopg.Connection, tmp_path: Path
) -> None:
    huge = combined(request="GET /" + "p" * 10_000_000 + " HTTP/1.1")
    result = load_lines(conn, tmp_path / "access.log", "combined", [huge, GOOD])

    assert (result.rows_loaded, result.lines_rejected) == (1, 1)
    assert reasons(conn) == {
        1: f"line of {len(huge):,} bytes is longer than 65,536 bytes",
    }
    shown = conn.execute("select length(raw_line) from raw.rejected_lines").fetchone()
    assert shown == (1_003,)


def test_hostile_bootcamp_fields(conn: psycopg.Connection, tmp_path: Path) -> None:
    lines = [
        "2018-01-26 09:55:03 / \uff11\uff12\uff13 8 97.105.19.61",  # 1 full-width user id
        "0001-01-26 09:55:03 / 1 8 97.105.19.61",  # 2 year 1
        "9999-01-26 09:55:03 / 1 8 97.105.19.61",  # 3 year 9999
        "\uff12\uff10\uff11\uff18-01-26 09:55:03 / 1 8 97.105.19.61",  # 4 full-width year
        "2018-01-26 09:55:03 / 1 8 ::ffff:97.105.19.61",  # 5 mapped IPv4
        "2018-01-26 09:55:03 / 123456789012345678901 8 1.2.3.4",  # 6 21 digits
        "2018-01-26 09:55:04 " + "x" * 3_000 + " 1 8 1.2.3.4",  # 7 path cut to 2,000
    ]
    result = load_lines(conn, tmp_path / "curriculum.txt", "bootcamp", lines)

    assert (result.rows_loaded, result.lines_rejected) == (2, 5)
    assert reasons(conn) == {
        1: "user_id is not a whole number: '\uff11\uff12\uff13'",
        2: "date out of range '0001-01-26' (expected 1990-01-01 to 2099-12-31)",
        3: "date out of range '9999-01-26' (expected 1990-01-01 to 2099-12-31)",
        4: "invalid date '\uff12\uff10\uff11\uff18-01-26' (expected YYYY-MM-DD)",
        6: "user_id is not a whole number: '123456789012345678901'",
    }
    rows = conn.execute(
        "select line_number, ip, length(path), truncated_fields"
        " from raw.curriculum_requests order by 1"
    ).fetchall()
    assert rows == [(5, "97.105.19.61", 1, None), (7, "1.2.3.4", 2_000, "path")]


CSV_HEADER = "user_id,date,time,path,cohort_id,ip,user_agent"


def test_a_stray_quote_in_an_unquoted_csv_field_costs_nothing(
    conn: psycopg.Connection, tmp_path: Path
) -> None:
    lines = [CSV_HEADER, '1,2019-03-01,10:00:00,to"c,22,1.2.3.4,curl/7.64.1']
    lines += [f"{n},2019-03-01,10:00:01,toc,22,1.2.3.4,curl" for n in range(2, 20_001)]

    result = load_lines(conn, tmp_path / "export.csv", "csv", lines)

    assert (result.lines_read, result.rows_loaded, result.lines_rejected) == (20_001, 20_000, 0)
    first = conn.execute("select path from raw.curriculum_requests where line_number = 2")
    assert first.fetchone() == ('to"c',)


def test_an_unclosed_quoted_csv_field_costs_its_line_only(
    conn: psycopg.Connection, tmp_path: Path
) -> None:
    lines = [CSV_HEADER, '1,2019-03-01,10:00:00,"toc,22,1.2.3.4,curl']
    lines += [f"{n},2019-03-01,10:00:01,toc,22,1.2.3.4,curl" for n in range(2, 102)]
    lines += ['1,2019-03-01,10:00:00,toc,22,1.2.3.4,"never closed']

    result = load_lines(conn, tmp_path / "export.csv", "csv", lines)

    assert (result.lines_read, result.rows_loaded, result.lines_rejected) == (103, 100, 2)
    reason = "a quoted CSV field is not closed within 50 lines (or before the end of the file)"
    assert reasons(conn) == {2: reason, 103: reason}


def test_a_multi_line_quoted_csv_field_is_accounted_for(
    conn: psycopg.Connection, tmp_path: Path
) -> None:
    lines = [CSV_HEADER, '1,2019-03-01,10:00:00,"multi\nline\npath",22,1.2.3.4,curl', GOOD]

    result = load_lines(conn, tmp_path / "export.csv", "csv", lines)

    assert (result.lines_read, result.rows_loaded, result.lines_rejected) == (5, 1, 1)
    files = conn.execute(
        "select lines_read - header_lines, rows_loaded, lines_rejected, continuation_lines"
        " from raw.loaded_files"
    ).fetchall()
    assert files == [(4, 1, 1, 2)]


def test_cohort_timestamps_with_an_offset_and_unknown_programs(
    conn: psycopg.Connection, tmp_path: Path
) -> None:
    header = "id,name,slack,start_date,end_date,created_at,updated_at,deleted_at,program_id"
    lines = [
        header,
        '1,Arches,#arches,2014-02-04,2014-04-22,"2016-06-14 19:52:26","2016-06-14 19:52:26",NULL,1',
        '2,Badlands,#b,2014-06-04,2014-08-22,"2016-06-14 19:52:26+02:00",'
        '"2016-06-14 19:52:26",NULL,1',
        "3,Carlsbad,#c,0001-01-01,2014-08-22,NULL,NULL,NULL,1",
        "4,Denali,#d,2014-06-04,2014-08-22,NULL,NULL,NULL,99",  # program not in the seed
    ]
    result = load_lines(conn, tmp_path / "cohorts.csv", "cohorts", lines)

    assert (result.rows_loaded, result.lines_rejected) == (2, 2)
    assert reasons(conn) == {
        3: "created_at is not a local timestamp (YYYY-MM-DD HH:MM:SS, no UTC offset):"
        " '2016-06-14 19:52:26+02:00'",
        4: "start_date is not a date (YYYY-MM-DD): '0001-01-01'",
    }


# --------------------------------------------------------------------------------------
# Files and batches


def test_a_truncated_gzip_file_is_one_clear_message(
    database: warehouse.Settings, tmp_path: Path
) -> None:
    whole = gzip.compress(("\n".join([GOOD] * 5_000) + "\n").encode())
    damaged = tmp_path / "access.log.2.gz"
    damaged.write_bytes(whole[: len(whole) // 2])
    good = tmp_path / "access.log"
    good.write_text(GOOD.replace("/a", "/b") + "\n")

    result = run_cli(["load", "combined", str(damaged), str(good)], database)

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert (
        "access.log.2.gz: refused: access.log.2.gz is a damaged gzip file (Compressed file"
        " ended before the end-of-stream marker was reached); nothing was loaded"
    ) in result.stderr
    # The batch went on: the next file was loaded.
    assert "access.log: loaded: 1 rows loaded, 0 lines rejected" in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        f"2 files: 1 rows loaded into raw.web_requests, 0 lines rejected; 1 refused: {damaged}"
    )


def test_a_batch_of_a_rotation_with_empty_files_loads_every_file(
    database: warehouse.Settings, tmp_path: Path
) -> None:
    files = [
        tmp_path / name for name in ("access.log", "access.log.1", "access.log.2", "access.log.3")
    ]
    files[0].write_text(GOOD + "\n")
    files[1].write_text("")
    files[2].write_text("")
    files[3].write_text(GOOD.replace("/a", "/c") + "\n")

    result = run_cli(["load", "combined", *map(str, files)], database)

    assert result.returncode == 0, result.stderr
    assert "access.log.1: loaded: 0 rows loaded, 0 lines rejected" in result.stderr
    assert (
        "access.log.2: unchanged: same content as access.log.1, already loaded (0 lines)"
        in result.stderr
    )
    assert result.stderr.strip().splitlines()[-1] == (
        "4 files: 2 rows loaded into raw.web_requests, 0 lines rejected"
    )


@pytest.mark.parametrize(
    "args",
    [
        ["load", "csv", "{dir}/bad.csv"],
        ["load", "combined", "{dir}/damaged.gz"],
        ["load", "cohorts", "{dir}/bad.csv"],
        ["load", "bootcamp", "{dir}/missing.txt"],
        ["report", "--out", "{dir}/reports"],
    ],
)
def test_no_cli_command_ends_in_a_traceback_on_bad_input(
    database: warehouse.Settings, tmp_path: Path, args: list[str]
) -> None:
    (tmp_path / "bad.csv").write_text('"unclosed header\n1,2\n')
    (tmp_path / "damaged.gz").write_bytes(gzip.compress(b"x" * 10_000)[:30])
    result = run_cli([arg.format(dir=tmp_path) for arg in args], database)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    errors = [
        line
        for line in result.stderr.splitlines()
        if line.startswith("error:") or ": refused: " in line
    ]
    assert len(errors) == 1, result.stderr
