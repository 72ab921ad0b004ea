"""Loaders: stream log files into the ``raw`` schema with ``COPY``.

Every input line ends up either in its raw table, in ``raw.rejected_lines`` (file, line
number, raw text, reason), or is counted as a duplicate of a line already loaded. A load
is one transaction: killed half-way, it leaves nothing behind.

Identity. A file belongs to a *source*: the log stream of one server (default: the
absolute path of the file's folder; ``--source NAME`` names it). ``source_file`` is
``<source>/<file name>``. Every line gets a *line key*: a hash of its format, source,
text and occurrence (the n-th identical line of the file). A line whose key is already
loaded is a duplicate and is counted, not loaded again, so rotation (``access.log`` ->
``access.log.1`` -> ``access.log.2.gz``), appended files and overlapping exports load
every line once. A file whose decompressed content was already loaded in its source is
"unchanged". A new version of a file that still holds some of the lines of its current
version but not all is a *replacement*: the lines it dropped are deleted. A new version
that shares no line with the current one is the next *generation* (the log was rotated):
the earlier lines stay.

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
import ipaddress
import re
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from access_analytics import build_lock

RAW_SCHEMA = "raw"

# Lines that look like another format entirely: after this many lines, if nothing at
# all was accepted, the load stops with a hint instead of rejecting the whole file.
SNIFF_LINES = 1000

# Bounds. A line longer than this is not a log line (Apache's own limits are 8 KB per
# request line and header): it is rejected. Fields are cut to a number of UTF-8 bytes
# that keeps every index on them below PostgreSQL's B-tree limit (2,704 bytes); a row
# with a cut field names it in `truncated_fields`.
MAX_LINE_BYTES = 65_536
FIELD_BYTES = {
    "path": 2_000, "user_agent": 1_000, "referrer": 2_000, "request_line": 4_000,
    "method": 32, "protocol": 32, "ident": 256, "auth_user": 256,
}
COHORT_TEXT_BYTES = 500
# A CSV record whose quoted field is not closed within this many lines is broken: its
# first line is rejected and parsing resumes on the next one.
MAX_RECORD_LINES = 50
# Dates outside this range are typing errors or placeholders, not requests.
MIN_DATE = date(1990, 1, 1)
MAX_DATE = date(2099, 12, 31)
# Real UTC offsets run from -12:00 to +14:00.
MAX_OFFSET_MINUTES = 14 * 60
RAW_LINE_SHOWN = 1_000

RAW_DDL = """
create schema if not exists raw;

create table if not exists raw.loaded_files (
    file_id bigint generated always as identity primary key,
    source_file text not null,
    source_label text not null,
    file_format text not null,
    sha256 text not null,
    generation integer not null,
    lines_read bigint not null,
    header_lines integer not null,
    rows_loaded bigint not null,
    lines_rejected bigint not null,
    lines_duplicate bigint not null,
    lines_removed bigint not null default 0,
    continuation_lines bigint not null default 0,
    loaded_at timestamptz not null default now()
);

create table if not exists raw.rejected_lines (
    file_id bigint not null,
    source_file text not null,
    line_number bigint not null,
    line_key text not null unique,
    file_format text not null,
    raw_line text,
    reason text not null,
    loaded_at timestamptz not null default now(),
    primary key (file_id, line_number)
);

create table if not exists raw.curriculum_requests (
    file_id bigint not null,
    source_file text not null,
    line_number bigint not null,
    line_key text not null unique,
    requested_at timestamp not null,
    path text,
    user_id bigint not null,
    cohort_id bigint,
    ip text not null,
    user_agent text,
    truncated_fields text,
    loaded_at timestamptz not null default now(),
    primary key (file_id, line_number)
);

create table if not exists raw.cohorts (
    file_id bigint not null,
    source_file text not null,
    line_number bigint not null,
    line_key text not null unique,
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
    primary key (file_id, line_number)
);

create table if not exists raw.web_requests (
    file_id bigint not null,
    source_file text not null,
    line_number bigint not null,
    line_key text not null unique,
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
    truncated_fields text,
    loaded_at timestamptz not null default now(),
    primary key (file_id, line_number)
);
"""


class LoadError(RuntimeError):
    """The file cannot be loaded at all; the message says why and what to do."""


class Rejected(ValueError):
    """One line cannot be loaded; the message is the reason stored with it."""


@dataclass(frozen=True)
class LoadResult:
    """What one load did. ``lines_read`` = header + loaded + rejected + duplicate +
    continuation lines of multi-line CSV records."""

    source_file: str
    file_format: str
    status: str  # "loaded", "replaced" or "unchanged"
    lines_read: int
    rows_loaded: int
    lines_rejected: int
    seconds: float
    lines_duplicate: int = 0
    lines_removed: int = 0
    same_as: str | None = None

    def summary(self) -> str:
        """One line for the terminal."""
        name = Path(self.source_file).name
        if self.status == "unchanged":
            where = f"same content as {self.same_as}" if self.same_as else "same content"
            return f"{name}: unchanged: {where}, already loaded ({self.lines_read:,} lines)"
        verb = "replaced earlier version" if self.status == "replaced" else "loaded"
        rate = self.lines_read / self.seconds if self.seconds > 0 else 0.0
        extra = ""
        if self.lines_duplicate:
            extra += f", {self.lines_duplicate:,} lines already loaded (overlap, not counted)"
        if self.lines_removed:
            extra += f", {self.lines_removed:,} lines of the earlier version removed"
        return (
            f"{name}: {verb}: {self.rows_loaded:,} rows loaded, "
            f"{self.lines_rejected:,} lines rejected{extra} "
            f"({self.seconds:.1f} s, {rate:,.0f} lines/s)"
        )


@dataclass(frozen=True)
class _Format:
    table: str
    columns: tuple[str, ...]
    header_lines: int
    parse: Callable[[Iterable[tuple[int, str]]], Iterator[tuple[int, str, Any]]]


# --------------------------------------------------------------------------------------
# Field parsers. Caches make the common case (few distinct dates, IPs) cheap. Only ASCII
# digits are digits: every pattern is compiled with re.ASCII.


_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_TIME_RE = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]", re.ASCII)
_INT_RE = re.compile(r"[0-9]{1,18}", re.ASCII)
_HOST_RE = re.compile(r"[A-Za-z0-9._-]{1,253}", re.ASCII)


def _valid_date(day: date, text: str) -> date:
    if not MIN_DATE <= day <= MAX_DATE:
        raise Rejected(f"date out of range {text!r} (expected {MIN_DATE} to {MAX_DATE})")
    return day


def _iso_date(text: str, name: str = "date") -> date:
    if not _DATE_RE.fullmatch(text):
        raise Rejected(f"invalid {name} {text!r} (expected YYYY-MM-DD)")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise Rejected(f"invalid {name} {text!r} (expected YYYY-MM-DD)") from None
    return _valid_date(day, text)


def _bounded(text: str | None, name: str, cut: list[str]) -> str | None:
    """``text`` cut to FIELD_BYTES[name] UTF-8 bytes; the name is noted in ``cut``."""
    limit = FIELD_BYTES[name]
    if text is None or len(text) <= limit // 4:
        return text
    encoded = text.encode()
    if len(encoded) <= limit:
        return text
    cut.append(name)
    return encoded[:limit].decode("utf-8", "ignore")


class _Fields:
    """Validating field parsers. Logs repeat few distinct dates, ids and IPs, so each
    distinct text is validated once per load and the answer cached."""

    def __init__(self) -> None:
        self._dates: dict[str, Any] = {}
        # One cache per field: ids (user_id in the log formats) and cohort ids and IPs.
        self._users: dict[str, Any] = {}
        self._cohorts: dict[str, Any] = {}
        self._ips: dict[str, Any] = {}

    def timestamp(self, day: str, clock: str) -> str:
        outcome = self._dates.get(day)
        if outcome is None:
            outcome = self._lookup(self._dates, day, _iso_date)
        if outcome.__class__ is Rejected:
            raise outcome
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
    """A valid address in its canonical form (an IPv4-mapped IPv6 address as IPv4, an
    IPv6 zone such as ``%eth0`` dropped); a host name as written; anything else is
    rejected."""
    address = text.split("%", 1)[0] if ":" in text else text
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        if _HOST_RE.fullmatch(text):
            return text  # a host name (HostnameLookups On): kept, invalid as an IP
        raise Rejected(f"invalid ip {text[:100]!r}") from None
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(parsed)


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
            cut: list[str] = []
            row = (
                fields.timestamp(day, clock),
                _bounded(path or None, "path", cut),
                fields.integer(user, "user_id"),
                fields.optional_integer(cohort, "cohort_id"),
                fields.ip(ip),
                None,
                ",".join(cut) or None,
            )
        except Rejected as reason:
            yield number, line, reason
            continue
        yield number, line, row


# --------------------------------------------------------------------------------------
# Format: csv export with a header


_CSV_REQUIRED = ("date", "time", "path", "user_id", "cohort_id", "ip")


class _RunawayRecord(Exception):
    """A quoted field of a CSV record is not closed within MAX_RECORD_LINES lines."""


def _csv_records(
    lines: Iterable[tuple[int, str]],
) -> Iterator[tuple[int, str, list[str] | Rejected]]:
    """CSV records with the number of the line each starts on and its raw text.

    One csv.reader reads the whole file (quoted fields may hold newlines; a quote inside
    an unquoted field is an ordinary character). A quoted field left open for more
    than MAX_RECORD_LINES lines, or to the end of the file, costs only its first line:
    that line is rejected and reading resumes with the next one."""
    source = iter(lines)
    backlog: deque[tuple[int, str]] = deque()
    taken: list[tuple[int, str]] = []

    def feed() -> Iterator[str]:
        while True:
            if backlog:
                item = backlog.popleft()
            else:
                item = next(source, None)
                if item is None:
                    return
            taken.append(item)
            if len(taken) > MAX_RECORD_LINES:
                raise _RunawayRecord
            yield item[1] + "\n"

    def drop_first_line() -> tuple[int, str, Rejected]:
        first = taken[0]
        backlog.extendleft(reversed(taken[1:]))
        taken.clear()
        return first[0], first[1], Rejected(
            f"a quoted CSV field is not closed within {MAX_RECORD_LINES} lines"
            " (or before the end of the file)"
        )

    while True:
        try:
            for record in csv.reader(feed(), strict=True):
                text = "\n".join(line for _, line in taken)
                start = taken[0][0]
                taken.clear()
                if not record or (len(record) == 1 and not record[0].strip()):
                    yield start, text, Rejected("empty line")
                else:
                    yield start, text, record
            if taken:  # end of file inside a quoted field
                yield drop_first_line()
                continue
            return
        except _RunawayRecord:
            yield drop_first_line()
        except csv.Error as error:
            if "unexpected end of data" in str(error) and taken:
                yield drop_first_line()
                continue
            text = "\n".join(line for _, line in taken)
            start = taken[0][0] if taken else 0
            taken.clear()
            yield start, text, Rejected(f"malformed CSV: {error}")


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
            cut: list[str] = []
            user_agent = record[ua_index].strip() if ua_index is not None else None
            row = (
                fields.timestamp(record[index["date"]].strip(), record[index["time"]].strip()),
                _bounded(record[index["path"]].strip() or None, "path", cut),
                fields.integer(record[index["user_id"]].strip(), "user_id"),
                fields.optional_integer(record[index["cohort_id"]].strip(), "cohort_id"),
                fields.ip(record[index["ip"]].strip()),
                _bounded(user_agent or None, "user_agent", cut),
                ",".join(cut) or None,
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
_MOMENT_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[ T][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?)?",
    re.ASCII,
)


def _nullable(text: str) -> str | None:
    text = text.strip()
    return None if text in ("", "NULL", "null", "\\N") else text


def _cohort_text(text: str | None, name: str) -> str | None:
    if text is not None and len(text.encode()) > COHORT_TEXT_BYTES:
        raise Rejected(f"{name} is longer than {COHORT_TEXT_BYTES} bytes")
    return text


def _cohort_moment(text: str | None, name: str) -> datetime | None:
    """A local timestamp of the cohort table. A UTC offset is refused rather than
    dropped: the table's times are local (var curriculum_log_timezone)."""
    if text is None:
        return None
    if not _MOMENT_RE.fullmatch(text):
        raise Rejected(
            f"{name} is not a local timestamp (YYYY-MM-DD HH:MM:SS, no UTC offset): {text!r}"
        )
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Rejected(f"{name} is not a timestamp: {text!r}") from None
    _valid_date(moment.date(), text)
    return moment


def _parse_cohorts(lines: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str, Any]]:
    records = _csv_records(lines)
    names = _csv_header(records, _COHORT_REQUIRED, "cohort file's")
    if names is None:
        return
    position = {name: names.index(name) for name in _COHORT_COLUMNS if name in names}

    def value(record: list[str], name: str) -> str | None:
        return _nullable(record[position[name]]) if name in position else None

    def day(record: list[str], name: str) -> date:
        text = value(record, name) or ""
        try:
            return _iso_date(text, name)
        except Rejected:
            raise Rejected(f"{name} is not a date (YYYY-MM-DD): {text!r}") from None

    for number, text, record in records:
        if isinstance(record, Rejected):
            yield number, text, record
            continue
        if len(record) != len(names):
            yield number, text, Rejected(f"expected {len(names)} CSV fields, found {len(record)}")
            continue
        try:
            name = _cohort_text(value(record, "name"), "name")
            if name is None:
                raise Rejected("name is empty")
            program = value(record, "program_id")
            row = (
                _integer(value(record, "id") or "", "id"),
                name,
                _cohort_text(value(record, "slack"), "slack"),
                day(record, "start_date"),
                day(record, "end_date"),
                _cohort_moment(value(record, "created_at"), "created_at"),
                _cohort_moment(value(record, "updated_at"), "updated_at"),
                _cohort_moment(value(record, "deleted_at"), "deleted_at"),
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
    r"(\S+) (\S+) (\S+) \[([^\]]+)\] " + _QUOTED + r" ([0-9]{3}) ([0-9]+|-)"
    r"(?: " + _QUOTED + " " + _QUOTED + r")?\s*",
    re.ASCII,
)
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        start=1,
    )
}
_CLF_TIME_RE = re.compile(
    r"([0-9]{2})/([A-Z][a-z]{2})/([0-9]{4}):([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r" ([+-])([0-9]{2})([0-9]{2})",
    re.ASCII,
)
_METHOD_RE = re.compile(r"[A-Za-z_-]{1,32}", re.ASCII)
_PROTOCOL_RE = re.compile(r"HTTP/[0-9.]{1,5}", re.ASCII)


def _clf_zone(sign: str, hours: str, minutes: str, zones: dict[str, timezone]) -> timezone:
    offset = sign + hours + minutes
    zone = zones.get(offset)
    if zone is None:
        total = int(hours) * 60 + int(minutes)
        if int(minutes) > 59 or total > MAX_OFFSET_MINUTES:
            raise Rejected(f"invalid UTC offset {offset} (expected -1200 to +1400)")
        zone = timezone(timedelta(minutes=-total if sign == "-" else total))
        zones[offset] = zone
    return zone


def _clf_timestamp(text: str, zones: dict[str, timezone]) -> datetime:
    match = _CLF_TIME_RE.fullmatch(text)
    if not match or match[2] not in _MONTHS:
        raise Rejected(f"invalid timestamp [{text[:100]}] (expected dd/Mon/yyyy:HH:MM:SS +zzzz)")
    zone = _clf_zone(match[7], match[8], match[9], zones)
    try:
        moment = datetime(
            int(match[3]), _MONTHS[match[2]], int(match[1]),
            int(match[4]), int(match[5]), int(match[6]), tzinfo=zone,
        )
    except ValueError as error:
        raise Rejected(f"invalid timestamp [{text}]: {error}") from None
    _valid_date(moment.date(), text)
    return moment


def _request_parts(request: str) -> tuple[str | None, str | None, str | None]:
    """Method, target and protocol of a request line. The target may hold spaces
    (``GET /a b c HTTP/1.1``: a client that did not encode them); without a protocol
    it is an HTTP/0.9 request. Anything else has none of the three."""
    parts = request.split(" ")
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    if len(parts) < 2 or not _METHOD_RE.fullmatch(parts[0]):
        return None, None, None
    if len(parts) > 3 and _PROTOCOL_RE.fullmatch(parts[-1]):
        return parts[0], " ".join(parts[1:-1]), parts[-1]
    return parts[0], " ".join(parts[1:]), None


def _response_bytes(size: str) -> int | None:
    if size == "-":
        return None
    if len(size) > 18:
        raise Rejected(f"response size is not a plausible byte count: {size[:40]}")
    return int(size)


def _offset_minutes(moment: datetime) -> int:
    """The UTC offset the log wrote for `moment`, in minutes (`+0800` is 480)."""
    offset = moment.utcoffset()
    return 0 if offset is None else int(offset.total_seconds()) // 60


def _dash(text: str | None) -> str | None:
    return None if text in (None, "", "-") else text


def _parse_combined(lines: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str, Any]]:
    zones: dict[str, timezone] = {}
    fields = _Fields()
    for number, line in lines:
        if not line.strip():
            yield number, line, Rejected("empty line")
            continue
        match = _COMBINED_RE.fullmatch(line)
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
            cut: list[str] = []
            method, path, protocol = _request_parts(request)
            row = (
                fields.ip(ip), _bounded(_dash(ident), "ident", cut),
                _bounded(_dash(user), "auth_user", cut), requested_at,
                _offset_minutes(requested_at), _bounded(request, "request_line", cut),
                _bounded(method, "method", cut),
                _bounded(path, "path", cut), _bounded(protocol, "protocol", cut),
                int(status), _response_bytes(size), _bounded(_dash(referrer), "referrer", cut),
                _bounded(_dash(agent), "user_agent", cut), ",".join(cut) or None,
            )
        except Rejected as reason:
            yield number, line, reason
            continue
        yield number, line, row


_REQUEST_COLUMNS = (
    "requested_at", "path", "user_id", "cohort_id", "ip", "user_agent", "truncated_fields",
)
FORMATS: dict[str, _Format] = {
    "bootcamp": _Format("curriculum_requests", _REQUEST_COLUMNS, 0, _parse_bootcamp),
    "csv": _Format("curriculum_requests", _REQUEST_COLUMNS, 1, _parse_csv),
    "cohorts": _Format("cohorts", _COHORT_COLUMNS, 1, _parse_cohorts),
    "combined": _Format(
        "web_requests",
        (
            "ip", "ident", "auth_user", "requested_at", "utc_offset_minutes", "request_line",
            "method", "path", "protocol", "status", "response_bytes", "referrer", "user_agent",
            "truncated_fields",
        ),
        0,
        _parse_combined,
    ),
}


# --------------------------------------------------------------------------------------
# Reading


def _open_binary(path: Path) -> io.BufferedIOBase:
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def content_sha256(path: Path) -> str:
    """SHA-256 of the file's content (of a .gz file: of the decompressed stream).

    Raises LoadError when a compressed file is truncated or corrupt."""
    digest = hashlib.sha256()
    try:
        with _open_binary(path) as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise LoadError(
            f"{path.name} is a damaged gzip file ({error}); nothing was loaded: "
            "copy it again, or load what it holds with `zcat FILE > FILE.txt`"
        ) from None
    return digest.hexdigest()


class _LineReader:
    """Numbered, decoded lines of a file; undecodable or overlong lines are set aside as
    rejects."""

    def __init__(self, handle: io.BufferedIOBase) -> None:
        self._handle = handle
        self.lines_read = 0
        self.bad: list[tuple[int, str, str]] = []

    def __iter__(self) -> Iterator[tuple[int, str]]:
        for number, raw in enumerate(self._handle, start=1):
            self.lines_read = number
            raw = raw.rstrip(b"\r\n")
            if len(raw) > MAX_LINE_BYTES:
                shown = raw[:RAW_LINE_SHOWN].decode("utf-8", "replace").replace("\x00", "\\0")
                self.bad.append((
                    number, shown + "...",
                    f"line of {len(raw):,} bytes is longer than {MAX_LINE_BYTES:,} bytes",
                ))
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                self.bad.append(
                    (number, raw.decode("utf-8", "replace").replace("\x00", "\\0"),
                     f"not valid UTF-8 ({error.reason})")
                )
                continue
            if "\x00" in text:
                self.bad.append((number, text.replace("\x00", "\\0"), "contains a NUL byte"))
                continue
            yield number, text


class _LineKeys:
    """The key of each line: a hash of its format, source, occurrence in the file (the
    n-th identical line) and text. Identical content gives identical keys."""

    def __init__(self, file_format: str, source_label: str) -> None:
        self._prefix = f"{file_format}\x00{source_label}\x00".encode()
        self._seen: set[int] = set()
        self._repeats: dict[int, int] = {}

    def key(self, text: str) -> str:
        fingerprint = hash(text)
        occurrence = 1
        if fingerprint in self._seen:
            occurrence = self._repeats.get(fingerprint, 1) + 1
            self._repeats[fingerprint] = occurrence
        else:
            self._seen.add(fingerprint)
        digest = hashlib.md5(self._prefix, usedforsecurity=False)
        digest.update(f"{occurrence}\x00{text}".encode("utf-8", "surrogatepass"))
        return digest.hexdigest()


# --------------------------------------------------------------------------------------
# Loading


# The raw schema of versions that knew a file by its base name: primary keys
# (source_file, line_number). Its rows keep their place and get a legacy line key.
_MIGRATE_BASE_NAME_SCHEMA = """
alter table raw.loaded_files drop constraint loaded_files_pkey;
alter table raw.loaded_files
    add column file_id bigint generated always as identity primary key,
    add column source_label text not null default '',
    add column generation integer not null default 1,
    add column lines_duplicate bigint not null default 0,
    add column lines_removed bigint not null default 0,
    add column continuation_lines bigint not null default 0;
"""
_MIGRATE_BASE_NAME_TABLE = """
alter table {table} add column file_id bigint, add column line_key text;
update {table} as t set file_id = f.file_id,
    line_key = 'legacy:' || t.source_file || ':' || t.line_number
from raw.loaded_files as f where f.source_file = t.source_file;
alter table {table} alter column file_id set not null, alter column line_key set not null,
    drop constraint {pkey}, add primary key (file_id, line_number), add unique (line_key);
"""


def ensure_raw_schema(conn: psycopg.Connection) -> None:
    """Create the ``raw`` schema and its tables if they do not exist, and bring a raw
    schema of an older version (files known by base name) up to date.

    Two first loads into a new database at once: the advisory lock makes the second
    wait for the first's DDL instead of failing on a duplicate catalog key."""
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('access_analytics.raw_ddl'))")
        legacy = conn.execute(
            "select 1 from information_schema.tables where table_schema = 'raw'"
            " and table_name = 'loaded_files' and not exists ("
            " select 1 from information_schema.columns where table_schema = 'raw'"
            " and table_name = 'loaded_files' and column_name = 'file_id')"
        ).fetchone()
        if legacy:
            conn.execute(_MIGRATE_BASE_NAME_SCHEMA)
            for table in ("rejected_lines", "curriculum_requests", "cohorts", "web_requests"):
                conn.execute(_MIGRATE_BASE_NAME_TABLE.format(
                    table=f"raw.{table}", pkey=f"{table}_pkey"))
            for table in ("curriculum_requests", "web_requests"):
                conn.execute(f"alter table raw.{table} add column truncated_fields text")
        conn.execute(RAW_DDL)
        # Web logs loaded before the offset was kept: their local time is read as UTC.
        conn.execute(
            "alter table raw.web_requests"
            " add column if not exists utc_offset_minutes integer not null default 0"
        )


@dataclass
class _Staged:
    """Counts of one file read into the temporary tables."""

    lines_read: int = 0
    rows: int = 0
    rejects: int = 0
    # Lines that continue a multi-line CSV record (a quoted field holding a newline).
    continuation_lines: int = 0


def _default_source(path: Path) -> str:
    return str(path.resolve().parent)


def _known_content(
    conn: psycopg.Connection, source_label: str, source_file: str, sha: str
) -> tuple[str, int] | None:
    """The file of this source (this one first) whose current version holds this
    content (an older version does not count: its dropped lines may be gone)."""
    row = conn.execute(
        "select source_file, lines_read from raw.loaded_files"
        " where source_label = %s and sha256 = %s and file_id in ("
        " select max(file_id) from raw.loaded_files where source_label = %s"
        " group by source_file)"
        " order by (source_file = %s) desc, file_id limit 1",
        (source_label, sha, source_label, source_file),
    ).fetchone()
    return (row[0], int(row[1])) if row else None


@dataclass(frozen=True)
class _Target:
    """Where parsed lines go: the raw tables directly (``prefix`` = file id and
    source_file, for a source's first file of a format: no line can be loaded yet), or
    temporary tables compared with what is loaded (empty ``prefix``)."""

    rows: sql.Composable
    rejects: sql.Composable
    prefix_columns: tuple[str, ...] = ()
    prefix: tuple[Any, ...] = ()

    @property
    def direct(self) -> bool:
        return bool(self.prefix)


def _temporary_target(conn: psycopg.Connection, spec: _Format) -> _Target:
    # Dropped at commit; also here, for a caller whose outer transaction is still open.
    conn.execute("drop table if exists pg_temp.aa_incoming, pg_temp.aa_incoming_rejects")
    conn.execute(
        sql.SQL(
            "create temporary table aa_incoming on commit drop as"
            " select line_number, line_key, {} from {} with no data"
        ).format(
            sql.SQL(", ").join(map(sql.Identifier, spec.columns)),
            sql.Identifier(RAW_SCHEMA, spec.table),
        )
    )
    conn.execute(
        "create temporary table aa_incoming_rejects (line_number bigint, line_key text,"
        " raw_line text, reason text) on commit drop"
    )
    return _Target(sql.Identifier("aa_incoming"), sql.Identifier("aa_incoming_rejects"))


def _stage(
    conn: psycopg.Connection,
    path: Path,
    file_format: str,
    source_label: str,
    target: _Target,
    progress: Callable[[str], None] | None,
    progress_every: int,
    started: float,
) -> _Staged:
    """Parse the file into the target's tables: rows and rejected lines, each with its
    line key."""
    spec = FORMATS[file_format]
    keys = _LineKeys(file_format, source_label)
    staged = _Staged()
    rejects: list[tuple[int, str, str]] = []
    prefix = target.prefix[:2]
    copy_sql = sql.SQL("copy {} ({}) from stdin").format(
        target.rows,
        sql.SQL(", ").join(map(sql.Identifier, (
            *target.prefix_columns[:2], "line_number", "line_key", *spec.columns))),
    )
    name = path.name
    with _open_binary(path) as handle:
        reader = _LineReader(handle)
        next_report = progress_every
        with conn.cursor() as cursor, cursor.copy(copy_sql) as copy:
            for number, text, outcome in spec.parse(reader):
                if "\n" in text:
                    staged.continuation_lines += text.count("\n")
                if isinstance(outcome, Rejected):
                    rejects.append((number, text, str(outcome)))
                else:
                    copy.write_row((*prefix, number, keys.key(text), *outcome))
                    staged.rows += 1
                if number >= next_report:
                    next_report += progress_every
                    if progress:
                        rate = number / (time.perf_counter() - started)
                        progress(f"  {name}: {number:,} lines ({rate:,.0f} lines/s)")
                if number == SNIFF_LINES and staged.rows == 0:
                    _raise_wrong_format(name, file_format, rejects)
        rejects.extend(reader.bad)
        staged.lines_read = reader.lines_read
    if staged.rows == 0 and rejects and staged.lines_read > spec.header_lines:
        _raise_wrong_format(name, file_format, rejects)
    rejects.sort()
    copy_sql = sql.SQL("copy {} ({}) from stdin").format(
        target.rejects,
        sql.SQL(", ").join(map(sql.Identifier, (
            *target.prefix_columns, "line_number", "line_key", "raw_line", "reason"))),
    )
    with conn.cursor() as cursor, cursor.copy(copy_sql) as copy:
        for number, text, reason in rejects:
            copy.write_row((*target.prefix, number, keys.key(text), text, reason))
    staged.rejects = len(rejects)
    if not target.direct:
        conn.execute("create index on aa_incoming (line_key)")
        conn.execute("create index on aa_incoming_rejects (line_key)")
        conn.execute("analyze aa_incoming")
        conn.execute("analyze aa_incoming_rejects")
    return staged


def _first_of_source(conn: psycopg.Connection, source_label: str, file_format: str) -> bool:
    """True when nothing of this format was loaded from this source yet: no line of
    the file can be a duplicate (line keys are per format and source)."""
    row = conn.execute(
        "select 1 from raw.loaded_files where source_label = %s and file_format = %s limit 1",
        (source_label, file_format),
    ).fetchone()
    return row is None


def _current_generation(conn: psycopg.Connection, source_file: str) -> tuple[int, list[int]]:
    """The generation of the file's latest version and the ids of its versions."""
    row = conn.execute(
        "select max(generation) from raw.loaded_files where source_file = %s", (source_file,)
    ).fetchone()
    generation = int(row[0]) if row and row[0] is not None else 0
    ids = conn.execute(
        "select file_id from raw.loaded_files where source_file = %s and generation = %s",
        (source_file, generation),
    ).fetchall()
    return generation, [int(found[0]) for found in ids]


def _supersede(conn: psycopg.Connection, table: str, source_file: str) -> tuple[int, int]:
    """Compare the new version with the lines its name holds in the current generation.

    Shares some lines and lacks others: a replacement; the lines it lacks are deleted.
    Shares none: the log was rotated; a new generation starts and nothing is deleted.
    Returns the generation of the new version and the number of lines removed."""
    generation, ids = _current_generation(conn, source_file)
    if not ids:
        return 1, 0
    held = [(sql.Identifier(RAW_SCHEMA, table), "aa_incoming"),
            (sql.Identifier(RAW_SCHEMA, "rejected_lines"), "aa_incoming_rejects")]
    shared = 0
    for relation, _ in held:
        query = sql.SQL(
            "select count(*) from {} as held where held.file_id = any(%s) and ("
            " exists (select 1 from aa_incoming as new where new.line_key = held.line_key)"
            " or exists (select 1 from aa_incoming_rejects as new"
            " where new.line_key = held.line_key))"
        ).format(relation)
        row = conn.execute(query, (ids,)).fetchone()
        shared += int(row[0]) if row else 0
    if shared == 0:
        return generation + 1, 0
    removed = 0
    for relation, counter in ((held[0][0], "rows_loaded"), (held[1][0], "lines_rejected")):
        gone = conn.execute(
            sql.SQL(
                "delete from {} as held where held.file_id = any(%s)"
                " and not exists (select 1 from aa_incoming as new"
                " where new.line_key = held.line_key)"
                " and not exists (select 1 from aa_incoming_rejects as new"
                " where new.line_key = held.line_key)"
                " returning held.file_id"
            ).format(relation),
            (ids,),
        ).fetchall()
        per_file: dict[int, int] = {}
        for (file_id,) in gone:
            per_file[file_id] = per_file.get(file_id, 0) + 1
        for file_id, lines in per_file.items():
            conn.execute(
                sql.SQL(
                    "update raw.loaded_files set {counter} = {counter} - %s,"
                    " lines_removed = lines_removed + %s where file_id = %s"
                ).format(counter=sql.Identifier(counter)),
                (lines, lines, file_id),
            )
        removed += len(gone)
    return generation, removed


def _insert_new_lines(
    conn: psycopg.Connection, file_format: str, file_id: int, source_file: str
) -> tuple[int, int]:
    """Move the lines whose key is not loaded yet from the temporary tables into the raw
    tables; return the rows and rejected lines inserted."""
    spec = FORMATS[file_format]
    columns = sql.SQL(", ").join(map(sql.Identifier, spec.columns))
    inserted = conn.execute(
        sql.SQL(
            "insert into {} (file_id, source_file, line_number, line_key, {columns})"
            " select %s, %s, line_number, line_key, {columns} from aa_incoming"
            " order by line_number on conflict (line_key) do nothing"
        ).format(sql.Identifier(RAW_SCHEMA, spec.table), columns=columns),
        (file_id, source_file),
    )
    rejected = conn.execute(
        "insert into raw.rejected_lines (file_id, source_file, line_number, line_key,"
        " file_format, raw_line, reason)"
        " select %s, %s, line_number, line_key, %s, raw_line, reason from aa_incoming_rejects"
        " order by line_number on conflict (line_key) do nothing",
        (file_id, source_file, file_format),
    )
    return inserted.rowcount, rejected.rowcount


def load_file(
    conn: psycopg.Connection,
    path: Path,
    file_format: str,
    *,
    source: str | None = None,
    progress: Callable[[str], None] | None = None,
    progress_every: int = 1_000_000,
) -> LoadResult:
    """Load one file in one transaction and return what happened.

    ``source`` names the log stream the file belongs to (default: the absolute path of
    its folder). Raises LoadError (nothing written) when the file is missing, damaged
    or of another format.
    """
    if file_format not in FORMATS:
        raise LoadError(f"unknown format {file_format!r}; choose one of {', '.join(FORMATS)}")
    if not path.is_file():
        raise LoadError(f"no such file: {path}")
    spec = FORMATS[file_format]
    source_label = source or _default_source(path)
    source_file = f"{source_label.rstrip('/')}/{path.name}"
    started = time.perf_counter()
    sha = content_sha256(path)
    ensure_raw_schema(conn)

    with conn.transaction():
        # One load at a time: then `loaded_at` (the transaction's start) grows with
        # commit order, which the incremental models use as their watermark.
        conn.execute("select pg_advisory_xact_lock(hashtext('access_analytics.load'))")
        # ... and none while a dbt build runs (a build waits for the loaders' lock).
        build_lock.wait_for_build(conn, progress)
        known = _known_content(conn, source_label, source_file, sha)
        if known is not None:
            return LoadResult(
                source_file, file_format, "unchanged", known[1], 0, 0,
                time.perf_counter() - started,
                same_as=None if known[0] == source_file else Path(known[0]).name,
            )
        if _first_of_source(conn, source_label, file_format):
            file_id = _new_version(conn, source_file, source_label, file_format, sha, 1)
            target = _Target(
                sql.Identifier(RAW_SCHEMA, spec.table),
                sql.Identifier(RAW_SCHEMA, "rejected_lines"),
                ("file_id", "source_file", "file_format"), (file_id, source_file, file_format),
            )
            staged = _stage(conn, path, file_format, source_label, target, progress,
                            progress_every, started)
            removed, rows, rejected = 0, staged.rows, staged.rejects
        else:
            staged = _stage(conn, path, file_format, source_label,
                            _temporary_target(conn, spec), progress, progress_every, started)
            generation, removed = _supersede(conn, spec.table, source_file)
            file_id = _new_version(conn, source_file, source_label, file_format, sha,
                                   generation)
            rows, rejected = _insert_new_lines(conn, file_format, file_id, source_file)
        duplicates = staged.rows + staged.rejects - rows - rejected
        conn.execute(
            "update raw.loaded_files set lines_read = %s, header_lines = %s, rows_loaded = %s,"
            " lines_rejected = %s, lines_duplicate = %s, continuation_lines = %s"
            " where file_id = %s",
            (staged.lines_read, min(spec.header_lines, staged.lines_read), rows, rejected,
             duplicates, staged.continuation_lines, file_id),
        )
    return LoadResult(
        source_file, file_format, "replaced" if removed else "loaded", staged.lines_read,
        rows, rejected, time.perf_counter() - started, lines_duplicate=duplicates,
        lines_removed=removed,
    )


def _new_version(
    conn: psycopg.Connection, source_file: str, source_label: str, file_format: str,
    sha: str, generation: int,
) -> int:
    """A row for the new version in raw.loaded_files (its counts are set at the end)."""
    row = conn.execute(
        "insert into raw.loaded_files (source_file, source_label, file_format, sha256,"
        " generation, lines_read, header_lines, rows_loaded, lines_rejected,"
        " lines_duplicate) values (%s, %s, %s, %s, %s, 0, 0, 0, 0, 0) returning file_id",
        (source_file, source_label, file_format, sha, generation),
    ).fetchone()
    assert row is not None
    return int(row[0])


def _raise_wrong_format(
    source_file: str, file_format: str, rejects: list[tuple[int, str, str]]
) -> None:
    first = rejects[0] if rejects else (0, "", "")
    raise LoadError(
        f"{source_file} does not look like the {file_format!r} format: no line could be "
        f"loaded (line {first[0]}: {first[2]}). Check --format; nothing was written."
    )
