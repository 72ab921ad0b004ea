"""Traffic classes (ip_traffic_classes) on real and planted data.

On the real Apache log (../shared/data/apache_logs): named IPs get exactly their class,
the crawler-like IPs (robots.txt, a bot's user agent, 20+ page requests in a minute)
are not human and the non-human IPs are mostly such IPs, and no bot session is left in
fct_sessions unless `include_automated_traffic` brings them back. On the bootcamp
format (no user-agent field) no IP scores bot_user_agent or missing_user_agent, and the
campus NAT addresses are human.
"""

from __future__ import annotations

import json
from pathlib import Path

from access_analytics import demo_data, warehouse
from conftest import TWINS_IP, dbt_in, run_cli

# Exact classes of named IPs of the Apache log. Declared bots whose user agents every
# list names; Baidu's crawler sending "Firefox/6.0.2" (robots.txt only, or beside
# Baiduspider); scripts without a user agent; WordPress exploit probes on a site without
# WordPress; people's browsers.
EXPECTED_CLASSES = {
    "66.249.73.135": "declared_bot",  # Googlebot, 482 requests
    "66.249.73.185": "declared_bot",  # Googlebot
    "157.55.32.190": "declared_bot",  # bingbot
    "157.56.92.151": "declared_bot",  # bingbot
    "65.55.213.73": "declared_bot",  # msnbot
    "100.43.83.137": "declared_bot",  # YandexBot
    "218.30.103.62": "declared_bot",  # Sogou web spider
    "5.10.83.91": "declared_bot",  # AhrefsBot
    "180.76.5.98": "declared_bot",  # Baiduspider and Baidu's "Firefox/6.0.2"
    "180.76.5.214": "declared_bot",  # one Baiduspider request, two "Firefox/6.0.2"
    "180.76.6.230": "automated",  # Baidu's "Firefox/6.0.2" only: robots.txt
    "180.76.5.191": "automated",  # the same
    "144.76.194.187": "automated",  # no user agent, 41 requests in bursts
    "199.168.96.66": "automated",  # no user agent, 41 requests in bursts
    "81.198.20.11": "automated",  # no user agent
    "188.165.243.45": "scanner",  # /wp-admin/ probes
    "173.236.32.219": "scanner",  # a wp-login.php probe, nothing else
    "130.237.218.86": "human",  # a Mac browser, 357 requests with their assets
    "75.97.9.59": "human",  # Windows and iPhone browsers
    "50.139.66.106": "human",  # Linux Chrome
    "14.160.65.22": "human",  # Windows Chrome
    "93.17.51.134": "human",  # Windows Chrome
}

# Feed readers and crawlers that some user-agent lists name and others do not: not
# human either way (declared_bot when the list names them, else by behaviour).
NOT_HUMAN = {
    "74.125.19.82": "polling",  # FeedBurner polls the home page all day
    "107.170.41.69": "polling",  # Feedbin
    "208.115.111.72": "robots_txt",  # Ezooms
    "46.105.14.53": "polling",  # UniversalFeedParser, 364 requests of one feed
}

# Crawler-like IPs: robots.txt, a bot's user agent (or none: the web log has the field),
# or 20+ page requests in a minute.
ACCEPTANCE_SQL = """
with requests as (
    select r.ip, r.path, r.is_asset, date_trunc('minute', r.requested_at) as minute,
           coalesce(ua.is_bot, false) or r.user_agent_key is null as is_bot
    from intermediate.int_requests_unioned as r
    left join intermediate.int_user_agents_classified as ua
        on r.user_agent_key = ua.user_agent_key
    where r.log_kind = 'web'
),
per_minute as (
    select ip, minute, count(*) filter (where not is_asset) as pages
    from requests group by ip, minute
),
crawler_like as (
    select ip from requests where path = 'robots.txt' or is_bot
    union
    select ip from per_minute where pages >= 20
),
non_human as (select ip from marts.ip_traffic_classes where traffic_class <> 'human')
select
    (select count(*) from crawler_like),
    (select count(*) from non_human),
    (select count(*) from crawler_like inner join non_human using (ip))
"""


def _build(database: warehouse.Settings, tmp: Path, *models: str) -> None:
    built = dbt_in(
        database,
        tmp,
        "build",
        "--select",
        *models,
        "--indirect-selection",
        "cautious",
        # The unit tests do not read the loaded data (test_pipeline.py runs them).
        "--exclude-resource-type",
        "unit_test",
    )
    assert built.returncode == 0, built.stdout[-4000:]


def classes(database: warehouse.Settings) -> dict[str, tuple[str, str | None]]:
    with warehouse.connect(database) as conn:
        rows = conn.execute(
            "select ip, traffic_class, reasons from marts.ip_traffic_classes"
        ).fetchall()
    return {ip: (traffic_class, reasons) for ip, traffic_class, reasons in rows}


def test_named_ips_of_the_apache_log_get_their_class(
    apache_warehouse: tuple[warehouse.Settings, Path],
) -> None:
    found = classes(apache_warehouse[0])
    wrong = {
        ip: found.get(ip)
        for ip, expected in EXPECTED_CLASSES.items()
        if found.get(ip, ("missing",))[0] != expected
    }
    assert not wrong, wrong
    for ip, reason in NOT_HUMAN.items():
        traffic_class, reasons = found[ip]
        assert traffic_class in {"declared_bot", "automated"}, (ip, traffic_class)
        assert reason in str(reasons).split(", "), (ip, reasons)


def test_crawler_like_ips_are_not_human_and_the_non_human_are_crawler_like(
    apache_warehouse: tuple[warehouse.Settings, Path],
) -> None:
    with warehouse.connect(apache_warehouse[0]) as conn:
        row = conn.execute(ACCEPTANCE_SQL).fetchone()
    assert row is not None
    crawler_like, non_human, both = row
    print(
        f"\ncrawler-like IPs {crawler_like}, non-human IPs {non_human}, both {both}:"
        f" recall {both / crawler_like:.1%}, precision {both / non_human:.1%}"
    )
    assert both >= 0.9 * crawler_like
    assert both >= 0.9 * non_human


def test_the_shuffled_seconds_of_the_apache_log_are_noticed(
    apache_warehouse: tuple[warehouse.Settings, Path],
) -> None:
    """4,915 of its 9,999 lines are dated before the line above them, always within the
    same minute: the seconds carry no information, gaps are counted in minutes."""
    with warehouse.connect(apache_warehouse[0]) as conn:
        row = conn.execute(
            "select line_count, backward_steps_within_minute, backward_steps_across_minutes,"
            " time_resolution, has_user_agent_field from intermediate.int_log_time_resolutions"
        ).fetchone()
    assert row == (9999, 4915, 0, "minute", True)


def test_top_suspicious_ips_of_the_apache_log(
    apache_warehouse: tuple[warehouse.Settings, Path],
) -> None:
    with warehouse.connect(apache_warehouse[0]) as conn:
        top = conn.execute(
            "select suspicion_rank, ip, score, traffic_class, reasons from marts.suspicious_ips"
            " order by suspicion_rank limit 10"
        ).fetchall()
    print("\ntop 10 suspicious IPs of the Apache log (rank, ip, score, class, reasons):")
    for rank, ip, score, traffic_class, reasons in top:
        print(f"  {rank} {ip} {score} {traffic_class} {reasons}")
    assert all(traffic_class != "human" for *_, traffic_class, _reasons in top)
    # Googlebot's crawler address is among them (the log's busiest crawler).
    assert "66.249.73.135" in {ip for _rank, ip, *_ in top}


def test_no_bot_session_unless_automated_traffic_is_included(
    apache_warehouse: tuple[warehouse.Settings, Path], apache_site_warehouse: warehouse.Settings
) -> None:
    """The log built with the default vars has no session of a non-human IP; built with
    `include_automated_traffic` (apache_site_warehouse: every request of the log in the
    sessions, and TWINS_IP's lines beside it, left out here) it has more sessions, bots'
    among them."""
    session_facts = (
        "select count(distinct sessions.session_id) filter"
        " (where classes.traffic_class <> 'human')"
        " from marts.fct_sessions as sessions"
        " left join intermediate.int_requests_sessionized as requests"
        "  on sessions.session_id = requests.session_id"
        " left join marts.ip_traffic_classes as classes on requests.ip = classes.ip"
    )
    counts = (
        "select count(*), count(*) filter (where has_bot_user_agent) from marts.fct_sessions"
        " where user_key not like %s"
    )
    with warehouse.connect(apache_warehouse[0]) as conn:
        human = conn.execute(counts, (f"agent:{TWINS_IP}|%",)).fetchone()
        from_non_human_ips = conn.execute(session_facts).fetchone()
    assert human is not None and human[0] > 1000 and human[1] == 0, human
    assert from_non_human_ips == (0,)
    with warehouse.connect(apache_site_warehouse) as conn:
        everyone = conn.execute(counts, (f"agent:{TWINS_IP}|%",)).fetchone()
    assert everyone is not None and everyone[0] > human[0] and everyone[1] > 0, everyone


def test_bootcamp_format_never_scores_a_user_agent_rule(
    database: warehouse.Settings, tmp_path: Path
) -> None:
    """The bootcamp log has no user-agent field: no IP fires bot_user_agent or
    missing_user_agent, and the campus NAT addresses (the planted organisation blocks)
    are human."""
    files = demo_data.generate(tmp_path / "demo", events=50_000, seed=7, fmt="bootcamp")
    for path, file_format in (
        (files.cohorts_path, "cohorts"),
        (files.requests_path, "bootcamp"),
    ):
        loaded = run_cli(["load", file_format, str(path)], database)
        assert loaded.returncode == 0, loaded.stderr
    _build(database, tmp_path, "+ip_traffic_classes")
    truth = json.loads(files.ground_truth_path.read_text())
    campuses = [item["block"] for item in truth["ip_blocks"] if item["kind"] == "organisation"]
    with warehouse.connect(database) as conn:
        user_agent_rules = conn.execute(
            "select count(*) from intermediate.int_traffic_suspects_classified"
            " where reasons like '%bot_user_agent%' or reasons like '%missing_user_agent%'"
        ).fetchone()
        nat = conn.execute(
            "select ip, traffic_class, reasons from marts.ip_traffic_classes"
            " where block_16 = any(%s) and requests >= 1000",
            (campuses,),
        ).fetchall()
    assert user_agent_rules == (0,)
    assert len(nat) >= 2, nat
    assert all(traffic_class == "human" for _ip, traffic_class, _reasons in nat), nat


def test_search_crawlers_of_the_apache_log_fire_bot_user_agent(
    apache_warehouse: tuple[warehouse.Settings, Path],
) -> None:
    """Per IP + user agent: every Googlebot, bingbot, Baiduspider and Yandex agent."""
    with warehouse.connect(apache_warehouse[0]) as conn:
        rows = conn.execute(
            "select user_agent, reasons, traffic_class from marts.suspicious_ip_user_agents"
        ).fetchall()
    for name in ("googlebot", "bingbot", "baiduspider", "yandex"):
        found = [row for row in rows if name in row[0].lower()]
        assert found, f"no {name} user agent in suspicious_ip_user_agents"
        for user_agent, reasons, traffic_class in found:
            assert "bot_user_agent" in str(reasons).split(", "), (user_agent, reasons)
            assert traffic_class != "human", user_agent
