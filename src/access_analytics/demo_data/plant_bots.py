"""The planted machines: scrapers of the curriculum, and non-human traffic that is no
scraper (a crawler with a browser's user agent, exploit scanners, uptime monitors);
each returns its rows and its ground truth."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np

from access_analytics.demo_data.model import (
    _BOT,
    _DAY_SECONDS,
    _LAST_TS,
    _N_DAYS,
    _SCRAPER,
    LOG_START,
    _concat,
    _Rows,
    _rows,
    _World,
)
from access_analytics.demo_data.world import _add_users, _in_log

_SCRAPER_BLOCKS = ("52.14", "34.86", "104.131", "45.33", "157.245", "3.88")
_SCRAPER_KINDS = ("python-requests", "curl", "wget", "headless", "browser", "browser")
_SCRAPER_AGENTS = (
    "python-requests/2.22.0",
    "curl/7.64.1",
    "Wget/1.20.3 (linux-gnu)",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/83.0.4103.116 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/79.0.3945.130 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.14; rv:68.0) Gecko/20100101 Firefox/68.0",
)
# Scrapers 3 and 4 log in with an existing student's account, the others with new ones.
_SCRAPERS_WITH_STUDENT_ACCOUNT = (3, 4)
# Non-human traffic that is not after the curriculum's content (issue 11), each kind on
# an account of its own. A search engine's crawler in its own /16 that sends an old
# browser's user agent (as Baidu's 180.76.x sends Firefox 6.0.2 in the Apache log): it
# reads robots.txt at the start of every visit, then pages only, a few seconds apart.
_BROWSER_CRAWLER_BLOCK = "180.76"
_BROWSER_CRAWLER_IPS = 3
_BROWSER_CRAWLER_AGENT = "Mozilla/5.0 (Windows NT 5.1; rv:6.0.2) Gecko/20100101 Firefox/6.0.2"
# Exploit scanners: hosting blocks, and what they send (a browser's user agent, a scanning
# tool's, none); each run asks for a random handful of the usual probes.
_SCANNER_BLOCKS = ("185.220", "45.146", "193.106", "89.248")
_SCANNER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/78.0.3904.108 Safari/537.36",
    "Mozilla/5.0 zgrab/0.x",
    "",
    "Mozilla/5.0 (X11; Linux x86_64; rv:68.0) Gecko/20100101 Firefox/68.0",
)
# fmt: off
EXPLOIT_PATHS = (
    "wp-login.php", "xmlrpc.php", ".env", ".git/config", "phpmyadmin/index.php",
    "wp-admin/setup-config.php", "vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
    "cgi-bin/luci", ".aws/credentials", "admin/.env", "HNAP1", "boaform/admin/formLogin",
    ".DS_Store", "wp-admin/admin-ajax.php", "phpMyAdmin/scripts/setup.php",
    # probes no pattern knows; a scanner sends them between the known ones
    "admin.php", "shell.php", "solr/admin/info/system", "console/login/LoginForm.jsp",
)
# fmt: on
# Uptime monitors: (block, user agent, the one path polled, days polled, seconds between
# polls in a million-event log): UptimeRobot's free plan every 5 minutes for ten days,
# and a health check of the hosting company's own that sends no user agent, every 30
# minutes for four weeks. A smaller log has fewer polls over the same days.
_MONITORS = (
    ("216.144", "Mozilla/5.0+(http://www.uptimerobot.com/)", "/", 10, 300),
    ("64.62", "", "toc", 28, 1800),
)


def _plant_scrapers(
    world: _World, students: Sequence[int], rng: np.random.Generator
) -> tuple[list[_Rows], list[dict[str, object]]]:
    """Six crawlers on datacenter blocks, 1-3 night-time bursts each."""
    catalog = world.catalog
    users = world.users
    everything = [p for module in catalog.crawlable for p in module]
    shared = [catalog.home, catalog.toc, catalog.search, catalog.favicon]
    account: list[int] = []
    new_slots = [i for i in range(6) if i not in _SCRAPERS_WITH_STUDENT_ACCOUNT]
    first_days = {i: int(rng.integers(0, _N_DAYS - 40)) for i in new_slots}
    new = _add_users(
        world,
        _SCRAPER,
        [-1] * len(new_slots),
        [first_days[i] for i in new_slots],
        [_N_DAYS] * len(new_slots),
        rng,
    )
    new_by_slot = dict(zip(new_slots, new.tolist(), strict=True))
    agents = []
    for text in _SCRAPER_AGENTS:
        agents.append(len(world.ua_strings))
        world.ua_strings.append(text)
        world.ua_variant_names.append("scraper")
    rows: list[_Rows] = []
    truth: list[dict[str, object]] = []
    student_iter = iter(students)
    for i in range(6):
        if i in _SCRAPERS_WITH_STUDENT_ACCOUNT:
            u = next(student_iter)
            universe = [
                p for m in catalog.every[int(users.program[u])] for p in catalog.crawlable[m]
            ] + shared
            s, _e = _in_log(world, u)
            first = int(rng.integers(s, max(s + 1, _N_DAYS - 40)))
        else:
            u = new_by_slot[i]
            universe = everything + shared
            first = first_days[i]
        account.append(u)
        ip = world.ips.new(_SCRAPER_BLOCKS[i], rng)
        high = 1.0 if i in _SCRAPERS_WITH_STUDENT_ACCOUNT else 0.95
        coverage = rng.uniform(high - 0.15, high) * min(1.0, world.scale)
        distinct = max(12, round(coverage * len(universe)))
        crawl = rng.permutation(np.array(universe, dtype=np.int64))[:distinct]
        rows.append(_scraper_bursts(world, u, ip, agents[i], first, crawl, rng))
        truth.append(
            {
                "ip": world.ips.ips[ip],
                "user_index": u,
                "user_agent_kind": _SCRAPER_KINDS[i],
                "user_agent": _SCRAPER_AGENTS[i],
            }
        )
    return rows, truth


def _scraper_bursts(
    world: _World,
    u: int,
    ip: int,
    agent: int,
    first: int,
    crawl: np.ndarray,
    rng: np.random.Generator,
) -> _Rows:
    """One to three bursts in the night, within a month of the first: the first crawls
    every path of ``crawl``, the others a random part of it, 1-3 seconds apart."""
    bursts = int(rng.integers(1, 4))
    offsets = [0, *sorted(rng.choice(np.arange(1, 30), size=bursts - 1, replace=False))]
    burst_rows = []
    for number, offset in enumerate(offsets):
        day = min(_N_DAYS - 1, first + int(offset))
        if number == 0:
            paths = crawl
        else:
            share = rng.uniform(0.2, 0.6)
            paths = rng.permutation(crawl)[: max(1, round(share * len(crawl)))]
        start = day * _DAY_SECONDS + int(rng.integers(0, 3 * 3600))
        ts = start + np.concatenate([[0], np.cumsum(rng.integers(1, 4, len(paths) - 1))])
        burst_rows.append(
            _rows(
                np.minimum(ts, _LAST_TS),
                np.full(len(paths), u),
                np.full(len(paths), ip),
                np.full(len(paths), agent),
                np.full(len(paths), -1),
                paths,
            )
        )
    return _concat(burst_rows)


def _scraper_truth(
    world: _World, rows: _Rows, found: list[dict[str, object]]
) -> list[dict[str, object]]:
    out = []
    for item in found:
        ip = world.ips.index[str(item["ip"])]
        mine = rows.ip == ip
        days = np.unique(rows.ts[mine] // _DAY_SECONDS)
        out.append(
            {
                "ip": item["ip"],
                "user_id": int(world.users.user_id[int(str(item["user_index"]))]),
                "user_agent_kind": item["user_agent_kind"],
                "user_agent": item["user_agent"],
                "requests": int(np.count_nonzero(mine)),
                "distinct_paths": len(np.unique(rows.path[mine])),
                "dates": [(LOG_START + timedelta(days=int(d))).isoformat() for d in days],
            }
        )
    return out


# ---------------------------------------------------------------------------------------
# Non-human traffic that is not a scraper of the curriculum (issue 11): a search engine's
# crawler sending a browser's user agent, exploit scanners and uptime monitors. Planted
# after the regular traffic is drawn, from a random stream of their own; their rows are
# taken from the no-cohort share, so the log keeps its exact size.
# ---------------------------------------------------------------------------------------
def _plant_non_human(
    world: _World, events: int, rng: np.random.Generator
) -> tuple[list[_Rows], dict[str, list[dict[str, object]]]]:
    """The rows and the truth (user indices for now) of the three kinds, by truth key.
    Their volume is in proportion to the log's (full at a million events), so that
    they take the same small share of the no-cohort rows at every size."""
    volume = min(1.0, events / 1_000_000)
    crawlers = _plant_browser_crawlers(world, volume, rng)
    scanners = _plant_exploit_scanners(world, rng)
    monitors = _plant_uptime_monitors(world, volume, rng)
    rows = [r for r, _item in crawlers + scanners + monitors]
    truth = {
        "browser_crawlers": [item for _r, item in crawlers],
        "exploit_scanners": [item for _r, item in scanners],
        "uptime_monitors": [item for _r, item in monitors],
    }
    return rows, truth


def _path_ids(world: _World, paths: Sequence[str]) -> np.ndarray:
    """Catalog ids of ``paths``, appending the ones the curriculum does not have."""
    known = {path: i for i, path in enumerate(world.catalog.paths)}
    extra = [path for path in dict.fromkeys(paths) if path not in known]
    base = len(world.catalog.paths)
    known.update((path, base + i) for i, path in enumerate(extra))
    if extra:
        world.catalog = replace(world.catalog, paths=world.catalog.paths + tuple(extra))
    return np.array([known[path] for path in paths], dtype=np.int64)


def _bot_agent(world: _World, text: str) -> int:
    world.ua_strings.append(text)
    world.ua_variant_names.append("bot")
    return len(world.ua_strings) - 1


def _bot_account(world: _World, first_day: int, rng: np.random.Generator) -> int:
    return int(_add_users(world, _BOT, [-1], [first_day], [_N_DAYS], rng)[0])


def _plant_browser_crawlers(
    world: _World, volume: float, rng: np.random.Generator
) -> list[tuple[_Rows, dict[str, object]]]:
    """A search engine's crawler: a few IPs of its /16, each visiting on up to six days
    spread over the log; a visit reads robots.txt, then 40-150 pages (never an image:
    it indexes text) 1-4 seconds apart, at any hour."""
    catalog = world.catalog
    pages = np.array(
        [
            p
            for module in catalog.crawlable
            for p in module
            if p not in set(catalog.image_paths.tolist())
        ]
        + [catalog.home, catalog.toc],
        dtype=np.int64,
    )
    robots = int(_path_ids(world, ["robots.txt"])[0])
    agent = _bot_agent(world, _BROWSER_CRAWLER_AGENT)
    first = int(rng.integers(0, _N_DAYS // 3))
    u = _bot_account(world, first, rng)
    out = []
    for _ in range(_BROWSER_CRAWLER_IPS):
        ip = world.ips.new(_BROWSER_CRAWLER_BLOCK, rng)
        visits = max(1, round(6 * volume))
        days = np.sort(rng.choice(np.arange(first, _N_DAYS), size=visits, replace=False))
        parts = []
        for day in days:
            count = max(20, round(int(rng.integers(40, 151)) * min(1.0, 4 * world.scale)))
            paths = np.concatenate([[robots], rng.choice(pages, size=count, replace=False)])
            steps = rng.integers(1, 5, len(paths))
            steps[0] = 0
            begin = int(day) * _DAY_SECONDS + int(rng.integers(0, _DAY_SECONDS - 3600))
            parts.append(_bot_rows(u, ip, agent, begin + np.cumsum(steps), paths))
        out.append(
            (
                _concat(parts),
                {"ip": world.ips.ips[ip], "user_id": u, "user_agent": _BROWSER_CRAWLER_AGENT},
            )
        )
    return out


def _plant_exploit_scanners(
    world: _World, rng: np.random.Generator
) -> list[tuple[_Rows, dict[str, object]]]:
    """Exploit scanners, one IP each: one to three runs weeks apart, each asking for
    the home page and 6-15 of the usual probes within a minute or two."""
    probes = _path_ids(world, EXPLOIT_PATHS)
    out = []
    for block, text in zip(_SCANNER_BLOCKS, _SCANNER_AGENTS, strict=True):
        agent = _bot_agent(world, text)
        first = int(rng.integers(0, _N_DAYS - 120))
        u = _bot_account(world, first, rng)
        ip = world.ips.new(block, rng)
        runs = int(rng.integers(1, 4))
        days = first + np.concatenate(
            [[0], np.sort(rng.choice(np.arange(7, 120), runs - 1, replace=False))]
        )
        parts = []
        for day in days:
            asked = rng.choice(probes, size=int(rng.integers(6, 16)), replace=False)
            paths = np.concatenate([[world.catalog.home], asked])
            steps = rng.integers(0, 8, len(paths))
            ts = int(day) * _DAY_SECONDS + int(rng.integers(0, _DAY_SECONDS - 600))
            parts.append(_bot_rows(u, ip, agent, ts + np.cumsum(steps), paths))
        out.append((_concat(parts), {"ip": world.ips.ips[ip], "user_id": u, "user_agent": text}))
    return out


def _plant_uptime_monitors(
    world: _World, volume: float, rng: np.random.Generator
) -> list[tuple[_Rows, dict[str, object]]]:
    """Uptime monitors: one URL at a fixed interval (give or take a second or two of
    scheduling), around the clock, for days or weeks: the same days at every size (the
    span is what makes a monitor), with fewer polls, further apart, in a smaller log (at
    least 12)."""
    out = []
    for block, text, path, days, full_interval in _MONITORS:
        polls = max(12, round(days * _DAY_SECONDS / full_interval * volume))
        interval = days * _DAY_SECONDS // polls
        first = int(rng.integers(0, _N_DAYS - days - 2))
        u = _bot_account(world, first, rng)
        ip = world.ips.new(block, rng)
        agent = _bot_agent(world, text)
        start = first * _DAY_SECONDS + int(rng.integers(0, _DAY_SECONDS))
        ts = start + np.arange(polls) * interval + rng.integers(0, 3, polls)
        paths = np.full(polls, _path_ids(world, [path])[0])
        out.append(
            (
                _bot_rows(u, ip, agent, ts, paths),
                {
                    "ip": world.ips.ips[ip],
                    "user_id": u,
                    "user_agent": text,
                    "path": path,
                    "interval_seconds": interval,
                },
            )
        )
    return out


def _bot_rows(u: int, ip: int, agent: int, ts: np.ndarray, paths: np.ndarray) -> _Rows:
    n = len(ts)
    return _rows(
        np.minimum(ts, _LAST_TS),
        np.full(n, u),
        np.full(n, ip),
        np.full(n, agent),
        np.full(n, -1),
        paths,
    )


def _bot_truth(
    world: _World, rows: _Rows, items: list[dict[str, object]]
) -> list[dict[str, object]]:
    """Each planted IP's truth with its requests, distinct paths and first/last time."""
    out = []
    for item in items:
        mine = rows.ip == world.ips.index[str(item["ip"])]
        ts = rows.ts[mine]
        out.append(
            {
                **item,
                "requests": int(np.count_nonzero(mine)),
                "distinct_paths": len(np.unique(rows.path[mine])),
                "first_seen": _timestamp(int(ts.min())),
                "last_seen": _timestamp(int(ts.max())),
            }
        )
    return out


def _timestamp(seconds: int) -> str:
    """A log time (seconds since the log's first midnight) as written in the log."""
    moment = datetime(LOG_START.year, LOG_START.month, LOG_START.day) + timedelta(seconds=seconds)
    return moment.isoformat(sep=" ")
