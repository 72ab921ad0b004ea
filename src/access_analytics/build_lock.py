"""One build at a time, as the loaders see it (docs/concurrency.md).

dbt claims the warehouse in its `on-run-start` hook (macros/claim_build_lock.sql): the
one row of ``private.build_lock``, taken only while no load holds the loaders' lock.
A load that holds the loaders' lock waits here while a build that is alive holds the
row, so no load commits under a running build (its reconciliation test would see raw
rows that its models did not), and no build starts under a load.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import psycopg

_HOLDER = """
select invocation_id, command, claimed_at, extract(epoch from orphan_after)::float8
from private.build_lock
"""
# A run is alive while a session of it is connected: every query of a dbt run carries
# its invocation id in the query comment (macros/query_comment.sql).
_ALIVE = """
select exists (
    select from pg_catalog.pg_stat_activity
    where datname = current_database() and pid <> pg_backend_pid() and query like %s
)
"""


def wait_for_build(
    conn: psycopg.Connection,
    say: Callable[[str], None] | None = None,
    poll_seconds: float = 0.5,
) -> None:
    """Return once no live dbt run holds the warehouse. A holder with no session for its
    ``orphan_after`` (a dbt that was killed) does not count; dbt voids its claim."""
    if conn.execute("select to_regclass('private.build_lock')").fetchone() == (None,):
        return
    absent: tuple[str, float] | None = None
    said = False
    while True:
        # pg_stat_activity is read once per transaction unless cleared.
        conn.execute("select pg_stat_clear_snapshot()")
        holder = conn.execute(_HOLDER).fetchone()
        if holder is None:
            return
        invocation, command, claimed_at, orphan_after = holder
        alive = conn.execute(_ALIVE, (f"%{invocation}%",)).fetchone()
        if alive is not None and alive[0]:
            absent = None
        elif absent is None or absent[0] != invocation:
            absent = (invocation, time.monotonic())
        elif time.monotonic() - absent[1] >= orphan_after:
            return
        if not said and say is not None:
            say(
                f"a build (dbt {command}, invocation {invocation}) holds the warehouse since"
                f" {claimed_at:%Y-%m-%d %H:%M:%S %Z}: the load waits for it"
            )
            said = True
        time.sleep(poll_seconds)
