"""Everyone's ordinary traffic: sessions per user and day, calibrated to the programs'
shares around the planted rows, the in-session floor every student reaches, and the
fit to exactly ``events`` rows."""

from __future__ import annotations

import numpy as np

from access_analytics.demo_data.model import (
    _CAMPUS,
    _DAY_SECONDS,
    _G_DS,
    _G_JAVA,
    _G_NO_COHORT,
    _G_PHP,
    _G_STAFF,
    _HOME,
    _LAST_TS,
    _N_DAYS,
    _NO_COHORT,
    _PLACEHOLDER,
    _STAFF,
    _STUDENT,
    _concat,
    _Rows,
    _Sessions,
    _take,
    _World,
)
from access_analytics.demo_data.sessions import _expand, _session_details, _size_table
from access_analytics.demo_data.world import _groups, _in_log

# Shares of all request lines (program 2 gets the rest, program 4 only a handful).
_SHARE_STAFF = 0.09
_SHARE_NO_COHORT = 0.06
_SHARE_PHP = 0.034
_SHARE_DS = 0.11


def _regular_rows(
    world: _World,
    events: int,
    fixed: list[_Sessions],
    explicit: list[_Rows],
    blocked: dict[int, list[int]],
    rng_sess: np.random.Generator,
) -> _Rows:
    """Everyone's ordinary traffic, calibrated to the programme shares around what is
    planted, off the blocked days, with every student at the in-session floor."""
    planted_by_group = np.zeros(5)
    for sessions in fixed:
        np.add.at(planted_by_group, _groups(world, sessions.user), sessions.size)
    for rows in explicit:
        np.add.at(planted_by_group, _groups(world, rows.user), 1)
    # Binge days: ten of them, each about 12 times a typical active day.
    heavy_estimate = min(10 * 12 * 10 * max(1.0, events / 1_000_000), 0.15 * events)
    regular = _regular_sessions(world, events, planted_by_group, heavy_estimate, blocked, rng_sess)
    reg = _expand(world, regular, rng_sess)
    reg = _drop_blocked(reg, blocked)
    topup = _floor_topup(world, reg, blocked, rng_sess)
    if topup is not None:
        reg = _concat([reg, _expand(world, topup, rng_sess)])
    return reg


def _fit_to_size(
    world: _World,
    reg: _Rows,
    planted: list[_Rows],
    events: int,
    heavy: list[int],
    rng_fix: np.random.Generator,
) -> _Rows:
    """The regular rows that, with the planted ones, make exactly ``events`` rows."""
    users = world.users
    n_planted = sum(len(r.ts) for r in planted)
    if n_planted >= events:
        raise ValueError(f"events={events:,} is too small for the planted findings")
    protect = np.zeros(len(users.kind), dtype=bool)
    protect[heavy] = True
    planted_by_group = np.zeros(5, dtype=np.int64)
    for rows in planted:
        planted_by_group += np.bincount(_groups(world, rows.user), minlength=5)
    return _fit_groups(world, reg, events, planted_by_group, protect, rng_fix)


def _day_weights(world: _World, rows: np.ndarray) -> np.ndarray:
    """Expected relative number of sessions per (user, day) for regular users."""
    users = world.users
    d = np.arange(_N_DAYS)[None, :]
    wd = world.weekday[None, :]
    kind = users.kind[rows][:, None]
    s = users.start[rows][:, None]
    e = users.end[rows][:, None]
    week_school = np.where(wd < 5, 1.0, np.where(wd == 5, 0.45, 0.4))
    week_free = np.where(wd < 5, 1.0, 0.9)
    week_staff = np.where(wd < 5, 1.0, 0.15)
    since = np.maximum(d - e, 0)
    grad = 0.18 * np.exp(-since / users.tau[rows][:, None]) + users.tail[rows][:, None]
    grad = grad * (d > e) * (d <= users.stop[rows][:, None]) * week_free
    student = (
        ((d >= s - 21) & (d < s)) * 0.12 * week_school + ((d >= s) & (d <= e)) * week_school + grad
    )
    window = ((d >= s) & (d <= e)).astype(np.float64)
    weights = np.where(kind == _STUDENT, student, 0.0)
    weights = np.where(kind == _STAFF, window * week_staff, weights)
    weights = np.where(kind == _NO_COHORT, window * week_free, weights)
    weights = np.where(kind == _PLACEHOLDER, (d >= s) * week_school, weights)
    expected: np.ndarray = weights * users.activity[rows][:, None]
    return expected


def _regular_sessions(
    world: _World,
    events: int,
    planted: np.ndarray,
    heavy: float,
    blocked: dict[int, list[int]],
    rng: np.random.Generator,
) -> _Sessions:
    """Sessions of everyone's ordinary traffic, about as many requests as needed."""
    users = world.users
    rows = np.flatnonzero(np.isin(users.kind, (_STUDENT, _STAFF, _NO_COHORT, _PLACEHOLDER)))
    weights = _day_weights(world, rows)
    position = {int(u): i for i, u in enumerate(rows)}
    for u, days in blocked.items():
        weights[position[u], days] = 0.0
    sizes, pmf = _size_table()
    mean_size = float((sizes * pmf).sum()) * 0.95  # phone sessions are shorter
    group = _groups(world, rows)
    targets = np.maximum(_share_targets(events) - planted, 0.0)
    targets[_G_JAVA] = max(0.0, events - planted.sum() - heavy - targets.sum())
    mass = np.bincount(group, weights=weights.sum(axis=1), minlength=5)
    factor = np.divide(0.98 * targets, mass * mean_size, out=np.zeros(5), where=mass > 0)
    counts = rng.poisson(weights * factor[group][:, None])
    uu, dd = np.nonzero(counts)
    repeat = counts[uu, dd]
    user = rows[np.repeat(uu, repeat)]
    day = np.repeat(dd, repeat)
    return _session_details(world, user, day, rng)


def _drop_blocked(rows: _Rows, blocked: dict[int, list[int]]) -> _Rows:
    """Remove regular rows on days that planted traffic owns."""
    keys = [u * _N_DAYS + d for u, days in blocked.items() for d in days]
    if not keys:
        return rows
    hit = np.isin(rows.user * _N_DAYS + rows.ts // _DAY_SECONDS, np.array(keys))
    return _take(rows, np.flatnonzero(~hit))


def _in_session_counts(world: _World, rows: _Rows) -> np.ndarray:
    users = world.users
    day = rows.ts // _DAY_SECONDS
    inside = (day >= users.start[rows.user]) & (day <= users.end[rows.user])
    return np.bincount(rows.user[inside], minlength=len(users.kind))


def _protected(world: _World) -> np.ndarray:
    """Regular students (and placeholders) whose cohort overlaps the log."""
    users = world.users
    overlaps = (users.end >= 0) & (users.start <= _N_DAYS - 1)
    return np.isin(users.kind, (_STUDENT, _PLACEHOLDER)) & overlaps


def _floor_topup(
    world: _World, rows: _Rows, blocked: dict[int, list[int]], rng: np.random.Generator
) -> _Sessions | None:
    """Extra class-time sessions so that every student reaches the in-session floor."""
    if world.floor <= 0:
        return None
    counts = _in_session_counts(world, rows)
    short = np.flatnonzero(_protected(world) & (counts < world.floor))
    if not len(short):
        return None
    # Spread each student's missing requests over a few class days, about ten a day.
    user_parts, day_parts, size_parts = [], [], []
    for u in short:
        s, e = _in_log(world, int(u))
        options = np.arange(s, e + 1)
        options = options[~np.isin(options, blocked.get(int(u), []))]
        week = options[world.weekday[options] < 5]
        options = week if len(week) else options
        need = world.floor - int(counts[u]) + int(rng.integers(3, 9))
        n_days = min(len(options), max(1, need // 10))
        chosen = rng.choice(options, size=n_days, replace=False)
        user_parts.append(np.full(n_days, u))
        day_parts.append(np.sort(chosen))
        size_parts.append(np.bincount(rng.integers(0, n_days, need - n_days), minlength=n_days) + 1)
    user = np.concatenate(user_parts).astype(np.int64)
    day = np.concatenate(day_parts).astype(np.int64)
    start = rng.integers(10 * 3600, 14 * 3600, len(user))
    sessions = _session_details(
        world,
        user,
        day,
        rng,
        location=np.where(world.weekday[day] < 5, _CAMPUS, _HOME),
        start=start,
    )
    sessions.size = np.concatenate(size_parts).astype(np.int64)
    sessions.clamp = True
    return sessions


def _share_targets(events: int) -> np.ndarray:
    """Rows per calibration group (all rows, planted ones included); Java gets the rest."""
    targets = np.zeros(5)
    targets[_G_STAFF] = _SHARE_STAFF * events
    targets[_G_NO_COHORT] = _SHARE_NO_COHORT * events
    targets[_G_PHP] = _SHARE_PHP * events
    targets[_G_DS] = _SHARE_DS * events
    return targets


def _fit_groups(
    world: _World,
    rows: _Rows,
    events: int,
    planted: np.ndarray,
    protect: np.ndarray,
    rng: np.random.Generator,
) -> _Rows:
    """Fit the regular rows of each group to its share, so that the file has ``events``."""
    group = _groups(world, rows.user)
    wanted = np.maximum(np.rint(_share_targets(events)) - planted, 0).astype(np.int64)
    parts = []
    for g in (_G_STAFF, _G_NO_COHORT, _G_PHP, _G_DS):
        part = _take(rows, np.flatnonzero(group == g))
        parts.append(
            _fit_total(world, part, int(wanted[g]), protect, rng) if len(part.ts) else part
        )
    rest = events - int(planted.sum()) - sum(len(p.ts) for p in parts)
    java = _take(rows, np.flatnonzero(group == _G_JAVA))
    parts.append(_fit_total(world, java, max(0, rest), protect, rng))
    fitted = _concat(parts)
    missing = events - int(planted.sum()) - len(fitted.ts)
    if missing:  # only when floors leave too little room in a very small file
        fitted = _fit_total(world, fitted, len(fitted.ts) + missing, protect, rng)
    return fitted


def _fit_total(
    world: _World, rows: _Rows, target: int, protect: np.ndarray, rng: np.random.Generator
) -> _Rows:
    """Add or remove regular rows so that exactly ``target`` remain.

    Rows are removed uniformly, except that no student drops below the in-session
    floor and protected users keep all their rows; added rows extend existing sessions
    within the same day.
    """
    n = len(rows.ts)
    if n == target:
        return rows
    users = world.users
    own = protect[rows.user]
    if n > target:
        day = rows.ts // _DAY_SECONDS
        in_session = (
            (day >= users.start[rows.user])
            & (day <= users.end[rows.user])
            & _protected(world)[rows.user]
        )
        spare = np.maximum(_in_session_counts(world, rows) - world.floor, 0)
        order = rng.permutation(np.flatnonzero(~own))
        # Rank of each in-session row among its user's, in the random order.
        counted = order[in_session[order]]
        by_user = np.argsort(rows.user[counted], kind="stable")
        grouped = rows.user[counted][by_user]
        starts = np.searchsorted(grouped, grouped, side="left")
        rank = np.empty(len(counted), dtype=np.int64)
        rank[by_user] = np.arange(len(counted)) - starts
        allowed = np.ones(len(order), dtype=bool)
        allowed[in_session[order]] = rank < spare[rows.user[counted]]
        drop = order[allowed][: n - target]
        if len(drop) < n - target:  # only with very small files
            drop = order[: n - target]
        if len(drop) < n - target:
            drop = rng.permutation(n)[: n - target]
        keep = np.ones(n, dtype=bool)
        keep[drop] = False
        return _take(rows, np.flatnonzero(keep))
    seconds = rows.ts % _DAY_SECONDS
    pool = np.flatnonzero(~own & (seconds >= 900) & (seconds < _DAY_SECONDS - 900))
    if not len(pool):
        pool = np.flatnonzero(~own) if (~own).any() else np.arange(n)
    if not len(pool):
        return rows
    copy = _take(rows, pool[rng.integers(0, len(pool), target - n)])
    copy.ts = copy.ts + rng.integers(-120, 121, len(copy.ts))
    copy.ts = np.clip(copy.ts, 0, _LAST_TS)
    return _concat([rows, copy])
