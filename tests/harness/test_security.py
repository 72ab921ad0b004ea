"""Security marts (analysis E, question 4): suspicious_ips, suspicious_ip_user_agents,
ip_traffic_classes and ip_block_profiles.

On the default demo data they must find what was planted: every scraper among the
most suspicious IPs and not human, the campus NAT addresses human, the planted kind
of every IP block (organisation, public hotspot, residential), and the planted crawler
with a browser's user agent, exploit scanners and uptime monitors in their class and
out of the sessions. The real Apache log
(../shared/data/apache_logs) is tested in test_traffic_classes.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from psycopg import sql

from access_analytics import warehouse

Demo = tuple[warehouse.Settings, dict[str, object]]

# Share of the planted IP blocks that must get their planted kind.
BLOCK_KIND_TARGET = 0.9


def suspicion_ranks(demo: warehouse.Settings, table: str, key: str) -> dict[str, int]:
    """key -> suspicion_rank of marts.suspicious_ips (key ip) or
    marts.suspicious_ip_user_agents (key suspect_key)."""
    with warehouse.connect(demo) as conn:
        rows = conn.execute(
            sql.SQL("select {}, suspicion_rank from {}").format(
                sql.Identifier(key), sql.Identifier("marts", table)
            )
        ).fetchall()
    return {found: rank for found, rank in rows}


def test_planted_scrapers_are_among_the_most_suspicious_ips(demo_warehouse: Demo) -> None:
    demo, truth = demo_warehouse
    scrapers = truth["scrapers"]
    assert isinstance(scrapers, list) and scrapers
    allowed = 2 * len(scrapers)
    by_ip = suspicion_ranks(demo, "suspicious_ips", "ip")
    by_agent = suspicion_ranks(demo, "suspicious_ip_user_agents", "suspect_key")
    ranks = {
        scraper["ip"]: (
            by_ip.get(scraper["ip"]),
            by_agent.get(f"{scraper['ip']}|{scraper['user_agent']}"),
        )
        for scraper in scrapers
    }
    print(f"\nplanted scrapers: (rank by IP, rank by IP + user agent) {ranks}")
    for ip, (ip_rank, agent_rank) in ranks.items():
        assert ip_rank is not None and ip_rank <= allowed, (ip, ip_rank, allowed)
        assert agent_rank is not None and agent_rank <= allowed, (ip, agent_rank, allowed)


def test_planted_scrapers_fire_the_behaviour_rules(demo_warehouse: Demo) -> None:
    """Two of the scrapers use a browser's user agent: behaviour must find them."""
    demo, truth = demo_warehouse
    scrapers = {item["ip"]: item for item in truth["scrapers"]}  # type: ignore[union-attr]
    with warehouse.connect(demo) as conn:
        rows = conn.execute(
            "select ip, reasons, has_bot_user_agent, requests, distinct_paths, traffic_class"
            " from marts.suspicious_ips where ip = any(%s)",
            (list(scrapers),),
        ).fetchall()
    assert len(rows) == len(scrapers)
    for ip, reasons, is_bot, requests, distinct_paths, traffic_class in rows:
        fired = set(reasons.split(", "))
        assert {"high_page_rate", "many_paths", "regular_intervals", "off_hours"} <= fired, ip
        assert traffic_class == (
            "automated" if scrapers[ip]["user_agent_kind"] == "browser" else "declared_bot"
        ), (ip, traffic_class)
        assert is_bot == (scrapers[ip]["user_agent_kind"] != "browser"), ip
        assert requests == scrapers[ip]["requests"], ip
        assert distinct_paths == scrapers[ip]["distinct_paths"], ip


def test_campus_nat_addresses_are_human(demo_warehouse: Demo) -> None:
    """The busiest addresses of the planted organisation blocks (campus NATs, many
    students behind one address) are human: many users alone make no scraper."""
    demo, truth = demo_warehouse
    campuses = [
        item["block"]
        for item in truth["ip_blocks"]  # type: ignore[union-attr]
        if item["kind"] == "organisation"
    ]
    with warehouse.connect(demo) as conn:
        rows = conn.execute(
            "select ip, traffic_class, reasons from marts.ip_traffic_classes"
            " where block_16 = any(%s) and requests >= 10000",
            (campuses,),
        ).fetchall()
    assert len(rows) >= 2, rows
    assert all(traffic_class == "human" for _ip, traffic_class, _reasons in rows), rows


def test_planted_ip_blocks_get_their_kind(demo_warehouse: Demo) -> None:
    demo, truth = demo_warehouse
    planted = {item["block"]: item["kind"] for item in truth["ip_blocks"]}  # type: ignore[union-attr]
    with warehouse.connect(demo) as conn:
        found = dict(
            conn.execute(
                "select block, block_kind from marts.ip_block_profiles where block_level = '/16'"
            ).fetchall()
        )
    right = [block for block, kind in planted.items() if found.get(block) == kind]
    wrong = {
        block: (kind, found.get(block)) for block, kind in planted.items() if block not in right
    }
    print(f"\nIP blocks with their planted kind: {len(right)}/{len(planted)}; wrong: {wrong}")
    assert len(right) >= BLOCK_KIND_TARGET * len(planted), wrong


# The planted non-human kinds of the demo generator (ground-truth key -> the class each
# IP must get). The crawler sends an old Firefox's user agent: only its behaviour
# (robots.txt, pages seconds apart, no images) can tell, so automated. A scanner asks for
# exploit paths (wp-login.php, .env, .git/config...): scanner, the first class of
# traffic_class_priority, whatever its user agent. A monitor polls one URL around the
# clock: UptimeRobot says what it is (declared_bot, which comes before automated), the
# health check without a user agent is automated (polling, missing_user_agent).
PLANTED_NON_HUMAN = ("browser_crawlers", "exploit_scanners", "uptime_monitors")


def expected_class(kind: str, user_agent: str) -> str:
    if kind == "exploit_scanners":
        return "scanner"
    if kind == "uptime_monitors" and "uptimerobot" in user_agent:
        return "declared_bot"
    return "automated"


def test_planted_crawlers_scanners_and_monitors_get_their_class(demo_warehouse: Demo) -> None:
    demo, truth = demo_warehouse
    planted = {item["ip"]: (kind, item) for kind in PLANTED_NON_HUMAN for item in truth[kind]}  # type: ignore[union-attr]
    assert len(planted) == 9, planted
    with warehouse.connect(demo) as conn:
        found = {
            ip: (traffic_class, reasons, requests)
            for ip, traffic_class, reasons, requests in conn.execute(
                "select ip, traffic_class, reasons, requests from marts.ip_traffic_classes"
                " where ip = any(%s)",
                (list(planted),),
            ).fetchall()
        }
    print(f"\nplanted non-human IPs: {found}")
    for ip, (kind, item) in planted.items():
        traffic_class, _reasons, requests = found[ip]
        assert traffic_class == expected_class(kind, str(item["user_agent"])), (ip, found[ip])
        assert requests == item["requests"], (ip, requests, item["requests"])
    fired = {ip: set(reasons.split(", ")) for ip, (_c, reasons, _r) in found.items()}
    for ip, (kind, _item) in planted.items():
        rule = {
            "browser_crawlers": "robots_txt",
            "exploit_scanners": "exploit_probe",
            "uptime_monitors": "polling",
        }[kind]
        assert rule in fired[ip], (ip, fired[ip])
    for monitor in truth["uptime_monitors"]:  # type: ignore[union-attr]
        span = datetime.fromisoformat(monitor["last_seen"]) - datetime.fromisoformat(
            monitor["first_seen"]
        )
        assert span >= timedelta(days=9), monitor


def test_planted_crawlers_scanners_and_monitors_make_no_session(demo_warehouse: Demo) -> None:
    """Their accounts (each kind logs in with accounts of its own) have no session, and
    none of their requests reaches the human analytics."""
    demo, truth = demo_warehouse
    items = [item for kind in PLANTED_NON_HUMAN for item in truth[kind]]  # type: ignore[union-attr]
    accounts = sorted({int(item["user_id"]) for item in items})
    ips = [item["ip"] for item in items]
    with warehouse.connect(demo) as conn:
        sessions = conn.execute(
            "select count(*) from marts.fct_sessions where user_id = any(%s)", (accounts,)
        ).fetchone()
        requests = conn.execute(
            "select count(*) from intermediate.int_requests_sessionized where ip = any(%s)", (ips,)
        ).fetchone()
        left_out = conn.execute(
            "select count(*) from intermediate.int_requests_sessionized_all_traffic"
            " where ip = any(%s) and traffic_class != 'human'",
            (ips,),
        ).fetchone()
    assert len(accounts) == 7, accounts
    assert sessions == (0,)
    assert requests == (0,)
    assert left_out == (sum(int(item["requests"]) for item in items),)
