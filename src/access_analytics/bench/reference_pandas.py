"""The core answers in pandas, as an analyst's notebook would compute them.

Reads the demo files (``requests.csv``, ``cohorts.csv``) directly; see ``answers`` for
the definitions. Text-level work (path normalisation, IP validation, user-agent rules)
runs once per distinct value, as any pandas user would do with ``factorize``.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from access_analytics.bench.answers import Definitions, is_declared_bot, weekday_profile

_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(rf"{_OCTET}(\.{_OCTET}){{3}}")
_EXTENSION = re.compile(r"\.([A-Za-z0-9]+)$")


def normalize_path(path: str) -> str | None:
    """Query and fragment dropped, repeated slashes collapsed, outer slashes removed;
    the home page is '/'; an empty path is missing."""
    if not path:
        return None
    path = re.sub(r"/{2,}", "/", re.sub(r"[?#].*$", "", path))
    return re.sub(r"^/|/$", "", path) or "/"


def _codes(values: pd.Series, function: Any) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of ``values`` and ``function`` of each distinct (stripped) value:
    text work runs once per distinct value."""
    codes, uniques = pd.factorize(values)
    return codes, np.array([function(value.strip()) for value in uniques], dtype=object)


def _is_bot(defs: Definitions) -> Any:
    return lambda agent: is_declared_bot(defs, agent)


def _cohorts(cohorts_csv: Path, defs: Definitions) -> pd.DataFrame:
    cohorts = pd.read_csv(cohorts_csv, dtype=str, keep_default_na=False)
    cohorts = cohorts.drop_duplicates("id", keep="last")  # the newest row of an id wins
    start = pd.to_datetime(cohorts["start_date"].str.strip())
    end = pd.to_datetime(cohorts["end_date"].str.strip())
    program = cohorts["program_id"].str.strip()
    return pd.DataFrame(
        {
            "cohort_id": cohorts["id"].astype("int64"),
            "is_class": ~cohorts["name"].str.strip().isin(defs.staff_cohort_names)
            & ~((end - start).dt.days > defs.placeholder_cohort_min_days)
            & ~program.isin(["", "NULL", "null"]),
            "start_date": start,
            "end_date": end,
        }
    )


def answers(requests_csv: Path, cohorts_csv: Path, defs: Definitions) -> dict[str, Any]:
    """The four answers (see ``answers.ANSWERS``) as row iterables."""
    raw = pd.read_csv(requests_csv, dtype=str, keep_default_na=False, engine="pyarrow")
    date_codes, dates = _codes(raw["date"], pd.Timestamp)
    clock = raw["time"].str.strip()
    seconds = (
        clock.str.slice(0, 2).astype("int64") * 3600
        + clock.str.slice(3, 5).astype("int64") * 60
        + clock.str.slice(6, 8).astype("int64")
    )
    day = pd.Series(pd.DatetimeIndex(dates)[date_codes])
    requested_at = day + pd.to_timedelta(seconds.to_numpy(), unit="s")
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    in_past = (requested_at <= now + timedelta(seconds=defs.future_tolerance_seconds)).to_numpy()
    hourly, weekdays = _ip_blocks(raw, dates, date_codes, seconds, in_past, defs)
    return {
        "sessions": _sessions(raw, requested_at, in_past, defs),
        "rankings": _rankings(raw, day, cohorts_csv, defs),
        "hourly": hourly,
        "weekdays": weekdays,
    }


def _sessions(
    raw: pd.DataFrame, requested_at: pd.Series, in_past: np.ndarray, defs: Definitions
) -> Any:
    """Sessions per user: the gap to the user's previous request starts a visit; visits
    are cut into pieces of max_session_seconds from their first request."""
    user_id = raw["user_id"].str.strip().astype("int64").to_numpy()
    requests = pd.DataFrame({"user_id": user_id, "at": requested_at})[in_past]
    requests = requests.sort_values(["user_id", "at"], kind="stable")
    gap = requests.groupby("user_id")["at"].diff().dt.total_seconds()
    requests["visit"] = (gap.isna() | (gap > defs.session_gap_seconds)).cumsum()
    visit_start = requests.groupby("visit")["at"].transform("min")
    requests["piece"] = (requests["at"] - visit_start).dt.total_seconds() // (
        defs.max_session_seconds
    )
    sessions = requests.drop_duplicates(["visit", "piece"]).groupby("user_id").size()
    return ((f"user:{user}", int(count)) for user, count in sessions.items())


def _rankings(raw: pd.DataFrame, day: pd.Series, cohorts_csv: Path, defs: Definitions) -> Any:
    """Lesson requests of students of classes while their cohort is in session, ranked
    within each cohort."""
    path_codes, paths = _codes(raw["path"], normalize_path)
    is_lesson = np.array(
        [
            path is not None
            and path != "/"
            and (
                (match[1].lower() if (match := _EXTENSION.search(path)) else "")
                not in defs.asset_extensions
            )
            for path in paths
        ],
        dtype=bool,
    )
    cohort_codes, cohorts = _codes(raw["cohort_id"], lambda text: int(text) if text else -1)
    cohort_id = cohorts.astype("int64")[cohort_codes]  # -1: no cohort
    lessons = pd.DataFrame({"cohort_id": cohort_id, "path": path_codes, "day": day})[
        is_lesson[path_codes] & (cohort_id >= 0)
    ].merge(_cohorts(cohorts_csv, defs), on="cohort_id")
    lessons = lessons[
        lessons["is_class"]
        & (lessons["day"] >= lessons["start_date"])
        & (lessons["day"] <= lessons["end_date"])
    ]
    lessons["path"] = paths[lessons["path"].to_numpy()]
    counts = lessons.groupby(["cohort_id", "path"]).size().rename("requests").reset_index()
    counts = counts.sort_values(
        ["cohort_id", "requests", "path"], ascending=[True, False, True], kind="stable"
    )
    counts["rank"] = counts.groupby("cohort_id").cumcount() + 1
    return counts[["cohort_id", "path", "requests", "rank"]].itertuples(index=False, name=None)


def _ip_blocks(
    raw: pd.DataFrame,
    dates: np.ndarray,
    date_codes: np.ndarray,
    seconds: pd.Series,
    in_past: np.ndarray,
    defs: Definitions,
) -> tuple[Any, list[Any]]:
    """Hourly users per /16 block and each block's weekday profile: a user is an IP and
    a user agent; bots and non-IPv4 addresses left out."""
    ip_codes, ips = _codes(raw["ip"], lambda ip: ip)
    agent_codes, is_bot = _codes(raw["user_agent"], _is_bot(defs))
    is_ipv4 = np.array([bool(_IPV4.fullmatch(ip)) for ip in ips], dtype=bool)
    block_codes, blocks = pd.factorize(np.array([".".join(ip.split(".", 2)[:2]) for ip in ips]))
    keep = in_past & is_ipv4[ip_codes] & ~is_bot.astype(bool)[agent_codes]
    people = pd.DataFrame(
        {
            "block": blocks[block_codes[ip_codes[keep]]],
            "date": np.array([str(date.date()) for date in dates], dtype=object)[date_codes[keep]],
            "hour": (seconds.to_numpy()[keep] // 3600),
            "user": ip_codes[keep].astype("int64") * len(is_bot) + agent_codes[keep],
        }
    )
    hourly = people.groupby(["block", "date", "hour"])["user"].nunique().reset_index()
    daily = people.groupby(["block", "date"])["user"].nunique().rename("users").reset_index()
    daily["dow"] = (pd.to_datetime(daily["date"]).dt.day_of_week + 1) % 7  # 0 = Sunday
    log_days = daily.drop_duplicates("date")["dow"].value_counts()
    days = [int(log_days.get(dow, 0)) for dow in range(7)]
    per_dow = daily.pivot_table(
        index="block", columns="dow", values="users", aggfunc="sum", fill_value=0
    ).reindex(columns=range(7), fill_value=0)
    active_days = daily.groupby("block").size()
    weekdays = [
        weekday_profile(
            str(block),
            int(active_days[block]),
            [int(users[dow]) for dow in range(7)],
            days,
            defs.weekday_effect_ratio,
        )
        for block, users in per_dow.iterrows()
    ]
    return hourly.itertuples(index=False, name=None), weekdays
