"""The world the log is drawn from: users with their cohorts, activity windows, devices,
home IPs, campuses and hotspots, and the per-user facts every later step looks up."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from access_analytics.demo_data.agents import (
    _LAPTOP_MIX,
    _PATCHES,
    _PHONE_MIX,
    _QUARTERS,
    _pick,
    _ua_variants,
)
from access_analytics.demo_data.catalog import _build_catalog, _pick_overused, _pick_topics
from access_analytics.demo_data.model import (
    _BOT,
    _FRONT_END,
    _G_DS,
    _G_JAVA,
    _G_NO_COHORT,
    _G_PHP,
    _G_STAFF,
    _N_DAYS,
    _NO_COHORT,
    _PLACEHOLDER,
    _SCRAPER,
    _STAFF,
    _STUDENT,
    _TEST,
    FULL_SCALE_EVENTS,
    GUARANTEE_EVENTS,
    IN_SESSION_FLOOR,
    LOG_START,
    _Cohort,
    _day,
    _IpTable,
    _Roles,
    _Users,
    _World,
)

# fmt: off
_CAMPUSES = (  # (block, student IPs, their weights, staff IPs, their weights)
    ("97.105", ("97.105.19.58", "97.105.19.56"), (0.88, 0.12),
     ("97.105.19.61", "97.105.19.62"), (0.85, 0.15)),
    ("204.44", ("204.44.112.76", "204.44.112.77"), (0.9, 0.1), ("204.44.112.80",), (1.0,)),
)
_HOTSPOT_BLOCKS = (("12.190", 0.45), ("66.90", 0.33), ("107.115", 0.22))
_RESIDENTIAL_BLOCKS = (
    ("70.112", 0.24), ("24.26", 0.17), ("99.203", 0.12), ("67.11", 0.1), ("72.181", 0.1),
    ("76.185", 0.09), ("173.174", 0.09), ("104.190", 0.09),
)
# fmt: on


def _build_world(
    cohorts: list[_Cohort], roles: _Roles, events: int, rng: np.random.Generator
) -> _World:
    """Users with their cohorts, activity windows, devices and home IPs."""
    scale = min(1.0, events / FULL_SCALE_EVENTS)
    catalog = _build_catalog(rng)
    overused = _pick_overused(catalog, rng)
    topics = _pick_topics(catalog, overused, rng)
    variants = _ua_variants()
    variant_names = [v[0] for v in variants]
    ua_strings = [v[2](q, k) for v in variants for q in range(_QUARTERS) for k in range(_PATCHES)]
    weekday, quarter = _calendar()
    ips = _IpTable()
    campus_ips = _campus_ips(ips)
    hotspot_ids, hotspot_weights = _hotspots(ips, rng)
    users = _users_table(
        cohorts, roles, _population(cohorts, roles, scale, rng), variant_names, rng
    )
    floor = _in_session_floor(users, roles, events)
    world = _World(
        cohorts,
        roles,
        catalog,
        users,
        ips,
        ua_strings,
        variant_names,
        scale,
        floor,
        weekday,
        quarter,
        campus_ips,
        np.array(hotspot_ids, dtype=np.int64),
        np.array(hotspot_weights) / sum(hotspot_weights),
        overused,
        topics,
    )
    _assign_devices(world, rng)
    _assign_home_ips(world, rng)
    return world


def _calendar() -> tuple[np.ndarray, np.ndarray]:
    """Day index -> weekday (0 = Monday) and -> user-agent quarter."""
    days = np.arange(_N_DAYS)
    weekday = (LOG_START.weekday() + days) % 7
    months = (np.datetime64(LOG_START.isoformat()) + days).astype("datetime64[M]").astype(np.int64)
    quarter = np.clip((months - months[0]) // 3, 0, _QUARTERS - 1)
    return weekday, quarter


def _campus_ips(ips: _IpTable) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Per campus: its students' IPs and weights, its staff's IPs and weights."""
    campus_ips = []
    for _block, students, s_weights, staff, t_weights in _CAMPUSES:
        campus_ips.append(
            (
                np.array([ips.add(ip) for ip in students], dtype=np.int64),
                np.array(s_weights),
                np.array([ips.add(ip) for ip in staff], dtype=np.int64),
                np.array(t_weights),
            )
        )
    return campus_ips


def _hotspots(ips: _IpTable, rng: np.random.Generator) -> tuple[list[int], list[float]]:
    """The public hotspots' IPs and their weights."""
    hotspot_ids: list[int] = []
    hotspot_weights: list[float] = []
    for block, mass in _HOTSPOT_BLOCKS:
        count = int(rng.integers(14, 26))
        hotspot_ids.extend(ips.new(block, rng) for _ in range(count))
        hotspot_weights.extend([mass / count] * count)
    return hotspot_ids, hotspot_weights


# Who is there: kind, cohort index, first and last day, activity, account creation day.
_Population = tuple[list[int], list[int], list[int], list[int], list[float], list[float]]


def _population(
    cohorts: list[_Cohort], roles: _Roles, scale: float, rng: np.random.Generator
) -> _Population:
    """Students of every cohort, staff, visitors without a cohort, front-end graduates."""
    kind: list[int] = []
    cohort_of: list[int] = []
    start: list[int] = []
    end: list[int] = []
    activity: list[float] = []
    created: list[float] = []

    def add(k: int, c: int, s: int, e: int, a: float, made: float) -> None:
        kind.append(k)
        cohort_of.append(c)
        start.append(s)
        end.append(e)
        activity.append(a)
        created.append(made)

    for c in roles.overlapping:
        base = rng.integers(22, 33) if c != roles.decoy else 16
        n = max(2, round(float(base) * scale))
        s, e = _day(cohorts[c].start), _day(cohorts[c].end)
        # Individual activity varies; each cohort is as active as the next on average,
        # except the decoy, whose students are three times as active.
        spread = rng.lognormal(0.0, 0.45, n)
        spread *= (3.0 if c == roles.decoy else 1.0) / spread.mean()
        for a in spread:
            add(_STUDENT, c, s, e, a, s - rng.uniform(5, 40))
    for c in roles.older:
        n = max(1, round(float(rng.integers(4, 10)) * scale))
        s, e = _day(cohorts[c].start), _day(cohorts[c].end)
        for a in rng.lognormal(0.0, 0.45, n):
            add(_STUDENT, c, s, e, a, s - rng.uniform(5, 40))
    for c in roles.placeholders:
        n = max(2, round(float(rng.integers(3, 6)) * scale))
        s, e = _day(cohorts[c].start), _day(cohorts[c].end)
        for a in rng.lognormal(0.0, 0.3, n):
            add(_PLACEHOLDER, c, s, e, a, s + rng.uniform(0, 10))
    for _ in range(max(3, round(40 * scale))):
        if rng.random() < 0.55:
            s, e = -int(rng.integers(0, 900)), _N_DAYS + 100
        else:
            s = int(rng.integers(-300, _N_DAYS - 120))
            e = s + int(rng.integers(150, 900))
            e = max(e, max(s, 0) + 90)
        add(_STAFF, roles.staff, s, e, float(rng.lognormal(0.0, 0.4)), s - 1000.0)
    for _ in range(max(3, round(65 * scale))):
        s = int(rng.integers(0, _N_DAYS - 20))
        e = s + int(rng.integers(20, 700))
        add(_NO_COHORT, -1, s, e, float(rng.lognormal(0.0, 0.6)), s)
    for c in roles.front_end[:2]:
        s, e = _day(cohorts[c].start), _day(cohorts[c].end)
        add(_FRONT_END, c, s, e, 1.0, s - 10.0)
    return kind, cohort_of, start, end, activity, created


def _users_table(
    cohorts: list[_Cohort],
    roles: _Roles,
    population: _Population,
    variant_names: list[str],
    rng: np.random.Generator,
) -> _Users:
    """The users' columns: program, campus, return visits after the course, devices."""
    kind, cohort_of, start, end, activity, created = population
    n_users = len(kind)
    k = np.array(kind, dtype=np.int64)
    cohort_arr = np.array(cohort_of, dtype=np.int64)
    program = np.array([cohorts[c].program_id if c >= 0 else 0 for c in cohort_of], dtype=np.int64)
    program[k == _STAFF] = 2

    campus_of_cohort = {c: int(rng.random() < 0.3) for c in range(len(cohorts))}
    campus = np.array([campus_of_cohort[c] if c >= 0 else 0 for c in cohort_of], dtype=np.int64)
    staff_rows = np.flatnonzero(k == _STAFF)
    campus[staff_rows] = (rng.random(len(staff_rows)) < 0.2).astype(np.int64)

    older = np.isin(cohort_arr, roles.older) & (k == _STUDENT)
    tail = rng.uniform(0.0, 0.03, n_users)
    tail[older] = rng.uniform(0.015, 0.05, int(older.sum()))
    stop = np.array(end, dtype=np.int64) + rng.exponential(500, n_users).astype(np.int64)
    # Graduates of cohorts before the log come back now and then until some day in it.
    stop[older] = rng.integers(120, _N_DAYS + 400, int(older.sum()))
    return _Users(
        kind=k,
        cohort=cohort_arr,
        program=program,
        start=np.array(start, dtype=np.int64),
        end=np.array(end, dtype=np.int64),
        activity=np.array(activity),
        tau=rng.uniform(30, 180, n_users),
        tail=tail,
        stop=stop,
        campus=campus,
        laptop=np.zeros(n_users, dtype=np.int64),
        phone=_pick(rng, _PHONE_MIX, variant_names, n_users),
        lag=rng.choice(3, size=n_users, p=[0.55, 0.35, 0.1]).astype(np.int64),
        patch=rng.integers(0, _PATCHES, n_users),
        is_mac=np.zeros(n_users, dtype=bool),
        ip_first=np.zeros(n_users, dtype=np.int64),
        ip_change=np.full((n_users, 3), 10**6, dtype=np.int64),
        created=np.array(created),
        user_id=np.zeros(n_users, dtype=np.int64),
    )


def _in_session_floor(users: _Users, roles: _Roles, events: int) -> int:
    """Requests every student whose cohort overlaps the log has while in session."""
    k = users.kind
    program = users.program
    older = np.isin(users.cohort, roles.older) & (k == _STUDENT)
    # The in-session floor: 40 requests from GUARANTEE_EVENTS on; smaller files get a
    # smaller floor (still above the test accounts' 10 when the budget allows it).
    n_protected = (
        int(np.count_nonzero(np.isin(k, (_STUDENT, _PLACEHOLDER)) & ~older & (program != 4))) or 1
    )
    wanted = min(IN_SESSION_FLOOR, max(11, IN_SESSION_FLOOR * events // GUARANTEE_EVENTS))
    floor = min(wanted, int(0.3 * events / n_protected))
    return floor


def _assign_devices(world: _World, rng: np.random.Generator) -> None:
    users = world.users
    names = world.ua_variant_names
    for group, kinds in (
        ("student", (_STUDENT, _PLACEHOLDER, _FRONT_END, _TEST)),
        ("staff", (_STAFF,)),
        ("public", (_NO_COHORT, _SCRAPER, _BOT)),
    ):
        rows = np.flatnonzero(np.isin(users.kind, kinds))
        users.laptop[rows] = _pick(rng, _LAPTOP_MIX[group], names, len(rows))
    mac = np.array([n.startswith("mac_") for n in names])
    users.is_mac = mac[users.laptop]


def _assign_home_ips(world: _World, rng: np.random.Generator) -> None:
    """One to four home IPs per user over the log, mostly in one ISP's block."""
    users = world.users
    blocks = [b for b, _ in _RESIDENTIAL_BLOCKS]
    weights = np.array([w for _, w in _RESIDENTIAL_BLOCKS])
    weights = weights / weights.sum()
    for u in range(len(users.kind)):
        count = 1 + min(3, int(rng.poisson(1.2)))
        home = blocks[int(rng.choice(len(blocks), p=weights))]
        # New addresses are appended, so a user's IPs have consecutive indices.
        users.ip_first[u] = len(world.ips.ips)
        for _ in range(count):
            other = blocks[int(rng.choice(len(blocks), p=weights))]
            world.ips.new(home if rng.random() < 0.8 else other, rng)
        changes = np.sort(rng.integers(0, _N_DAYS, count - 1))
        users.ip_change[u, : count - 1] = changes


def _user_ids(created: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Ids 1..n in order of account creation."""
    order = np.lexsort((rng.random(len(created)), created))
    ids = np.empty(len(created), dtype=np.int64)
    ids[order] = np.arange(1, len(created) + 1)
    return ids


def _add_users(
    world: _World,
    kind: int,
    cohort: Sequence[int],
    start: Sequence[int],
    end: Sequence[int],
    rng: np.random.Generator,
) -> np.ndarray:
    """Append planted users (test accounts, scrapers); return their indices."""
    users = world.users
    n = len(cohort)
    first = len(users.kind)
    cohorts = world.cohorts
    program = [cohorts[c].program_id if c >= 0 else 0 for c in cohort]
    laptop_mix = _LAPTOP_MIX["public" if kind in (_SCRAPER, _BOT) else "student"]
    laptops = _pick(rng, laptop_mix, world.ua_variant_names, n)
    mac = np.array([name.startswith("mac_") for name in world.ua_variant_names])

    def grow(array: np.ndarray, values: Sequence[float] | np.ndarray) -> np.ndarray:
        return np.concatenate([array, np.asarray(values, dtype=array.dtype)])

    users.kind = grow(users.kind, [kind] * n)
    users.cohort = grow(users.cohort, cohort)
    users.program = grow(users.program, program)
    users.start = grow(users.start, start)
    users.end = grow(users.end, end)
    users.activity = grow(users.activity, np.ones(n))
    users.tau = grow(users.tau, np.full(n, 100.0))
    users.tail = grow(users.tail, np.zeros(n))
    users.stop = grow(users.stop, end)
    users.campus = grow(users.campus, np.zeros(n))
    users.laptop = grow(users.laptop, laptops)
    users.phone = grow(users.phone, _pick(rng, _PHONE_MIX, world.ua_variant_names, n))
    users.lag = grow(users.lag, np.zeros(n))
    users.patch = grow(users.patch, rng.integers(0, _PATCHES, n))
    users.is_mac = grow(users.is_mac, mac[laptops])
    users.ip_first = grow(users.ip_first, np.zeros(n))
    users.ip_change = np.concatenate([users.ip_change, np.full((n, 3), 10**6, dtype=np.int64)])
    users.created = grow(users.created, np.asarray(start, dtype=np.float64) + rng.random(n))
    users.user_id = grow(users.user_id, np.zeros(n))
    return np.arange(first, first + n)


def _groups(world: _World, user: np.ndarray) -> np.ndarray:
    """Calibration group of each user."""
    users = world.users
    kind = users.kind[user]
    program = users.program[user]
    group = np.full(len(user), _G_JAVA, dtype=np.int64)
    group[program == 1] = _G_PHP
    group[program == 3] = _G_DS
    no_cohort = (kind == _NO_COHORT) | (kind == _BOT)
    group[no_cohort | ((kind == _SCRAPER) & (users.cohort[user] < 0))] = _G_NO_COHORT
    group[kind == _STAFF] = _G_STAFF
    return group


def _in_log(world: _World, u: int) -> tuple[int, int]:
    """The user's cohort dates clipped to the log, as day indices."""
    return max(0, int(world.users.start[u])), min(_N_DAYS - 1, int(world.users.end[u]))


def _role_candidates(world: _World, days: int, also: np.ndarray) -> np.ndarray:
    """Regular students with at least ``days`` days in session inside the log."""
    users = world.users
    roles = world.roles
    s = np.maximum(users.start, 0)
    e = np.minimum(users.end, _N_DAYS - 1)
    ok = (users.kind == _STUDENT) & (e - s >= days) & (users.program != 4) & also
    ok &= ~np.isin(users.cohort, [roles.overused, roles.decoy])
    return np.flatnonzero(ok)


def _pick_days(
    world: _World, u: int, count: int, rng: np.random.Generator, weekdays: bool
) -> list[int]:
    """Distinct in-session days of a student, spread over the course."""
    s, e = _in_log(world, u)
    days = np.arange(s, e + 1)
    if weekdays:
        days = days[world.weekday[days] < 5]
    chosen = rng.choice(days, size=min(count, len(days)), replace=False)
    return sorted(int(d) for d in chosen)


def _home_ip(world: _World, user: np.ndarray, day: np.ndarray) -> np.ndarray:
    users = world.users
    moved = (day[:, None] >= users.ip_change[user]).sum(axis=1)
    ip: np.ndarray = users.ip_first[user] + moved
    return ip


def _phase(world: _World, user: np.ndarray, day: np.ndarray) -> np.ndarray:
    """0 before the course, 1 in session, 2 graduated, 3 not a student."""
    users = world.users
    kind = users.kind[user]
    s = users.start[user]
    e = users.end[user]
    phase = np.where(day < s, 0, np.where(day <= e, 1, 2))
    student = np.isin(kind, (_STUDENT, _FRONT_END, _TEST, _PLACEHOLDER))
    phase = np.where(student, phase, 3)
    return np.where(kind == _PLACEHOLDER, np.where(day >= s, 1, 0), phase)


def _campus_ip(world: _World, u: int) -> int:
    students = world.campus_ips[int(world.users.campus[u])][0]
    return int(students[0])
