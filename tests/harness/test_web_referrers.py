"""Decoded paths and referring hosts on the real Apache log (../shared/data/apache_logs).

The log is of a personal website (semicomplete.com, its `site_hosts`), 17-20 May 2015.
`referrer_hosts` must list its top external referring hosts with the exact counts
below, and a tiny log beside it checks that a double-encoded path, its single-encoded
and its plain twin are one lesson.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from access_analytics import warehouse
from conftest import DB_PREFIX, SHARED_DATA, run_cli

# The counts below are recomputed in plain Python over every request of the file, so
# the build keeps automated traffic in the sessions (the referrer rules are the subject).
SITE_VARS = "{site_hosts: [semicomplete.com], include_automated_traffic: true}"
# Sessions started by each of the top hosts: the log's requests of one IP + user agent,
# split at gaps over 30 minutes and into pieces of at most 4 hours, counted by the host
# of each session's first request (a page before the assets of the same second),
# recomputed in plain Python from the file.
SESSIONS_STARTED = [101, 8, 16, 9, 14, 29, 5, 6]
# Requests referred by semicomplete.com or www.semicomplete.com (the site itself).
INTERNAL_REQUESTS = 5039
# The same lesson three ways, one visitor within a minute: one session, one lesson.
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


@pytest.fixture(scope="module")
def apache(
    settings: warehouse.Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[warehouse.Settings]:
    """The real Apache log and the twins, loaded and built up to referrer_hosts."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real reference data not found at {SHARED_DATA} (a user's clone has none)")
    tmp = tmp_path_factory.mktemp("web_referrers")
    name = DB_PREFIX + "web_referrers"
    warehouse.drop_database(settings, name)
    warehouse.ensure_database(settings, name)
    database = warehouse.Settings(**{**settings.__dict__, "dbname": name})
    twins = tmp / "twins.log"
    twins.write_text(TWINS, encoding="utf-8")
    for path in (SHARED_DATA / "apache_logs" / "apache_logs", twins):
        loaded = run_cli(["load", "combined", str(path)], database)
        assert loaded.returncode == 0, loaded.stderr
    built = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "build",
            "--select",
            "+referrer_hosts",
            # Only tests whose parents are all built.
            "--indirect-selection",
            "cautious",
            "--vars",
            SITE_VARS,
            # The unit tests do not read the loaded data (test_pipeline.py runs them).
            "--exclude-resource-type",
            "unit_test",
            "--target-path",
            str(tmp / "target"),
            "--log-path",
            str(tmp / "logs"),
        ],
        cwd=Path(__file__).resolve().parents[2],
        env=warehouse.dbt_env(database),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert built.returncode == 0, built.stdout[-4000:]
    yield database
    if not os.environ.get("AA_KEEP_TEST_DATABASES"):
        warehouse.drop_database(settings, name)


def query(database: warehouse.Settings, sql: str) -> list[tuple[object, ...]]:
    with warehouse.connect(database) as conn:
        return conn.execute(sql).fetchall()


def test_top_referring_hosts_of_the_apache_log(apache: warehouse.Settings) -> None:
    # Requests per external referring host, counted independently with
    # `awk -F'"' '{print $4}'` on the file (semicomplete.com and its subdomains are the
    # site itself; line 8899 is rejected by the loader).
    top = query(
        apache,
        """
        select referrer_host, requests, sessions_started
        from marts.referrer_hosts
        where period_month = date '2015-05-01'
        order by requests desc, referrer_host
        limit 8
    """,
    )
    print(f"\ntop referring hosts: {top}")
    assert [(host, requests) for host, requests, _ in top] == [
        ("www.google.com", 228),
        ("www.google.fr", 46),
        ("www.google.co.uk", 37),
        ("stackoverflow.com", 34),
        ("www.google.de", 31),
        ("s-chassis.co.nz", 29),
        ("www.google.es", 29),
        ("logstash.net", 28),
    ]
    assert [sessions for *_, sessions in top] == SESSIONS_STARTED
    [(hosts, requests, internal)] = query(
        apache,
        """
        select
            count(*),
            sum(requests),
            (select count(*) from intermediate.int_requests_referred
             where referrer_is_internal)
        from marts.referrer_hosts
    """,
    )
    assert (hosts, requests) == (152, 888)
    assert internal == INTERNAL_REQUESTS


def test_double_encoded_path_and_its_twins_are_one_lesson(apache: warehouse.Settings) -> None:
    paths = query(
        apache,
        """
        select raw_path, path, lesson
        from staging.stg_web__requests
        where source_file like '%/twins.log'
        order by line_number
    """,
    )
    assert paths == [
        ("/blog/tags/open%2520source", "blog/tags/open source", "open source"),
        ("/blog/tags/open%20source", "blog/tags/open source", "open source"),
        ("/blog/tags/open%252520source", "blog/tags/open source", "open source"),
        ("/blog/tags/100%zz", "blog/tags/100%zz", "100%zz"),
    ]
    sessions = query(
        apache,
        """
        select requests, distinct_lessons
        from marts.fct_sessions
        where user_key like 'agent:10.1.2.3|%'
    """,
    )
    assert sessions == [(4, 2)]
