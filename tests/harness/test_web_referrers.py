"""Decoded paths and referring hosts on the real Apache log (../shared/data/apache_logs).

The log is of a personal website (semicomplete.com, its `site_hosts`), 17-20 May 2015.
`referrer_hosts` must list its top external referring hosts with the exact counts
below, and a tiny log beside it checks that a double-encoded path, its single-encoded
and its plain twin are one lesson.
"""

from __future__ import annotations

from access_analytics import warehouse

# The counts below are recomputed in plain Python over every request of the file, so
# apache_site_warehouse keeps automated traffic in the sessions (conftest.SITE_VARS: the
# referrer rules are the subject), and it holds conftest.TWINS beside the log.
# Sessions started by each of the top hosts: the log's requests of one IP + user agent,
# split at gaps over 30 minutes and into pieces of at most 4 hours, counted by the host
# of each session's first request (a page before the assets of the same second),
# recomputed in plain Python from the file.
SESSIONS_STARTED = [101, 8, 16, 9, 14, 29, 5, 6]
# Requests referred by semicomplete.com or www.semicomplete.com (the site itself).
INTERNAL_REQUESTS = 5039


def query(database: warehouse.Settings, sql: str) -> list[tuple[object, ...]]:
    with warehouse.connect(database) as conn:
        return conn.execute(sql).fetchall()


def test_top_referring_hosts_of_the_apache_log(apache_site_warehouse: warehouse.Settings) -> None:
    # Requests per external referring host, counted independently with
    # `awk -F'"' '{print $4}'` on the file (semicomplete.com and its subdomains are the
    # site itself; line 8899 is rejected by the loader).
    top = query(
        apache_site_warehouse,
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
        apache_site_warehouse,
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


def test_double_encoded_path_and_its_twins_are_one_lesson(
    apache_site_warehouse: warehouse.Settings,
) -> None:
    paths = query(
        apache_site_warehouse,
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
        apache_site_warehouse,
        """
        select requests, distinct_lessons
        from marts.fct_sessions
        where user_key like 'agent:10.1.2.3|%'
    """,
    )
    assert sessions == [(4, 2)]
