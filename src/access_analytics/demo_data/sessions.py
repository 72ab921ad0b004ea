"""Sessions: what each is about (the module a student's course has reached), where and
when it happens, on which device and IP, and its expansion into request rows."""

from __future__ import annotations

import math

import numpy as np

from access_analytics.demo_data.agents import _MAC_CHROME, _ua
from access_analytics.demo_data.model import (
    _CAMPUS,
    _DAY_SECONDS,
    _HOME,
    _HOTSPOT,
    _LAB,
    _LAPTOP,
    _LAST_TS,
    _N_DAYS,
    _PHONE,
    _PLACEHOLDER,
    _STAFF,
    PROGRAMS,
    _Rows,
    _rows,
    _Sessions,
    _World,
)
from access_analytics.demo_data.world import _home_ip, _phase


def _focus_modules(
    world: _World, user: np.ndarray, day: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """The module a session is about: students follow their course's progress."""
    users = world.users
    catalog = world.catalog
    n = len(user)
    module = np.zeros(n, dtype=np.int64)
    phase = _phase(world, user, day)
    program = users.program[user]
    kind = users.kind[user]
    for p in PROGRAMS:
        core = catalog.core[p]
        every = catalog.every[p]
        mask = (program == p) & (phase < 3) & (kind != _STAFF)
        if not mask.any():
            continue
        rows = np.flatnonzero(mask)
        s = users.start[user[rows]]
        e = users.end[user[rows]]
        progress = (day[rows] - s) / np.maximum(1, e - s + 1)
        noisy = np.clip(progress + rng.normal(0.0, 0.06, len(rows)), 0.0, 0.999999)
        chosen = core[np.searchsorted(catalog.core_bounds[p], noisy, side="right")]
        anywhere = every[rng.integers(0, len(every), len(rows))]
        support = every[len(core) :]
        if len(support):
            extra = support[rng.integers(0, len(support), len(rows))]
            chosen = np.where(rng.random(len(rows)) < 0.12, extra, chosen)
        ph = phase[rows]
        placeholder = kind[rows] == _PLACEHOLDER
        chosen = np.where(ph == 0, core[0], chosen)
        chosen = np.where((ph == 2) | placeholder, anywhere, chosen)
        module[rows] = chosen
    others = np.flatnonzero((phase == 3) | (kind == _STAFF))
    if len(others):
        module[others] = _any_module(world, kind[others] == _STAFF, rng)
    return module


def _any_module(world: _World, is_staff: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A module of either curriculum (staff 25 % data science, visitors 15 %)."""
    ds = world.catalog.module_is_ds
    web_ids = np.flatnonzero(~ds)
    ds_ids = np.flatnonzero(ds)
    n = len(is_staff)
    take_ds = rng.random(n) < np.where(is_staff, 0.25, 0.15)
    return np.where(
        take_ds, ds_ids[rng.integers(0, len(ds_ids), n)], web_ids[rng.integers(0, len(web_ids), n)]
    )


def _size_table() -> tuple[np.ndarray, np.ndarray]:
    """Session sizes 1..80 with a log-normal shape (median about 9 requests)."""
    sizes = np.arange(1, 81)
    pmf = np.exp(-((np.log(sizes) - math.log(9.0)) ** 2) / (2 * 0.8**2)) / sizes
    return sizes, pmf / pmf.sum()


def _session_details(
    world: _World,
    user: np.ndarray,
    day: np.ndarray,
    rng: np.random.Generator,
    location: np.ndarray | None = None,
    start: np.ndarray | None = None,
) -> _Sessions:
    """Where, when, on which device and about what each session is."""
    users = world.users
    n = len(user)
    kind = users.kind[user]
    phase = _phase(world, user, day)
    weekend = world.weekday[day] >= 5
    # 0 in session, 1 before/after the course, 2 staff, 3 visitors.
    cls = np.where(phase == 1, 0, np.where(phase < 3, 1, np.where(kind == _STAFF, 2, 3)))
    if location is None:
        location = _location(world, cls, weekend, rng)
    if start is None:
        start = _start_seconds(location, weekend, kind == _STAFF, rng)
    phone_p = np.where(location == _HOME, 0.15, np.where(location == _HOTSPOT, 0.6, 0.0))
    device = np.where(rng.random(n) < phone_p, _PHONE, _LAPTOP)
    # In class, students without a Mac of their own work on a loaner MacBook.
    lab = (location == _CAMPUS) & (kind != _STAFF) & ~users.is_mac[user]
    device = np.where(lab, _LAB, device)
    variant = np.where(
        device == _PHONE,
        users.phone[user],
        np.where(device == _LAB, _MAC_CHROME, users.laptop[user]),
    )
    ua = _ua(world, variant, np.where(device == _LAB, 0, users.lag[user]), day, users.patch[user])

    ip = _session_ips(world, user, day, location, rng)
    sizes, pmf = _size_table()
    size = sizes[rng.choice(len(sizes), size=n, p=pmf)]
    size = np.where(device == _PHONE, (size + 1) // 2, size)
    return _single_sessions(world, user, day, start, size, ip, ua, rng, clamp=False)


def _location(
    world: _World, cls: np.ndarray, weekend: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Campus, home or hotspot, by kind of session (``cls``: 0 in session, 1 before or
    after the course, 2 staff, 3 visitors) and day of the week."""
    p_campus = np.array([0.58, 0.0, 0.8, 0.0])[cls]
    p_hot = np.array([0.06, 0.1, 0.03, 0.12])[cls]
    # Public hotspots are at least as busy per day at weekends as on weekdays.
    n_weekdays = np.count_nonzero(world.weekday < 5)
    wanted = 1.25 * p_hot[~weekend].sum() / n_weekdays * (_N_DAYS - n_weekdays)
    base = p_hot[weekend].sum()
    boost = wanted / base if base > 0 else 1.0
    p_hot = np.where(weekend, np.minimum(0.6, p_hot * boost), p_hot)
    p_campus = np.where(weekend, np.where(cls == 2, 0.02, 0.0), p_campus)
    draw = rng.random(len(cls))
    location: np.ndarray = np.where(
        draw < p_campus, _CAMPUS, np.where(draw < p_campus + p_hot, _HOTSPOT, _HOME)
    )
    return location


def _session_ips(
    world: _World,
    user: np.ndarray,
    day: np.ndarray,
    location: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """The IP of each session: the user's home IP of the day, a hotspot's, or one of
    the campus's students' or staff's IPs."""
    users = world.users
    kind = users.kind[user]
    ip = _home_ip(world, user, day)
    hot = np.flatnonzero(location == _HOTSPOT)
    ip[hot] = world.hotspot_ips[
        rng.choice(len(world.hotspot_ips), size=len(hot), p=world.hotspot_weights)
    ]
    for number, (students, s_w, staff, t_w) in enumerate(world.campus_ips):
        here = (location == _CAMPUS) & (users.campus[user] == number)
        for pool, weights, who in ((students, s_w, kind != _STAFF), (staff, t_w, kind == _STAFF)):
            rows = np.flatnonzero(here & who)
            ip[rows] = pool[rng.choice(len(pool), size=len(rows), p=weights)]
    return ip


def _start_seconds(
    location: np.ndarray, weekend: np.ndarray, staff: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Session start times by place: class hours, evenings at home, hotspot peaks."""
    n = len(location)
    hour = 3600.0
    part = rng.random(n)
    class_time = np.where(part < 0.55, rng.uniform(8.5, 12.0, n), rng.uniform(13.0, 17.0, n))
    work_time = rng.uniform(8.0, 17.5, n)
    evening = np.clip(rng.normal(20.3, 1.3, n), 17.5, 23.5)
    home_weekday = np.where(
        part < 0.7,
        evening,
        np.where(part < 0.85, rng.uniform(6.0, 8.5, n), rng.uniform(9.0, 17.0, n)),
    )
    home_weekend = np.where(
        part < 0.3,
        rng.uniform(9.0, 13.0, n),
        np.where(part < 0.6, rng.uniform(13.0, 18.0, n), evening),
    )
    morning = np.clip(rng.normal(8.0, 0.6, n), 6.5, 9.5)
    late = np.clip(rng.normal(19.0, 1.1, n), 17.0, 21.5)
    hotspot = np.where(part < 0.4, morning, np.where(part < 0.85, late, rng.uniform(11.0, 16.0, n)))
    hours = np.where(
        location == _CAMPUS,
        np.where(staff, work_time, class_time),
        np.where(location == _HOTSPOT, hotspot, np.where(weekend, home_weekend, home_weekday)),
    )
    return (hours * hour).astype(np.int64)


def _expand(world: _World, sessions: _Sessions, rng: np.random.Generator) -> _Rows:
    """One row per request: sessions repeated by size, times by cumulative gaps."""
    size = sessions.size.astype(np.int64)
    total = int(size.sum())
    sid = np.repeat(np.arange(len(size)), size)
    gaps = np.rint(rng.lognormal(0.0, 1.0, total) * sessions.gap[sid])
    gaps = np.clip(gaps, 1, 600).astype(np.int64)
    first = np.cumsum(size) - size
    gaps[first[size > 0]] = 0
    done = np.cumsum(gaps)
    ts = sessions.ts0[sid] + done - done[first][sid]
    if sessions.clamp:
        ts = np.minimum(ts, (sessions.ts0[sid] // _DAY_SECONDS + 1) * _DAY_SECONDS - 1)
    ts = np.minimum(ts, _LAST_TS)
    return _rows(
        ts,
        sessions.user[sid],
        sessions.ip[sid],
        sessions.ua[sid],
        sessions.module[sid],
        np.full(total, -1),
    )


def _single_sessions(
    world: _World,
    user: np.ndarray,
    day: np.ndarray,
    seconds: np.ndarray,
    size: np.ndarray,
    ip: np.ndarray,
    ua: np.ndarray,
    rng: np.random.Generator,
    gap: float = 30.0,
    clamp: bool = True,
) -> _Sessions:
    """Sessions from their user, day, start (seconds of the day), size, IP and user
    agent; each is about its user's focus module of the day. ``clamp``: every request
    stays on the session's first day."""
    return _Sessions(
        user=user,
        ts0=day * _DAY_SECONDS + seconds,
        size=size,
        ip=ip,
        ua=ua,
        module=_focus_modules(world, user, day, rng),
        gap=np.full(len(user), gap),
        clamp=clamp,
    )


def _timed_rows(
    world: _World,
    u: int,
    day: int,
    start: int,
    count: int,
    ip: int,
    ua: int,
    rng: np.random.Generator,
    gap: tuple[int, int] = (40, 150),
) -> _Rows:
    """``count`` requests of one device from ``start`` (seconds of the day) on."""
    steps = rng.integers(gap[0], gap[1], count)
    steps[0] = 0
    ts = day * _DAY_SECONDS + start + np.cumsum(steps)
    user = np.full(count, u)
    module = np.repeat(_focus_modules(world, user[:1], np.array([day]), rng), count)
    return _rows(
        ts.astype(np.int64),
        user,
        np.full(count, ip),
        np.full(count, ua),
        module,
        np.full(count, -1),
    )
