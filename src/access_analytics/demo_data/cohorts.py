"""Cohort tables: the synthetic one (shaped like the real MySQL export), reading a real
export instead, and the roles cohorts play in the log (staff, placeholders, the cohort
that over-uses a lesson, the merely more active decoy)."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

from access_analytics.demo_data.model import (
    COHORT_COLUMNS,
    DS_TO_WEB_CUTOFF,
    LOG_END,
    LOG_START,
    PROGRAMS,
    WEB_TO_DS_CUTOFF,
    _Cohort,
    _Roles,
)

_PLACEHOLDER_AFTER = date(LOG_END.year + 2, LOG_END.month, LOG_END.day)

# ---------------------------------------------------------------------------------------
# Synthetic cohort names: rivers (PHP), trees (front end), minerals (Java), birds (DS).
# ---------------------------------------------------------------------------------------
# fmt: off
_NAMES = {
    1: ("Amazon", "Brazos", "Colorado", "Danube", "Euphrates", "Frio", "Ganges", "Hudson",
        "Indus", "Jordan", "Klamath", "Llano", "Mekong", "Nueces", "Orinoco", "Pecos",
        "Rhine", "Sabine", "Tigris", "Volga"),
    4: ("Aspen", "Birch", "Cedar", "Dogwood"),
    2: ("Agate", "Beryl", "Calcite", "Dolomite", "Emerald", "Fluorite", "Garnet", "Hematite",
        "Iolite", "Jasper", "Kyanite", "Lazurite", "Malachite", "Nephrite", "Obsidian",
        "Pyrite", "Quartz", "Rhodonite", "Sapphire", "Topaz", "Ulexite", "Variscite",
        "Wulfenite", "Xenotime", "Zircon", "Azurite", "Basalt", "Cinnabar", "Diamond",
        "Epidote", "Feldspar", "Galena", "Halite", "Ilmenite", "Jadeite", "Kunzite"),
    3: ("Albatross", "Bittern", "Condor", "Dunlin", "Egret", "Falcon", "Grebe", "Harrier",
        "Ibis", "Jacana"),
}
# fmt: on


# A draft cohort row: creation time (the sort key), then the columns of _Cohort but its id.
_Draft = tuple[str, str, str, date, date, str, str, int]


def _synthetic_cohorts(rng: np.random.Generator) -> list[_Cohort]:
    """About 50 cohorts shaped like the real table, with made-up names."""
    drafts = _class_drafts(_class_dates(rng), rng)
    staff_created = _stamp(date(2018, 11, 15) + timedelta(days=int(rng.integers(0, 35))), rng)
    drafts.append(
        (
            staff_created,
            "Staff",
            "#staff",
            date(2014, 2, 4),
            date(2014, 2, 4),
            staff_created,
            staff_created,
            2,
        )
    )
    holder_created = _stamp(date(2021, 3, 3), rng)
    drafts.append(
        (
            holder_created,
            "Placeholder for students in transition",
            "#null",
            date(2021, 3, 3),
            date(2029, 3, 1),
            holder_created,
            _updated(holder_created, rng),
            2,
        )
    )
    drafts.sort(key=lambda item: (item[0], item[3]))
    ids = itertools.chain(range(1, 35), range(51, 63), itertools.count(132))
    return [
        _Cohort(next(ids), name, slack, begin, finish, created, changed, program)
        for _key, name, slack, begin, finish, created, changed, program in drafts
    ]


def _monday(value: date) -> date:
    """The first Monday on or after ``value``."""
    return value + timedelta(days=(7 - value.weekday()) % 7)


def _class_dates(rng: np.random.Generator) -> list[tuple[date, date, int]]:
    """(start, end, program) of every class: PHP until 2017, two front-end classes, Java
    from 2016 and data science from 2019, one after another."""
    specs: list[tuple[date, date, int]] = []
    start = date(2014, 2, 4)
    while start <= date(2017, 6, 30):
        specs.append((start, start + timedelta(days=int(rng.integers(84, 113))), 1))
        start = _monday(start + timedelta(days=int(rng.integers(80, 101))))
    for first in (date(2015, 3, 30), date(2015, 11, 2)):
        begin = first + timedelta(days=int(rng.integers(0, 8)))
        specs.append((begin, begin + timedelta(days=int(rng.integers(115, 131))), 4))
    start = date(2016, 9, 26)
    while start <= date(2021, 4, 12):
        specs.append((start, start + timedelta(days=int(rng.integers(140, 184))), 2))
        start = _monday(start + timedelta(days=int(rng.integers(50, 72))))
    start = date(2019, 2, 4)
    while start <= date(2021, 4, 12):
        specs.append((start, start + timedelta(days=int(rng.integers(154, 184))), 3))
        start = _monday(start + timedelta(days=int(rng.integers(168, 197))))
    return specs


def _stamp(day: date, rng: np.random.Generator) -> str:
    """A creation time on ``day``, in office hours."""
    moment = datetime(day.year, day.month, day.day) + timedelta(
        seconds=int(rng.integers(8 * 3600, 22 * 3600))
    )
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _updated(created: str, rng: np.random.Generator) -> str:
    """The update time: mostly the creation time, sometimes weeks later."""
    if rng.random() < 0.8:
        return created
    later = datetime.strptime(created, "%Y-%m-%d %H:%M:%S") + timedelta(
        seconds=int(rng.integers(600, 90 * 86_400))
    )
    return later.strftime("%Y-%m-%d %H:%M:%S")


def _class_drafts(specs: list[tuple[date, date, int]], rng: np.random.Generator) -> list[_Draft]:
    """The classes' rows, named after the program's theme in order (numbered once the
    names run out), created in the week before they start."""
    used = dict.fromkeys(_NAMES, 0)
    drafts: list[_Draft] = []
    for begin, finish, program in specs:
        names = _NAMES[program]
        name = names[used[program] % len(names)]
        if used[program] >= len(names):
            name += f" {used[program] // len(names) + 1}"
        used[program] += 1
        created = _stamp(begin - timedelta(days=int(rng.integers(0, 7))), rng)
        drafts.append(
            (
                created,
                name,
                "#" + name.lower().replace(" ", "-"),
                begin,
                finish,
                created,
                _updated(created, rng),
                program,
            )
        )
    return drafts


def _csv_field(value: str) -> str:
    if any(ch in value for ch in ' ,"\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _format_cohorts(cohorts: Sequence[_Cohort]) -> str:
    """The cohort table in the style of the real MySQL export."""
    lines = [",".join(COHORT_COLUMNS)]
    for cohort in cohorts:
        lines.append(
            f"{cohort.id},{_csv_field(cohort.name)},{cohort.slack},{cohort.start.isoformat()},"
            f'{cohort.end.isoformat()},"{cohort.created_at}","{cohort.updated_at}",NULL,'
            f"{cohort.program_id}"
        )
    return "\n".join(lines) + "\n"


def _read_cohorts(path: Path) -> tuple[bytes, list[_Cohort]]:
    """Read and check a user's cohort table; return its bytes and parsed rows."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read cohorts file {path}: {exc}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"cohorts file {path} is not UTF-8 text: {exc}") from exc
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ValueError(f"cohorts file {path} is empty")
    header = [name.strip() for name in rows[0]]
    missing = [name for name in COHORT_COLUMNS if name not in header]
    if missing:
        raise ValueError(f"cohorts file {path} lacks the columns {', '.join(missing)}")
    cohorts: list[_Cohort] = []
    for line_no, row in enumerate(rows[1:], start=2):
        if not any(field.strip() for field in row):
            continue
        if len(row) != len(header):
            raise ValueError(
                f"cohorts file {path}, line {line_no}: {len(row)} fields, expected {len(header)}"
            )
        record = dict(zip(header, (field.strip() for field in row), strict=True))
        try:
            cohort = _Cohort(
                id=int(record["id"]),
                name=record["name"],
                slack=record["slack"],
                start=date.fromisoformat(record["start_date"][:10]),
                end=date.fromisoformat(record["end_date"][:10]),
                created_at=record["created_at"],
                updated_at=record["updated_at"],
                program_id=int(record["program_id"]),
            )
        except ValueError as exc:
            raise ValueError(f"cohorts file {path}, line {line_no}: {exc}") from exc
        if cohort.program_id not in PROGRAMS:
            raise ValueError(
                f"cohorts file {path}, line {line_no}: program_id {cohort.program_id} is not "
                f"one of {sorted(PROGRAMS)}"
            )
        if cohort.end < cohort.start:
            raise ValueError(f"cohorts file {path}, line {line_no}: end_date before start_date")
        cohorts.append(cohort)
    if not cohorts:
        raise ValueError(f"cohorts file {path} has no cohort rows")
    ids = [cohort.id for cohort in cohorts]
    if len(set(ids)) != len(ids):
        raise ValueError(f"cohorts file {path} repeats cohort ids")
    return raw, cohorts


def _assign_roles(cohorts: Sequence[_Cohort]) -> _Roles:
    """Find the staff and placeholder cohorts and pick the cohorts of planted findings."""
    staff = [i for i, c in enumerate(cohorts) if c.name.strip().lower() == "staff"]
    if not staff:
        raise ValueError("the cohort table needs a cohort named 'Staff'")
    placeholders = tuple(
        i for i, c in enumerate(cohorts) if c.end > _PLACEHOLDER_AFTER and i != staff[0]
    )
    regular = [i for i, c in enumerate(cohorts) if i != staff[0] and i not in placeholders]
    overlapping = tuple(
        i for i in regular if cohorts[i].end >= LOG_START and cohorts[i].start <= LOG_END
    )
    older = tuple(
        i for i in regular if cohorts[i].end < LOG_START and cohorts[i].program_id in (1, 2, 3)
    )
    front_end = tuple(i for i in regular if cohorts[i].program_id == 4 and i not in overlapping)
    inside = sorted(
        (
            i
            for i in overlapping
            if cohorts[i].program_id == 2
            and cohorts[i].start >= LOG_START
            and cohorts[i].end <= LOG_END
        ),
        key=lambda i: (cohorts[i].start, cohorts[i].id),
    )
    if len(inside) < 3:
        raise ValueError(
            "the cohort table needs at least 3 Java (program 2) cohorts whose "
            f"dates lie inside the log span {LOG_START} .. {LOG_END}"
        )
    overused = inside[(len(inside) - 1) // 2]
    by_end = sorted(inside, key=lambda i: (cohorts[i].end, cohorts[i].id))
    decoy = by_end[-1] if by_end[-1] != overused else by_end[-2]
    for programs, cutoff, what in (
        ((1, 2), WEB_TO_DS_CUTOFF, "web-dev (program 1 or 2)"),
        ((3,), DS_TO_WEB_CUTOFF, "data-science (program 3)"),
    ):
        if not any(
            cohorts[i].program_id in programs and cohorts[i].start <= cutoff - timedelta(days=2)
            for i in overlapping + older
        ):
            raise ValueError(
                f"the cohort table needs a {what} cohort that starts before "
                f"{cutoff - timedelta(days=2)}"
            )
    return _Roles(staff[0], placeholders, overlapping, older, front_end, overused, decoy)
