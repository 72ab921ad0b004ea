"""The generator's constants and the data it passes between its steps: the log's
calendar, kinds of users, places and devices, cohorts, the path catalogue, users,
sessions and request rows (integer columns until the file is written)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

LOG_START = date(2018, 1, 26)
LOG_END = date(2021, 4, 21)
MIN_EVENTS = 1_000
FORMATS = ("csv", "bootcamp")
PROGRAMS = {1: "PHP web dev", 2: "Java web dev", 3: "data science", 4: "front end"}
# fmt: off
COHORT_COLUMNS = (
    "id", "name", "slack", "start_date", "end_date", "created_at", "updated_at",
    "deleted_at", "program_id",
)
# fmt: on
REQUESTS_HEADER = "date,time,path,user_id,cohort_id,ip,user_agent"
WEB_TO_DS_CUTOFF = date(2019, 3, 11)
DS_TO_WEB_CUTOFF = date(2019, 3, 25)
# Every student whose cohort overlaps the log has at least this many requests while in
# session (from GUARANTEE_EVENTS on), far above the planted test accounts' 1-8.
IN_SESSION_FLOOR = 40
GUARANTEE_EVENTS = 100_000
# From this size on, user counts and planted volumes are at full scale.
FULL_SCALE_EVENTS = 200_000
CHUNK_ROWS = 1_000_000
# The daily anomaly rule's defaults (dbt vars anomaly_window_days,
# anomaly_min_history_days, anomaly_min_scale, anomaly_score_threshold; a test checks
# that they agree): a planted heavy-usage day must stand out under them at every size.
ANOMALY_RULE = {
    "anomaly_window_days": 7,
    "anomaly_min_history_days": 7,
    "anomaly_min_scale": 12,
    "anomaly_score_threshold": 9,
}

_N_DAYS = (LOG_END - LOG_START).days + 1
_DAY_SECONDS = 86_400
_LAST_TS = _N_DAYS * _DAY_SECONDS - 1

# User kinds.
# _BOT: the accounts of crawlers, exploit scanners and uptime monitors (every line of the
# log has a user_id: the curriculum is behind a login), no cohort, like new scrapers.
_STUDENT, _STAFF, _NO_COHORT, _PLACEHOLDER, _FRONT_END, _TEST, _SCRAPER, _BOT = range(8)
# Session locations.
_CAMPUS, _HOME, _HOTSPOT = range(3)
# Devices.
_LAPTOP, _PHONE, _LAB = range(3)
# Calibration groups of regular users.
_G_STAFF, _G_NO_COHORT, _G_PHP, _G_DS, _G_JAVA = range(5)


@dataclass(frozen=True)
class DemoFiles:
    """The files written by ``generate`` and what they contain."""

    requests_path: Path  # the request log
    cohorts_path: Path  # the cohort table
    ground_truth_path: Path  # JSON
    events: int  # number of request lines written (data lines, excluding header)
    cohorts: int  # number of cohort rows written


@dataclass(frozen=True)
class _Cohort:
    id: int
    name: str
    slack: str
    start: date
    end: date
    created_at: str
    updated_at: str
    program_id: int


@dataclass(frozen=True)
class _Roles:
    staff: int
    placeholders: tuple[int, ...]
    overlapping: tuple[int, ...]  # regular cohorts whose dates overlap the log
    older: tuple[int, ...]  # cohorts of programs 1-3 that ended before the log
    front_end: tuple[int, ...]  # program-4 cohorts outside the log: a handful of rows
    overused: int
    decoy: int


@dataclass(frozen=True)
class _Catalog:
    paths: tuple[str, ...]  # index 0 is the empty (missing) path
    module_names: tuple[str, ...]
    module_is_ds: np.ndarray
    index_path: np.ndarray  # module -> its index page
    lesson_keys: np.ndarray  # module + cumulative Zipf weight, for searchsorted
    lesson_paths: np.ndarray
    image_keys: np.ndarray
    image_paths: np.ndarray
    visible: tuple[tuple[int, ...], ...]  # module -> lesson path ids by popularity
    crawlable: tuple[tuple[int, ...], ...]  # module -> every path a crawler finds
    core: dict[int, np.ndarray]  # program -> core module ids in teaching order
    core_bounds: dict[int, np.ndarray]  # program -> cumulative share of the course
    every: dict[int, np.ndarray]  # program -> all its module ids
    home: int
    toc: int
    search: int
    favicon: int


@dataclass
class _Users:
    kind: np.ndarray
    cohort: np.ndarray  # index into cohorts, -1 without
    program: np.ndarray  # 0 without cohort
    start: np.ndarray  # day index: cohort start, or first day of a staff/visitor window
    end: np.ndarray
    activity: np.ndarray
    tau: np.ndarray
    tail: np.ndarray
    stop: np.ndarray
    campus: np.ndarray
    laptop: np.ndarray  # user-agent variant
    phone: np.ndarray
    lag: np.ndarray  # quarters behind the current browser version
    patch: np.ndarray  # patch level of the user's browsers
    is_mac: np.ndarray
    ip_first: np.ndarray  # index of the first home IP in the IP table
    ip_change: np.ndarray  # (users, 3) days on which the home IP changes
    created: np.ndarray  # when the account was made (day index); orders the user ids
    user_id: np.ndarray


@dataclass
class _Sessions:
    user: np.ndarray
    ts0: np.ndarray
    size: np.ndarray
    ip: np.ndarray
    ua: np.ndarray
    module: np.ndarray
    gap: np.ndarray  # median seconds between requests
    clamp: bool  # keep every request on the session's first day


@dataclass
class _Rows:
    ts: np.ndarray
    user: np.ndarray
    ip: np.ndarray
    ua: np.ndarray
    module: np.ndarray
    path: np.ndarray  # -1: to be drawn


class _IpTable:
    """IP strings, appended once each, and a source of new unused addresses."""

    def __init__(self) -> None:
        self.ips: list[str] = []
        self.index: dict[str, int] = {}

    def add(self, ip: str) -> int:
        found = self.index.get(ip)
        if found is None:
            found = len(self.ips)
            self.ips.append(ip)
            self.index[ip] = found
        return found

    def new(self, block: str, rng: np.random.Generator) -> int:
        while True:
            ip = f"{block}.{int(rng.integers(0, 256))}.{int(rng.integers(1, 255))}"
            if ip not in self.index:
                return self.add(ip)


@dataclass
class _World:
    cohorts: list[_Cohort]
    roles: _Roles
    catalog: _Catalog
    users: _Users
    ips: _IpTable
    ua_strings: list[str]
    ua_variant_names: list[str]
    scale: float
    floor: int
    weekday: np.ndarray  # day index -> 0 (Monday) .. 6
    quarter: np.ndarray  # day index -> user-agent quarter
    campus_ips: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]
    hotspot_ips: np.ndarray
    hotspot_weights: np.ndarray
    overused_path: int  # the lesson one cohort reads far more than the others
    topics: dict[int, list[int]]  # program -> lessons graduates keep coming back to


def _day(value: date) -> int:
    return (value - LOG_START).days


def _rows(
    ts: np.ndarray,
    user: np.ndarray,
    ip: np.ndarray,
    ua: np.ndarray,
    module: np.ndarray,
    path: np.ndarray,
) -> _Rows:
    """Rows with compact integer columns (10 million rows stay well under 1 GB)."""
    small = np.int32
    return _Rows(
        np.asarray(ts, dtype=np.int64),
        np.asarray(user, dtype=small),
        np.asarray(ip, dtype=small),
        np.asarray(ua, dtype=small),
        np.asarray(module, dtype=small),
        np.asarray(path, dtype=small),
    )


def _concat(parts: Sequence[_Rows]) -> _Rows:
    return _Rows(
        *(
            np.concatenate([getattr(p, f) for p in parts])
            for f in ("ts", "user", "ip", "ua", "module", "path")
        )
    )


def _take(rows: _Rows, index: np.ndarray) -> _Rows:
    return _Rows(
        rows.ts[index],
        rows.user[index],
        rows.ip[index],
        rows.ua[index],
        rows.module[index],
        rows.path[index],
    )
