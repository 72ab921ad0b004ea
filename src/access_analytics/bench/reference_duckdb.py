"""The core answers in DuckDB: the files loaded into a DuckDB database file (the
warehouse of a DuckDB user), then one SQL query per answer.

See ``answers`` for the definitions.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb

from access_analytics.bench.answers import Definitions, is_declared_bot, weekday_profile

_OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"

_LOAD = """
create or replace table requests as
with raw as (
    select
        trim(date) as date_text,
        trim(time) as time_text,
        nullif(trim(path), '') as raw_path,
        cast(trim(user_id) as bigint) as user_id,
        cast(nullif(trim(cohort_id), '') as bigint) as cohort_id,
        trim(ip) as ip,
        coalesce(trim(user_agent), '') as user_agent
    from read_csv($requests, header = true, all_varchar = true, quote = '"')
),
normalised as (
    select
        raw.*,
        cast(date_text as date) as request_date,
        cast(date_text || ' ' || time_text as timestamp) as requested_at,
        case when raw_path is not null then coalesce(nullif(regexp_replace(
            regexp_replace(regexp_replace(raw_path, '[?#].*$', ''), '/{2,}', '/', 'g'),
            '^/|/$', '', 'g'
        ), ''), '/') end as path
    from raw
)
select
    *,
    lower(regexp_extract(path, '\\.([A-Za-z0-9]+)$', 1)) as extension
from normalised
"""

_COHORTS = """
create or replace table cohorts as
select
    cast(id as bigint) as cohort_id,
    trim(name) as cohort_name,
    cast(trim(start_date) as date) as start_date,
    cast(trim(end_date) as date) as end_date,
    nullif(nullif(trim(program_id), ''), 'NULL') as program_id
from (
    select *, row_number() over () as line
    from read_csv($cohorts, header = true, all_varchar = true)
)
qualify row_number() over (partition by id order by line desc) = 1  -- the newest row wins
"""

_SESSIONS = """
with gaps as (
    select
        user_id,
        requested_at,
        date_diff('second', lag(requested_at) over by_user, requested_at) as gap
    from requests
    where requested_at <= $until
    window by_user as (partition by user_id order by requested_at)
),
visits as (
    select
        *,
        sum(case when gap is null or gap > $gap then 1 else 0 end)
            over (partition by user_id order by requested_at rows unbounded preceding)
            as visit
    from gaps
),
pieces as (
    select
        user_id,
        visit,
        date_diff('second', min(requested_at) over (partition by user_id, visit),
                  requested_at) // $piece as piece
    from visits
)
select 'user:' || user_id, count(distinct (visit, piece)) from pieces group by user_id
"""

_RANKINGS = """
with counts as (
    select requests.cohort_id, requests.path, count(*) as requests
    from requests
    inner join cohorts on requests.cohort_id = cohorts.cohort_id
    where
        requests.path is not null and requests.path != '/'
        and coalesce(requests.extension, '') not in (select unnest($assets))
        and cohorts.program_id is not null
        and cohorts.cohort_name not in (select unnest($staff))
        and date_diff('day', cohorts.start_date, cohorts.end_date) <= $placeholder_days
        and requests.request_date between cohorts.start_date and cohorts.end_date
    group by all
)
select
    cohort_id, path, requests,
    row_number() over (partition by cohort_id order by requests desc, path) as rank
from counts
"""

_PEOPLE = """
create or replace temp table people as
with agents as (
    select distinct user_agent from requests
),
bots as (
    select agents.user_agent
    from agents
    inner join bot_agents on agents.user_agent = bot_agents.user_agent
)
select
    split_part(ip, '.', 1) || '.' || split_part(ip, '.', 2) as block,
    request_date,
    hour(requested_at) as hour,
    ip || '|' || user_agent as user_key
from requests
where
    requested_at <= $until
    and regexp_full_match(ip, $ipv4)
    and user_agent not in (select user_agent from bots)
"""

_HOURLY = """
select block, strftime(request_date, '%Y-%m-%d'), hour, count(distinct user_key)
from people group by all
"""

_DAILY = """
select block, dayofweek(request_date) as dow, count(*) as active_days, sum(users) as users
from (
    select block, request_date, count(distinct user_key) as users from people group by all
)
group by all
"""

_LOG_DAYS = "select dayofweek(request_date), count(distinct request_date) from people group by 1"


def answers(
    requests_csv: Path, cohorts_csv: Path, defs: Definitions, database: Path
) -> dict[str, Any]:
    """The four answers (see ``answers.ANSWERS``) as row lists; ``database`` is the
    DuckDB file the requests are loaded into (replaced if it exists)."""
    database.unlink(missing_ok=True)
    until = datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(
        seconds=defs.future_tolerance_seconds
    )
    with duckdb.connect(str(database)) as con:
        con.execute(_LOAD, {"requests": str(requests_csv)})
        con.execute(_COHORTS, {"cohorts": str(cohorts_csv)})
        agents = [
            row[0] for row in con.execute("select distinct user_agent from requests").fetchall()
        ]
        con.execute("create or replace temp table bot_agents (user_agent varchar)")
        bots = [[agent] for agent in agents if is_declared_bot(defs, agent)]
        if bots:
            con.executemany("insert into bot_agents values (?)", bots)
        sessions = con.execute(
            _SESSIONS,
            {"until": until, "gap": defs.session_gap_seconds, "piece": defs.max_session_seconds},
        ).fetchall()
        rankings = con.execute(
            _RANKINGS,
            {
                "assets": sorted(defs.asset_extensions),
                "staff": list(defs.staff_cohort_names),
                "placeholder_days": defs.placeholder_cohort_min_days,
            },
        ).fetchall()
        con.execute(_PEOPLE, {"until": until, "ipv4": f"{_OCTET}(\\.{_OCTET}){{3}}"})
        hourly = con.execute(_HOURLY).fetchall()
        daily = con.execute(_DAILY).fetchall()
        days = dict.fromkeys(range(7), 0) | dict(con.execute(_LOG_DAYS).fetchall())
    blocks: dict[str, dict[str, Any]] = {}
    for block, dow, active, users in daily:
        entry = blocks.setdefault(block, {"active": 0, "users": dict.fromkeys(range(7), 0)})
        entry["active"] += active
        entry["users"][dow] = int(users)
    day_counts = [days[dow] for dow in range(7)]
    weekdays = [
        weekday_profile(
            block,
            entry["active"],
            [entry["users"][dow] for dow in range(7)],
            day_counts,
            defs.weekday_effect_ratio,
        )
        for block, entry in blocks.items()
    ]
    return {"sessions": sessions, "rankings": rankings, "hourly": hourly, "weekdays": weekdays}
