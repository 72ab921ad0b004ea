"""The planted findings about people: instructors' test accounts, cross-program access
before the cut-offs, shared credentials, concurrent use and its innocent look-alikes,
the front-end graduates and binge days; each returns its rows and its ground truth."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta

import numpy as np

from access_analytics.demo_data.agents import _LAPTOP_MIX, _MAC_CHROME, _PATCHES, _device_ua, _ua
from access_analytics.demo_data.model import (
    _CAMPUS,
    _DAY_SECONDS,
    _FRONT_END,
    _HOME,
    _N_DAYS,
    _STUDENT,
    _TEST,
    ANOMALY_RULE,
    DS_TO_WEB_CUTOFF,
    LOG_START,
    WEB_TO_DS_CUTOFF,
    _day,
    _Rows,
    _rows,
    _Sessions,
    _World,
)
from access_analytics.demo_data.sessions import _session_details, _single_sessions, _timed_rows
from access_analytics.demo_data.world import (
    _RESIDENTIAL_BLOCKS,
    _add_users,
    _campus_ip,
    _home_ip,
    _in_log,
    _pick_days,
)

_STAFF_TEST_IP = "97.105.19.61"


def _plant_test_accounts(
    world: _World, rng: np.random.Generator
) -> tuple[_Sessions, list[dict[str, object]]]:
    """Eight one-day accounts with 1-8 requests, three on the staff IP."""
    roles = world.roles
    cohorts = world.cohorts
    users = world.users
    choices = [c for c in roles.overlapping if world.cohorts[c].program_id != 4]
    cohort = [int(c) for c in rng.choice(choices, size=8)]
    days = []
    for c in cohort:
        s = max(0, _day(cohorts[c].start))
        e = min(_N_DAYS - 1, _day(cohorts[c].end))
        options = np.arange(s, e + 1)
        week = options[world.weekday[options] < 5]
        days.append(int(rng.choice(week if len(week) else options)))
    new = _add_users(world, _TEST, cohort, days, days, rng)
    on_staff = np.zeros(8, dtype=bool)
    on_staff[rng.choice(8, size=3, replace=False)] = True
    staff_ip = world.ips.add(_STAFF_TEST_IP)
    blocks = [b for b, _ in _RESIDENTIAL_BLOCKS]
    ip = np.array(
        [
            staff_ip
            if on_staff[i]
            else world.ips.new(blocks[int(rng.integers(0, len(blocks)))], rng)
            for i in range(8)
        ]
    )
    users.ip_first[new] = ip
    day = np.array(days, dtype=np.int64)
    variant = np.where(on_staff, _MAC_CHROME, users.laptop[new])
    size = rng.integers(1, 9, 8)
    seconds = np.where(
        on_staff, rng.integers(10 * 3600, 15 * 3600, 8), rng.integers(18 * 3600, 21 * 3600, 8)
    )
    sessions = _single_sessions(
        world,
        new,
        day,
        seconds,
        size,
        ip,
        _ua(world, variant, np.zeros(8, dtype=np.int64), day, users.patch[new]),
        rng,
        gap=40.0,
    )
    truth = [  # user indices for now; ids are given once every account exists
        {
            "user_id": int(u),
            "cohort_id": cohorts[c].id,
            "date": (LOG_START + timedelta(days=d)).isoformat(),
            "requests": int(k),
            "ip": world.ips.ips[i],
            "on_staff_ip": bool(f),
        }
        for u, c, d, k, i, f in zip(new, cohort, days, size, ip, on_staff, strict=True)
    ]
    return sessions, truth


def _plant_cross_access(world: _World, exclude: set[int], rng: np.random.Generator) -> list[_Rows]:
    """A few cross-program lessons on each of the two days before each cut-off."""
    users = world.users
    catalog = world.catalog
    out = []
    for programs, cutoff, target in (((1, 2), WEB_TO_DS_CUTOFF, 3), ((3,), DS_TO_WEB_CUTOFF, 2)):
        lessons = [p for m in catalog.every[target] for p in catalog.visible[m]]
        for back in (2, 1):
            day = _day(cutoff) - back
            started = (
                (users.kind == _STUDENT) & np.isin(users.program, programs) & (users.start <= day)
            )
            free = ~np.isin(np.arange(len(started)), sorted(exclude))
            in_session = started & (users.end >= day)
            # Prefer a student in session with no other planted role; tiny files may
            # have to fall back on anyone of the program.
            for pool in (in_session & free, started & free, in_session, started):
                if pool.any():
                    break
            u = int(rng.choice(np.flatnonzero(pool)))
            count = 2
            d = np.full(count, day)
            ts = day * _DAY_SECONDS + 15 * 3600 + np.arange(count) * int(rng.integers(20, 90))
            uu = np.full(count, u)
            out.append(
                _rows(
                    ts,
                    uu,
                    _home_ip(world, uu, d),
                    _ua(world, users.laptop[uu], users.lag[uu], d, users.patch[uu]),
                    np.full(count, -1),
                    rng.choice(lessons, size=count),
                )
            )
    return out


def _plant_sharing(
    world: _World, days_by_user: dict[int, list[int]], rng: np.random.Generator
) -> tuple[_Sessions, list[dict[str, object]]]:
    """Students whose login is used from 6-10 IPs in 4+ blocks within three hours."""
    blocks = [b for b, _ in _RESIDENTIAL_BLOCKS]
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("user", "day", "sec", "size", "ip", "ua")}
    truth = []
    all_variants = np.flatnonzero(
        [name not in ("scraper", "bot") for name in world.ua_variant_names]
    )
    for u, days in days_by_user.items():
        ips_by_day: dict[str, list[str]] = {}
        for day in days:
            n = int(rng.integers(6, 11))
            order = rng.permutation(len(blocks))
            ip = np.array([world.ips.new(blocks[order[i % len(blocks)]], rng) for i in range(n)])
            begin = int(rng.integers(17 * 3600, 20 * 3600))
            parts["user"].append(np.full(n, u))
            parts["day"].append(np.full(n, day))
            parts["sec"].append(begin + np.sort(rng.integers(0, 2 * 3600, n)))
            high = 5 if world.scale >= 0.5 else 2
            parts["size"].append(rng.integers(1, high, n))
            parts["ip"].append(ip)
            variant = rng.choice(all_variants, size=n)
            parts["ua"].append(
                _ua(
                    world,
                    variant,
                    rng.integers(0, 2, n),
                    np.full(n, day),
                    rng.integers(0, _PATCHES, n),
                )
            )
            ips_by_day[(LOG_START + timedelta(days=day)).isoformat()] = sorted(
                world.ips.ips[i] for i in ip
            )
        truth.append({"user_id": int(u), "dates": sorted(ips_by_day), "ips": ips_by_day})
    joined = {k: np.concatenate(v).astype(np.int64) for k, v in parts.items()}
    sessions = _single_sessions(
        world,
        joined["user"],
        joined["day"],
        joined["sec"],
        joined["size"],
        joined["ip"],
        joined["ua"],
        rng,
    )
    return sessions, truth


# ---------------------------------------------------------------------------------------
# Concurrent use (issue 14): one login used by two people in two cities in the same
# hours, and its innocent look-alikes, which must not be flagged: a phone leaving the
# campus Wi-Fi for its cellular network (one switch), and a phone on a cellular network
# beside a laptop on campus (two places at once, but two devices of one person).
# ---------------------------------------------------------------------------------------
# Mobile carriers' /16 blocks: a phone off the Wi-Fi (no kind of their own in the truth).
CELLULAR_BLOCKS = ("172.58", "174.215")
_CONCURRENT_USERS = 3  # accounts of each kind
_CONCURRENT_DAYS = 3  # days per account


def _plant_concurrent_use(
    world: _World, candidates: Sequence[int], rng: np.random.Generator
) -> tuple[list[_Rows], list[dict[str, object]], list[_Rows], list[dict[str, object]]]:
    """The two-place sharing accounts and the innocent switchers, from distinct students."""
    n = _CONCURRENT_USERS
    if len(candidates) < 3 * n:
        raise ValueError("the cohort table has too few students in the log to plant findings")
    two_place, two_place_truth = _plant_two_place_sharing(world, candidates[:n], rng)
    switches, switch_truth = _plant_network_switches(
        world, candidates[n : 2 * n], candidates[2 * n : 3 * n], rng
    )
    return two_place, two_place_truth, switches, switch_truth


def _plant_two_place_sharing(
    world: _World, accounts: Sequence[int], rng: np.random.Generator
) -> tuple[list[_Rows], list[dict[str, object]]]:
    """Two people on one login, in two cities, reading in the same evening hours: each on
    a laptop of their own, their requests interleave for more than an hour."""
    names = world.ua_variant_names
    laptops = sorted(set(_LAPTOP_MIX["student"]))
    blocks = [b for b, _ in _RESIDENTIAL_BLOCKS]
    rows: list[_Rows] = []
    truth: list[dict[str, object]] = []
    full = world.scale >= 0.5
    size = (45, 61) if full else (8, 13)
    for u in accounts:
        places: dict[str, list[str]] = {}
        own = names[int(world.users.laptop[u])]
        friend = [name for name in laptops if name != own][int(rng.integers(0, len(laptops) - 1))]
        for day in _pick_days(world, u, _CONCURRENT_DAYS if full else 1, rng, weekdays=False):
            here, there = rng.choice(len(blocks), size=2, replace=False)
            start = int(rng.integers(18 * 3600, 20 * 3600))
            for block, device, offset in (
                (blocks[here], own, 0),
                (blocks[there], friend, int(rng.integers(-300, 300))),
            ):
                ip = world.ips.new(block, rng)
                rows.append(
                    _timed_rows(
                        world,
                        u,
                        day,
                        start + offset,
                        int(rng.integers(*size)),
                        ip,
                        _device_ua(world, device, u, day),
                        rng,
                    )
                )
            places[(LOG_START + timedelta(days=day)).isoformat()] = sorted(
                (blocks[here], blocks[there])
            )
        truth.append({"user_id": int(u), "dates": sorted(places), "places": places})
    return rows, truth


def _plant_network_switches(
    world: _World, switchers: Sequence[int], overlapping: Sequence[int], rng: np.random.Generator
) -> tuple[list[_Rows], list[dict[str, object]]]:
    """Innocent look-alikes of sharing, on weekdays in class hours. ``switchers``: a phone
    leaves the campus Wi-Fi for its cellular network once (one block switch within a
    minute). ``overlapping``: a laptop on campus and the student's phone on a cellular
    network, interleaving for an hour (two blocks, two device classes)."""
    names = world.ua_variant_names
    rows: list[_Rows] = []
    truth: list[dict[str, object]] = []
    full = world.scale >= 0.5
    switch_size, laptop_size, phone_size = (12, 30, 15) if full else (4, 6, 3)
    for kind, accounts in (("single_switch", switchers), ("phone_on_cellular", overlapping)):
        for u in accounts:
            phone = names[int(world.users.phone[u])]
            days = _pick_days(world, u, _CONCURRENT_DAYS if full else 1, rng, weekdays=True)
            for day in days:
                start = int(rng.integers(9 * 3600, 15 * 3600))
                phone_ua = _device_ua(world, phone, u, day)
                cellular = world.ips.new(CELLULAR_BLOCKS[int(rng.integers(0, 2))], rng)
                if kind == "single_switch":
                    on_wifi = _timed_rows(
                        world, u, day, start, switch_size, _campus_ip(world, u), phone_ua, rng
                    )
                    leave = int(on_wifi.ts[-1] % _DAY_SECONDS) + int(rng.integers(20, 60))
                    rows += [
                        on_wifi,
                        _timed_rows(world, u, day, leave, switch_size, cellular, phone_ua, rng),
                    ]
                else:
                    laptop = _device_ua(world, names[int(world.users.laptop[u])], u, day)
                    rows += [
                        _timed_rows(
                            world, u, day, start, laptop_size, _campus_ip(world, u), laptop, rng
                        ),
                        _timed_rows(
                            world,
                            u,
                            day,
                            start + 60,
                            phone_size,
                            cellular,
                            phone_ua,
                            rng,
                            gap=(120, 300),
                        ),
                    ]
            truth.append(
                {
                    "user_id": int(u),
                    "kind": kind,
                    "dates": [(LOG_START + timedelta(days=day)).isoformat() for day in days],
                }
            )
    return rows, truth


def _plant_front_end(world: _World, rng: np.random.Generator) -> _Sessions:
    """The front-end graduates' handful of requests."""
    users = world.users
    fe = np.flatnonzero(users.kind == _FRONT_END)
    day = rng.integers(0, _N_DAYS, len(fe))
    size = rng.integers(2, 6, len(fe))
    return _single_sessions(
        world,
        fe,
        day,
        rng.integers(18 * 3600, 22 * 3600, len(fe)),
        size,
        _home_ip(world, fe, day),
        _ua(world, users.laptop[fe], users.lag[fe], day, users.patch[fe]),
        rng,
    )


_HEAVY_DAYS = 2  # binge days per heavy user


def _plant_heavy(
    world: _World,
    rows: _Rows,
    heavy: Sequence[int],
    events: int,
    rng: np.random.Generator,
) -> tuple[_Sessions, list[tuple[int, int, int]], dict[int, list[int]]]:
    """Binge days: about 12 times the student's median active-day volume, and well above
    what the daily anomaly rule needs to flag them (``ANOMALY_RULE``) against the week
    before; each replaces that day's ordinary traffic (the days are returned per user).

    Very small files cannot afford that; there the days are capped at 1.5 % of the
    file each (the ground truth states the actual counts).
    """
    cap = max(10, int(0.015 * events))
    user_parts, day_parts, sec_parts, size_parts = [], [], [], []
    truth = []
    days_by_user: dict[int, list[int]] = {}
    for u in heavy:
        volumes = np.bincount(rows.ts[rows.user == u] // _DAY_SECONDS, minlength=_N_DAYS)
        days = _heavy_days(world, u, volumes, rng)
        days_by_user[u] = days
        volumes[days] = 0
        active = volumes[volumes > 0].astype(np.float64)
        # The median active day, the binge days counted as (very) big ones.
        median = float(np.median(np.concatenate([active, [np.inf] * len(days)])))
        if not np.isfinite(median):
            median = float(active.max()) if len(active) else 1.0
        for binge in days:
            total = max(30, math.ceil(12 * median), math.ceil(1.25 * _anomaly_bar(volumes, binge)))
            count = min(cap, total + int(rng.integers(0, max(2, total // 10))))
            n_sessions = max(1, math.ceil(count / 25))
            sizes = (
                np.bincount(rng.integers(0, n_sessions, count - n_sessions), minlength=n_sessions)
                + 1
            )
            user_parts.append(np.full(n_sessions, u))
            day_parts.append(np.full(n_sessions, binge))
            sec_parts.append(np.sort(rng.integers(7 * 3600, 21 * 3600, n_sessions)))
            size_parts.append(sizes)
            truth.append((u, binge, count))
    user = np.concatenate(user_parts).astype(np.int64)
    day = np.concatenate(day_parts).astype(np.int64)
    sec = np.concatenate(sec_parts).astype(np.int64)
    location = np.where(sec < 17 * 3600, _CAMPUS, _HOME)
    sessions = _session_details(world, user, day, rng, location=location, start=sec)
    sessions.size = np.concatenate(size_parts).astype(np.int64)
    sessions.gap = np.full(len(user), 20.0)
    sessions.clamp = True
    return sessions, truth, days_by_user


def _heavy_days(world: _World, u: int, volumes: np.ndarray, rng: np.random.Generator) -> list[int]:
    """Weekdays in session with a full baseline before them: at least
    anomaly_min_history_days after the student's first request, and more than a window
    after each other (each is compared with ordinary days only)."""
    window = ANOMALY_RULE["anomaly_window_days"]
    s, e = _in_log(world, u)
    first = int(np.flatnonzero(volumes)[0]) if volumes.any() else s
    options = np.arange(max(s, first + ANOMALY_RULE["anomaly_min_history_days"]), e + 1)
    options = options[world.weekday[options] < 5]
    chosen: list[int] = []
    for day in rng.permutation(options):
        if all(abs(int(day) - other) > window for other in chosen):
            chosen.append(int(day))
        if len(chosen) == _HEAVY_DAYS:
            break
    if len(chosen) < _HEAVY_DAYS:
        raise ValueError("the cohort table has too few students in the log to plant findings")
    return sorted(chosen)


def _anomaly_bar(volumes: np.ndarray, day: int) -> float:
    """The requests above which the anomaly rule flags ``day``: the median of the window
    before it (days before the first request left out) plus the threshold times the
    robust scale (1.4826 MAD, floored)."""
    first = int(np.flatnonzero(volumes)[0])
    start = max(first, day - ANOMALY_RULE["anomaly_window_days"])
    baseline = volumes[start:day].astype(np.float64)
    median = float(np.median(baseline))
    mad = float(np.median(np.abs(baseline - median)))
    scale = max(1.4826 * mad, ANOMALY_RULE["anomaly_min_scale"])
    return median + ANOMALY_RULE["anomaly_score_threshold"] * scale


def _heavy_truth(
    world: _World, rows: _Rows, planted: list[tuple[int, int, int]]
) -> list[dict[str, object]]:
    ids = world.users.user_id
    out: list[dict[str, object]] = []
    for u, day, _count in sorted(planted, key=lambda item: (ids[item[0]], item[1])):
        mine = (rows.user == u) & (rows.ts // _DAY_SECONDS == day)
        out.append(
            {
                "user_id": int(ids[u]),
                "date": (LOG_START + timedelta(days=day)).isoformat(),
                "requests": int(np.count_nonzero(mine)),
            }
        )
    return out
