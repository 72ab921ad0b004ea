"""Loaders: stream log files into the ``raw`` schema with ``COPY``.

Every input line ends up either in its raw table or in ``raw.rejected_lines`` (file,
line number, raw text, reason). A load is one transaction: killed half-way, it leaves
nothing behind. Files are identified by their name (``source_file`` = the base name):
loading the same content again changes nothing; loading changed content under the same
name replaces that file's rows; the same content under another name is refused.

Formats:

``bootcamp``  ``date time path user_id cohort_id ip``, space separated (the curriculum
              log, ``anonymized-curriculum-access.txt``); cohort_id may be empty or NaN,
              the path may be missing.
``csv``       a CSV export whose header names those columns, optionally ``user_agent``.
``cohorts``   the cohort table as exported (quoted timestamps, the literal ``NULL``).
``combined``  Apache/Nginx combined log format (common log format also accepted).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

RAW_SCHEMA = "raw"

# Lines that look like another format entirely: after this many lines, if nothing at
# all was accepted, the load stops with a hint instead of rejecting the whole file.
SNIFF_LINES = 1000

RAW_DDL = """
create schema if not exists raw;

create table if not exists raw.loaded_files (
    source_file text primary key,
    file_format text not null,
    sha256 text not null,
    lines_read bigint not null,
    header_lines integer not null,
    rows_loaded bigint not null,
    lines_rejected bigint not null,
    loaded_at timestamptz not null default now()
);

create table if not exists raw.rejected_lines (
    source_file text not null,
    line_number bigint not null,
    file_format text not null,
    raw_line text,
    reason text not null,
    loaded_at timestamptz not null default now(),
    primary key (source_file, line_number)
);

create table if not exists raw.curriculum_requests (
    source_file text not null,
    line_number bigint not null,
    requested_at timestamp not null,
    path text,
    user_id bigint not null,
    cohort_id bigint,
    ip text not null,
    user_agent text,
    loaded_at timestamptz not null default now(),
    primary key (source_file, line_number)
);

create table if not exists raw.cohorts (
    source_file text not null,
    line_number bigint not null,
    id bigint not null,
    name text not null,
    slack text,
    start_date date not null,
    end_date date not null,
    created_at timestamp,
    updated_at timestamp,
    deleted_at timestamp,
    program_id bigint,
    loaded_at timestamptz not null default now(),
    primary key (source_file, line_number)
);

create table if not exists raw.web_requests (
    source_file text not null,
    line_number bigint not null,
    ip text not null,
    ident text,
    auth_user text,
    requested_at timestamptz not null,
    utc_offset_minutes integer not null,
    request_line text not null,
    method text,
    path text,
    protocol text,
    status integer not null,
    response_bytes bigint,
    referrer text,
    user_agent text,
    loaded_at timestamptz not null default now(),
    primary key (source_file, line_number)
);
"""


class LoadError(RuntimeError):
    """The file cannot be loaded at all; the message says why and what to do."""


class Rejected(ValueError):
    """One line cannot be loaded; the message is the reason stored with it."""


@dataclass(frozen=True)
class LoadResult:
    """What one load did."""

    source_file: str
    file_format: str
    status: str  # "loaded", "replaced" or "unchanged"
    lines_read: int
    rows_loaded: int
    lines_rejected: int
    seconds: float

    def summary(self) -> str:
        """One line for the terminal."""
        if self.status == "unchanged":
            return (
                f"{self.source_file}: unchanged, already loaded "
                f"({self.rows_loaded:,} rows, {self.lines_rejected:,} rejected lines)"
            )
        verb = "replaced earlier version" if self.status == "replaced" else "loaded"
        rate = self.lines_read / self.seconds if self.seconds > 0 else 0.0
        return (
            f"{self.source_file}: {verb}: {self.rows_loaded:,} rows loaded, "
            f"{self.lines_rejected:,} lines rejected ({self.seconds:.1f} s, {rate:,.0f} lines/s)"
        )


@dataclass(frozen=True)
class _Format:
    table: str
    columns: tuple[str, ...]
    header_lines: int
    parse: Callable[[Iterable[tuple[int, str]]], Iterator[tuple[int, str, Any]]]


# --------------------------------------------------------------------------------------
# Field parsers. Caches make the common case (few distinct dates, IPs) cheap.


_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME_RE = re.compile(r"([01]\d|2[0-3]):[0-5]\d:[0-5]\d")
_INT_RE = re.compile(r"\d{1,18}")


class _Fields:
    """Validating field parsers. Logs repeat few distinct dates, ids and IPs, so each
    distinct text is validated once per load and the answer cached."""

    def __init__(self) -> None:
        self._dates: dict[str, bool] = {}
        # One cache per field: ids (user_id in the log formats) and cohort ids and IPs.
        self._users: dict[str, Any] = {}
        self._cohorts: dict[str, Any] = {}
        self._ips: dict[str, Any] = {}

    def timestamp(self, day: str, clock: str) -> str:
        valid = self._dates.get(day)
        if valid is None:
            valid = bool(_DATE_RE.fullmatch(day))
            if valid:
                try:
                    date.fromisoformat(day)
                except ValueError:
                    valid = False
            self._dates[day] = valid
        if not valid:
            raise Rejected(f"invalid date {day!r} (expected YYYY-MM-DD)")
        if not _TIME_RE.fullmatch(clock):
            raise Rejected(f"invalid time {clock!r} (expected HH:MM:SS)")
        return f"{day} {clock}"

    @staticmethod
    def _lookup(cache: dict[str, Any], text: str, parse: Callable[[str], Any]) -> Any:
        try:
            outcome = parse(text)
        except Rejected as reason:
            outcome = reason
        if len(cache) < 100_000:
            cache[text] = outcome
        return outcome

    def integer(self, text: str, name: str) -> int:
        outcome = self._users.get(text)
        if outcome is None:
            outcome = self._lookup(self._users, text, lambda value: _integer(value, name))
        if outcome.__class__ is Rejected:
            raise outcome
        return outcome

    def optional_integer(self, text: str, name: str) -> int | None:
        outcome = self._cohorts.get(text, self)
        if outcome is self:
            outcome = self._lookup(
                self._cohorts, text, lambda value: _optional_integer(value, name)
            )
        if outcome.__class__ is Rejected:
            raise outcome
        return outcome

    def ip(self, text: str) -> str:
        outcome = self._ips.get(text)
        if outcome is None:
            outcome = self._lookup(self._ips, text, _ip)
        if outcome.__class__ is Rejected:
            raise outcome
        return outcome


def _integer(text: str, name: str) -> int:
    if not _INT_RE.fullmatch(text):
        raise Rejected(f"{name} is not a whole number: {text!r}")
    return int(text)


def _optional_integer(text: str, name: str) -> int | None:
    if text in ("", "NaN", "nan", "NULL", "null", "None"):
        return None
    # pandas writes integer columns with missing values as floats: "8.0"
    digits = text[:-2] if text.endswith(".0") else text
    if not _INT_RE.fullmatch(digits):
        raise Rejected(f"{name} is not a whole number, empty or NaN: {text!r}")
    return int(digits)


def _ip(text: str) -> str:
    if not text or len(text) > 64 or any(char.isspace() for char in text):
        raise Rejected(f"invalid ip {text!r}")
    return text


# --------------------------------------------------------------------------------------
# Format: bootcamp (space separated)


def _parse_bootcamp(lines: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str, Any]]:
    fields = _Fields()
    for number, line in lines:
        parts = line.split(" ")
        try:
            if not line.strip():
                raise Rejected("empty line")
            if len(parts) == 6:
                day, clock, path, user, cohort, ip = parts
            elif len(parts) == 5 and _INT_RE.fullmatch(parts[2]):
                # the path is missing altogether: date time user_id cohort_id ip
                day, clock, user, cohort, ip = parts
                path = ""
            else:
                raise Rejected(
                    "expected 6 space-separated fields (date time path user_id cohort_id ip), "
                    f"found {len(parts)}"
                )
            row = (
                fields.timestamp(day, clock),
                path or None,
                fields.integer(user, "user_id"),
                fields.optional_integer(cohort, "cohort_id"),
                fields.ip(ip),
                None,
            )
        except Rejected as reason:
            yield number, line, reason
            continue
        yield number, line, row


# --------------------------------------------------------------------------------------
# Format: csv export with a header


_CSV_REQUIRED = ("date", "time", "path", "user_id", "cohort_id", "ip")


def _csv_records(
    lines: Iterable[tuple[int, str]],
) -> Iterator[tuple[int, str, list[str] | Rejected]]:
    """CSV records with the number of the line each starts on and its raw text."""
    pending: list[str] = []
    start = 0
    for number, line in lines:
        if not pending:
            if not line.strip():
                yield number, line, Rejected("empty line")
                continue
            start = number
        pending.append(line)
        text = "\n".join(pending)
        # A record is complete when its quotes balance (quoted fields may hold newlines).
        if text.count('"') % 2:
            continue
        pending = []
        try:
            record = next(csv.reader([text], strict=True), [])
        except csv.Error as error:
            yield start, text, Rejected(f"malformed CSV: {error}")
            continue
        yield start, text, record
    if pending:
        yield start, "\n".join(pending), Rejected("unterminated quoted field at end of file")


def _csv_header(
    records: Iterator[tuple[int, str, list[str] | Rejected]],
    required: tuple[str, ...],
    what: str,
) -> list[str] | None:
    """Column names of the header record (lower case); None for an empty file.

    Raises LoadError when the header is not CSV or lacks a required column."""
    try:
        _, header_text, header = next(records)
    except StopIteration:
        return None
    if isinstance(header, Rejected):
        raise LoadError(f"the header line is not valid CSV: {header}")
    names = [name.strip().lower() for name in header]
    missing = [name for name in required if name not in names]
    if missing:
        raise LoadError(
            f"the {what} header must name {', '.join(required)}; "
            f"missing: {', '.join(missing)}; header was: {header_text[:200]!r}"
        )
    return names


def _parse_csv(lines: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str, Any]]:
    records = _csv_records(lines)
    names = _csv_header(records, _CSV_REQUIRED, "CSV (user_agent optional)")
    if names is None:
        return
    index = {name: names.index(name) for name in (*_CSV_REQUIRED, "user_agent") if name in names}
    width = len(names)
    ua_index = index.get("user_agent")
    fields = _Fields()
    for number, text, record in records:
        if isinstance(record, Rejected):
            yield number, text, record
            continue
        if len(record) != width:
            yield number, text, Rejected(f"expected {width} CSV fields, found {len(record)}")
            continue
        try:
            user_agent = record[ua_index].strip() if ua_index is not None else None
            row = (
                fields.timestamp(record[index["date"]].strip(), record[index["time"]].strip()),
                record[index["path"]].strip() or None,
                fields.integer(record[index["user_id"]].strip(), "user_id"),
                fields.optional_integer(record[index["cohort_id"]].strip(), "cohort_id"),
                fields.ip(record[index["ip"]].strip()),
                user_agent or None,
            )
        except Rejected as reason:
            yield number, text, reason
            continue
        yield number, text, row


# --------------------------------------------------------------------------------------
# Format: cohort table


_COHORT_REQUIRED = ("id", "name", "start_date", "end_date", "program_id")
_COHORT_COLUMNS = (
    "id", "name", "slack", "start_date", "end_date",
    "created_at", "updated_at", "deleted_at", "program_id",
)


def _nullable(text: str) -> str | None:
    text = text.strip()
    return None if text in ("", "NULL", "null", "\\N") else text


def _parse_cohorts(lines: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str, Any]]:
    records = _csv_records(lines)
    names = _csv_header(records, _COHORT_REQUIRED, "cohort file's")
    if names is None:
        return
    position = {name: names.index(name) for name in _COHORT_COLUMNS if name in names}

    def value(record: list[str], name: str) -> str | None:
        return _nullable(record[position[name]]) if name in position else None

    def day(record: list[str], name: str) -> date:
        text = value(record, name)
        try:
            return date.fromisoformat(text or "")
        except ValueError:
            raise Rejected(f"{name} is not a date (YYYY-MM-DD): {text!r}") from None

    def moment(record: list[str], name: str) -> datetime | None:
        text = value(record, name)
        if text is None:
            return None
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            raise Rejected(f"{name} is not a timestamp: {text!r}") from None

    for number, text, record in records:
        if isinstance(record, Rejected):
            yield number, text, record
            continue
        if len(record) != len(names):
            yield number, text, Rejected(f"expected {len(names)} CSV fields, found {len(record)}")
            continue
        try:
            name = value(record, "name")
            if name is None:
                raise Rejected("name is empty")
            program = value(record, "program_id")
            row = (
                _integer(value(record, "id") or "", "id"),
                name,
                value(record, "slack"),
                day(record, "start_date"),
                day(record, "end_date"),
                moment(record, "created_at"),
                moment(record, "updated_at"),
                moment(record, "deleted_at"),
                None if program is None else _integer(program, "program_id"),
            )
        except Rejected as reason:
            yield number, text, reason
            continue
        yield number, text, row


# --------------------------------------------------------------------------------------
# Format: Apache/Nginx combined log


_QUOTED = r'"((?:[^"\\]|\\.)*)"'
_COMBINED_RE = re.compile(
    r"(\S+) (\S+) (\S+) \[([^\]]+)\] " + _QUOTED + r" (\d{3}) (\d+|-)"
    r"(?: " + _QUOTED + " " + _QUOTED + r")?\s*"
)
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        start=1,
    )
}
_CLF_TIME_RE = re.compile(
    r"(\d{2})/([A-Z][a-z]{2})/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})"
)


def _clf_timestamp(text: str, zones: dict[str, timezone]) -> datetime:
    match = _CLF_TIME_RE.fullmatch(text)
    if not match or match[2] not in _MONTHS:
        raise Rejected(f"invalid timestamp [{text}] (expected dd/Mon/yyyy:HH:MM:SS +zzzz)")
    offset = match[7] + match[8] + match[9]
    zone = zones.get(offset)
    if zone is None:
        minutes = int(match[8]) * 60 + int(match[9])
        zone = timezone(timedelta(minutes=-minutes if match[7] == "-" else minutes))
        zones[offset] = zone
    try:
        return datetime(
            int(match[3]), _MONTHS[match[2]], int(match[1]),
            int(match[4]), int(match[5]), int(match[6]), tzinfo=zone,
        )
    except ValueError as error:
        raise Rejected(f"invalid timestamp [{text}]: {error}") from None


def _offset_minutes(moment: datetime) -> int:
    """The UTC offset the log wrote for `moment`, in minutes (`+0800` is 480)."""
    offset = moment.utcoffset()
    return 0 if offset is None else int(offset.total_seconds()) // 60


def _dash(text: str | None) -> str | None:
    return None if text in (None, "", "-") else text


def _parse_combined(lines: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str, Any]]:
    zones: dict[str, timezone] = {}
    for number, line in lines:
        match = _COMBINED_RE.fullmatch(line)
        if not line.strip():
            yield number, line, Rejected("empty line")
            continue
        if not match:
            unclosed = (line.count('"') - line.count('\\"')) % 2 == 1
            yield number, line, Rejected(
                "does not match the combined log format"
                + (": a quoted field is never closed" if unclosed else "")
                + ' (ip ident user [time] "request" status bytes "referrer" "user agent")'
            )
            continue
        ip, ident, user, stamp, request, status, size, referrer, agent = match.groups()
        try:
            requested_at = _clf_timestamp(stamp, zones)
        except Rejected as reason:
            yield number, line, reason
            continue
        parts = request.split(" ")
        method, path, protocol = parts if len(parts) == 3 else (None, None, None)
        yield number, line, (
            ip, _dash(ident), _dash(user), requested_at, _offset_minutes(requested_at),
            request, method, path, protocol, int(status),
            None if size == "-" else int(size), _dash(referrer), _dash(agent),
        )


FORMATS: dict[str, _Format] = {
    "bootcamp": _Format(
        "curriculum_requests",
        ("requested_at", "path", "user_id", "cohort_id", "ip", "user_agent"),
        0,
        _parse_bootcamp,
    ),
    "csv": _Format(
        "curriculum_requests",
        ("requested_at", "path", "user_id", "cohort_id", "ip", "user_agent"),
        1,
        _parse_csv,
    ),
    "cohorts": _Format("cohorts", _COHORT_COLUMNS, 1, _parse_cohorts),
    "combined": _Format(
        "web_requests",
        (
            "ip", "ident", "auth_user", "requested_at", "utc_offset_minutes", "request_line",
            "method", "path", "protocol", "status", "response_bytes", "referrer", "user_agent",
        ),
        0,
        _parse_combined,
    ),
}


# --------------------------------------------------------------------------------------
# Reading and loading


def _open_binary(path: Path) -> io.BufferedIOBase:
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def file_sha256(path: Path) -> str:
    """SHA-256 of the file's bytes as stored (compressed files: of the compressed bytes)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class _LineReader:
    """Numbered, decoded lines of a file; undecodable lines are set aside as rejects."""

    def __init__(self, handle: io.BufferedIOBase) -> None:
        self._handle = handle
        self.lines_read = 0
        self.bad: list[tuple[int, str, str]] = []

    def __iter__(self) -> Iterator[tuple[int, str]]:
        for number, raw in enumerate(self._handle, start=1):
            self.lines_read = number
            raw = raw.rstrip(b"\r\n")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                self.bad.append(
                    (number, raw.decode("utf-8", "replace"), f"not valid UTF-8 ({error.reason})")
                )
                continue
            if "\x00" in text:
                self.bad.append((number, text.replace("\x00", "\\0"), "contains a NUL byte"))
                continue
            yield number, text


def ensure_raw_schema(conn: psycopg.Connection) -> None:
    """Create the ``raw`` schema and its tables if they do not exist."""
    with conn.transaction():
        conn.execute(RAW_DDL)


def _previous(conn: psycopg.Connection, source_file: str, sha: str) -> tuple[Any, ...] | None:
    return conn.execute(
        "select source_file, sha256, rows_loaded, lines_rejected, lines_read, file_format"
        " from raw.loaded_files where source_file = %s or sha256 = %s"
        " order by (source_file = %s) desc limit 1",
        (source_file, sha, source_file),
    ).fetchone()


def load_file(
    conn: psycopg.Connection,
    path: Path,
    file_format: str,
    *,
    progress: Callable[[str], None] | None = None,
    progress_every: int = 1_000_000,
) -> LoadResult:
    """Load one file in one transaction and return what happened.

    Raises LoadError (nothing written) when the file is missing, is of another format,
    or was already loaded under another name.
    """
    if file_format not in FORMATS:
        raise LoadError(f"unknown format {file_format!r}; choose one of {', '.join(FORMATS)}")
    if not path.is_file():
        raise LoadError(f"no such file: {path}")
    spec = FORMATS[file_format]
    source_file = path.name
    started = time.perf_counter()
    sha = file_sha256(path)
    ensure_raw_schema(conn)

    with conn.transaction():
        # One load at a time: then `loaded_at` (the transaction's start) grows with
        # commit order, which the incremental models use as their watermark.
        conn.execute("select pg_advisory_xact_lock(hashtext('access_analytics.load'))")
        previous = _previous(conn, source_file, sha)
        if previous and previous[1] == sha:
            if previous[0] != source_file:
                raise LoadError(
                    f"{source_file} has the same content as {previous[0]}, which is already "
                    "loaded; nothing to do (rename nothing: load each file once)"
                )
            return LoadResult(
                source_file, file_format, "unchanged", previous[4], previous[2], previous[3],
                time.perf_counter() - started,
            )
        replacing = previous is not None and previous[0] == source_file
        if replacing:
            old_format = previous[5]
            conn.execute(
                sql.SQL("delete from {} where source_file = %s").format(
                    sql.Identifier(RAW_SCHEMA, FORMATS[old_format].table)
                ),
                (source_file,),
            )
            conn.execute("delete from raw.rejected_lines where source_file = %s", (source_file,))

        rejects: list[tuple[int, str, str]] = []
        loaded = 0
        with _open_binary(path) as handle:
            reader = _LineReader(handle)
            copy_sql = sql.SQL("copy {} ({}) from stdin").format(
                sql.Identifier(RAW_SCHEMA, spec.table),
                sql.SQL(", ").join(
                    map(sql.Identifier, ("source_file", "line_number", *spec.columns))
                ),
            )
            next_report = progress_every
            with conn.cursor() as cursor, cursor.copy(copy_sql) as copy:
                for number, text, outcome in spec.parse(reader):
                    if isinstance(outcome, Rejected):
                        rejects.append((number, text, str(outcome)))
                    else:
                        copy.write_row((source_file, number, *outcome))
                        loaded += 1
                    if number >= next_report:
                        next_report += progress_every
                        if progress:
                            elapsed = time.perf_counter() - started
                            progress(
                                f"  {source_file}: {number:,} lines "
                                f"({number / elapsed:,.0f} lines/s)"
                            )
                    if number == SNIFF_LINES and loaded == 0:
                        _raise_wrong_format(source_file, file_format, rejects)
            rejects.extend(reader.bad)
            lines_read = reader.lines_read
        if loaded == 0 and rejects and lines_read > spec.header_lines:
            _raise_wrong_format(source_file, file_format, rejects)

        rejects.sort()
        with conn.cursor() as cursor, cursor.copy(
            "copy raw.rejected_lines (source_file, line_number, file_format, raw_line, reason)"
            " from stdin"
        ) as copy:
            for number, text, reason in rejects:
                copy.write_row((source_file, number, file_format, text, reason))
        conn.execute(
            """
            insert into raw.loaded_files (source_file, file_format, sha256, lines_read,
                header_lines, rows_loaded, lines_rejected)
            values (%s, %s, %s, %s, %s, %s, %s)
            on conflict (source_file) do update set
                file_format = excluded.file_format, sha256 = excluded.sha256,
                lines_read = excluded.lines_read, header_lines = excluded.header_lines,
                rows_loaded = excluded.rows_loaded, lines_rejected = excluded.lines_rejected,
                loaded_at = now()
            """,
            (
                source_file, file_format, sha, lines_read, min(spec.header_lines, lines_read),
                loaded, len(rejects),
            ),
        )
    return LoadResult(
        source_file, file_format, "replaced" if replacing else "loaded", lines_read, loaded,
        len(rejects), time.perf_counter() - started,
    )


def _raise_wrong_format(
    source_file: str, file_format: str, rejects: list[tuple[int, str, str]]
) -> None:
    first = rejects[0] if rejects else (0, "", "")
    raise LoadError(
        f"{source_file} does not look like the {file_format!r} format: no line could be "
        f"loaded (line {first[0]}: {first[2]}). Check --format; nothing was written."
    )
