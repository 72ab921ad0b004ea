"""The board slide (analysis A): the findings for questions 1 to 8, read from the marts.

Every number and name on the slide is a :class:`Fact`: the value of one column of one
mart row (or one aggregate over a mart), together with the lookup that produced it, so
a test can read each value back from the mart independently. The slide's sentences are
written from facts only; nothing is typed in.
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from access_analytics import names as project_names
from access_analytics.names import Names

# Programs with fewer cohorts than this are left off the per-program lines (the front-end
# program has a couple of students in the log: no pattern to report).
MIN_COHORTS_PER_PROGRAM = 3


@dataclass(frozen=True)
class Fact:
    """One value on the slide and where it came from: ``select <expression> from
    <marts schema>.<table> where <column> = <value> and ...`` returns exactly this value."""

    table: str
    expression: str
    where: tuple[tuple[str, Any], ...]
    value: Any

    def text(self) -> str:
        """The value as the slide prints it."""
        return format_value(self.value)


@dataclass
class Finding:
    """One numbered finding: a question, a headline and a sentence built from facts."""

    question: int
    headline: str
    template: str
    facts: dict[str, Fact] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.template.format(**{name: fact.text() for name, fact in self.facts.items()})


@dataclass
class Slide:
    title: str
    subtitle: str
    subtitle_facts: dict[str, Fact]
    findings: list[Finding]
    cross_program: list[tuple[str, dt.date, int]]
    consistency: list[tuple[str, float]]
    consistency_program: str

    def all_facts(self) -> list[Fact]:
        facts = list(self.subtitle_facts.values())
        for finding in self.findings:
            facts.extend(finding.facts.values())
        return facts

    def texts(self) -> list[str]:
        """Every piece of text on the slide that can hold a number."""
        return [
            self.title,
            self.subtitle,
            *(f.headline for f in self.findings),
            *(f.text for f in self.findings),
        ]


def format_value(value: Any) -> str:
    """How a fact reads on the slide: 1,234 / 14.3 / 92% (shares) / 2019-03-11."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class _Reader:
    """Reads facts from the marts: one lookup, one value."""

    def __init__(self, conn: psycopg.Connection[Any], names: Names) -> None:
        self.conn = conn
        self.names = names

    def fact(self, table: str, expression: str, **where: Any) -> Fact:
        value = lookup(self.conn, table, expression, tuple(where.items()), self.names)
        return Fact(table, expression, tuple(where.items()), value)

    def facts(self, table: str, key: str, columns: Sequence[str], **where: Any) -> dict[str, Fact]:
        """One fact per column of the same mart row, named `<key>_<column>`."""
        return {f"{key}_{column}": self.fact(table, column, **where) for column in columns}

    def rows(self, query: str, *params: Any, **tables: str) -> list[tuple[Any, ...]]:
        """The rows of ``query``, whose ``{name}`` placeholders are the marts ``tables``."""
        marts = {name: self.names.mart(table) for name, table in tables.items()}
        return self.conn.execute(sql.SQL(query).format(**marts), params).fetchall()

    def exists(self, table: str) -> bool:
        """Whether the mart is built (the security marts are optional)."""
        return project_names.relation_exists(self.conn, self.names.mart(table))


def lookup(
    conn: psycopg.Connection[Any],
    table: str,
    expression: str,
    where: Sequence[tuple[str, Any]],
    names: Names = project_names.DEFAULT,
) -> Any:
    """``select <expression> from <marts>.<table> where ...``: exactly one row's value."""
    conditions = [
        sql.SQL("{} = {}").format(sql.Identifier(column), sql.Literal(value))
        for column, value in where
    ]
    query = sql.SQL("select {} from {}{}").format(
        sql.SQL(expression),
        names.mart(table),
        sql.SQL(" where ") + sql.SQL(" and ").join(conditions) if conditions else sql.SQL(""),
    )
    rows = conn.execute(query).fetchall()
    if len(rows) != 1:
        raise LookupError(f"{query.as_string(conn)} returned {len(rows)} rows, expected 1")
    value = rows[0][0]
    if hasattr(value, "as_integer_ratio") and not isinstance(value, (int, float)):
        value = float(value)  # numeric -> float
    return value


# --------------------------------------------------------------------------------------
# The findings, one function per question


def _programs(reader: _Reader) -> list[tuple[int, str]]:
    """Programs with enough cohorts in session during the log, by id."""
    return [
        (row[0], row[1])
        for row in reader.rows(
            "select consistency.program_id, overview.program_slug"
            " from {consistency} as consistency"
            " inner join (select distinct program_id, program_slug from {overview})"
            " as overview on consistency.program_id = overview.program_id"
            " group by 1, 2 having max(consistency.cohorts_in_program) >= %s order by 1",
            MIN_COHORTS_PER_PROGRAM,
            consistency="program_lesson_consistency",
            overview="program_overview",
        )
    ]


def _label(slug: str) -> str:
    """java_web_dev -> Java, data_science -> Data science."""
    words = slug.removesuffix("_web_dev").replace("_", " ")
    return {"php": "PHP"}.get(words, words.capitalize())


def _short(path: str, width: int = 30) -> str:
    return path if len(path) <= width else path[: width - 1] + "…"


def question_1(reader: _Reader, programs: list[tuple[int, str]]) -> Finding:
    parts: list[str] = []
    facts: dict[str, Fact] = {}
    for program_id, slug in programs:
        # The most consistent *lesson*: navigation pages (toc, index) have no curriculum.
        path = _first(
            reader,
            "program_lesson_consistency",
            program_id,
            "content_curriculum is not null",
            "consistency_rank, path",
        )
        if path is None:
            continue
        key = f"p{program_id}"
        facts |= reader.facts(
            "program_lesson_consistency",
            key,
            ("path", "top_n_cohorts", "cohorts_in_program"),
            program_id=program_id,
            path=path,
        )
        parts.append(
            f"{_label(slug)}: {{{key}_path}}, a top lesson in "
            f"{{{key}_top_n_cohorts}} of {{{key}_cohorts_in_program}} cohorts"
        )
    return Finding(1, "Most consistent lessons", "; ".join(parts) + ".", facts)


def question_2(reader: _Reader) -> Finding:
    top = reader.rows(
        "select lesson_cohort_id from {outliers} where is_outlier"
        " order by robust_score desc, lesson_cohort_id limit 1",
        outliers="lesson_cohort_outliers",
    )
    if not top:
        return Finding(
            2,
            "No cohort outliers",
            "No cohort read a lesson far more than its peers.",
            {"flagged": reader.fact("lesson_cohort_outliers", "count(*)", is_outlier=True)},
        )
    key = top[0][0]
    facts = {
        **reader.facts(
            "lesson_cohort_outliers", "top", ("cohort_name", "path"), lesson_cohort_id=key
        ),
        "ratio": reader.fact(
            "lesson_cohort_outliers", "round(cast(share_ratio as numeric), 1)", lesson_cohort_id=key
        ),
        "flagged": reader.fact("lesson_cohort_outliers", "count(*)", is_outlier=True),
        "left_out": reader.fact(
            "lesson_cohort_outliers", "count(distinct cohort_id)", is_compared=False
        ),
    }
    return Finding(
        2,
        "A cohort outlier",
        "Cohort {top_cohort_name} read {top_path} {ratio}"
        "\u00d7 as much as "
        "its peers, relative to its own activity ({flagged} flagged pairs in all;"
        " {left_out} cohorts left out: seen only in part, or with too few peers).",
        facts,
    )


def question_3(reader: _Reader) -> Finding:
    facts = {
        "inactive": reader.fact("inactive_students", "count(*)"),
        "one_day": reader.fact("inactive_students", "count(*)", is_one_day_account=True),
        "staff_ip": reader.fact("inactive_students", "count(*)", shares_ip_with_staff=True),
    }
    return Finding(
        3,
        "Students who hardly showed up",
        "{inactive} students barely used the curriculum while in session; "
        "{one_day} were one-day accounts, {staff_ip} on an IP staff also use: "
        "likely instructors' test accounts.",
        facts,
    )


def question_4(reader: _Reader) -> Finding:
    if not reader.exists("suspicious_ips"):
        return Finding(
            4,
            "Suspicious access",
            "Build the security marts (suspicious_ips) to answer this question.",
            {},
        )
    top = reader.rows("select ip from {ips} where suspicion_rank = 1", ips="suspicious_ips")
    facts = {
        "flagged": reader.fact("suspicious_ips", "count(*)", is_suspicious=True),
        "bots": reader.fact(
            "suspicious_ips", "count(*)", is_suspicious=True, has_bot_user_agent=True
        ),
        "hidden": reader.fact(
            "suspicious_ips", "count(*)", is_suspicious=True, has_bot_user_agent=False
        ),
    }
    template = (
        "{flagged} IPs are not people (bots, scrapers, scanners): {bots} announce a "
        "bot user agent, {hidden} pose as browsers."
    )
    if top:
        facts["top_ip"] = reader.fact("suspicious_ips", "ip", ip=top[0][0])
        facts["top_score"] = reader.fact("suspicious_ips", "score", ip=top[0][0])
        template += " Worst: {top_ip} (score {top_score})."
    return Finding(4, "Scrapers and machines", template, facts)


def question_5(reader: _Reader) -> Finding:
    facts = {
        f"{direction}_cutoff": reader.fact(
            "cross_program_cutoffs", "cutoff_date", direction=direction
        )
        for direction in ("web_dev_to_data_science", "data_science_to_web_dev")
    }
    facts["web_dev_to_data_science_first"] = reader.fact(
        "cross_program_cutoffs", "first_cross_access_date", direction="web_dev_to_data_science"
    )
    return Finding(
        5,
        "Cross-access shut off",
        "Web dev → data science stopped {web_dev_to_data_science_cutoff}, data "
        "science → web dev {data_science_to_web_dev_cutoff}; web-dev students "
        "had read data science since {web_dev_to_data_science_first}.",
        facts,
    )


def question_6(reader: _Reader, programs: list[tuple[int, str]]) -> Finding:
    parts: list[str] = []
    facts: dict[str, Fact] = {}
    for program_id, slug in programs:
        path = _first(reader, "post_graduation_topics", program_id, "rank_in_program = 1", "path")
        if path is None:  # no graduates in the log
            continue
        key = f"p{program_id}"
        facts[key] = reader.fact("post_graduation_topics", "path", program_id=program_id, path=path)
        parts.append(f"{_label(slug)}: {{{key}}}")
    return Finding(6, "What graduates come back to", "; ".join(parts) + ".", facts)


def question_7(reader: _Reader, programs: list[tuple[int, str]]) -> Finding:
    parts: list[str] = []
    facts: dict[str, Fact] = {}
    for program_id, slug in programs:
        path = _first(
            reader, "program_lesson_consistency", program_id, "least_accessed_rank = 1", "path"
        )
        if path is None:
            continue
        key = f"p{program_id}"
        facts |= reader.facts(
            "program_lesson_consistency",
            key,
            ("path", "total_requests"),
            program_id=program_id,
            path=path,
        )
        parts.append(f"{_label(slug)}: {{{key}_path}}, requested {{{key}_total_requests}}\u00d7")
    return Finding(7, "Least accessed lessons", "; ".join(parts) + ".", facts)


def _first(
    reader: _Reader, table: str, program_id: int, condition: str, order_by: str
) -> str | None:
    """The path of a program's first row (by `order_by`) meeting `condition`; ties of a
    rank are broken by path, so the slide always names one lesson."""
    query = sql.SQL(
        "select path from {table} where program_id = %s and {condition} order by {order_by} limit 1"
    ).format(
        table=reader.names.mart(table), condition=sql.SQL(condition), order_by=sql.SQL(order_by)
    )
    rows = reader.conn.execute(query, (program_id,)).fetchall()
    return rows[0][0] if rows else None


def question_8(reader: _Reader) -> Finding:
    facts = {
        "staff_pct": reader.fact(
            "program_overview",
            "cast(round(100.0 * sum(case when is_staff_cohort then requests else 0 end)"
            " / sum(requests)) as integer)",
        ),
        "no_cohort_pct": reader.fact(
            "program_overview",
            "cast(round(100.0 * sum(case when cohort_id is null then requests else 0 end)"
            " / sum(requests)) as integer)",
        ),
        "non_human_pct": reader.fact(
            "program_overview",
            "cast(round(100.0 * sum(non_human_requests) / sum(requests), 1) as float)",
        ),
    }
    template = (
        "{staff_pct}% of all requests are staff's and {no_cohort_pct}% have no "
        "cohort: leave both out of student metrics. {non_human_pct}% come from "
        "bots, scrapers and scanners: left out of sessions and activity."
    )
    if reader.exists("shared_accounts"):
        facts["shared"] = reader.fact("shared_accounts", "count(*)")
        template += " {shared} accounts were used by two people in two places at once."
    return Finding(8, "Also worth knowing", template, facts)


def build(conn: psycopg.Connection[Any], names: Names = project_names.DEFAULT) -> Slide:
    """Read every finding of the slide from the marts (``names``: of the build's vars)."""
    reader = _Reader(conn, names)
    programs = _programs(reader)
    subtitle_facts = {
        "first": reader.fact("program_overview", "min(first_request_at)"),
        "last": reader.fact("program_overview", "max(last_request_at)"),
        "requests": reader.fact("program_overview", "cast(sum(requests) as bigint)"),
        "cohorts": reader.fact("program_overview", "count(cohort_id)"),
    }
    subtitle = (
        "Curriculum access log {first} to {last}: {requests} requests, {cohorts} cohorts"
    ).format(**{k: v.text() for k, v in subtitle_facts.items()})
    findings = [
        question_1(reader, programs),
        question_2(reader),
        question_3(reader),
        question_4(reader),
        question_5(reader),
        question_6(reader, programs),
        question_7(reader, programs),
        question_8(reader),
    ]
    cross = [
        (row[0], row[1], row[2])
        for row in reader.rows(
            "select direction, month_date, requests from {access} order by direction, month_date",
            access="cross_program_access",
        )
    ]
    consistency, biggest_label = _consistency(reader, programs)
    return Slide(
        "What the curriculum logs tell the board",
        subtitle,
        subtitle_facts,
        findings,
        cross,
        consistency,
        biggest_label,
    )


def _consistency(
    reader: _Reader, programs: list[tuple[int, str]]
) -> tuple[list[tuple[str, float]], str]:
    """The chart of question 1: the program with the most cohorts, and the share of its
    cohorts that have each of its most consistent lessons among their top lessons."""
    if not programs:
        return [], ""
    biggest = max(
        programs,
        key=lambda program: reader.rows(
            "select max(cohorts_in_program) from {consistency} where program_id = %s",
            program[0],
            consistency="program_lesson_consistency",
        )[0][0],
    )
    consistency = [
        (row[0], float(row[1]))
        for row in reader.rows(
            "select path, top_n_share from {consistency}"
            " where program_id = %s and content_curriculum is not null"
            " order by consistency_rank, path limit 8",
            biggest[0],
            consistency="program_lesson_consistency",
        )
    ]
    return consistency, _label(biggest[1])


# --------------------------------------------------------------------------------------
# Rendering

NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?(?:-\d\d-\d\d)?")


def numbers_in(text: str) -> list[str]:
    """The numbers (and ISO dates) a reader sees in a text."""
    return NUMBER.findall(text)


def render(slide: Slide, png: Path, pdf: Path) -> None:
    """Draw the slide (16:9) into a PNG and a PDF."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 14})
    figure = plt.figure(figsize=(16, 9), dpi=120)
    figure.patch.set_facecolor("white")
    figure.text(0.035, 0.935, slide.title, fontsize=30, weight="bold", color="#1b2a41")
    figure.text(0.035, 0.895, slide.subtitle, fontsize=15, color="#555555")

    columns, rows = 2, 4
    left, top, width, height = 0.035, 0.855, 0.58, 0.815
    card_w, card_h = width / columns, height / rows
    for index, finding in enumerate(slide.findings):
        column, row = index % columns, index // columns
        x = left + column * card_w
        y = top - row * card_h
        figure.text(
            x,
            y - 0.005,
            str(finding.question),
            fontsize=26,
            weight="bold",
            color="#d1495b",
            va="top",
        )
        figure.text(
            x + 0.03, y, finding.headline, fontsize=15.5, weight="bold", color="#1b2a41", va="top"
        )
        body = "\n".join(textwrap.wrap(finding.text, 38, break_on_hyphens=False))
        figure.text(
            x + 0.03, y - 0.045, body, fontsize=13.5, color="#222222", va="top", linespacing=1.3
        )

    _cross_program_chart(figure.add_axes((0.67, 0.57, 0.30, 0.28)), slide, mdates)
    _consistency_chart(figure.add_axes((0.83, 0.07, 0.14, 0.37)), slide)
    figure.text(
        0.035,
        0.025,
        "Every figure is read from the marts of the access_analytics dbt "
        "project; the lookups are listed in slide_facts.json.",
        fontsize=11,
        color="#777777",
    )
    png.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(png, dpi=120, facecolor="white")
    figure.savefig(pdf, facecolor="white")
    plt.close(figure)


def _cross_program_chart(axes: Any, slide: Slide, mdates: Any) -> None:
    labels = {
        "web_dev_to_data_science": "web dev → data science",
        "data_science_to_web_dev": "data science → web dev",
    }
    colours = {"web_dev_to_data_science": "#00798c", "data_science_to_web_dev": "#edae49"}
    for direction, label in labels.items():
        points = [(month, requests) for d, month, requests in slide.cross_program if d == direction]
        if points:
            months, requests = zip(*points, strict=True)
            axes.plot(
                months,
                requests,
                marker="o",
                markersize=3,
                label=label,
                color=colours[direction],
                linewidth=2,
            )
    finding = next(f for f in slide.findings if f.question == 5)
    for direction, colour in colours.items():
        axes.axvline(
            finding.facts[f"{direction}_cutoff"].value, color=colour, linestyle="--", linewidth=1.5
        )
    axes.set_title("5 · Cross-program requests per month", fontsize=14, loc="left", weight="bold")
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    axes.xaxis.set_major_locator(mdates.YearLocator())
    axes.legend(fontsize=11, frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(labelsize=11)


def _consistency_chart(axes: Any, slide: Slide) -> None:
    paths = [_short(path) for path, _ in slide.consistency][::-1]
    shares = [share * 100 for _, share in slide.consistency][::-1]
    axes.barh(paths, shares, color="#00798c")
    axes.set_xlim(0, 100)
    axes.set_title(
        f"1 · {slide.consistency_program}: % of cohorts with\nthe lesson among their top lessons",
        fontsize=14,
        loc="right",
        weight="bold",
    )
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(labelsize=10.5)


def facts_document(slide: Slide) -> list[Mapping[str, Any]]:
    """The facts as JSON-ready records (written beside the slide)."""
    return [
        {
            "table": fact.table,
            "expression": fact.expression,
            "where": dict(fact.where),
            "value": fact.text(),
        }
        for fact in slide.all_facts()
    ]
