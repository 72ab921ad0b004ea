"""The ground-truth document: what was planted, and what is measured on the final rows
(the over-used lesson's factor, the decoy cohort's activity)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from access_analytics.demo_data.catalog import _path_parts
from access_analytics.demo_data.model import (
    _DAY_SECONDS,
    _STUDENT,
    DS_TO_WEB_CUTOFF,
    LOG_END,
    LOG_START,
    PROGRAMS,
    WEB_TO_DS_CUTOFF,
    _Rows,
    _World,
)
from access_analytics.demo_data.plant import _heavy_truth
from access_analytics.demo_data.plant_bots import _bot_truth, _scraper_truth
from access_analytics.demo_data.world import _CAMPUSES, _HOTSPOT_BLOCKS, _RESIDENTIAL_BLOCKS


@dataclass(frozen=True)
class _PlantedTruth:
    """What the planting steps report, user ids given."""

    test_accounts: list[dict[str, object]]
    scrapers: list[dict[str, object]]
    sharing: list[dict[str, object]]
    two_place: list[dict[str, object]]
    switches: list[dict[str, object]]
    heavy: list[tuple[int, int, int]]
    bots: dict[str, list[dict[str, object]]]


def _ground_truth(world: _World, rows: _Rows, planted: _PlantedTruth) -> dict[str, object]:
    """The ground-truth document: what was planted, measured on the final rows."""
    roles = world.roles
    cohorts = world.cohorts
    topics = world.topics
    truth: dict[str, object] = {
        "log_start": LOG_START.isoformat(),
        "log_end": LOG_END.isoformat(),
        "staff_cohort_id": cohorts[roles.staff].id,
        "placeholder_cohort_ids": [cohorts[c].id for c in roles.placeholders],
        "programs": {str(k): v for k, v in PROGRAMS.items()},
        "test_accounts": planted.test_accounts,
        "scrapers": _scraper_truth(world, rows, planted.scrapers),
        "credential_sharing": planted.sharing,
        "two_place_sharing": sorted(planted.two_place, key=lambda item: int(str(item["user_id"]))),
        "network_switches": sorted(planted.switches, key=lambda item: int(str(item["user_id"]))),
        "cross_program_access": {
            "web_dev_to_data_science": {"cutoff_date": WEB_TO_DS_CUTOFF.isoformat()},
            "data_science_to_web_dev": {"cutoff_date": DS_TO_WEB_CUTOFF.isoformat()},
        },
        "post_graduation_topics": {
            str(p): [_path_parts(world.catalog, t) for t in ids] for p, ids in topics.items()
        },
        "overused_lesson": _overused_truth(world, rows),
        "more_active_cohort": _decoy_truth(world, rows),
        "ip_blocks": [{"block": b, "kind": "organisation"} for b, *_ in _CAMPUSES]
        + [{"block": b, "kind": "hotspot"} for b, _ in _HOTSPOT_BLOCKS]
        + [{"block": b, "kind": "residential"} for b, _ in _RESIDENTIAL_BLOCKS],
        "heavy_usage_days": _heavy_truth(world, rows, planted.heavy),
        **{kind: _bot_truth(world, rows, items) for kind, items in planted.bots.items()},
        "missing_path_rows": int(np.count_nonzero(rows.path == 0)),
    }
    return truth


def _peer_cohorts(world: _World, rows: _Rows) -> tuple[np.ndarray, np.ndarray]:
    """Rows per cohort index, and the Java cohorts that serve as peers."""
    cohort_of_row = world.users.cohort[rows.user]
    counts = np.bincount(cohort_of_row[cohort_of_row >= 0], minlength=len(world.cohorts))
    roles = world.roles
    peers = np.array(
        [
            c
            for c in roles.overlapping + roles.older
            if world.cohorts[c].program_id == 2 and counts[c] >= 50
        ],
        dtype=np.int64,
    )
    return counts, peers


def _overused_truth(world: _World, rows: _Rows) -> dict[str, object]:
    target = world.overused_path
    roles = world.roles
    cohort_of_row = world.users.cohort[rows.user]
    counts, peers = _peer_cohorts(world, rows)
    hits = np.bincount(
        cohort_of_row[(rows.path == target) & (cohort_of_row >= 0)], minlength=len(world.cohorts)
    )
    share = hits / np.maximum(counts, 1)
    others = share[peers[peers != roles.overused]]
    typical = float(np.median(others)) if len(others) else 0.0
    factor = share[roles.overused] / typical if typical > 0 else float(share[roles.overused] * 1000)
    cohort = world.cohorts[roles.overused]
    return {
        "cohort_id": cohort.id,
        "program_id": cohort.program_id,
        **_path_parts(world.catalog, target),
        "factor": round(float(factor), 2),
    }


def _decoy_truth(world: _World, rows: _Rows) -> dict[str, object]:
    """Requests per student and in-session day, relative to the other Java cohorts."""
    users = world.users
    roles = world.roles
    day = rows.ts // _DAY_SECONDS
    inside = (day >= users.start[rows.user]) & (day <= users.end[rows.user])
    regular = users.kind[rows.user] == _STUDENT
    cohort_of_row = users.cohort[rows.user]
    hits = np.bincount(
        cohort_of_row[inside & regular & (cohort_of_row >= 0)], minlength=len(world.cohorts)
    )
    students = np.bincount(
        users.cohort[(users.kind == _STUDENT) & (users.cohort >= 0)], minlength=len(world.cohorts)
    )
    rates = {}
    for c in roles.overlapping:
        cohort = world.cohorts[c]
        if cohort.program_id != 2 or cohort.start < LOG_START or cohort.end > LOG_END:
            continue
        length = (cohort.end - cohort.start).days + 1
        rates[c] = hits[c] / max(1, students[c]) / length
    peers = [r for c, r in rates.items() if c not in (roles.decoy, roles.overused)]
    typical = float(np.median(peers)) if peers else 0.0
    factor = rates[roles.decoy] / typical if typical > 0 else 0.0
    return {"cohort_id": world.cohorts[roles.decoy].id, "factor": round(float(factor), 2)}
