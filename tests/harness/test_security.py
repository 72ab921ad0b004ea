"""Security marts (analysis E, question 4): suspicious_ips, suspicious_ip_user_agents,
ip_traffic_classes and ip_block_profiles.

On the default demo data they must find what was planted: every scraper among the
most suspicious IPs and not human, the campus NAT addresses human, and the planted kind
of every IP block (organisation, public hotspot, residential). The real Apache log
(../shared/data/apache_logs) is tested in test_traffic_classes.py.
"""

from __future__ import annotations

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
                sql.Identifier(key), sql.Identifier("marts", table))
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
        scraper["ip"]: (by_ip.get(scraper["ip"]),
                        by_agent.get(f"{scraper['ip']}|{scraper['user_agent']}"))
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
        assert traffic_class == ("automated" if scrapers[ip]["user_agent_kind"] == "browser"
                                 else "declared_bot"), (ip, traffic_class)
        assert is_bot == (scrapers[ip]["user_agent_kind"] != "browser"), ip
        assert requests == scrapers[ip]["requests"], ip
        assert distinct_paths == scrapers[ip]["distinct_paths"], ip


def test_campus_nat_addresses_are_human(demo_warehouse: Demo) -> None:
    """The busiest addresses of the planted organisation blocks (campus NATs, many
    students behind one address) are human: many users alone make no scraper."""
    demo, truth = demo_warehouse
    campuses = [item["block"] for item in truth["ip_blocks"]  # type: ignore[union-attr]
                if item["kind"] == "organisation"]
    with warehouse.connect(demo) as conn:
        rows = conn.execute(
            "select ip, traffic_class, reasons from marts.ip_traffic_classes"
            " where block_16 = any(%s) and requests >= 10000", (campuses,)).fetchall()
    assert len(rows) >= 2, rows
    assert all(traffic_class == "human" for _ip, traffic_class, _reasons in rows), rows


def test_planted_ip_blocks_get_their_kind(demo_warehouse: Demo) -> None:
    demo, truth = demo_warehouse
    planted = {item["block"]: item["kind"] for item in truth["ip_blocks"]}  # type: ignore[union-attr]
    with warehouse.connect(demo) as conn:
        found = dict(conn.execute(
            "select block, block_kind from marts.ip_block_profiles where block_level = '/16'"
        ).fetchall())
    right = [block for block, kind in planted.items() if found.get(block) == kind]
    wrong = {block: (kind, found.get(block)) for block, kind in planted.items()
             if block not in right}
    print(f"\nIP blocks with their planted kind: {len(right)}/{len(planted)}; wrong: {wrong}")
    assert len(right) >= BLOCK_KIND_TARGET * len(planted), wrong
