"""The generated user-agent rule seeds (``make rules``, src/access_analytics/rules.py):
they equal what the pinned packages give, their regexes mean in PostgreSQL what they
mean in Python, and editing a seed reclassifies on the next plain ``dbt build``."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from crawleruseragents import CRAWLER_USER_AGENTS_DATA
from ua_parser_builtins.matchers import MATCHERS

from access_analytics import rules, warehouse
from conftest import PROJECT_DIR, run_cli

SEEDS = PROJECT_DIR / "seeds"


def test_committed_seeds_equal_the_pinned_packages_output() -> None:
    assert rules.stale(SEEDS) == [], "run `make rules` and commit the seeds"
    result = run_cli(["rules", "--check"])
    assert result.returncode == 0, result.stderr


def test_rules_check_reports_a_stale_seed(tmp_path: Path) -> None:
    rules.write(tmp_path)
    (tmp_path / rules.CRAWLERS_SEED).write_text("crawler_id,pattern,required_text,url\n")
    assert rules.stale(tmp_path) == [rules.CRAWLERS_SEED]
    result = run_cli(["rules", "--check", "--seeds", str(tmp_path)])
    assert result.returncode == 2
    assert "out of date" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("python", "postgres"),
    [
        (r"\bLG\b", r"\yLG\y"),  # ARE reads \b as a backspace
        (r"\Bx\d", r"\Yx\d"),
        (r"[\b]x", r"[\b]x"),  # a backspace inside brackets in both
        (r"[]\b]", r"[]\b]"),  # ] first in brackets is a literal
        (r"Mozilla.{0,300}?Mobile", r"Mozilla.{0,255}?.{0,45}?Mobile"),  # counts <= 255
        (r"[^;]{1,300}x{2,3}", r"[^;]{1,255}[^;]{0,45}x{2,3}"),
    ],
)
def test_to_postgres_translates_what_are_reads_differently(python: str, postgres: str) -> None:
    assert rules.to_postgres(python) == postgres


def test_to_postgres_refuses_what_it_cannot_translate() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        rules.to_postgres(r"(?P<name>x)")
    assert rules.to_postgres("abc", case_insensitive=True) == "(?i)abc"


def test_required_literal_is_in_every_match() -> None:
    assert rules.required_literal(r"Mozilla.{1,200}Mobile.{1,100}(Instagram).(\d+)") == (
        "Instagram"
    )
    assert rules.required_literal(r"(Chrome|Chromium)/(\d+)") == "Chrom"
    assert rules.required_literal(r"(MOT|LG)", case_insensitive=True) == ""
    assert rules.required_literal(r"(?:Bot|Yeti)-Mobile", case_insensitive=True) == "-mobile"


def test_postgres_matches_what_python_matches(conn: psycopg.Connection) -> None:
    """Every generated pattern compiles in PostgreSQL and, on the crawler list's example
    user agents, matches exactly where Python's re does; the required text of a rule is
    in every string it matches (the prefilter never hides a match)."""
    samples = sorted(
        {
            instance.strip()
            for item in CRAWLER_USER_AGENTS_DATA
            for instance in item.get("instances", [])
        }
    )
    patterns = [
        (
            f"uap:{row['rule_id']}",
            row["pattern"],
            row["required_text"],
            row["is_case_insensitive"] == "true",
        )
        for row in csv.DictReader((SEEDS / rules.RULES_SEED).open(encoding="utf-8"))
    ] + [
        (f"crawler:{row['crawler_id']}", row["pattern"], row["required_text"], False)
        for row in csv.DictReader((SEEDS / rules.CRAWLERS_SEED).open(encoding="utf-8"))
    ]
    # The untranslated patterns, from the packages, in the seeds' order.
    browsers, systems, devices = MATCHERS
    python_patterns = dict(
        zip(
            (key for key, *_ in patterns),
            [matcher.pattern for matcher in (*systems, *browsers, *devices)]
            + [re.compile(item["pattern"]) for item in CRAWLER_USER_AGENTS_DATA],
            strict=True,
        )
    )
    conn.execute("create temporary table samples (user_agent text)")
    with conn.cursor().copy("copy samples from stdin") as copy:
        for sample in samples:
            copy.write_row((sample,))
    conn.execute("create temporary table patterns (rule_key text, pattern text)")
    with conn.cursor().copy("copy patterns from stdin") as copy:
        for key, pattern, _, _ in patterns:
            copy.write_row((key, pattern))
    # Rule by rule (the regex cache holds 32 patterns), as the model's macro does.
    found = set(
        conn.execute(
            "select patterns.rule_key, matched.user_agent from patterns cross join lateral"
            " (select user_agent from samples where user_agent ~ patterns.pattern offset 0)"
            " as matched"
        ).fetchall()
    )
    expected = set()
    for key, _pattern, required, insensitive in patterns:
        for sample in samples:
            if python_patterns[key].search(sample):
                expected.add((key, sample))
                text = sample.lower() if insensitive else sample
                assert required in text, (key, required, sample)
    print(
        f"\n{len(patterns)} patterns x {len(samples)} strings: {len(expected)} matches in"
        f" Python, {len(found)} in PostgreSQL, {len(found ^ expected)} differ"
    )
    assert found == expected


def _project_copy(tmp_path: Path) -> Path:
    """The dbt project copied into tmp_path, so a test can edit its seeds."""
    copy = tmp_path / "project"
    shutil.copytree(
        PROJECT_DIR,
        copy,
        ignore=shutil.ignore_patterns(
            ".git",
            ".venv",
            ".warehouse",
            "target",
            "logs",
            "data",
            "reports",
            "harness",
            "__pycache__",
            "*.egg-info",
        ),
    )
    return copy


def test_editing_a_seed_reclassifies_on_the_next_plain_build(
    database: warehouse.Settings, tmp_path: Path
) -> None:
    requests = tmp_path / "requests.csv"
    agents = [
        "AmigaVoyager/3.2 (AmigaOS/MC680x0)",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
        " Chrome/89.0.4389.114 Safari/537.36",
    ]
    with requests.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["date", "time", "path", "user_id", "cohort_id", "ip", "user_agent"])
        for number, agent in enumerate(agents, start=1):
            writer.writerow(["2021-03-01", "12:00:00", "/", number, "", "10.0.0.1", agent])
    loaded = run_cli(["load", "csv", str(requests)], database)
    assert loaded.returncode == 0, loaded.stderr
    project = _project_copy(tmp_path)

    def build() -> dict[str, tuple[bool, str | None, str, int, bool]]:
        built = subprocess.run(
            # A plain build (no --full-refresh); tests are run by the other modules.
            [
                str(Path(sys.executable).parent / "dbt"),
                "build",
                "--select",
                # The requests' tables after it too: they write the requests of a user
                # agent classified again (macro user_agents_classified_again).
                "+int_requests_enriched",
                "--exclude-resource-type",
                "test",
                "unit_test",
            ],
            cwd=project,
            env=warehouse.dbt_env(database),
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert built.returncode == 0, built.stdout[-3000:]
        with warehouse.connect(database) as connection:
            return {
                row[0]: row[1:]
                for row in connection.execute(
                    "select agents.user_agent, agents.is_bot, agents.bot_source,"
                    " agents.rules_checksum, facts.is_bot, enriched.is_bot"
                    " from intermediate.int_user_agents_classified as agents"
                    " join intermediate.int_requests_traffic_facts as facts"
                    " on facts.user_agent_key = agents.user_agent_key"
                    " join intermediate.int_requests_enriched as enriched"
                    " on enriched.request_id = facts.request_id"
                )
            }

    before = build()
    assert before[agents[0]][:2] == (False, None)
    assert before[agents[0]][3:] == (0, False)
    with (project / "seeds" / "user_agent_overrides.csv").open("a", encoding="utf-8") as seed:
        seed.write("900,is_bot,AmigaVoyager,true,a test override\n")
    after = build()
    assert after[agents[0]][:2] == (True, "override")
    assert after[agents[1]][:2] == (False, None)
    assert {row[2] for row in after.values()} != {row[2] for row in before.values()}
    # The request loaded before is written again with the new class.
    assert after[agents[0]][3:] == (1, True)
    assert after[agents[1]][3:] == (0, False)
