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

from access_analytics.bench.answers import Definitions, weekday_profile

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


def _mapped(values: pd.Series, function: Any) -> np.ndarray:
    """``function`` applied once per distinct value of ``values``."""
    codes, uniques = pd.factorize(values)
    return np.array([function(value) for value in uniques], dtype=object)[codes]


def _is_bot(rules: tuple[tuple[str, str, str], ...]) -> Any:
    patterns = [re.compile(pattern, re.IGNORECASE) for attribute, pattern, _ in rules
                if attribute == "bot"]
    return lambda agent: any(pattern.search(agent) for pattern in patterns)


def _cohorts(cohorts_csv: Path, defs: Definitions) -> pd.DataFrame:
    cohorts = pd.read_csv(cohorts_csv, dtype=str, keep_default_na=False)
    cohorts = cohorts.drop_duplicates("id", keep="last")  # the newest row of an id wins
    start = pd.to_datetime(cohorts["start_date"].str.strip())
    end = pd.to_datetime(cohorts["end_date"].str.strip())
    program = cohorts["program_id"].str.strip()
    return pd.DataFrame({
        "cohort_id": cohorts["id"].astype("int64"),
        "is_class": ~cohorts["name"].str.strip().isin(defs.staff_cohort_names)
        & ~((end - start).dt.days > defs.placeholder_cohort_min_days)
        & ~program.isin(["", "NULL", "null"]),
        "start_date": start,
        "end_date": end,
    })


def answers(requests_csv: Path, cohorts_csv: Path, defs: Definitions) -> dict[str, Any]:
    """The four answers (see ``answers.ANSWERS``) as row iterables."""
    raw = pd.read_csv(requests_csv, dtype=str, keep_default_na=False)
    raw = raw.apply(lambda column: column.str.strip())
    day = pd.to_datetime(raw["date"], format="%Y-%m-%d")
    requested_at = pd.to_datetime(raw["date"] + " " + raw["time"], format="%Y-%m-%d %H:%M:%S")
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    in_past = (requested_at <= now + timedelta(seconds=defs.future_tolerance_seconds)).to_numpy()
    user_id = raw["user_id"].astype("int64")

    # Sessions: the gap to the user's previous request starts a visit; visits are cut
    # into pieces of max_session_seconds from their first request.
    requests = pd.DataFrame({"user_id": user_id, "at": requested_at})[in_past]
    requests = requests.sort_values(["user_id", "at"], kind="stable")
    gap = requests.groupby("user_id")["at"].diff().dt.total_seconds()
    requests["visit"] = (gap.isna() | (gap > defs.session_gap_seconds)).cumsum()
    visit_start = requests.groupby("visit")["at"].transform("min")
    requests["piece"] = (requests["at"] - visit_start).dt.total_seconds() // (
        defs.max_session_seconds
    )
    sessions = requests.drop_duplicates(["visit", "piece"]).groupby("user_id").size()

    # Rankings: lesson requests of students of classes while their cohort is in session.
    path = pd.Series(_mapped(raw["path"], normalize_path))
    extension = _mapped(path.fillna(""), lambda text: (
        match[1].lower() if (match := _EXTENSION.search(text)) else ""
    ))
    cohort_id = pd.to_numeric(raw["cohort_id"].mask(raw["cohort_id"] == "")).astype("Int64")
    lessons = pd.DataFrame({"cohort_id": cohort_id, "path": path, "day": day})[
        path.notna() & (path != "/") & ~pd.Series(extension).isin(defs.asset_extensions)
        & cohort_id.notna()
    ].merge(_cohorts(cohorts_csv, defs), on="cohort_id")
    lessons = lessons[
        lessons["is_class"]
        & (lessons["day"] >= lessons["start_date"]) & (lessons["day"] <= lessons["end_date"])
    ]
    counts = lessons.groupby(["cohort_id", "path"]).size().rename("requests").reset_index()
    counts = counts.sort_values(
        ["cohort_id", "requests", "path"], ascending=[True, False, True], kind="stable"
    )
    counts["rank"] = counts.groupby("cohort_id").cumcount() + 1

    # IP blocks: a user is an IP and a user agent; bots and non-IPv4 addresses left out.
    is_ipv4 = _mapped(raw["ip"], lambda ip: bool(_IPV4.fullmatch(ip))).astype(bool)
    is_bot = _mapped(raw["user_agent"], _is_bot(defs.user_agent_rules)).astype(bool)
    people = raw[in_past & is_ipv4 & ~is_bot]
    people = pd.DataFrame({
        "block": people["ip"].str.split(".", n=2).str[:2].str.join("."),
        "date": people["date"],
        "hour": people["time"].str[:2].astype(int),
        "user": pd.factorize(people["ip"] + "|" + people["user_agent"])[0],
    })
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
        weekday_profile(str(block), int(active_days[block]),
                        [int(users[dow]) for dow in range(7)], days, defs.weekday_effect_ratio)
        for block, users in per_dow.iterrows()
    ]
    return {
        "sessions": ((f"user:{user}", int(count)) for user, count in sessions.items()),
        "rankings": counts[["cohort_id", "path", "requests", "rank"]].itertuples(
            index=False, name=None
        ),
        "hourly": hourly.itertuples(index=False, name=None),
        "weekdays": weekdays,
    }
