"""The core answers every implementation computes, in one plain-text form, and their
comparison.

The answers (the issue's "core answers"):

``sessions``   sessions per user (docs: ``session``: a gap longer than
               ``session_gap_minutes`` starts a visit, visits are cut into pieces of
               ``max_session_hours`` counted from the visit's first request); requests
               dated more than ``future_tolerance_hours`` after now are left out.
``rankings``   per cohort and lesson path: requests by the cohort's students while the
               cohort was in session (``cohort_phase = 'during'``, no assets, not the
               home page) and the lesson's rank in the cohort (ties by path).
``hourly``     per /16 block, local date and hour: unique users (IP + user agent, bots
               left out, valid IPv4 only).
``weekdays``   per /16 block: average daily unique users per day of week, weekdays,
               weekend and overall (per day of the log, two decimals), and the
               ``weekday_high_ind`` / ``weekend_high_ind`` indicators.

Each answer is a set of rows written as sorted CSV lines, so two implementations agree
exactly when their files are equal.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml
from psycopg import sql

from access_analytics import names as project_names
from access_analytics import warehouse

ANSWERS: dict[str, tuple[str, ...]] = {
    "sessions": ("user_key", "sessions"),
    "rankings": ("cohort_id", "path", "requests", "rank_in_cohort"),
    "hourly": ("block_16", "activity_date", "activity_hour", "unique_users"),
    "weekdays": (
        "block_16",
        "active_days",
        "sunday",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "weekday",
        "weekend",
        "daily",
        "weekday_high_ind",
        "weekend_high_ind",
    ),
}


@dataclass(frozen=True)
class Definitions:
    """The project's settings that the answers depend on (vars and seeds)."""

    session_gap_seconds: int
    max_session_seconds: int
    future_tolerance_seconds: int
    staff_cohort_names: tuple[str, ...]
    placeholder_cohort_min_days: int
    asset_extensions: frozenset[str]
    weekday_effect_ratio: Fraction
    # (pattern, is_bot) of the `is_bot` overrides, in order (seeds/user_agent_overrides.csv)
    bot_overrides: tuple[tuple[str, bool], ...]


def definitions(project_dir: Path) -> Definitions:
    """The vars of ``dbt_project.yml`` and the user-agent rules seed.

    Raises ValueError when the curriculum log's time zone is not UTC: the references
    read local dates and hours straight from the file."""
    project = yaml.safe_load((project_dir / "dbt_project.yml").read_text())
    variables = project["vars"]
    if variables["curriculum_log_timezone"] != "UTC":
        raise ValueError("the reference implementations support curriculum_log_timezone UTC")
    with (project_dir / "seeds" / "user_agent_overrides.csv").open(newline="") as handle:
        overrides = sorted(csv.DictReader(handle), key=lambda rule: int(rule["override_id"]))
    return Definitions(
        session_gap_seconds=int(variables["session_gap_minutes"]) * 60,
        max_session_seconds=int(variables["max_session_hours"]) * 3600,
        future_tolerance_seconds=int(variables["future_tolerance_hours"]) * 3600,
        staff_cohort_names=tuple(variables["staff_cohort_names"]),
        placeholder_cohort_min_days=int(variables["placeholder_cohort_min_days"]),
        asset_extensions=frozenset(str(ext).lower() for ext in variables["asset_extensions"]),
        weekday_effect_ratio=Fraction(str(variables["weekday_effect_ratio"])),
        bot_overrides=tuple(
            (rule["pattern"], rule["value"].strip().lower() == "true")
            for rule in overrides
            if rule["attribute"] == "is_bot"
        ),
    )


def is_declared_bot(defs: Definitions, user_agent: str) -> bool:
    """A bot by its user agent, decided in Python from the same maintained lists the
    project's seeds are generated from: our `is_bot` overrides first, else uap-core's
    device family Spider (ua-parser's own matchers) or a crawler-user-agents pattern."""
    from crawleruseragents import CRAWLER_PATTERNS
    from ua_parser_builtins.matchers import MATCHERS

    for pattern, value in defs.bot_overrides:
        if re.search(pattern, user_agent):
            return value
    device = next((found for matcher in MATCHERS[2] if (found := matcher(user_agent))), None)
    return getattr(device, "family", None) == "Spider" or bool(
        CRAWLER_PATTERNS.case_sensitive.search(user_agent)
    )


def two_decimals(numerator: int, denominator: int) -> str:
    """``numerator / denominator`` rounded half up to two decimals, as text ('' when the
    denominator is 0): SQL's ``round(numeric, 2)`` on exact integers."""
    if denominator == 0:
        return ""
    hundredths = (200 * numerator + denominator) // (2 * denominator)
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def is_higher(users: int, days: int, other_users: int, other_days: int, ratio: Fraction) -> int:
    """1 when the daily average ``users / days`` is more than ``ratio`` times
    ``other_users / other_days`` (exactly, in integers), else 0; 0 without days."""
    if days == 0 or other_days == 0:
        return 0
    return int(users * other_days * ratio.denominator > ratio.numerator * other_users * days)


def weekday_profile(
    block: str, active_days: int, users: list[int], days: list[int], ratio: Fraction
) -> tuple[Any, ...]:
    """A row of the ``weekdays`` answer from a block's user-days per day of week
    (``users[0]`` = Sundays .. ``users[6]`` = Saturdays) and the log's days per day of
    week."""
    weekday_users, weekday_days = sum(users[1:6]), sum(days[1:6])
    weekend_users, weekend_days = users[0] + users[6], days[0] + days[6]
    return (
        block,
        active_days,
        *(two_decimals(users[dow], days[dow]) for dow in range(7)),
        two_decimals(weekday_users, weekday_days),
        two_decimals(weekend_users, weekend_days),
        two_decimals(sum(users), sum(days)),
        is_higher(weekday_users, weekday_days, weekend_users, weekend_days, ratio),
        is_higher(weekend_users, weekend_days, weekday_users, weekday_days, ratio),
    )


def write_answers(out_dir: Path, answers: dict[str, Iterable[tuple[Any, ...]]]) -> None:
    """Write each answer as sorted CSV lines (header first) to ``out_dir/<name>.csv``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, rows in answers.items():
        lines = sorted(
            ",".join("" if value is None else str(value) for value in row) for row in rows
        )
        text = ",".join(ANSWERS[name]) + "\n" + "".join(line + "\n" for line in lines)
        (out_dir / f"{name}.csv").write_text(text)


def compare(expected_dir: Path, actual_dir: Path) -> dict[str, str]:
    """Differences between two implementations' answers: for each answer, '' when equal,
    else a short description (rows only in one of them, with an example)."""
    differences = {}
    for name in ANSWERS:
        expected = (expected_dir / f"{name}.csv").read_text().splitlines()
        actual = (actual_dir / f"{name}.csv").read_text().splitlines()
        if expected == actual:
            differences[name] = ""
            continue
        missing = sorted(set(expected) - set(actual))
        extra = sorted(set(actual) - set(expected))
        differences[name] = (
            f"{len(expected) - 1:,} vs {len(actual) - 1:,} rows; {len(missing):,} only in"
            f" {expected_dir.name} (e.g. {missing[:1]}), {len(extra):,} only in"
            f" {actual_dir.name} (e.g. {extra[:1]})"
        )
    return differences


def row_counts(out_dir: Path) -> dict[str, int]:
    """Rows of each answer in ``out_dir``."""
    return {name: len((out_dir / f"{name}.csv").read_text().splitlines()) - 1 for name in ANSWERS}


def total_sessions(out_dir: Path) -> int:
    """The number of sessions in an answers folder."""
    with (out_dir / "sessions.csv").open(newline="") as handle:
        return sum(int(row["sessions"]) for row in csv.DictReader(handle))


# --------------------------------------------------------------------------------------
# The project's answers, read from its warehouse.


def project_queries(names: project_names.Names) -> dict[str, sql.Composed]:
    """The queries of the answers, on the schemas ``names`` gives (dbt vars)."""
    hourly = names.relation(project_names.INTERMEDIATE, "int_ip_block_hourly")
    weekdays = names.relation(project_names.INTERMEDIATE, "int_ip_block_weekdays")
    return {
        "sessions": sql.SQL("select user_key, count(*) from {} group by user_key").format(
            names.mart("fct_sessions")
        ),
        "rankings": sql.SQL("select cohort_id, path, requests, rank_in_cohort from {}").format(
            names.mart("cohort_lesson_rankings")
        ),
        "hourly": sql.SQL(
            "select block, activity_date, activity_hour, unique_users"
            " from {} where block_level = '/16'"
        ).format(hourly),
        "weekdays": sql.SQL(
            "select block, active_days, sunday_users_avg, monday_users_avg, tuesday_users_avg,"
            " wednesday_users_avg, thursday_users_avg, friday_users_avg, saturday_users_avg,"
            " weekday_users_avg, weekend_users_avg, daily_users_avg, weekday_high_ind,"
            " weekend_high_ind from {} where block_level = '/16'"
        ).format(weekdays),
    }


# The dbt selection that builds these answers (with their tests). The two load views
# are there because the row reconciliation test on the requests also reads them (two
# views: nothing to compute).
PROJECT_SELECTION = (
    "+fct_sessions",
    "+cohort_lesson_rankings",
    "+int_ip_block_hourly",
    "+int_ip_block_weekdays",
    "stg_loads__loaded_files",
    "stg_loads__rejected_lines",
)
# The references sessionize every request, as the notebooks did: the project's traffic
# classes (which leave automated traffic out of sessions by default) are its own.
PROJECT_VARS = ("--vars", "{include_automated_traffic: true}")


def project_answers(conn: Any, out_dir: Path, names: project_names.Names | None = None) -> None:
    """Read the project's answers from its warehouse (a psycopg connection); the schemas
    are those of the project's dbt vars unless ``names`` is given."""
    if names is None:
        names = project_names.for_project(warehouse.find_project_dir())
    write_answers(
        out_dir,
        {
            name: (
                tuple(value.isoformat() if hasattr(value, "isoformat") else value for value in row)
                for row in conn.execute(query)
            )
            for name, query in project_queries(names).items()
        },
    )
