"""Output: the request log, written in chunks from pre-formatted strings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from access_analytics.demo_data.model import (
    _DAY_SECONDS,
    _N_DAYS,
    CHUNK_ROWS,
    LOG_START,
    REQUESTS_HEADER,
    _Rows,
    _World,
)


def _write_requests(
    path: Path, fmt: str, world: _World, rows: _Rows, report: Callable[[str], None]
) -> None:
    """Write the log in chunks, joining pre-formatted strings per row."""
    users = world.users
    cohort_ids = np.array([c.id for c in world.cohorts], dtype=np.int64)
    sep = "," if fmt == "csv" else " "
    missing = "" if fmt == "csv" else "NaN"
    user_cohort = np.array(
        [
            f"{uid}{sep}{cohort_ids[c] if c >= 0 else missing}"
            for uid, c in zip(users.user_id.tolist(), users.cohort.tolist(), strict=True)
        ],
        dtype=object,
    )
    day_strings = np.datetime_as_string(
        np.datetime64(LOG_START.isoformat()) + np.arange(_N_DAYS), unit="D"
    ).astype(object)
    time_strings = np.array(
        [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)],
        dtype=object,
    )
    path_strings = np.array(world.catalog.paths, dtype=object)
    ip_strings = np.array(world.ips.ips, dtype=object)
    agent_strings = np.array(
        ['"' + ua.replace('"', '""') + '"' for ua in world.ua_strings], dtype=object
    )
    total = len(rows.ts)
    with path.open("wb") as out:
        if fmt == "csv":
            out.write((REQUESTS_HEADER + "\n").encode("ascii"))
        for begin in range(0, total, CHUNK_ROWS):
            part = slice(begin, min(total, begin + CHUNK_ROWS))
            ts = rows.ts[part]
            columns = [
                day_strings[ts // _DAY_SECONDS].tolist(),
                time_strings[ts % _DAY_SECONDS].tolist(),
                path_strings[rows.path[part]].tolist(),
                user_cohort[rows.user[part]].tolist(),
                ip_strings[rows.ip[part]].tolist(),
            ]
            if fmt == "csv":
                columns.append(agent_strings[rows.ua[part]].tolist())
            text = "\n".join(map(sep.join, zip(*columns, strict=True)))
            out.write((text + "\n").encode("utf-8"))
            report(f"writing {part.stop:,} / {total:,} rows")
