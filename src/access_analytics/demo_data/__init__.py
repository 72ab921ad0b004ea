"""Deterministic synthetic curriculum access logs, shaped like the real bootcamp log.

``generate`` writes three files: the request log (``requests.csv`` or, in the
bootcamp's own space-separated format, ``requests.txt``), a cohort table in the
style of the real MySQL export (``cohorts.csv``) and ``ground_truth.json``,
which lists everything that was planted in the log for the analyses to find:
instructors' one-day test accounts, scrapers, shared credentials, the 2019
cut-off of cross-program access, post-graduation topics, an over-used lesson,
a merely more active cohort (a decoy), heavy-usage days, the IP blocks of
each kind (campus, public hotspot, residential), and non-human traffic that is no
scraper: a crawler with a browser's user agent, exploit scanners and uptime monitors.

Everything is vectorised with numpy: users get a per-day activity intensity,
sessions are drawn per user and day, expanded into requests with ``np.repeat``
and cumulative sums, and paths, user agents and IPs are integer indices into
small string tables until the file is written in chunks. The same arguments
give byte-identical files.

The ground-truth guarantees (for instance that every other student has at
least 40 requests while in session) hold from 100,000 events on; smaller
files are valid and contain every planted item, at reduced volumes.

The package follows the generator's steps, each module one section:
``cohorts`` (the cohort table and the cohorts' roles), ``catalog`` (the curricula's
paths), ``agents`` (user agents), ``world`` (users, networks, devices), ``sessions``
(sessions and their requests), ``traffic`` (regular traffic, fitted to the shares and
the size), ``plant`` and ``plant_bots`` (the planted findings), ``simulate`` (all of
it in order), ``truth`` (the ground truth) and ``write`` (the log file); ``model``
holds the constants and data types they share.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from access_analytics.demo_data.cohorts import (
    _assign_roles,
    _format_cohorts,
    _read_cohorts,
    _synthetic_cohorts,
)
from access_analytics.demo_data.model import (
    ANOMALY_RULE,
    CHUNK_ROWS,
    COHORT_COLUMNS,
    DS_TO_WEB_CUTOFF,
    FORMATS,
    FULL_SCALE_EVENTS,
    GUARANTEE_EVENTS,
    IN_SESSION_FLOOR,
    LOG_END,
    LOG_START,
    MIN_EVENTS,
    PROGRAMS,
    REQUESTS_HEADER,
    WEB_TO_DS_CUTOFF,
    DemoFiles,
)
from access_analytics.demo_data.plant import CELLULAR_BLOCKS
from access_analytics.demo_data.plant_bots import EXPLOIT_PATHS
from access_analytics.demo_data.simulate import _simulate
from access_analytics.demo_data.world import _build_world
from access_analytics.demo_data.write import _write_requests

__all__ = [
    "ANOMALY_RULE",
    "CELLULAR_BLOCKS",
    "CHUNK_ROWS",
    "COHORT_COLUMNS",
    "DS_TO_WEB_CUTOFF",
    "EXPLOIT_PATHS",
    "FORMATS",
    "FULL_SCALE_EVENTS",
    "GUARANTEE_EVENTS",
    "IN_SESSION_FLOOR",
    "LOG_END",
    "LOG_START",
    "MIN_EVENTS",
    "PROGRAMS",
    "REQUESTS_HEADER",
    "WEB_TO_DS_CUTOFF",
    "DemoFiles",
    "generate",
]


def generate(
    out_dir: Path,
    *,
    events: int = 1_000_000,
    seed: int = 42,
    cohorts_file: Path | None = None,
    fmt: str = "csv",
    progress: Callable[[str], None] | None = None,
) -> DemoFiles:
    """Write a synthetic curriculum access log, a cohort table and the planted ground truth.

    Args:
        out_dir: folder for ``requests.csv`` (or ``requests.txt``), ``cohorts.csv`` and
            ``ground_truth.json``; created if missing.
        events: exact number of request lines to write (at least 1,000).
        seed: random seed; the same arguments give byte-identical files.
        cohorts_file: a cohort table in the real export's format to use instead of the
            synthetic one; it is copied byte for byte and its ids and dates drive the log.
        fmt: ``"csv"`` (with header and user agents) or ``"bootcamp"`` (the original
            space-separated ``date time path user_id cohort_id ip``).
        progress: receives short progress messages.

    Returns:
        The paths written and the numbers of request lines and cohort rows.

    Raises:
        ValueError: for a too small ``events``, a negative seed, an unknown ``fmt`` or an
            unreadable or unsuitable cohorts file.
    """
    _check_arguments(events, seed, fmt)
    report = progress if progress is not None else _quiet
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(12)]

    if cohorts_file is None:
        cohorts = _synthetic_cohorts(streams[0])
        cohort_bytes = _format_cohorts(cohorts).encode("utf-8")
    else:
        cohort_bytes, cohorts = _read_cohorts(Path(cohorts_file))
    roles = _assign_roles(cohorts)
    report(f"cohorts: {len(cohorts):,}")

    world = _build_world(cohorts, roles, events, streams[1])
    report(f"users: {len(world.users.kind):,}")

    rows, truth = _simulate(world, events, streams[2:])
    report(f"requests: {len(rows.ts):,}")

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cohorts_path = out / "cohorts.csv"
    cohorts_path.write_bytes(cohort_bytes)
    requests_path = out / ("requests.csv" if fmt == "csv" else "requests.txt")
    _write_requests(requests_path, fmt, world, rows, report)
    truth_path = out / "ground_truth.json"
    document = {"seed": seed, "events": events, **truth}
    truth_path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    report("ground truth written")
    return DemoFiles(requests_path, cohorts_path, truth_path, len(rows.ts), len(cohorts))


def _quiet(_message: str) -> None:
    """Default progress callback: say nothing."""


def _check_arguments(events: int, seed: int, fmt: str) -> None:
    if isinstance(events, bool) or not isinstance(events, (int, np.integer)):
        raise ValueError(f"events must be an integer, got {events!r}")
    if events < MIN_EVENTS:
        raise ValueError(f"events must be at least {MIN_EVENTS:,}, got {events:,}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
