"""``make report``: the board slide (PNG + PDF) and the HTML report beside it.

The HTML report holds what does not fit on one slide: the weekly heat map of requests
(analysis B), the average daily profile and the daily anomalies (analysis D), the dwell
times and a Welch's t-test between two modules (analysis C), the IP-block profiles with
the hotspots (analysis E) and the top suspicious IPs (question 4). Every table and
chart is read from the marts; a section whose mart is not built says so.
"""

from __future__ import annotations

import base64
import decimal
import html
import io
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from access_analytics import names as project_names
from access_analytics import slide as slide_module
from access_analytics import warehouse

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Days shown on each side of a user's strongest anomaly in the analysis-D heat map.
REPORT_DAYS = 28


@dataclass(frozen=True)
class ReportFiles:
    png: Path
    pdf: Path
    facts: Path
    html: Path


def files_in(folder: Path) -> ReportFiles:
    return ReportFiles(
        folder / "slide.png",
        folder / "slide.pdf",
        folder / "slide_facts.json",
        folder / "report.html",
    )


def make_report(
    settings: warehouse.Settings, folder: Path, say: Callable[[str], None] = print
) -> ReportFiles:
    """Read the marts, draw the slide, write the HTML report; return the files."""
    started = time.monotonic()
    files = files_in(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with warehouse.connect(settings) as conn:
        say("[1/3] slide: reading the findings from the marts")
        slide = slide_module.build(conn, settings.names)
        slide_module.render(slide, files.png, files.pdf)
        files.facts.write_text(
            json.dumps(slide_module.facts_document(slide), indent=2, default=str) + "\n"
        )
        say(
            f"      {len(slide.findings)} findings, {len(slide.all_facts())} figures -> "
            f"{files.png.name}, {files.pdf.name}"
        )
        say("[2/3] HTML report: heat maps, dwell times, IP blocks, suspicious IPs")
        sections = [section.render(conn, settings) for section in SECTIONS]
        say("[3/3] writing")
        files.html.write_text(_page(slide, files, sections))
    say(
        f"report written in {time.monotonic() - started:.0f} s: {files.png}, {files.pdf}, "
        f"{files.html}"
    )
    return files


# --------------------------------------------------------------------------------------
# HTML helpers


def _exists(conn: psycopg.Connection[Any], settings: warehouse.Settings, table: str) -> bool:
    return project_names.relation_exists(conn, settings.names.mart(table))


def _query(
    conn: psycopg.Connection[Any],
    settings: warehouse.Settings,
    query: str,
    params: Sequence[Any] = (),
    **tables: str,
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Columns and rows of ``query``, whose ``{name}`` placeholders are the marts ``tables``."""
    marts = {name: settings.names.mart(table) for name, table in tables.items()}
    cursor = conn.execute(sql.SQL(query).format(**marts), params)
    return [column.name for column in cursor.description or ()], cursor.fetchall()


def _cell(value: Any) -> str:
    if isinstance(value, decimal.Decimal):
        value = float(value)
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return html.escape("" if value is None else str(value))


def _table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{html.escape(column)}</th>" for column in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(value)}</td>" for value in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figure(draw: Callable[[Any], None], size: tuple[float, float] = (10, 3.6)) -> str:
    """A matplotlib figure as an inline PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=size, dpi=100)
    draw(axes)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    encoded = base64.b64encode(buffer.getvalue()).decode()
    return f'<img alt="chart" src="data:image/png;base64,{encoded}">'


def _heatmap(
    axes: Any,
    grid: Sequence[Sequence[float]],
    rows: Sequence[str],
    columns: Sequence[str],
    label: str,
) -> None:
    image = axes.imshow(grid, aspect="auto", cmap="viridis")
    axes.set_yticks(range(len(rows)), rows)
    axes.set_xticks(range(len(columns)), columns, fontsize=8)
    axes.figure.colorbar(image, ax=axes, label=label)


# --------------------------------------------------------------------------------------
# Sections


@dataclass(frozen=True)
class Section:
    """One section of the report: its title, the mart it reads and the HTML below the
    title (``body``, which reads the mart as ``{mart}`` in its queries)."""

    title: str
    mart: str
    body: Callable[[psycopg.Connection[Any], warehouse.Settings, str], str]

    def render(self, conn: psycopg.Connection[Any], settings: warehouse.Settings) -> str:
        """The section's HTML, or a note that its mart is not built."""
        if _exists(conn, settings, self.mart):
            inner = self.body(conn, settings, self.mart)
        else:
            name = f"{settings.names.schema(project_names.MARTS)}.{self.mart}"
            inner = (
                f"<p class=note>The mart <code>{html.escape(name)}</code> is not built: "
                "run <code>make build</code>.</p>"
            )
        return f"<section><h2>{html.escape(self.title)}</h2>{inner}</section>"


def _top_rows(query: str) -> Callable[[psycopg.Connection[Any], warehouse.Settings, str], str]:
    """A section body that is one table: the rows of ``query``."""

    def body(conn: psycopg.Connection[Any], settings: warehouse.Settings, mart: str) -> str:
        return _table(*_query(conn, settings, query, mart=mart))

    return body


def _weekly_heatmap(conn: psycopg.Connection[Any], settings: warehouse.Settings, mart: str) -> str:
    """Analysis B: the mean share of a user's requests per 2-hour bin of the week."""
    _, rows = _query(
        conn,
        settings,
        (
            "select day_of_week, bin_start_hour, avg(share) from {mart}"
            " where bin_kind = 'week_2h' group by 1, 2 order by 1, 2"
        ),
        mart=mart,
    )
    grid = [[0.0] * 12 for _ in range(7)]
    for day, hour, share in rows:
        grid[int(day) - 1][int(hour) // 2] = float(share)
    image = _figure(
        lambda axes: _heatmap(
            axes,
            grid,
            WEEKDAYS,
            [f"{h:02d}" for h in range(0, 24, 2)],
            "mean share of a user's requests",
        )
    )
    return (
        f"{image}<p>Each cell is the average, over users, of the share of the user's "
        "requests that fall in that 2-hour bin (local hours of the var "
        "<code>curriculum_log_timezone</code>).</p>"
    )


def _daily_profile(conn: psycopg.Connection[Any], settings: warehouse.Settings, mart: str) -> str:
    """Analysis D: each flagged user's daily requests around their strongest anomaly."""
    columns, top = _query(
        conn,
        settings,
        (
            "select user_key, activity_date, requests, baseline_median, robust_score"
            " from {mart} where is_anomaly"
            " order by robust_score desc, user_key, activity_date limit 15"
        ),
        mart=mart,
    )
    parts = []
    users = list(dict.fromkeys(row[0] for row in top))[:12]
    if users:
        anchor = {row[0]: row[1] for row in reversed(top)}  # each user's strongest day
        _, days = _query(
            conn,
            settings,
            "select user_key, activity_date, requests from {mart} where user_key = any(%s)",
            [users],
            mart=mart,
        )
        window = range(-REPORT_DAYS, REPORT_DAYS + 1)
        grid = [[0.0] * len(window) for _ in users]
        for user, day, requests in days:
            offset = (day - anchor[user]).days
            if -REPORT_DAYS <= offset <= REPORT_DAYS:
                grid[users.index(user)][offset + REPORT_DAYS] = float(requests)
        labels = [str(offset) if offset % 7 == 0 else "" for offset in window]
        parts.append(
            _figure(
                lambda axes: _heatmap(axes, grid, users, labels, "requests per day"), size=(10, 4.2)
            )
        )
        parts.append(
            f"<p>One row per user with a flagged day, centred on the user's strongest "
            f"anomaly (day 0; columns are days from it, {REPORT_DAYS} each side). "
            "The baseline of a day is the median of the user's previous calendar "
            "days (var <code>anomaly_window_days</code>) only, never the day itself."
            "</p>"
        )
    parts.append(
        "<h3>Strongest anomalies (requests far above the user's own baseline)"
        f"</h3>{_table(columns, top)}"
    )
    return "".join(parts)


def _dwell_times(conn: psycopg.Connection[Any], settings: warehouse.Settings, mart: str) -> str:
    """Analysis C: lessons people leave at once, and a Welch's t-test of two modules."""
    flagged = _top_rows(
        "select path, sessions, mean_dwell_seconds, median_dwell_seconds,"
        " immediate_exit_share from {mart}"
        " where is_likely_broken_or_skipped order by mean_dwell_seconds, path limit 15"
    )(conn, settings, mart)
    return (
        "<h3>Flagged lessons (shortest mean dwell among lessons with enough sessions)</h3>"
        f"{flagged}{_welch_section(conn, settings, mart)}"
    )


def _welch_section(conn: psycopg.Connection[Any], settings: warehouse.Settings, mart: str) -> str:
    """Welch's t-test: the module of the flagged lesson with the shortest mean dwell
    against the most-read module."""
    from access_analytics import dwell

    _, flagged = _query(
        conn,
        settings,
        (
            "select module from {mart} where is_likely_broken_or_skipped"
            " order by mean_dwell_seconds, path limit 1"
        ),
        mart=mart,
    )
    _, most_read = _query(
        conn,
        settings,
        "select module from {mart} group by module order by sum(sessions) desc, module limit 2",
        mart=mart,
    )
    modules = [row[0] for row in flagged + most_read]
    modules = list(dict.fromkeys(modules))[:2]
    if len(modules) < 2:
        return ""
    try:
        result = dwell.welch_test(settings, modules[0], modules[1])
    except ValueError as error:  # too few or constant dwell times: nothing to test
        return f"<p class=note>No Welch's t-test: {html.escape(str(error))}.</p>"
    rows = [(side.module, side.n, side.mean, side.sd) for side in (result.a, result.b)]
    verdict = (
        "differ significantly (p < 0.05)"
        if result.p_value < 0.05
        else "do not differ significantly (p ≥ 0.05)"
    )
    return (
        f"<h3>Welch's t-test: {html.escape(modules[0])} (shortest mean dwell) against "
        f"{html.escape(modules[1])} (most read)</h3>"
        + _table(["module", "dwell times", "mean (s)", "sd (s)"], rows)
        + f"<p>t = {result.t:.2f}, degrees of freedom = {result.df:,.1f}, p = "
        f"{result.p_value:.3g}: the two modules' dwell times {verdict}. "
        "(<code>access-analytics dwell-test A B</code> compares any two modules.)</p>"
    )


SECTIONS: tuple[Section, ...] = (
    Section(
        "B · When students use the curriculum (mean share per 2-hour bin of the week)",
        "user_activity_heatmap",
        _weekly_heatmap,
    ),
    Section(
        "D · Days that break a user's habits (sliding one-week baseline)",
        "user_daily_anomalies",
        _daily_profile,
    ),
    Section("C · Dwell times: lessons people leave at once", "lesson_dwell_times", _dwell_times),
    # Analysis E: the IP blocks by kind, hotspots first.
    Section(
        "E · IP blocks: hotspots, organisations, homes",
        "ip_block_profiles",
        _top_rows(
            "select block_level, block, block_kind, kind_reasons, daily_users_avg,"
            " windows_pct, mac_pct, mobile_pct, gini_os, workhour_pattern_ind,"
            " weekday_high_ind, weekend_high_ind from {mart}"
            " where block_kind <> 'insufficient data'"
            " order by block_kind = 'hotspot' desc, daily_users_avg desc, block limit 30"
        ),
    ),
    # Question 4: the IPs that look most like scrapers, with the rules that fired.
    Section(
        "Question 4 · Top suspicious IPs",
        "suspicious_ips",
        _top_rows(
            "select ip, traffic_class, score, reasons, requests, peak_requests_per_minute,"
            " distinct_paths, curriculum_coverage, distinct_users, distinct_user_agents,"
            " has_bot_user_agent from {mart} order by suspicion_rank limit 20"
        ),
    ),
)

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1200px;
       color: #1b2a41; }
h1 { margin-bottom: 0.2rem; } h2 { margin-top: 2.5rem; border-bottom: 2px solid #d1495b; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.5rem 0; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: left; }
th { background: #f3f4f6; } img { max-width: 100%; } .note { color: #777; }
"""


def _page(slide: slide_module.Slide, files: ReportFiles, sections: Sequence[str]) -> str:
    findings = "".join(
        f"<li><b>{html.escape(finding.headline)}</b>: {html.escape(finding.text)}</li>"
        for finding in slide.findings
    )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{html.escape(slide.title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{html.escape(slide.title)}</h1><p>{html.escape(slide.subtitle)}</p>"
        f'<p><a href="{files.png.name}">The slide (PNG)</a> · '
        f'<a href="{files.pdf.name}">PDF</a> · '
        f'<a href="{files.facts.name}">where each figure comes from</a></p>'
        f"<ol>{findings}</ol>{''.join(sections)}</body></html>\n"
    )
