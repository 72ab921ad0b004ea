"""Incremental sessions equal a full refresh, row for row (the Snowplow way).

The demo data is split into four time batches; some requests of earlier periods are
held back and arrive late, in a later batch. After each batch is loaded, dbt runs
incrementally (seeds and models after the first batch, `dbt run` after the second and
third, `dbt build` with the data tests after the last). Then the same database, with the
same loaded lines, is built again with --full-refresh. Sessions, activities, the
per-request session assignment and the incremental tables they are built from must be
identical.
"""

from __future__ import annotations

import csv
import itertools
import json
import random
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import psycopg

from access_analytics import demo_data, warehouse
from conftest import run_cli

EVENTS = 12_000
LATE_SHARE = 0.02  # of each of the first three batches, delivered one or two batches late

DbtRunner = Callable[..., subprocess.CompletedProcess[str]]

COMPARED = {
    "marts.fct_sessions": "session_id, user_key, user_id, log_kind, session_started_at,"
    " session_ended_at, duration_seconds, is_continuation, requests, distinct_lessons,"
    " asset_requests, distinct_ips, distinct_user_agents, distinct_device_classes,"
    " has_bot_user_agent",
    "marts.fct_activities": "activity_id, user_key, user_id, activity_started_at,"
    " activity_ended_at, duration_seconds, requests, distinct_ips, distinct_user_agents",
    "intermediate.int_requests_sessionized_all_traffic": "request_id, user_key, requested_at,"
    " session_started_at, visit_started_at, activity_started_at, seconds_since_previous,"
    " traffic_class, is_in_sessions",
    # The ids the view adds (macro sessionized_id).
    "intermediate.int_requests_sessionized": "request_id, session_id, activity_id",
    # The incremental request and traffic tables the sessions are built from.
    "intermediate.int_requests_enriched": "request_id, user_key, cohort_phase, program_id,"
    " is_cross_program, block_24, os_class, device_class, is_bot, traffic_class",
    "intermediate.int_log_time_resolutions": "source_file, line_count,"
    " backward_steps_within_minute, time_resolution, has_user_agent_field",
    "intermediate.int_requests_traffic_facts": "request_id, ip, user_agent_key, local_date,"
    " local_hour, time_resolution, is_page, is_bot, is_missing_user_agent, is_off_hours",
    "intermediate.int_traffic_suspect_day_totals": "grain, suspect_key, local_date, requests,"
    " page_requests, first_seen_at, last_seen_at, error_requests, off_hours_requests,"
    " bot_user_agent_requests, time_resolution, peak_requests_per_minute,"
    " peak_pages_per_minute, peak_daily_paths, peak_daily_lessons",
    "intermediate.int_traffic_suspect_gap_days": "grain, suspect_key, day_started_at, ip,"
    " intervals, gap_seconds_sum, gap_seconds_squared_sum",
    "intermediate.int_traffic_suspect_values": "grain, suspect_key, value_kind, seen_value, ip,"
    " is_page, is_bot",
    "intermediate.int_traffic_suspect_intervals": "grain, suspect_key, intervals,"
    " round(mean_gap_seconds::numeric, 6), round(stddev_gap_seconds::numeric, 6)",
    "intermediate.int_traffic_lesson_paths": "log_kind, path",
    "intermediate.int_traffic_suspect_indicators": "grain, suspect_key, ip, user_agent,"
    " log_kind, requests, page_requests, asset_requests, first_seen_at, last_seen_at,"
    " active_days, peak_requests_per_minute, peak_pages_per_minute, distinct_paths,"
    " peak_daily_paths, round(curriculum_coverage::numeric, 9), round(error_ratio::numeric, 9),"
    " round(off_hours_share::numeric, 9), distinct_users, distinct_user_agents,"
    " bot_user_agents, has_bot_user_agent, robots_txt_requests, probe_requests,"
    " non_http_requests, missing_user_agent_requests, time_resolution, intervals,"
    " lesson_paths",
    "intermediate.int_traffic_suspects_classified": "grain, suspect_key, requests,"
    " active_days, peak_pages_per_minute, peak_daily_paths,"
    " round(curriculum_coverage::numeric, 9), round(peak_daily_coverage::numeric, 9),"
    " distinct_users, round(interval_cv::numeric, 6), score, reasons, traffic_class",
    "intermediate.int_ip_user_agent_traffic_classes": "ip, user_agent, traffic_class",
}


def write_batches(requests_csv: Path, out_dir: Path) -> list[Path]:
    """Four files by time quarter; 2% of each of the first three arrive later."""
    with requests_csv.open(newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    rows.sort(key=lambda row: (row[0], row[1]))
    quarter = len(rows) // 4
    batches = [rows[i * quarter : (i + 1) * quarter] for i in range(3)] + [rows[3 * quarter :]]
    rng = random.Random(5)
    for index in range(3):
        late = [row for row in batches[index] if rng.random() < LATE_SHARE]
        late_ids = {id(row) for row in late}
        batches[index] = [row for row in batches[index] if id(row) not in late_ids]
        for row in late:
            batches[rng.randint(index + 1, 3)].append(row)
    paths = []
    for number, batch in enumerate(batches, start=1):
        path = out_dir / f"batch_{number}.csv"
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(batch)
        paths.append(path)
    return paths


def reaching_back(batches: list[Path]) -> list[int]:
    """For each batch after the first: how many of its requests are dated before the
    last request of the batch before (late ones, which reach back past it)."""
    moments = []
    for path in batches:
        with path.open(newline="") as handle:
            moments.append([(row[0], row[1]) for row in list(csv.reader(handle))[1:]])
    return [
        sum(moment < max(before) for moment in batch)
        for before, batch in itertools.pairwise(moments)
    ]


def rows(conn: psycopg.Connection, table: str) -> list[tuple[object, ...]]:
    columns = COMPARED[table]
    return conn.execute(f"select {columns} from {table} order by {columns}").fetchall()


def count(conn: psycopg.Connection, query: str) -> int:
    row = conn.execute(query).fetchone()
    assert row is not None
    return int(row[0])


def load(database: warehouse.Settings, file_format: str, path: Path) -> None:
    result = run_cli(["load", file_format, str(path)], database)
    assert result.returncode == 0, result.stderr


SELECTED = ("--select", "+fct_sessions", "+fct_activities")


def build(dbt: DbtRunner, database: warehouse.Settings, *args: str) -> None:
    """dbt build of the sessions models, their parents and their data tests. The unit
    tests do not read the loaded data (test_pipeline.py's full build runs them)."""
    built = dbt(
        database,
        "build",
        *SELECTED,
        "--indirect-selection",
        "cautious",
        "--exclude-resource-type",
        "unit_test",
        *args,
    )
    assert built.returncode == 0, built.stdout[-4000:]


def run(dbt: DbtRunner, database: warehouse.Settings) -> None:
    """dbt run of the same models, without their data tests."""
    ran = dbt(database, "run", *SELECTED)
    assert ran.returncode == 0, ran.stdout[-4000:]


def load_then(
    dbt: DbtRunner,
    database: warehouse.Settings,
    loads: list[tuple[str, Path]],
    command: str,
    select: str,
) -> None:
    """Load the files (format, path), then `dbt COMMAND --select SELECT`; a build leaves
    out the unit tests (they do not read the loaded data)."""
    for file_format, path in loads:
        load(database, file_format, path)
    unit_tests = ("--exclude-resource-type", "unit_test") if command == "build" else ()
    result = dbt(database, command, "--select", select, *unit_tests)
    assert result.returncode == 0, result.stdout[-4000:]


# How many dbt runs sessionized the requests that are there now.
SESSIONIZING_RUNS = (
    "select count(distinct sessionized_at) from intermediate.int_requests_sessionized_all_traffic"
)
# The batch (1 to 4) a request was loaded from, read from its file's name.
BATCH_OF_REQUEST = (
    "select request_id, substring(source_file from 'batch_(\\d)\\.csv$')::int"
    " as batch, requested_at from staging.stg_curriculum__requests"
)
# Full-refresh sessions with requests of more than one batch: the incremental runs had to
# continue or re-sessionize a session built by an earlier run ...
SESSIONS_ACROSS_BATCHES = (
    "select count(*) from (select session_id"
    " from intermediate.int_requests_sessionized"
    f" join ({BATCH_OF_REQUEST}) as loaded using (request_id)"
    " where session_id is not null group by session_id"
    " having count(distinct batch) > 1) as across"
)
# ... and those with a late request: loaded in a later batch than a request of the same
# session that it precedes.
SESSIONS_WITH_A_LATE_REQUEST = (
    "with loaded as (select sessions.session_id, loaded.batch, loaded.requested_at"
    " from intermediate.int_requests_sessionized as sessions"
    f" join ({BATCH_OF_REQUEST}) as loaded using (request_id)"
    " where sessions.session_id is not null)"
    " select count(distinct late.session_id) from loaded as late"
    " join loaded as earlier on earlier.session_id = late.session_id"
    " and earlier.batch < late.batch and earlier.requested_at > late.requested_at"
)


def test_four_incremental_batches_equal_a_full_refresh(
    database: warehouse.Settings, dbt: DbtRunner, tmp_path: Path
) -> None:
    files = demo_data.generate(tmp_path / "demo", events=EVENTS, seed=11)
    batches = write_batches(files.requests_path, tmp_path)
    late_counts = reaching_back(batches)

    load(database, "cohorts", files.cohorts_path)
    # The first build loads the seeds; the data tests run on the last incremental state
    # (the earlier ones are compared through it; a first build from scratch is tested by
    # the full build of conftest's full_build_warehouse).
    for number, batch in enumerate(batches, start=1):
        load(database, "csv", batch)
        if number == 1:
            build(dbt, database, "--resource-type", "seed", "--resource-type", "model")
        elif number == len(batches):
            build(dbt, database)
        else:
            run(dbt, database)

    # The deletes of the models with config delete_within (dbt's manifest) keep to their
    # batch's values of that column, so they can read the target through its index (the
    # SQL only: the plans are measured in docs/performance.md, fourteenth session).
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    within = {
        node["name"]: node["config"]["delete_within"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("delete_within")
    }
    assert within, "no model sets delete_within"
    log = (tmp_path / "logs" / "dbt.log").read_text(encoding="utf-8")
    for model, column in within.items():
        assert re.search(
            rf'delete from "[^"]+"\."intermediate"\."{model}" as DBT_INTERNAL_DEST\s+where'
            rf"[^;]*\s+and DBT_INTERNAL_DEST\.{column} = any\(array\(select distinct {column}"
            rf' from "{model}__dbt_tmp',
            log,
        ), model

    with warehouse.connect(database) as conn:
        # The runs were incremental: later runs re-sessionized only some users.
        assert count(conn, SESSIONIZING_RUNS) >= 2
        # Late requests did arrive late: dated before the previous batch's last request.
        for number in (2, 3, 4):
            late = count(
                conn,
                f"select count(*) from raw.curriculum_requests where source_file like"
                f" '%/batch_{number}.csv' and requested_at < (select max(requested_at) from"
                f" raw.curriculum_requests where source_file like '%/batch_{number - 1}.csv')",
            )
            assert late == late_counts[number - 2] > 0, number
        incremental = {table: rows(conn, table) for table in COMPARED}

    # The same loaded lines, every model rebuilt from scratch. Seeds and models only: the
    # data tests ran on the incremental state after the last batch, which must equal this.
    build(
        dbt,
        database,
        "--full-refresh",
        "--resource-type",
        "seed",
        "--resource-type",
        "model",
    )

    with warehouse.connect(database) as full:
        # One run sessionized every request: nothing is left of the incremental state.
        assert count(full, SESSIONIZING_RUNS) == 1
        for table, actual in incremental.items():
            expected = rows(full, table)
            assert len(actual) == len(expected), table
            assert actual == expected, table
        # The cases that make incremental sessions hard did occur.
        assert count(full, SESSIONS_ACROSS_BATCHES) > 0
        assert count(full, SESSIONS_WITH_A_LATE_REQUEST) > 0
        # Every request has its row; the non-human ones have no session.
        total = count(
            full, "select count(*) from intermediate.int_requests_sessionized_all_traffic"
        )
        assert total == EVENTS
        left_out = count(
            full,
            "select count(*) from intermediate.int_requests_sessionized_all_traffic"
            " where not is_in_sessions and session_started_at is null",
        )
        kept = count(full, "select count(*) from intermediate.int_requests_sessionized")
        assert left_out > 0
        assert left_out + kept == EVENTS


# One IP at UTC-12:00, combined log format: local time and offset as the log writes them.
GAP_LINE = (
    '203.0.113.7 - - [{}] "GET /lessons/one HTTP/1.1" 200 512 "-"'
    ' "Mozilla/5.0 (X11; Linux x86_64)"\n'
)
GAP_DAYS = (
    "select grain, to_char(day_started_at at time zone 'UTC', 'YYYY-MM-DD'), intervals,"
    " gap_seconds_sum, gap_seconds_squared_sum from intermediate.int_traffic_suspect_gap_days"
    " order by 1, 2"
)


def test_a_late_request_recomputes_the_next_day_with_all_its_requests(
    database: warehouse.Settings, dbt: DbtRunner, tmp_path: Path
) -> None:
    # int_traffic_suspect_gap_days recomputes the UTC day after a changed one (its first
    # gap may start on the changed day) and finds the requests to read through the (ip,
    # local_date) index, within three days of a changed request's local date. At
    # -12:00, 2 April (UTC) has requests on two local dates, 1 and 2 April; a late
    # request at 23:50 UTC on 1 April (local 11:50) must bring all of them back.
    first, late = tmp_path / "first.log", tmp_path / "late.log"
    first.write_text(
        "".join(
            GAP_LINE.format(f"{local} -1200")
            for local in ("01/Apr/2021:12:10:00", "02/Apr/2021:01:00:00", "02/Apr/2021:01:10:00")
        )
    )
    late.write_text(GAP_LINE.format("01/Apr/2021:11:50:00 -1200"))
    load_then(dbt, database, [("combined", first)], "build", "+int_traffic_suspect_gap_days")
    load_then(dbt, database, [("combined", late)], "run", "+int_traffic_suspect_gap_days")
    with warehouse.connect(database) as conn:
        gap_days = conn.execute(GAP_DAYS).fetchall()
    # 2 April: 23:50 -> 00:10 (1,200 s) and 13:00 -> 13:10 (600 s); 00:10 -> 13:00 is
    # longer than a visit's gap and not counted.
    assert gap_days == [
        (grain, day, intervals, total, squares)
        for grain in ("ip", "ip_user_agent")
        for day, intervals, total, squares in (
            ("2021-04-01", 0, 0, 0),
            ("2021-04-02", 2, 1_800, 1_800_000),
        )
    ]


def test_a_later_load_rewrites_the_earlier_requests_whose_class_or_cohort_changed(
    database: warehouse.Settings, dbt: DbtRunner, tmp_path: Path
) -> None:
    # Two lesson views look human; the next day the same IP and user agent probe for
    # exploits, and the pair's class becomes scanner. The incremental run must write the
    # earlier requests again (int_requests_enriched: the pairs whose class changed) and
    # take them out of the sessions (int_sessionization_scope: requests enriched again).
    # Beside them a student's two curriculum requests, during the cohort until a new
    # cohort export ends it earlier: the run must write them again as after the cohort
    # (int_requests_enriched: the cohorts loaded again), with no new request of theirs.
    first, probes = tmp_path / "first.log", tmp_path / "probes.log"
    first.write_text(
        "".join(
            SCANNER_LINE.format(moment, "/lessons/one")
            for moment in ("01/Apr/2021:10:00:00 +0000", "01/Apr/2021:10:05:00 +0000")
        )
    )
    probes.write_text(
        "".join(
            SCANNER_LINE.format(f"02/Apr/2021:03:0{minute}:00 +0000", path)
            for minute, path in enumerate(("/wp-login.php", "/.env", "/xmlrpc.php"))
        )
    )
    student = tmp_path / "student.csv"
    student.write_text(
        "date,time,path,user_id,cohort_id,ip,user_agent\n"
        + "".join(
            f'2021-03-20,{moment},javascript-i/functions,7,1,203.0.113.7,"{BROWSER}"\n'
            for moment in ("12:00:00", "12:10:00")
        )
    )
    cohorts = []
    for end_date in ("2021-04-30", "2021-03-15"):
        cohorts.append(tmp_path / f"cohorts_{end_date}.csv")
        cohorts[-1].write_text(
            "id,name,slack,start_date,end_date,created_at,updated_at,deleted_at,program_id\n"
            f"1,Apex,#apex,2021-01-04,{end_date},NULL,NULL,NULL,2\n"
        )
    selected = "+int_requests_sessionized_all_traffic"
    first_loads = [("cohorts", cohorts[0]), ("csv", student), ("combined", first)]
    load_then(dbt, database, first_loads, "build", selected)
    classes = (
        "select enriched.traffic_class, sessionized.is_in_sessions, count(*)"
        " from intermediate.int_requests_enriched as enriched"
        " join intermediate.int_requests_sessionized_all_traffic as sessionized"
        " using (request_id) where enriched.log_kind = 'web' group by 1, 2 order by 1, 2"
    )
    phases = (
        "select cohort_phase, count(*) from intermediate.int_requests_enriched"
        " where log_kind = 'curriculum' group by 1"
    )
    with warehouse.connect(database) as conn:
        assert conn.execute(classes).fetchall() == [("human", True, 2)]
        assert conn.execute(phases).fetchall() == [("during", 2)]
    load_then(dbt, database, [("combined", probes), ("cohorts", cohorts[1])], "run", selected)
    with warehouse.connect(database) as conn:
        assert conn.execute(classes).fetchall() == [("scanner", False, 5)]
        assert conn.execute(phases).fetchall() == [("after", 2)]


BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/115.0"
SCANNER_LINE = f'198.51.100.23 - - [{{}}] "GET {{}} HTTP/1.1" 200 512 "-" "{BROWSER}"\n'
