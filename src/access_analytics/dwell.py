"""Welch's t-test between the dwell times of two modules.

Dwell times are read from ``marts.fct_lesson_views`` (``dwell_seconds``; the
term is defined once, in the doc block ``dwell`` of ``models/docs/definitions.md``).
Two modules are compared with Welch's unequal-variances t-test: t and the
Welch-Satterthwaite degrees of freedom are computed here, the two-sided p-value from
Student's t distribution in scipy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from scipy import stats

from access_analytics import names as project_names
from access_analytics import warehouse

DWELL_LAYER = project_names.MARTS
DWELL_RELATION = "fct_lesson_views"


@dataclass(frozen=True)
class DwellSample:
    """One module's dwell times, summarised."""

    module: str
    n: int
    mean: float
    sd: float

    def __str__(self) -> str:
        return f"{self.module}: n={self.n:,} mean={self.mean:.1f} s sd={self.sd:.1f} s"


@dataclass(frozen=True)
class WelchResult:
    """Welch's t-test of module a against module b (two-sided)."""

    a: DwellSample
    b: DwellSample
    t: float
    df: float
    p_value: float

    def __str__(self) -> str:
        return f"{self.a} | {self.b} | t={self.t:.3f} df={self.df:.1f} p={self.p_value:.3g}"


def summarise(module: str, values: Sequence[float]) -> DwellSample:
    """Size, mean and sample standard deviation of one module's dwell times.

    Raises ``ValueError`` when there are fewer than two values (no variance).
    """
    if not values:
        raise ValueError(f"module {module!r} has no dwell times")
    if len(values) < 2:
        raise ValueError(f"module {module!r} has only one dwell time; the test needs two")
    n = len(values)
    mean = math.fsum(values) / n
    variance = math.fsum((value - mean) ** 2 for value in values) / (n - 1)
    return DwellSample(module, n, mean, math.sqrt(variance))


def welch(a: DwellSample, b: DwellSample) -> WelchResult:
    """Welch's t statistic, Welch-Satterthwaite degrees of freedom, two-sided p-value.

    Raises ``ValueError`` when both samples have no spread (the test is undefined).
    """
    var_a = a.sd**2 / a.n
    var_b = b.sd**2 / b.n
    if var_a + var_b == 0:
        raise ValueError(
            f"modules {a.module!r} and {b.module!r} both have constant dwell times;"
            " the t-test is undefined"
        )
    t = (a.mean - b.mean) / math.sqrt(var_a + var_b)
    df = (var_a + var_b) ** 2 / (var_a**2 / (a.n - 1) + var_b**2 / (b.n - 1))
    p_value = float(2 * stats.t.sf(abs(t), df))
    return WelchResult(a, b, t, df, p_value)


def read_dwell_times(
    conn: psycopg.Connection[Any], module: str, names: project_names.Names = project_names.DEFAULT
) -> list[float]:
    """The dwell times (seconds) of every view of the module's lessons that has one."""
    relation = names.relation(DWELL_LAYER, DWELL_RELATION)
    query = sql.SQL(
        "select dwell_seconds from {} where module = %s and dwell_seconds is not null"
    ).format(relation)
    try:
        rows = conn.execute(query, (module,)).fetchall()
    except psycopg.errors.UndefinedTable:
        raise ValueError(
            f"{relation.as_string(conn)} does not exist: run `dbt build` first"
        ) from None
    return [float(value) for (value,) in rows]


def welch_test(settings: warehouse.Settings, module_a: str, module_b: str) -> WelchResult:
    """Compare the dwell times of two modules, read from the warehouse."""
    with warehouse.connect(settings) as conn:
        a = summarise(module_a, read_dwell_times(conn, module_a, settings.names))
        b = summarise(module_b, read_dwell_times(conn, module_b, settings.names))
    return welch(a, b)
