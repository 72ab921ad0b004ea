"""`make report` on the default demo data: the slide (PNG, PDF), its facts and the HTML
report; every number on the slide equals the mart value it came from."""

from __future__ import annotations

import datetime as dt
import json
import struct
from pathlib import Path

import pytest
from psycopg import sql

from access_analytics import report, warehouse
from access_analytics import slide as slide_module
from conftest import run_cli


@pytest.fixture(scope="module")
def rendered(demo_warehouse, tmp_path_factory: pytest.TempPathFactory):
    """The report command run as a user runs it, into a temporary folder."""
    settings, truth = demo_warehouse
    out = tmp_path_factory.mktemp("report")
    result = run_cli(["report", "--out", str(out)], settings)
    assert result.returncode == 0, result.stderr
    with warehouse.connect(settings) as conn:
        slide = slide_module.build(conn)
    return settings, truth, out, result.stderr, slide


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def test_report_writes_the_slide_and_the_html(rendered) -> None:
    _, _, out, output, _ = rendered
    assert _png_size(out / "slide.png") == (1920, 1080)  # 16:9
    assert (out / "slide.pdf").read_bytes()[:5] == b"%PDF-"
    page = (out / "report.html").read_text()
    for heading in (
        "B · When students use the curriculum",
        "D · Days that break",
        "C · Dwell times",
        "E · IP blocks",
        "Top suspicious IPs",
    ):
        assert heading in page
    assert "is not built" not in page
    assert page.count("data:image/png;base64,") >= 2  # the heat maps
    # Progress, then a one-line summary naming what was written and where.
    assert output.splitlines()[-1].startswith("report written in ")
    assert str(out / "report.html") in output.splitlines()[-1]


def _mart_value(conn, fact: slide_module.Fact):
    """The test's own lookup of a fact in its mart: exactly one row."""
    conditions = [
        sql.SQL("{} = {}").format(sql.Identifier(column), sql.Literal(value))
        for column, value in fact.where
    ] or [sql.SQL("true")]
    rows = conn.execute(
        sql.SQL("select {} from marts.{} where {}").format(
            sql.SQL(fact.expression), sql.Identifier(fact.table), sql.SQL(" and ").join(conditions)
        )
    ).fetchall()
    assert len(rows) == 1, fact
    value = rows[0][0]
    return float(value) if type(value).__name__ == "Decimal" else value


def test_every_number_on_the_slide_is_a_mart_value(rendered) -> None:
    settings, _, out, _, slide = rendered
    facts = slide.all_facts()
    assert len(facts) >= 20
    with warehouse.connect(settings) as conn:
        for fact in facts:
            assert _mart_value(conn, fact) == fact.value, fact
    # No number on the slide that is not one of those values.
    for finding in slide.findings:
        shown = {
            number
            for fact in finding.facts.values()
            for number in slide_module.numbers_in(fact.text())
        }
        assert set(slide_module.numbers_in(finding.text)) <= shown, finding.text
        # Every fact of a finding is shown.
        for fact in finding.facts.values():
            assert fact.text() in finding.text, (fact, finding.text)
    subtitle_numbers = {
        n for fact in slide.subtitle_facts.values() for n in slide_module.numbers_in(fact.text())
    }
    assert set(slide_module.numbers_in(slide.subtitle)) <= subtitle_numbers
    for text in [slide.title, *(finding.headline for finding in slide.findings)]:
        assert slide_module.numbers_in(text) == [], text
    # The facts file beside the slide lists the same lookups and values.
    written = json.loads((out / "slide_facts.json").read_text())
    assert [(f["table"], f["expression"], f["value"]) for f in written] == [
        (fact.table, fact.expression, fact.text()) for fact in facts
    ]


def test_the_slide_tells_the_planted_story(rendered) -> None:
    """On the demo data the slide's findings are the planted ones."""
    _, truth, _, _, slide = rendered
    by_question = {finding.question: finding for finding in slide.findings}
    assert [finding.question for finding in slide.findings] == list(range(1, 9))
    q2 = by_question[2].facts
    assert q2["top_path"].value == truth["overused_lesson"]["path"]
    q3 = by_question[3].facts
    assert q3["inactive"].value == len(truth["test_accounts"])
    assert q3["staff_ip"].value == sum(a["on_staff_ip"] for a in truth["test_accounts"])
    q5 = by_question[5].facts
    for direction in ("web_dev_to_data_science", "data_science_to_web_dev"):
        planted = truth["cross_program_access"][direction]["cutoff_date"]
        assert q5[f"{direction}_cutoff"].value == dt.date.fromisoformat(planted)
    q6 = by_question[6].facts
    for key, fact in q6.items():
        program = key.removeprefix("p")
        assert fact.value in {topic["path"] for topic in truth["post_graduation_topics"][program]}
    q4 = by_question[4].facts
    scraper_ips = {scraper["ip"] for scraper in truth["scrapers"]}
    assert q4["top_ip"].value in scraper_ips


def test_report_without_marts_is_one_clear_error(database) -> None:
    result = run_cli(["report", "--out", "unused"], database)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("error: the marts of database")
    assert "Traceback" not in result.stderr


def test_a_section_whose_mart_is_not_built_says_so(database) -> None:
    def body(*_: object) -> str:
        raise AssertionError("the body of a section without its mart was run")

    section = report.Section("E · <IP> blocks", "ip_block_profiles", body)
    with warehouse.connect(database) as conn:
        html = section.render(conn, database)
    assert html == (
        "<section><h2>E · &lt;IP&gt; blocks</h2><p class=note>The mart "
        "<code>marts.ip_block_profiles</code> is not built: run <code>make build</code>."
        "</p></section>"
    )


def test_the_charts_plot_mart_values(rendered) -> None:
    """The charts' series: the monthly cross-program requests add up to each direction's
    total in cross_program_cutoffs, and each bar is the lesson's share of cohorts with
    it among their top lessons."""
    settings, _, _, _, slide = rendered
    with warehouse.connect(settings) as conn:
        totals = dict(
            conn.execute(
                "select direction, cross_requests from marts.cross_program_cutoffs"
            ).fetchall()
        )
        assert len(slide.cross_program) >= 12
        for direction, total in totals.items():
            assert (
                sum(requests for d, _, requests in slide.cross_program if d == direction) == total
            ), direction
        assert len(slide.consistency) == 8
        assert slide.consistency_program == "Java"  # program 2 has the most cohorts
        for path, share in slide.consistency:
            top, cohorts = conn.execute(
                "select top_n_cohorts, cohorts_in_program from marts.program_lesson_consistency"
                " where path = %s and program_id = 2",
                [path],
            ).fetchone()
            assert share == pytest.approx(top / cohorts), path
