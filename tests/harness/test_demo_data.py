"""The synthetic demo data: file formats, determinism, and the planted ground truth.

The ground-truth checks recompute every planted finding from the written request file
(not from the generator's internals), at 200,000 events.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from access_analytics import demo_data, names
from access_analytics.demo_data import DemoFiles

PROJECT_DIR = Path(__file__).resolve().parents[2]
REAL_COHORTS = PROJECT_DIR.parent / "shared" / "data" / "codeup_cohorts" / "cohorts.csv"
GT_EVENTS = 200_000
LOG_START = "2018-01-26"
LOG_END = "2021-04-21"
HEADER = "date,time,path,user_id,cohort_id,ip,user_agent"
COHORT_HEADER = "id,name,slack,start_date,end_date,created_at,updated_at,deleted_at,program_id"
ASSET_SUFFIXES = (".png", ".jpg", ".gif", ".json", ".ico")
# date, time, path, user_id, cohort_id, ip, user_agent
DATE, TIME, PATH, USER, COHORT, IP, AGENT = range(7)
# Planted non-human traffic that is no scraper (issue 11), by ground-truth key.
NON_HUMAN_KINDS = ("browser_crawlers", "exploit_scanners", "uptime_monitors")
# The uptime monitors at 200,000 events, by user agent: days polled, polls, seconds apart
# (every 5 and 30 minutes at a million events: 2,880 and 1,344 polls).
MONITORS = {"Mozilla/5.0+(http://www.uptimerobot.com/)": (10, 576, 1500), "": (28, 269, 8993)}


class Cohort(NamedTuple):
    start: str
    end: str
    program: int
    name: str


@dataclass(frozen=True)
class Demo:
    files: DemoFiles
    rows: list[list[str]]
    cohorts: dict[int, Cohort]
    truth: dict[str, Any]

    def by_user(self) -> dict[str, list[list[str]]]:
        grouped: dict[str, list[list[str]]] = defaultdict(list)
        for row in self.rows:
            grouped[row[USER]].append(row)
        return grouped


def read_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        assert next(reader) == HEADER.split(",")
        return list(reader)


def read_cohorts(path: Path) -> dict[int, Cohort]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {
            int(r["id"]): Cohort(r["start_date"], r["end_date"], int(r["program_id"]), r["name"])
            for r in csv.DictReader(handle)
        }


def load(files: DemoFiles) -> Demo:
    return Demo(
        files,
        read_rows(files.requests_path),
        read_cohorts(files.cohorts_path),
        json.loads(files.ground_truth_path.read_text(encoding="utf-8")),
    )


def is_asset(path: str) -> bool:
    return path.endswith(ASSET_SUFFIXES)


def is_lesson(path: str) -> bool:
    return path not in ("", "/", "toc") and not is_asset(path)


def is_data_science_module(path: str) -> bool:
    return path[:1].isdigit()


def overlaps_log(cohort: Cohort) -> bool:
    return cohort.end >= LOG_START and cohort.start <= LOG_END


def shift(day: str, days: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


def os_of(agent: str) -> str:
    for needle, name in (
        ("iPhone", "ios"),
        ("Android", "android"),
        ("Macintosh", "mac"),
        ("Windows", "windows"),
        ("CrOS", "chromeos"),
        ("Linux", "linux"),
    ):
        if needle in agent:
            return name
    return "other"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """One 200,000-event data set (synthetic cohorts) shared by the ground-truth tests."""
    files = demo_data.generate(tmp_path_factory.mktemp("demo"), events=GT_EVENTS, seed=11)
    return load(files)


# ---------------------------------------------------------------------------------------
# Arguments, determinism, formats.
# ---------------------------------------------------------------------------------------
def test_same_seed_gives_identical_files_and_another_seed_a_different_log(
    tmp_path: Path,
) -> None:
    first = demo_data.generate(tmp_path / "a", events=20_000, seed=3)
    again = demo_data.generate(tmp_path / "b", events=20_000, seed=3)
    other = demo_data.generate(tmp_path / "c", events=20_000, seed=4)

    for name in ("requests.csv", "cohorts.csv", "ground_truth.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert first.requests_path.read_bytes() != other.requests_path.read_bytes()
    assert again.events == first.events == 20_000


def test_csv_has_the_header_one_line_per_event_and_seven_fields(tmp_path: Path) -> None:
    files = demo_data.generate(tmp_path / "out" / "new", events=20_000, seed=5)

    assert files.requests_path == tmp_path / "out" / "new" / "requests.csv"
    assert files.cohorts_path == tmp_path / "out" / "new" / "cohorts.csv"
    assert files.ground_truth_path == tmp_path / "out" / "new" / "ground_truth.json"
    assert files.events == 20_000
    raw = files.requests_path.read_bytes()
    assert b"\r" not in raw
    assert raw.endswith(b"\n")
    lines = raw.decode("utf-8").split("\n")[:-1]
    assert len(lines) == 20_001
    assert lines[0] == HEADER
    rows = list(csv.reader(lines[1:]))
    assert [len(row) for row in rows] == [7] * 20_000
    cohort_ids = set(read_cohorts(files.cohorts_path))
    assert len(cohort_ids) == files.cohorts
    public_ip = re.compile(r"^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$")
    # Only the planted scanner and health check that send no user agent have none.
    truth = json.loads(files.ground_truth_path.read_text())
    agentless = {
        item["ip"]
        for kind in ("exploit_scanners", "uptime_monitors")
        for item in truth[kind]
        if item["user_agent"] == ""
    }
    assert len(agentless) == 2, agentless
    for line, row in zip(lines[1:], rows, strict=True):
        assert line.endswith(',"' + row[AGENT].replace('"', '""') + '"')
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row[DATE])
        assert LOG_START <= row[DATE] <= LOG_END
        assert re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d:[0-5]\d", row[TIME])
        assert not re.search(r'[, "]', row[PATH])
        assert row[USER].isdigit() and int(row[USER]) >= 1
        assert row[COHORT] == "" or int(row[COHORT]) in cohort_ids
        found = public_ip.match(row[IP])
        assert found is not None
        octets = [int(part) for part in found.groups()]
        assert all(0 <= octet <= 255 for octet in octets)
        assert octets[0] not in (0, 10, 127) and octets[:2] != [192, 168]
        assert not (octets[0] == 172 and 16 <= octets[1] <= 31)
        assert bool(row[AGENT]) == (row[IP] not in agentless), row
    stamps = [(row[DATE], row[TIME]) for row in rows]
    assert stamps == sorted(stamps)
    assert [row[PATH] for row in rows].count("") == 1


def test_bootcamp_format_holds_the_same_rows_without_user_agents(tmp_path: Path) -> None:
    as_csv = demo_data.generate(tmp_path / "csv", events=5_000, seed=9)
    bootcamp = demo_data.generate(tmp_path / "bootcamp", events=5_000, seed=9, fmt="bootcamp")

    assert bootcamp.requests_path == tmp_path / "bootcamp" / "requests.txt"
    assert bootcamp.events == 5_000
    lines = bootcamp.requests_path.read_text(encoding="utf-8").split("\n")
    assert lines[-1] == ""
    lines = lines[:-1]
    assert len(lines) == 5_000
    assert all(len(line.split(" ")) == 6 for line in lines)
    expected = [
        " ".join([row[DATE], row[TIME], row[PATH], row[USER], row[COHORT] or "NaN", row[IP]])
        for row in read_rows(as_csv.requests_path)
    ]
    assert lines == expected
    assert sum(1 for line in lines if line.split(" ")[PATH] == "") == 1
    assert sum(1 for line in lines if "  " in line) == 1
    assert any(line.split(" ")[COHORT] == "NaN" for line in lines)
    assert bootcamp.cohorts_path.read_bytes() == as_csv.cohorts_path.read_bytes()


def test_the_smallest_allowed_file_has_exactly_1000_lines(tmp_path: Path) -> None:
    files = demo_data.generate(tmp_path, events=1_000, seed=1)

    assert files.events == 1_000
    assert len(read_rows(files.requests_path)) == 1_000
    truth = json.loads(files.ground_truth_path.read_text(encoding="utf-8"))
    assert truth["events"] == 1_000
    assert truth["missing_path_rows"] == 1


def test_progress_goes_to_the_callback_and_nothing_is_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    messages: list[str] = []
    demo_data.generate(tmp_path, events=5_000, seed=2, progress=messages.append)

    assert capsys.readouterr() == ("", "")
    assert "writing 5,000 / 5,000 rows" in messages
    assert any(message.startswith("users: ") for message in messages)


@pytest.mark.parametrize("events", [999, 0, -5])
def test_too_few_events_are_refused(tmp_path: Path, events: int) -> None:
    with pytest.raises(ValueError, match="at least 1,000"):
        demo_data.generate(tmp_path, events=events)
    assert not (tmp_path / "requests.csv").exists()


def test_unknown_format_and_negative_seed_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown format 'json'"):
        demo_data.generate(tmp_path, events=5_000, fmt="json")
    with pytest.raises(ValueError, match="seed"):
        demo_data.generate(tmp_path, events=5_000, seed=-1)


def test_unusable_cohort_files_are_refused(tmp_path: Path, demo: Demo) -> None:
    with pytest.raises(ValueError, match="cannot read cohorts file"):
        demo_data.generate(tmp_path / "out", events=5_000, cohorts_file=tmp_path / "none.csv")

    lines = demo.files.cohorts_path.read_text(encoding="utf-8").splitlines()
    no_staff = tmp_path / "no_staff.csv"
    no_staff.write_text("\n".join(line for line in lines if ",Staff," not in line) + "\n")
    with pytest.raises(ValueError, match="Staff"):
        demo_data.generate(tmp_path / "out", events=5_000, cohorts_file=no_staff)

    bad_header = tmp_path / "bad_header.csv"
    bad_header.write_text("\n".join(["id,name,start_date", *lines[1:]]) + "\n")
    with pytest.raises(ValueError, match="lacks the columns"):
        demo_data.generate(tmp_path / "out", events=5_000, cohorts_file=bad_header)

    bad_date = tmp_path / "bad_date.csv"
    bad_date.write_text("\n".join([lines[0], lines[1].replace("-", "/", 1), *lines[2:]]) + "\n")
    with pytest.raises(ValueError, match="line 2"):
        demo_data.generate(tmp_path / "out", events=5_000, cohorts_file=bad_date)


# ---------------------------------------------------------------------------------------
# Cohort tables.
# ---------------------------------------------------------------------------------------
def test_synthetic_cohort_table_is_shaped_like_the_real_export(demo: Demo) -> None:
    text = demo.files.cohorts_path.read_text(encoding="utf-8")
    lines = text.split("\n")
    assert lines[0] == COHORT_HEADER
    assert lines[-1] == ""
    stamp = r'"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"'
    style = re.compile(
        rf'^(\d+),("[^"]+"|[^," ]+),(#[^,]*),(\d{{4}}-\d{{2}}-\d{{2}}),(\d{{4}}-\d{{2}}-\d{{2}}),'
        rf"{stamp},{stamp},NULL,([1-4])$"
    )
    assert all(style.match(line) for line in lines[1:-1])
    cohorts = demo.cohorts
    assert len(cohorts) == demo.files.cohorts == len(lines) - 2
    assert 45 <= len(cohorts) <= 60
    assert max(cohorts) > len(cohorts)  # ids have gaps, like the real table
    staff = [i for i, c in cohorts.items() if c.name == "Staff"]
    assert staff == [demo.truth["staff_cohort_id"]]
    assert cohorts[staff[0]].start == cohorts[staff[0]].end
    assert cohorts[staff[0]].program == 2
    placeholders = [i for i, c in cohorts.items() if c.end > "2023-04-21"]
    assert placeholders == demo.truth["placeholder_cohort_ids"]
    assert len(placeholders) == 1
    assert f',"{cohorts[placeholders[0]].name}",' in text
    assert " " in cohorts[placeholders[0]].name
    assert Counter(c.program for c in cohorts.values()).keys() == {1, 2, 3, 4}
    assert sum(1 for c in cohorts.values() if c.program == 4) == 2
    first_data_science = min(c.start for c in cohorts.values() if c.program == 3)
    assert "2019-01-01" <= first_data_science <= "2019-03-01"
    if REAL_COHORTS.is_file():
        real = {c.name for c in read_cohorts(REAL_COHORTS).values()}
        made_up = {c.name for c in cohorts.values()} - {"Staff", cohorts[placeholders[0]].name}
        assert not made_up & real


def test_a_real_cohort_table_drives_the_log(tmp_path: Path) -> None:
    if not REAL_COHORTS.is_file():
        pytest.skip(f"real cohort table not found at {REAL_COHORTS} (a user's clone has none)")
    files = demo_data.generate(tmp_path, events=30_000, seed=2, cohorts_file=REAL_COHORTS)

    assert files.cohorts == 53
    assert files.cohorts_path.read_bytes() == REAL_COHORTS.read_bytes()
    truth = json.loads(files.ground_truth_path.read_text(encoding="utf-8"))
    assert truth["staff_cohort_id"] == 28
    assert truth["placeholder_cohort_ids"] == [136]
    rows = read_rows(files.requests_path)
    assert len(rows) == 30_000
    used = {int(row[COHORT]) for row in rows if row[COHORT]}
    real_ids = set(read_cohorts(REAL_COHORTS))
    assert used <= real_ids
    assert {28, 136} <= used
    staff_rows = sum(1 for row in rows if row[COHORT] == "28")
    assert staff_rows == max(Counter(row[COHORT] for row in rows if row[COHORT]).values())


# ---------------------------------------------------------------------------------------
# Ground truth, recomputed from the written file.
# ---------------------------------------------------------------------------------------
def test_ground_truth_lists_every_planted_item(demo: Demo) -> None:
    truth = demo.truth
    assert list(truth) == [
        "seed",
        "events",
        "log_start",
        "log_end",
        "staff_cohort_id",
        "placeholder_cohort_ids",
        "programs",
        "test_accounts",
        "scrapers",
        "credential_sharing",
        "two_place_sharing",
        "network_switches",
        "cross_program_access",
        "post_graduation_topics",
        "overused_lesson",
        "more_active_cohort",
        "ip_blocks",
        "heavy_usage_days",
        *NON_HUMAN_KINDS,
        "missing_path_rows",
    ]
    assert (truth["seed"], truth["events"]) == (11, GT_EVENTS)
    assert (truth["log_start"], truth["log_end"]) == (LOG_START, LOG_END)
    assert truth["programs"] == {
        "1": "PHP web dev",
        "2": "Java web dev",
        "3": "data science",
        "4": "front end",
    }
    assert len(truth["test_accounts"]) == 8
    assert sum(item["on_staff_ip"] for item in truth["test_accounts"]) == 3
    assert [s["user_agent_kind"] for s in truth["scrapers"]] == [
        "python-requests",
        "curl",
        "wget",
        "headless",
        "browser",
        "browser",
    ]
    assert len(truth["credential_sharing"]) == 4
    assert len(truth["two_place_sharing"]) == 3
    assert (
        sorted(item["kind"] for item in truth["network_switches"])
        == ["phone_on_cellular"] * 3 + ["single_switch"] * 3
    )
    assert len(truth["heavy_usage_days"]) == 10
    assert len({item["user_id"] for item in truth["heavy_usage_days"]}) == 5
    assert truth["cross_program_access"] == {
        "web_dev_to_data_science": {"cutoff_date": "2019-03-11"},
        "data_science_to_web_dev": {"cutoff_date": "2019-03-25"},
    }
    assert sorted(truth["post_graduation_topics"]) == ["1", "2", "3"]
    assert truth["missing_path_rows"] == 1
    assert [row[PATH] for row in demo.rows].count("") == 1
    assert len(demo.rows) == demo.files.events == GT_EVENTS


def test_test_accounts_are_one_day_accounts_and_three_use_the_staff_ip(demo: Demo) -> None:
    by_user = demo.by_user()
    staff = str(demo.truth["staff_cohort_id"])
    staff_ips = {row[IP] for row in demo.rows if row[COHORT] == staff}
    for account in demo.truth["test_accounts"]:
        rows = by_user[str(account["user_id"])]
        cohort = demo.cohorts[account["cohort_id"]]
        assert 1 <= account["requests"] <= 8
        assert len(rows) == account["requests"]
        assert {row[DATE] for row in rows} == {account["date"]}
        assert {row[IP] for row in rows} == {account["ip"]}
        assert {row[COHORT] for row in rows} == {str(account["cohort_id"])}
        assert cohort.start <= account["date"] <= cohort.end
        assert LOG_START <= account["date"] <= LOG_END
        assert (account["ip"] in staff_ips) == account["on_staff_ip"]


def test_only_the_test_accounts_have_at_most_ten_requests_in_session(demo: Demo) -> None:
    staff = demo.truth["staff_cohort_id"]
    in_session: Counter[str] = Counter()
    cohort_of: dict[str, int] = {}
    for row in demo.rows:
        if not row[COHORT] or int(row[COHORT]) == staff:
            continue
        cohort = demo.cohorts[int(row[COHORT])]
        cohort_of[row[USER]] = int(row[COHORT])
        if cohort.start <= row[DATE] <= cohort.end:
            in_session[row[USER]] += 1
    students = {user for user, c in cohort_of.items() if overlaps_log(demo.cohorts[c])}
    quiet = {user for user in students if in_session[user] <= 10}
    planted = {str(account["user_id"]) for account in demo.truth["test_accounts"]}

    assert quiet == planted
    assert min(in_session[user] for user in students - planted) >= 40


def test_scrapers_crawl_many_paths_at_night_from_their_own_blocks(demo: Demo) -> None:
    scraper_ips = {s["ip"] for s in demo.truth["scrapers"]}
    crawler_ips = scraper_ips | {c["ip"] for c in demo.truth["browser_crawlers"]}
    others_paths = {row[PATH] for row in demo.rows if row[IP] not in crawler_ips}
    crawled: set[str] = set()
    with_student_account = 0
    for scraper in demo.truth["scrapers"]:
        block = ".".join(scraper["ip"].split(".")[:2]) + "."
        rows = [row for row in demo.rows if row[IP].startswith(block)]
        assert {row[IP] for row in rows} == {scraper["ip"]}
        assert {row[USER] for row in rows} == {str(scraper["user_id"])}
        assert {row[AGENT] for row in rows} == {scraper["user_agent"]}
        assert len(rows) == scraper["requests"]
        assert len({row[PATH] for row in rows}) == scraper["distinct_paths"] >= 100
        assert sorted({row[DATE] for row in rows}) == scraper["dates"]
        assert 1 <= len(scraper["dates"]) <= 3
        assert sum(1 for row in rows if row[TIME] < "05:00:00") >= 0.8 * len(rows)
        stamps = [datetime.fromisoformat(f"{row[DATE]} {row[TIME]}") for row in rows]
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(stamps)]
        assert sum(1 for gap in gaps if 1 <= gap <= 3) >= 0.9 * len(gaps)
        with_student_account += bool(rows[0][COHORT])
        crawled |= {row[PATH] for row in rows}
    assert with_student_account == 2
    assert crawled - others_paths  # drafts that only crawlers find


def test_cross_program_access_stops_at_the_cutoff_dates(demo: Demo) -> None:
    staff = demo.truth["staff_cohort_id"]
    cutoffs = demo.truth["cross_program_access"]
    found: dict[str, list[str]] = {"web_dev_to_data_science": [], "data_science_to_web_dev": []}
    lessons: Counter[str] = Counter()
    for row in demo.rows:
        if not row[COHORT] or int(row[COHORT]) == staff or not is_lesson(row[PATH]):
            continue
        program = demo.cohorts[int(row[COHORT])].program
        to_data_science = is_data_science_module(row[PATH])
        if program in (1, 2, 4):
            direction = "web_dev_to_data_science"
            crossed = to_data_science
        else:
            direction = "data_science_to_web_dev"
            crossed = not to_data_science
        if row[DATE] < cutoffs[direction]["cutoff_date"]:
            lessons[direction] += 1
        if crossed:
            found[direction].append(row[DATE])
    for direction, dates in found.items():
        cutoff = cutoffs[direction]["cutoff_date"]
        assert [day for day in dates if day >= cutoff] == []
        assert max(dates) >= shift(cutoff, -2)
        assert sum(1 for day in dates if day >= shift(cutoff, -7)) >= 2
    assert (
        0.025 <= len(found["web_dev_to_data_science"]) / lessons["web_dev_to_data_science"] <= 0.06
    )
    assert (
        0.04 <= len(found["data_science_to_web_dev"]) / lessons["data_science_to_web_dev"] <= 0.09
    )


def cohort_shares(demo: Demo, path: str) -> dict[int, float]:
    """Share of each Java cohort's requests (staff and placeholders excluded) for a path."""
    skip = {demo.truth["staff_cohort_id"], *demo.truth["placeholder_cohort_ids"]}
    totals: Counter[int] = Counter()
    hits: Counter[int] = Counter()
    for row in demo.rows:
        if row[COHORT] and int(row[COHORT]) not in skip:
            cohort = int(row[COHORT])
            if demo.cohorts[cohort].program == 2:
                totals[cohort] += 1
                hits[cohort] += row[PATH] == path
    return {cohort: hits[cohort] / total for cohort, total in totals.items() if total >= 50}


def test_overused_lesson_stands_out_after_normalising_and_the_decoy_does_not(
    demo: Demo,
) -> None:
    overused = demo.truth["overused_lesson"]
    decoy = demo.truth["more_active_cohort"]
    assert overused["program_id"] == demo.cohorts[overused["cohort_id"]].program == 2
    assert overused["module"] == overused["path"].split("/")[0]
    assert overused["lesson"] == overused["path"].split("/")[-1]
    assert overused["factor"] >= 8
    assert decoy["cohort_id"] != overused["cohort_id"]
    assert demo.cohorts[decoy["cohort_id"]].program == 2

    shares = cohort_shares(demo, overused["path"])
    others = [share for cohort, share in shares.items() if cohort != overused["cohort_id"]]
    typical = statistics.median(others)
    assert shares[overused["cohort_id"]] >= 5 * typical
    assert typical < 0.01
    assert shares[decoy["cohort_id"]] < 2 * typical


def test_the_decoy_cohort_is_more_active_per_student(demo: Demo) -> None:
    decoy = demo.truth["more_active_cohort"]
    skip = {demo.truth["staff_cohort_id"], *demo.truth["placeholder_cohort_ids"]}
    planted = {str(a["user_id"]) for a in demo.truth["test_accounts"]}
    rows_of: Counter[int] = Counter()
    students: dict[int, set[str]] = defaultdict(set)
    for row in demo.rows:
        if not row[COHORT] or int(row[COHORT]) in skip or row[USER] in planted:
            continue
        cohort = demo.cohorts[int(row[COHORT])]
        inside = cohort.start >= LOG_START and cohort.end <= LOG_END
        if cohort.program == 2 and inside and cohort.start <= row[DATE] <= cohort.end:
            rows_of[int(row[COHORT])] += 1
            students[int(row[COHORT])].add(row[USER])
    per_student = {c: rows_of[c] / len(students[c]) for c in rows_of}
    peers = [rate for c, rate in per_student.items() if c != decoy["cohort_id"]]

    assert decoy["factor"] >= 2
    assert per_student[decoy["cohort_id"]] >= 2 * statistics.median(peers)


def test_graduates_keep_coming_back_to_the_planted_topics(demo: Demo) -> None:
    skip = {demo.truth["staff_cohort_id"], *demo.truth["placeholder_cohort_ids"]}
    after: dict[int, Counter[str]] = defaultdict(Counter)
    for row in demo.rows:
        if not row[COHORT] or int(row[COHORT]) in skip or not is_lesson(row[PATH]):
            continue
        cohort = demo.cohorts[int(row[COHORT])]
        if row[DATE] > cohort.end:
            after[cohort.program][row[PATH].split("/")[-1]] += 1
    for program, topics in demo.truth["post_graduation_topics"].items():
        assert len(topics) == 2
        for topic in topics:
            assert topic["module"] == topic["path"].split("/")[0]
            assert topic["lesson"] == topic["path"].split("/")[-1]
        top_two = {lesson for lesson, _ in after[int(program)].most_common(2)}
        assert top_two == {topic["lesson"] for topic in topics}


def test_shared_credentials_show_many_ips_in_several_blocks_within_three_hours(
    demo: Demo,
) -> None:
    by_user = demo.by_user()
    for item in demo.truth["credential_sharing"]:
        assert 3 <= len(item["dates"]) <= 5
        assert sorted(item["ips"]) == item["dates"]
        rows = by_user[str(item["user_id"])]
        cohort = demo.cohorts[int(rows[0][COHORT])]
        for day in item["dates"]:
            that_day = [row for row in rows if row[DATE] == day]
            ips = sorted({row[IP] for row in that_day})
            assert ips == item["ips"][day]
            assert 6 <= len(ips) <= 10
            assert len({".".join(ip.split(".")[:2]) for ip in ips}) >= 4
            times = sorted(row[TIME] for row in that_day)
            span = datetime.fromisoformat(f"{day} {times[-1]}") - datetime.fromisoformat(
                f"{day} {times[0]}"
            )
            assert span <= timedelta(hours=3)
            assert cohort.start <= day <= cohort.end


def _block(ip: str) -> str:
    return ".".join(ip.split(".")[:2])


def _switches(rows: list[list[str]], minutes: int = 5) -> int:
    """Block changes between consecutive requests of one device kind (phone or not)
    within `minutes`."""
    count = 0
    by_agent: dict[bool, list[tuple[datetime, str]]] = {}
    for row in rows:
        stamp = datetime.fromisoformat(f"{row[DATE]} {row[TIME]}")
        phone = "iPhone" in row[AGENT] or "Android" in row[AGENT]
        by_agent.setdefault(phone, []).append((stamp, _block(row[IP])))
    for requests in by_agent.values():
        requests.sort()
        for (before, first), (after, second) in itertools.pairwise(requests):
            if first != second and after - before <= timedelta(minutes=minutes):
                count += 1
    return count


def test_two_place_sharing_interleaves_two_laptops_in_two_blocks(demo: Demo) -> None:
    by_user = demo.by_user()
    for item in demo.truth["two_place_sharing"]:
        rows = by_user[str(item["user_id"])]
        for day in item["dates"]:
            planted = [
                row for row in rows if row[DATE] == day and _block(row[IP]) in item["places"][day]
            ]
            assert sorted({_block(row[IP]) for row in planted}) == item["places"][day]
            assert len({row[AGENT] for row in planted}) >= 2
            assert _switches(planted) >= 10


def test_network_switches_are_one_switch_or_two_device_classes(demo: Demo) -> None:
    by_user = demo.by_user()
    cellular = set(demo_data.CELLULAR_BLOCKS)
    for item in demo.truth["network_switches"]:
        rows = by_user[str(item["user_id"])]
        for day in item["dates"]:
            on_cellular = [row for row in rows if row[DATE] == day and _block(row[IP]) in cellular]
            assert on_cellular
            phone = {row[AGENT] for row in on_cellular}
            assert len(phone) == 1 and any(
                word in next(iter(phone)) for word in ("iPhone", "Android")
            )
            if item["kind"] == "single_switch":
                that_day = [row for row in rows if row[DATE] == day and row[AGENT] in phone]
                assert _switches(that_day) == 1


def test_heavy_usage_days_are_at_least_eight_times_the_median_day(demo: Demo) -> None:
    """And each stands out under the project's daily anomaly rule (its dbt vars): a full
    baseline of days before it, and a robust score above the threshold."""
    by_user = demo.by_user()
    for item in demo.truth["heavy_usage_days"]:
        cohort = demo.cohorts[int(by_user[str(item["user_id"])][0][COHORT])]
        assert cohort.start <= item["date"] <= cohort.end
    assert_heavy_days_stand_out(demo.truth, by_user)


def test_the_generator_plants_heavy_days_for_the_projects_anomaly_rule() -> None:
    project_vars = names.project_vars(PROJECT_DIR)
    assert {name: project_vars[name] for name in demo_data.ANOMALY_RULE} == demo_data.ANOMALY_RULE


def assert_heavy_days_stand_out(truth: dict[str, Any], by_user: dict[str, list[list[str]]]) -> None:
    rule = names.project_vars(PROJECT_DIR)
    for item in truth["heavy_usage_days"]:
        per_day = Counter(row[DATE] for row in by_user[str(item["user_id"])])
        assert per_day[item["date"]] == item["requests"]
        assert item["requests"] >= 8 * statistics.median(per_day.values())
        window = [
            per_day[shift(item["date"], -back)]
            for back in range(1, rule["anomaly_window_days"] + 1)
            if shift(item["date"], -back) >= min(per_day)
        ]
        assert len(window) >= rule["anomaly_min_history_days"], item
        median = statistics.median(window)
        mad = statistics.median(abs(count - median) for count in window)
        scale = max(1.4826 * mad, rule["anomaly_min_scale"])
        assert (item["requests"] - median) / scale > rule["anomaly_score_threshold"], item


def assert_monitors_poll_their_days(
    truth: dict[str, Any],
    by_ip: dict[str, list[list[str]]],
    expected: dict[str, tuple[int, int, int]],
) -> None:
    """Each monitor polls its one path every ``interval`` seconds (give or take two),
    around the clock, ``polls`` times over ``days`` days (``expected`` by user agent)."""
    for monitor in truth["uptime_monitors"]:
        rows = by_ip[monitor["ip"]]
        assert {row[PATH] for row in rows} == {monitor["path"]}
        stamps = [datetime.fromisoformat(f"{row[DATE]} {row[TIME]}") for row in rows]
        gaps = {
            (b - a).total_seconds() - monitor["interval_seconds"]
            for a, b in itertools.pairwise(stamps)
        }
        assert gaps <= {-2, -1, 0, 1, 2}, gaps
        days, polls, interval = expected[monitor["user_agent"]]
        assert (len(rows), monitor["interval_seconds"]) == (polls, interval)
        assert timedelta(days=days - 1) < stamps[-1] - stamps[0] < timedelta(days=days)
        assert {stamp.hour for stamp in stamps} == set(range(24))
    assert {m["user_agent"] for m in truth["uptime_monitors"]} == set(expected)


def test_the_default_demo_plants_what_the_rules_need(demo: Demo, tmp_path: Path) -> None:
    """`make build`'s demo (1,000,000 requests, seed 42; the tests' demo warehouse has
    200,000) plants the same findings: as many of each kind, heavy-usage days that
    stand out under the anomaly rule, monitors polling every 5 and 30 minutes for 10 and
    28 days."""
    files = demo_data.generate(tmp_path, events=1_000_000, seed=42)
    truth = json.loads(files.ground_truth_path.read_text(encoding="utf-8"))
    heavy = {str(item["user_id"]) for item in truth["heavy_usage_days"]}
    monitors = {item["ip"] for item in truth["uptime_monitors"]}
    by_user: dict[str, list[list[str]]] = defaultdict(list)
    by_ip: dict[str, list[list[str]]] = defaultdict(list)
    for row in read_rows(files.requests_path):
        if row[USER] in heavy:
            by_user[row[USER]].append(row)
        if row[IP] in monitors:
            by_ip[row[IP]].append(row)
    assert_heavy_days_stand_out(truth, by_user)
    assert_monitors_poll_their_days(
        truth,
        by_ip,
        {"Mozilla/5.0+(http://www.uptimerobot.com/)": (10, 2880, 300), "": (28, 1344, 1800)},
    )
    assert counts(truth) == counts(demo.truth)


def counts(truth: dict[str, Any]) -> dict[str, int]:
    """How many items of each planted kind."""
    return {key: len(value) for key, value in truth.items() if isinstance(value, list)}


def test_traffic_shares_look_like_the_real_log(demo: Demo) -> None:
    rows = demo.rows
    total = len(rows)
    by_program: Counter[int] = Counter()
    by_cohort: Counter[int] = Counter()
    for row in rows:
        if row[COHORT]:
            by_cohort[int(row[COHORT])] += 1
            by_program[demo.cohorts[int(row[COHORT])].program] += 1
    without = sum(1 for row in rows if not row[COHORT])
    staff = demo.truth["staff_cohort_id"]

    assert 0.04 <= without / total <= 0.08
    assert 0.75 <= by_program[2] / total <= 0.83
    assert 0.09 <= by_program[3] / total <= 0.13
    assert 0.025 <= by_program[1] / total <= 0.045
    assert 1 <= by_program[4] <= 20
    assert by_cohort.most_common(1)[0][0] == staff
    assert 0.07 <= by_cohort[staff] / total <= 0.11
    assert 0.15 <= sum(1 for row in rows if is_asset(row[PATH])) / total <= 0.20
    assert 800 <= len({row[USER] for row in rows}) <= 1_200
    top_ten = {path for path, _ in Counter(row[PATH] for row in rows).most_common(10)}
    assert {"search/search_index.json", "/", "favicon.ico"} <= top_ten
    paths = {row[PATH] for row in rows}
    assert {
        "toc",
        "1-fundamentals/AI-ML-DL-timeline.jpg",
        "javascript-i/functions",
        "html-css/css-i/selectors-and-properties",
    } <= paths
    assert {"mac", "windows", "linux", "chromeos", "ios", "android"} <= {
        os_of(row[AGENT]) for row in rows
    }
    for browser in (
        "Chrome/",
        "Firefox/",
        "Version/",
        "Edge/",
        "Edg/",
        "SamsungBrowser/",
        "CriOS/",
    ):
        assert any(browser in row[AGENT] for row in rows)


def test_crawlers_scanners_and_monitors_behave_like_their_kind(demo: Demo) -> None:
    """The browser-user-agent crawler reads robots.txt first on every visit, then only
    pages (no image), seconds apart; the scanners ask for the home page and exploit
    paths that no one else asks for; a monitor polls one path at a fixed interval, give
    or take two seconds, around the clock, for the same days at every size (a
    200,000-event log has a fifth of a million-event log's polls, five times further
    apart)."""
    by_ip: dict[str, list[list[str]]] = defaultdict(list)
    for row in demo.rows:
        by_ip[row[IP]].append(row)
    truth = demo.truth
    accounts = Counter()
    for kind in NON_HUMAN_KINDS:
        for item in truth[kind]:
            rows = by_ip[item["ip"]]
            assert len(rows) == item["requests"], item
            assert len({row[PATH] for row in rows}) == item["distinct_paths"], item
            assert {row[AGENT] for row in rows} == {item["user_agent"]}, item
            assert {row[USER] for row in rows} == {str(item["user_id"])}, item
            assert {row[COHORT] for row in rows} == {""}, item
            assert f"{rows[0][DATE]} {rows[0][TIME]}" == item["first_seen"], item
            assert f"{rows[-1][DATE]} {rows[-1][TIME]}" == item["last_seen"], item
            accounts[kind] += 1
    assert accounts == {"browser_crawlers": 3, "exploit_scanners": 4, "uptime_monitors": 2}
    # Each kind has accounts of its own: one for the crawler's IPs, one per scanner and monitor.
    assert len({item["user_id"] for kind in NON_HUMAN_KINDS for item in truth[kind]}) == 7

    for crawler in truth["browser_crawlers"]:
        assert crawler["ip"].startswith("180.76.")
        assert "Firefox/" in crawler["user_agent"] and "bot" not in crawler["user_agent"].lower()
        visits: dict[str, list[list[str]]] = defaultdict(list)
        for row in by_ip[crawler["ip"]]:
            visits[row[DATE]].append(row)
        assert len(visits) == 1
        for rows in visits.values():
            assert rows[0][PATH] == "robots.txt"
            assert [row[PATH] for row in rows].count("robots.txt") == 1
            assert not any(row[PATH].endswith(ASSET_SUFFIXES) for row in rows[1:])
            assert 40 <= len(rows) - 1 <= 150
            stamps = [datetime.fromisoformat(f"{row[DATE]} {row[TIME]}") for row in rows]
            assert all(1 <= (b - a).total_seconds() <= 4 for a, b in itertools.pairwise(stamps))

    probes = set(demo_data.EXPLOIT_PATHS)
    scanner_ips = {item["ip"] for item in truth["exploit_scanners"]}
    for scanner in truth["exploit_scanners"]:
        paths = [row[PATH] for row in by_ip[scanner["ip"]]]
        assert set(paths) <= probes | {"/"}
        assert sum(path in probes for path in paths) >= 6
    assert not any(row[PATH] in probes for row in demo.rows if row[IP] not in scanner_ips)

    assert_monitors_poll_their_days(truth, by_ip, MONITORS)


def test_ip_blocks_behave_like_their_kind(demo: Demo) -> None:
    kinds = {item["block"]: item["kind"] for item in demo.truth["ip_blocks"]}
    scraper_blocks = {".".join(s["ip"].split(".")[:2]) for s in demo.truth["scrapers"]}
    assert Counter(kinds.values()) == Counter({"residential": 8, "hotspot": 3, "organisation": 2})
    weekend_days = {row[DATE] for row in demo.rows if date.fromisoformat(row[DATE]).weekday() >= 5}
    n_days = (date.fromisoformat(LOG_END) - date.fromisoformat(LOG_START)).days + 1
    n_weekend = sum(
        1
        for i in range(n_days)
        if (date.fromisoformat(LOG_START) + timedelta(days=i)).weekday() >= 5
    )
    blocks: dict[str, list[list[str]]] = defaultdict(list)
    for row in demo.rows:
        blocks[".".join(row[IP].split(".")[:2])].append(row)
    non_human_blocks = {
        ".".join(item["ip"].split(".")[:2]) for kind in NON_HUMAN_KINDS for item in demo.truth[kind]
    }
    assert set(blocks) == (
        set(kinds) | scraper_blocks | set(demo_data.CELLULAR_BLOCKS) | non_human_blocks
    )

    for block, kind in kinds.items():
        rows = blocks[block]
        agents = {(row[IP], row[AGENT]) for row in rows}
        os_share = Counter(os_of(agent) for _ip, agent in agents)
        top_os_share = os_share.most_common(1)[0][1] / len(agents)
        hours = Counter(int(row[TIME][:2]) for row in rows)
        weekend_rows = sum(1 for row in rows if row[DATE] in weekend_days)
        weekday_users = sum(
            len(users) for day, users in _users_per_day(rows).items() if day not in weekend_days
        ) / (n_days - n_weekend)
        weekend_users = (
            sum(len(users) for day, users in _users_per_day(rows).items() if day in weekend_days)
            / n_weekend
        )
        assert len({row[USER] for row in rows}) >= 20, block
        if kind == "organisation":
            assert os_share["mac"] / len(agents) >= 0.8, block
            assert weekend_rows <= 0.01 * len(rows), block
            assert sum(hours[h] for h in range(8, 19)) >= 0.95 * len(rows), block
        elif kind == "hotspot":
            assert top_os_share <= 0.5, block
            assert (os_share["ios"] + os_share["android"]) / len(agents) >= 0.3, block
            assert weekend_users >= weekday_users, block
            peaks = sum(hours[h] for h in (6, 7, 8, 9, 17, 18, 19, 20, 21))
            assert peaks >= 0.7 * len(rows), block
        else:
            assert sum(hours[h] for h in range(17, 24)) >= 0.5 * len(rows), block
            assert weekend_users >= 0.7 * weekday_users, block
            assert len({row[IP] for row in rows}) >= 20, block


def _users_per_day(rows: list[list[str]]) -> dict[str, set[tuple[str, str]]]:
    """Distinct IP + user-agent pairs per date: the usual proxy for a user."""
    days: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for row in rows:
        days[row[DATE]].add((row[IP], row[AGENT]))
    return days
