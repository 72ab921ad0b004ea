"""Fuzz: each loader reads thousands of randomly mutated lines (hostile field values,
random bytes, cut and joined lines, duplicates); every line is loaded, rejected or
counted as a duplicate, and `dbt build` then passes on what was loaded.

`make fuzz` runs bigger rounds: AA_FUZZ_LINES (lines per format, default 10,000) and
AA_FUZZ_SEED (default 1).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from access_analytics import loaders, warehouse

DbtRunner = Callable[..., subprocess.CompletedProcess[str]]

FUZZ_LINES = int(os.environ.get("AA_FUZZ_LINES", "10000"))
FUZZ_SEED = int(os.environ.get("AA_FUZZ_SEED", "1"))

# Values any visitor or any broken export can put into a field.
HOSTILE = [
    "",
    "-",
    '"',
    '\\"',
    "\\",
    "%",
    "%00",
    "%zz",
    "A" * 8_000,
    "\uff11\uff12\uff13",
    "+2500",
    "+0099",
    "12345678901234567890",
    "::ffff:10.0.0.1",
    "fe80::1%eth0",
    "2001:db8::1",
    "host.example.com",
    "256.1.1.1",
    "0001-01-01",
    "9999-12-31",
    "2019-02-30",
    "24:00:00",
    "\t",
    "\x0b",
    "\u2028",
    "\u00a0",
    "NULL",
    "NaN",
    "8.0",
    "' or 1=1 --",
    "\u00e9",
    "\U0001f600",
    ",",
    ";",
    " ",
    "  ",
    "[",
    "]",
    "/" * 300,
    "GET /a b c HTTP/1.1",
    "\r",
    "-1",
    "0",
    "999999999999999999",
    "1e9",
    "0x10",
    "\\N",
]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/90.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Version/14.1 Safari/605.1.15",
    "python-requests/2.25.1",
    "Googlebot/2.1 (+http://www.google.com/bot.html)",
]
PATHS = [
    "javascript-i/functions",
    "java-ii/arrays",
    "/",
    "toc",
    "favicon.ico",
    "html-css/css-i/selectors",
    "1-fundamentals/AI-ML-DL-timeline.jpg",
]


def _ip(rng: random.Random) -> str:
    return (
        f"{rng.choice([10, 97, 172, 192])}.{rng.randrange(256)}.{rng.randrange(256)}."
        f"{rng.randrange(256)}"
    )


def combined_line(rng: random.Random) -> str:
    stamp = (
        f"{rng.randrange(1, 29):02d}/{rng.choice(MONTHS)}/{rng.choice([2019, 2020])}:"
        f"{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}"
        f" {rng.choice(['+0000', '-0500', '+0530'])}"
    )
    return (
        f'{_ip(rng)} - {rng.choice(["-", "bob"])} [{stamp}] "GET /{rng.choice(PATHS)}'
        f' HTTP/1.1" {rng.choice([200, 304, 404, 500])} {rng.randrange(10**6)}'
        f' "-" "{rng.choice(AGENTS)}"'
    )


def _day(rng: random.Random) -> str:
    return f"{rng.choice([2019, 2020])}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"


def _clock(rng: random.Random) -> str:
    return f"{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}"


def bootcamp_line(rng: random.Random) -> str:
    return (
        f"{_day(rng)} {_clock(rng)} {rng.choice(PATHS)} {rng.randrange(1, 60)}"
        f" {rng.choice(['', 'NaN', '1', '2', '3'])} {_ip(rng)}"
    )


def csv_line(rng: random.Random) -> str:
    return (
        f"{rng.randrange(1, 60)},{_day(rng)},{_clock(rng)},{rng.choice(PATHS)},"
        f'{rng.choice(["", "1", "2", "3"])},{_ip(rng)},"{rng.choice(AGENTS)}"'
    )


def cohort_line(rng: random.Random) -> str:
    start = _day(rng)
    return (
        f"{rng.randrange(1, 40)},Cohort {rng.randrange(100)},#c,{start},{start},"
        f'"{start} 10:00:00","{start} 10:00:00",NULL,{rng.randrange(1, 6)}'
    )


FORMATS: dict[str, tuple[str | None, Callable[[random.Random], str]]] = {
    "combined": (None, combined_line),
    "bootcamp": (None, bootcamp_line),
    "csv": ("user_id,date,time,path,cohort_id,ip,user_agent", csv_line),
    "cohorts": (
        "id,name,slack,start_date,end_date,created_at,updated_at,deleted_at,program_id",
        cohort_line,
    ),
}


def mutate(line: str, rng: random.Random, separator: str) -> bytes:
    """One random mutation of a valid line, as bytes."""
    choice = rng.randrange(10)
    fields = line.split(separator)
    if choice <= 3:  # a field becomes a hostile value
        fields[rng.randrange(len(fields))] = rng.choice(HOSTILE)
        return separator.join(fields).encode()
    if choice == 4:  # a hostile value inside a field
        index = rng.randrange(len(fields))
        cut = rng.randrange(len(fields[index]) + 1)
        fields[index] = fields[index][:cut] + rng.choice(HOSTILE) + fields[index][cut:]
        return separator.join(fields).encode()
    if choice == 5:  # random bytes somewhere
        raw = line.encode()
        cut = rng.randrange(len(raw) + 1)
        return raw[:cut] + rng.randbytes(rng.randrange(1, 12)).replace(b"\n", b"") + raw[cut:]
    if choice == 6:  # cut short
        return line[: rng.randrange(len(line))].encode()
    if choice == 7:  # a field dropped or doubled
        index = rng.randrange(len(fields))
        if rng.random() < 0.5:
            del fields[index]
        else:
            fields.insert(index, fields[index])
        return separator.join(fields).encode()
    if choice == 8:  # a line of random bytes
        return rng.randbytes(rng.randrange(1, 200)).replace(b"\n", b"")
    return line.encode()  # choice 9: left valid (and duplicated below at times)


def fuzz_file(path: Path, file_format: str, lines: int, seed: int) -> Path:
    rng = random.Random(f"{seed}:{file_format}")
    header, make = FORMATS[file_format]
    separator = " " if file_format in ("combined", "bootcamp") else ","
    out: list[bytes] = [header.encode()] if header else []
    while len(out) < lines:
        line = make(rng)
        if rng.random() < 0.6:
            out.append(mutate(line, rng, separator))
        else:
            out.append(line.encode())
        if rng.random() < 0.02:  # an exact duplicate: two identical requests
            out.append(out[-1])
        if rng.random() < 0.005:  # a line broken in two
            out[-1] += b"\n" + rng.choice(HOSTILE).encode()
    path.write_bytes(b"\n".join(out) + b"\n")
    return path


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("fuzz")
    return {
        name: fuzz_file(folder / f"fuzz.{name}", name, FUZZ_LINES, FUZZ_SEED) for name in FORMATS
    }


def test_fuzzed_files_lose_no_line_and_dbt_build_passes(
    database: warehouse.Settings, dbt: DbtRunner, fuzzed: dict[str, Path], tmp_path: Path
) -> None:
    counts = {}
    with warehouse.connect(database) as conn:
        for name in ("cohorts", "bootcamp", "csv", "combined"):
            result = loaders.load_file(conn, fuzzed[name], name)
            header = loaders.FORMATS[name].header_lines
            continuation = conn.execute(
                "select continuation_lines from raw.loaded_files where source_file = %s",
                (result.source_file,),
            ).fetchone()
            assert continuation is not None
            accounted = (
                header
                + result.rows_loaded
                + result.lines_rejected
                + result.lines_duplicate
                + continuation[0]
            )
            counts[name] = (
                result.lines_read,
                result.rows_loaded,
                result.lines_rejected,
                result.lines_duplicate,
            )
            # Nothing lost: every line read is loaded, rejected or a duplicate.
            assert accounted == result.lines_read, (name, counts[name])
            assert result.lines_read >= FUZZ_LINES
            assert result.rows_loaded > FUZZ_LINES // 3 and result.lines_rejected > 500
    print(json.dumps(counts))

    # Everything but the unit tests, which do not read the loaded data (test_pipeline.py's
    # full build runs them).
    built = dbt(database, "build", "--exclude-resource-type", "unit_test")

    assert built.returncode == 0, built.stdout[-5000:]
    assert "ERROR=0" in built.stdout
