"""The loaders' fast path gives exactly the rows and rejections of their full path.

Each request format has a fast path for well-formed lines (each distinct field text
checked once per load by the full path's own parsers, the row written from the line's
own texts; for a csv export with the documented header, the bulk path: a block's lines
checked at once) and a full path that validates every field of every line. Each fuzzed
file (hostile values, random bytes, broken CSV quoting: test_fuzz_loaders; a csv export
in the documented column order) and a file of CSV quoting cases is loaded three times,
into the three ways a load writes: with the fast path turned off into the empty table
(bulk load), with it into the table that now has rows, and with it through the staging
tables (a source that already has a file). Raw rows, rejected lines and counts must be
identical.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from access_analytics import loaders
from test_fuzz_loaders import csv_line, fuzz_file, mutate

LINES = 3_000
CSV_HEADER = "date,time,path,user_id,cohort_id,ip,user_agent"


def quoting_cases(path: Path) -> Path:
    """Lines of a CSV export with quotes, separators and escapes in every place."""
    rng = random.Random(7)
    good = '2018-01-26,09:55:03,/,1,8,97.105.19.61,"Mozilla/5.0 (X11; Linux) Z"'
    pieces = [
        'a,"b',
        '"',
        '""',
        '"x""y"',
        'x"y',
        ',"',
        "\t",
        "\\",
        "\r",
        " ",
        "\u00e9",
        '"\n"',
        "\n",
        ",",
        "\\N",
        "\u00a0",
    ]
    lines = [CSV_HEADER]
    for _ in range(LINES):
        line = good
        for _ in range(rng.choice([0, 0, 1, 2])):
            cut = rng.randrange(len(line) + 1)
            line = line[:cut] + rng.choice(pieces) + line[cut:]
        if rng.random() < 0.01:
            line = '2018-01-26,09:55:03,/,1,8,97.105.19.61,"a quote never closed'
        lines.append(line)
    path.write_text("\n".join(lines) + "\n", newline="")
    return path


# Short lines (the bulk path's length) that only just break a rule of the full path: in
# the middle of a run, they test that the bulk pattern leaves them to the full path.
# (Fuzzed lines that break these rules happen to be too long for the bulk path.)
BORDER_LINES = [
    "2019-07-25,24:00:00,toc,1,2,10.0.0.1,",  # hours end at 23
    "2019-07-25,23:59:60,toc,1,2,10.0.0.1,",  # seconds end at 59
]


def _decodable(line: bytes) -> bool:
    """Whether a line leaves its block to the block-wise readers (the bulk path among
    them): UTF-8 without NUL, not overlong. One other line sends the whole block line
    by line (the fuzz test's files)."""
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in line and len(line) <= loaders.MAX_LINE_BYTES


def documented_csv(path: Path) -> Path:
    """Fuzzed lines of a csv export with the documented header (the fuzz test's puts
    user_id first) that keep the file one decodable block: the input of the bulk path,
    which takes only this header. The border lines in the middle."""
    rng = random.Random(11)
    lines = [CSV_HEADER.encode()]
    while len(lines) < LINES:
        if len(lines) == LINES // 2:
            lines += [line.encode() for line in BORDER_LINES]
        user, rest = csv_line(rng).split(",", 1)
        day, clock, path_text, cohort, ip, agent = rest.split(",", 5)
        line = ",".join((day, clock, path_text, user, cohort, ip, agent)).encode()
        if rng.random() < 0.4:
            line = mutate(line.decode(), rng, ",")
            if not _decodable(line):
                continue
        lines.append(line)
        if rng.random() < 0.02:  # an exact duplicate: two identical requests
            lines.append(lines[-1])
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def _loaded(conn: psycopg.Connection, file_format: str, source_file: str) -> dict[str, Any]:
    spec = loaders.FORMATS[file_format]
    rows = sql.SQL(
        "select line_number, {} from {} where source_file = %s order by line_number"
    ).format(
        sql.SQL(", ").join(map(sql.Identifier, spec.columns)), sql.Identifier("raw", spec.table)
    )
    return {
        "rows": conn.execute(rows, (source_file,)).fetchall(),
        "rejected": conn.execute(
            "select line_number, raw_line, reason from raw.rejected_lines"
            " where source_file = %s order by line_number",
            (source_file,),
        ).fetchall(),
        "counts": conn.execute(
            "select lines_read, header_lines, rows_loaded, lines_rejected, lines_duplicate,"
            " continuation_lines from raw.loaded_files where source_file = %s",
            (source_file,),
        ).fetchall(),
    }


def test_the_fast_paths_request_line_is_never_cut() -> None:
    """The combined format's fast expression takes a method, a path and a protocol of at
    most their short limits: the request line they make (two spaces between) fits the
    request line's own limit, so the fast path never cuts a field the full path keeps."""
    widest_request_line = 2 * loaders._SHORT_METHOD + loaders._SHORT_PATH + 2
    assert widest_request_line <= loaders._SHORT_REQUEST


@pytest.mark.parametrize("case", ["bootcamp", "csv", "combined", "quoting", "documented"])
def test_fast_path_loads_exactly_what_the_full_path_loads(
    conn: psycopg.Connection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    file_format = "csv" if case in ("quoting", "documented") else case
    if case == "quoting":
        path = quoting_cases(tmp_path / "quoting.csv")
    elif case == "documented":
        path = documented_csv(tmp_path / "documented.csv")
    else:
        path = fuzz_file(tmp_path / f"fuzz.{case}", case, LINES, 5)
    full_rows = 0
    row = loaders._Sink.row

    def counted_row(self: loaders._Sink, *args: Any) -> None:
        nonlocal full_rows
        full_rows += 1
        row(self, *args)

    monkeypatch.setattr(loaders._Sink, "row", counted_row)
    with monkeypatch.context() as off:
        # Every field text "not valid" for the fast path: every line takes the full path.
        off.setattr(loaders._Known, "_check", staticmethod(lambda *_: None))
        full = loaders.load_file(conn, path, file_format, source="full")
    assert full.rows_loaded > 0 and full_rows == full.rows_loaded
    full_rows = 0
    fast = loaders.load_file(conn, path, file_format, source="fast")
    # The fast path took most rows; the full path only the rest.
    assert full_rows < fast.rows_loaded / 2
    empty = tmp_path / "empty" / path.name
    empty.parent.mkdir()
    empty.write_text(CSV_HEADER + "\n" if file_format == "csv" else "")
    loaders.load_file(conn, empty, file_format, source="staged")
    staged = loaders.load_file(conn, path, file_format, source="staged")
    assert staged.rows_loaded == fast.rows_loaded
    expected = _loaded(conn, file_format, f"full/{path.name}")
    assert _loaded(conn, file_format, f"fast/{path.name}") == expected
    staged_loaded = _loaded(conn, file_format, f"staged/{path.name}")
    assert staged_loaded["rows"] == expected["rows"]
    assert staged_loaded["rejected"] == expected["rejected"]
