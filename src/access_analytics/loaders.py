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

Speed. A file is read in 1 MB blocks, split into lines and decoded at once. Each line
of the request formats takes a fast path when it has the usual shape: every field text
is one the full path's own parsers accept (each distinct text checked once per load),
short enough never to be cut, with nothing COPY must escape; its row is then written
from the line's own texts. Any other line takes the full path, field by field, so both
give the same rows (tests/harness/test_loader_fast_path.py). A csv export with the
documented header takes a bulk path before that: the lines of a block checked at once
(one RE2 expression, pyarrow) and sent as the CSV they are. Rows go to ``COPY`` (text;
CSV for the csv format) in large batches; PostgreSQL converts the types. Into an empty
raw table (a new warehouse) the load is a bulk load: keys dropped and rebuilt once, no
WAL, the file's id and name column defaults instead of text on every row.
``python -m access_analytics.bench.loader_speed`` compares the loader with a plain
``COPY`` of the same columns.

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
import functools
import gzip
import hashlib
import importlib
import io
import ipaddress
import operator
import re
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, NamedTuple, Protocol, TypeVar, cast

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
    "path": 2_000,
    "user_agent": 1_000,
    "referrer": 2_000,
    "request_line": 4_000,
    "method": 32,
    "protocol": 32,
    "ident": 256,
    "auth_user": 256,
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

-- The incremental models read the lines loaded after their watermark (`loaded_at >
-- ...`), by the ids of the files loaded since through the primary key (macro
-- lines_loaded_since_last_run); when more than a thousand files are new, by `loaded_at`
-- alone, which a BRIN index finds without reading the whole table. Loads are serialised,
-- so `loaded_at` mostly grows with the table's pages and a block range holds one or two
-- values; it costs next to nothing to keep. autosummarize lets autovacuum summarise a
-- range once it is full; a range not yet summarised is always read, so results never
-- depend on it. (Checked by name first: `create index if not exists` would lock the
-- table, and wait for a load in progress, even when the index exists.)
do $$
declare
    name text;
begin
    foreach name in array array['curriculum_requests', 'web_requests'] loop
        if to_regclass(format('raw.%s_loaded_at', name)) is null and exists (
            select 1 from information_schema.columns
            where table_schema = 'raw' and table_name = name and column_name = 'loaded_at'
        ) then
            execute format(
                'create index %I on raw.%I using brin (loaded_at) with (autosummarize = on)',
                name || '_loaded_at', name
            );
        end if;
    end loop;
end
$$;
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
    # Reads the file's lines from the cursor into the sink; yields after each stretch
    # of lines (the caller flushes the sink's rows and checks progress).
    parse: Callable[[_RunCursor, _Sink], Iterator[None]]
    # Rows go to COPY as CSV (the csv format: its lines are CSV already), else as text.
    copy_csv: bool = False


# --------------------------------------------------------------------------------------
# Field parsers. Caches make the common case (few distinct dates, IPs) cheap. Only ASCII
# digits are digits: every pattern is compiled with re.ASCII.
#
# Every line has two paths. The full path validates each field with the functions below
# and formats the row for COPY. The fast path (in each format's parser) takes a line only
# when it has the usual shape and every field is a text the full path's parsers accept
# (`_Known`), short enough never to be cut, and free of characters COPY would have to
# escape; then the row is the line's own texts. Anything else goes the full path, so
# both give the same rows.


_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_TIME_RE = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]", re.ASCII)
_INT_RE = re.compile(r"[0-9]{1,18}", re.ASCII)
_HOST_RE = re.compile(r"[A-Za-z0-9._-]{1,253}", re.ASCII)
# COPY's text format: NULL, and the characters a value must not hold unescaped.
NULL = "\\N"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
CACHE_ENTRIES = 100_000
# The fast path takes a field only when it is this short (in characters): 4 UTF-8 bytes
# per character at most, so never cut by FIELD_BYTES.
_SHORT_PATH = FIELD_BYTES["path"] // 4
_SHORT_AGENT = FIELD_BYTES["user_agent"] // 4
_SHORT_REFERRER = FIELD_BYTES["referrer"] // 4
_SHORT_REQUEST = FIELD_BYTES["request_line"] // 4
_SHORT_IDENT = min(FIELD_BYTES["ident"], FIELD_BYTES["auth_user"]) // 4
_SHORT_METHOD = min(FIELD_BYTES["method"], FIELD_BYTES["protocol"]) // 4


def _needs_escape(line: str) -> bool:
    return "\\" in line or "\t" in line or "\r" in line


def _copy_text(value: Any) -> str:
    """One value in COPY's text format."""
    if value is None:
        return NULL
    if isinstance(value, str):
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_COPY_ESCAPES)
        return value
    return str(value)  # int, date, datetime (ISO 8601, with its UTC offset)


def _copy_csv(value: Any) -> str:
    """One value in COPY's CSV format: NULL unquoted and empty, every text quoted."""
    if value is None:
        return ""
    if isinstance(value, str):
        return '"' + value.replace('"', '""') + '"'
    return str(value)


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


def _remember(cache: dict[str, Any], text: str, outcome: Any) -> None:
    if len(cache) < CACHE_ENTRIES:
        cache[text] = outcome


class _Fields:
    """Validating field parsers. Logs repeat few distinct dates, ids and IPs, so each
    distinct text is validated once per load and the answer cached."""

    def __init__(self) -> None:
        self._dates: dict[str, Any] = {}
        # One cache per field: ids (user_id in the log formats) and cohort ids and IPs.
        self._users: dict[str, Any] = {}
        self._cohorts: dict[str, Any] = {}
        self._ips: dict[str, Any] = {}
        self.zones: dict[str, timezone] = {}

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
        _remember(cache, text, outcome)
        return outcome

    def integer(self, text: str, name: str) -> int:
        outcome = self._users.get(text)
        if outcome is None:
            outcome = self._lookup(self._users, text, lambda value: _integer(value, name))
        if outcome.__class__ is Rejected:
            raise outcome
        return cast(int, outcome)

    def optional_integer(self, text: str, name: str) -> int | None:
        outcome = self._cohorts.get(text, self)
        if outcome is self:
            outcome = self._lookup(
                self._cohorts, text, lambda value: _optional_integer(value, name)
            )
        if outcome.__class__ is Rejected:
            raise outcome
        return cast(int | None, outcome)

    def ip(self, text: str) -> str:
        outcome = self._ips.get(text)
        if outcome is None:
            outcome = self._lookup(self._ips, text, _ip)
        if outcome.__class__ is Rejected:
            raise outcome
        return cast(str, outcome)


_T = TypeVar("_T")


class _Digest(Protocol):
    def hexdigest(self) -> str: ...


def _md5_function() -> Callable[[bytes], _Digest]:
    """CPython's own MD5: for texts as short as log lines a third faster than OpenSSL's
    through hashlib (the same digests)."""
    try:
        md5 = importlib.import_module("_md5").md5
    except ImportError:  # a Python built without it
        return functools.partial(hashlib.md5, usedforsecurity=False)
    return cast(Callable[[bytes], _Digest], md5)


_md5 = _md5_function()


@functools.cache
def _clocks() -> frozenset[str]:
    """Every valid ``HH:MM:SS``."""
    return frozenset(
        f"{hour:02d}:{minute:02d}:{second:02d}"
        for hour in range(24)
        for minute in range(60)
        for second in range(60)
    )


class _Known:
    """Field texts for the fast paths: each distinct text checked once by the full
    path's own parser and kept as its value in COPY text; None for a text the full path
    rejects (its line takes the full path, which says why). The fast paths look a text
    up in the dicts first and call the method only for a text not seen yet."""

    def __init__(self) -> None:
        self.clocks = _clocks()
        self.days: dict[str, str] = {}
        self.users: dict[str, str] = {}
        self.cohorts: dict[str, str] = {}
        self.ips: dict[str, str] = {}
        # Combined log: "17/May/2015" -> "2015-05-17"; "+0100" -> ("+01:00", "60").
        self.clf_days: dict[str, str] = {}
        self.zones: dict[str, tuple[str, str]] = {}

    @staticmethod
    def _check(cache: dict[str, _T], text: str, parse: Callable[[str], _T]) -> _T | None:
        try:
            found = parse(text)
        except Rejected:
            return None
        _remember(cache, text, found)
        return found

    def day(self, text: str) -> str | None:
        return self._check(self.days, text, lambda value: _iso_date(value).isoformat())

    def user(self, text: str) -> str | None:
        return self._check(self.users, text, lambda value: str(_integer(value, "user_id")))

    def cohort(self, text: str) -> str | None:
        return self._check(
            self.cohorts, text, lambda value: _copy_text(_optional_integer(value, "cohort_id"))
        )

    def ip(self, text: str) -> str | None:
        return self._check(self.ips, text, _ip) if not _needs_escape(text) else None

    def clf_day(self, text: str) -> str | None:
        return self._check(self.clf_days, text, _clf_day)

    def zone(self, text: str) -> tuple[str, str] | None:
        zones: dict[str, timezone] = {}
        return self._check(self.zones, text, lambda value: _clf_zone_texts(value, zones))


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
# Where parsed lines go


class _LineKeys:
    """The key of each line: a hash of its format, source, occurrence in the file (the
    n-th identical line) and text. Identical content gives identical keys."""

    def __init__(self, file_format: str, source_label: str) -> None:
        self._prefix = f"{file_format}\x00{source_label}\x00".encode()
        self._first = self._prefix + b"1\x00"
        # Fingerprints of the lines seen: of their keys as first occurrences.
        self._seen: set[int] = set()
        self._repeats: dict[int, int] = {}

    def key(self, text: str) -> str:
        data = text.encode("utf-8", "surrogatepass")
        first = _md5(self._first + data).hexdigest()
        fingerprint = hash(first)
        if fingerprint not in self._seen:
            self._seen.add(fingerprint)
            return first
        occurrence = self._repeats.get(fingerprint, 1) + 1
        self._repeats[fingerprint] = occurrence
        return _md5(self._prefix + f"{occurrence}\x00".encode() + data).hexdigest()

    def keys(self, raws: list[bytes]) -> list[str]:
        """The keys of consecutive lines (their UTF-8 bytes), as ``key`` gives them one
        by one: every line hashed as a first occurrence at once, then only the lines
        seen before (identical lines) hashed again with their occurrence."""
        first = self._first
        keys = [_md5(first + raw).hexdigest() for raw in raws]
        fingerprints = list(map(hash, keys))
        seen = self._seen
        if len(set(fingerprints)) == len(fingerprints) and seen.isdisjoint(fingerprints):
            seen.update(fingerprints)
            return keys
        repeats, prefix = self._repeats, self._prefix
        for index, fingerprint in enumerate(fingerprints):
            if fingerprint not in seen:
                seen.add(fingerprint)
                continue
            occurrence = repeats.get(fingerprint, 1) + 1
            repeats[fingerprint] = occurrence
            keys[index] = _md5(prefix + f"{occurrence}\x00".encode() + raws[index]).hexdigest()
        return keys


class _Sink:
    """The parsed lines of one file: rows as lines of COPY text or CSV (``prefix``, line
    number, line key, the format's columns) waiting to be sent, and rejected lines (line
    number, raw text, reason)."""

    def __init__(self, keys: _LineKeys, prefix: str, *, csv: bool = False) -> None:
        self.keys = keys
        self.key = keys.key
        self.prefix = prefix
        self.csv = csv
        self._separator, self._value = ("," if csv else "\t"), (_copy_csv if csv else _copy_text)
        self.rows: list[str] = []
        # Rows waiting beyond one per item of ``rows`` (the bulk path adds many at once).
        self.more_rows = 0
        self.rejects: list[tuple[int, str, str]] = []
        self.continuation_lines = 0

    def waiting(self) -> int:
        """The number of rows waiting to be sent."""
        return len(self.rows) + self.more_rows

    def row(self, number: int, text: str, values: Iterable[Any]) -> None:
        """A row through the full path: its values formatted for COPY."""
        if "\n" in text:
            self.continuation_lines += text.count("\n")
        self.rows.append(
            self._separator.join(
                (f"{self.prefix}{number}", self.key(text), *map(self._value, values))
            )
            + "\n"
        )

    def reject(self, number: int, text: str, reason: Rejected | str) -> None:
        if "\n" in text:
            self.continuation_lines += text.count("\n")
        self.rejects.append((number, text, str(reason)))

    def first_row(self) -> int | None:
        """The lowest line number of the waiting rows."""
        if not self.rows:
            return None
        skip = len(self.prefix)
        return min(int(row[skip:].split(self._separator, 1)[0]) for row in self.rows)

    def take_rows(self) -> str:
        """The waiting rows as one COPY text."""
        text = "".join(self.rows)
        self.rows.clear()
        self.more_rows = 0
        return text


# --------------------------------------------------------------------------------------
# Format: bootcamp (space separated)


def _request_row(
    fields: _Fields,
    day: str,
    clock: str,
    path: str,
    user: str,
    cohort: str,
    ip: str,
    agent: str | None,
) -> tuple[Any, ...]:
    """The columns of a curriculum request from its field texts, each validated (the
    full path of the bootcamp and csv formats); raises Rejected."""
    cut: list[str] = []
    return (
        fields.timestamp(day, clock),
        _bounded(path or None, "path", cut),
        fields.integer(user, "user_id"),
        fields.optional_integer(cohort, "cohort_id"),
        fields.ip(ip),
        _bounded(agent or None, "user_agent", cut),
        ",".join(cut) or None,
    )


def _bootcamp_row(number: int, line: str, fields: _Fields, sink: _Sink) -> None:
    """The full path for one line of the bootcamp format."""
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
        row = _request_row(fields, day, clock, path, user, cohort, ip, None)
    except Rejected as reason:
        sink.reject(number, line, reason)
        return
    sink.row(number, line, row)


def _parse_bootcamp(cursor: _RunCursor, sink: _Sink) -> Iterator[None]:
    fields, known = _Fields(), _Known()
    days, clocks, users, cohorts, ips = (
        known.days,
        known.clocks,
        known.users,
        known.cohorts,
        known.ips,
    )
    rows, key, prefix, short_path = sink.rows, sink.key, sink.prefix, _SHORT_PATH
    for start, lines, clean, _ in cursor.runs():
        for number, line in enumerate(lines, start):
            parts = line.split(" ")
            if len(parts) == 6 and (clean or not _needs_escape(line)):
                day, clock, path, user, cohort, ip = parts
                if (
                    (days.get(day) or known.day(day))
                    and clock in clocks
                    and len(path) <= short_path
                    and (user_id := users.get(user) or known.user(user))
                    and (cohort_id := cohorts.get(cohort) or known.cohort(cohort))
                    and (address := ips.get(ip) or known.ip(ip))
                ):
                    rows.append(
                        f"{prefix}{number}\t{key(line)}\t{day} {clock}"
                        f"\t{path or NULL}\t{user_id}\t{cohort_id}\t{address}"
                        f"\t{NULL}\t{NULL}\n"
                    )
                    continue
            _bootcamp_row(number, line, fields, sink)
        yield


# --------------------------------------------------------------------------------------
# Format: csv export with a header


_CSV_REQUIRED = ("date", "time", "path", "user_id", "cohort_id", "ip")


class _RunawayRecord(Exception):
    """A quoted field of a CSV record is not closed within MAX_RECORD_LINES lines."""


class _CsvRecords:
    """CSV records with the number of the line each starts on and its raw text.

    One csv.reader reads the lines (quoted fields may hold newlines; a quote inside an
    unquoted field is an ordinary character). A quoted field left open for more than
    MAX_RECORD_LINES lines, or to the end of the file, costs only its first line: that
    line is rejected and reading resumes with the next one.

    ``until_in_step``: stop after the first record after which the next line of
    ``lines`` starts a record (no line taken from it waits to be read again)."""

    def __init__(self, lines: Iterable[tuple[int, str]], *, until_in_step: bool = False) -> None:
        self._source = iter(lines)
        self._until_in_step = until_in_step
        self._backlog: deque[tuple[int, str]] = deque()
        self._taken: list[tuple[int, str]] = []

    def __iter__(self) -> Iterator[tuple[int, str, list[str] | Rejected]]:
        while True:
            try:
                for record in csv.reader(self._feed(), strict=True):
                    start, text = self._take()
                    if not record or (len(record) == 1 and not record[0].strip()):
                        yield start, text, Rejected("empty line")
                    else:
                        yield start, text, record
                    if self._in_step():
                        return
                if not self._taken:
                    return
                yield self._drop_first_line()  # end of file inside a quoted field
            except _RunawayRecord:
                yield self._drop_first_line()
            except csv.Error as error:
                if "unexpected end of data" in str(error) and self._taken:
                    yield self._drop_first_line()
                else:
                    start, text = self._take()
                    yield start, text, Rejected(f"malformed CSV: {error}")
            if self._in_step():
                return

    def _in_step(self) -> bool:
        return self._until_in_step and not self._backlog

    def _feed(self) -> Iterator[str]:
        while True:
            item: tuple[int, str] | None
            if self._backlog:
                item = self._backlog.popleft()
            else:
                item = next(self._source, None)
                if item is None:
                    return
            self._taken.append(item)
            if len(self._taken) > MAX_RECORD_LINES:
                raise _RunawayRecord
            yield item[1] + "\n"

    def _take(self) -> tuple[int, str]:
        """The number of the first line taken for the record, and the lines' text."""
        start = self._taken[0][0] if self._taken else 0
        text = "\n".join(line for _, line in self._taken)
        self._taken.clear()
        return start, text

    def _drop_first_line(self) -> tuple[int, str, Rejected]:
        first = self._taken[0]
        self._backlog.extendleft(reversed(self._taken[1:]))
        self._taken.clear()
        return (
            first[0],
            first[1],
            Rejected(
                f"a quoted CSV field is not closed within {MAX_RECORD_LINES} lines"
                " (or before the end of the file)"
            ),
        )


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


def _one_line_record(line: str) -> list[str] | None:
    """The fields of a line that is a whole CSV record of plain fields, the last one
    possibly quoted (``...,"Mozilla/5.0 (X11; Linux)"``) with no quote inside; None for
    any other line (the csv module reads it)."""
    if '"' not in line:
        return line.split(",")
    head, _, quoted = line.partition(',"')
    if '"' in head or not quoted or quoted.find('"') != len(quoted) - 1:
        return None
    record = head.split(",")
    record.append(quoted[:-1])
    return record


@dataclass(frozen=True)
class _CsvColumns:
    """Positions of the request columns in a CSV export's records."""

    width: int
    day: int
    clock: int
    path: int
    user: int
    cohort: int
    ip: int
    agent: int | None

    @classmethod
    def of(cls, names: list[str]) -> _CsvColumns:
        where = {name: names.index(name) for name in _CSV_REQUIRED}
        agent = names.index("user_agent") if "user_agent" in names else None
        return cls(
            len(names),
            where["date"],
            where["time"],
            where["path"],
            where["user_id"],
            where["cohort_id"],
            where["ip"],
            agent,
        )


def _csv_row(
    number: int,
    text: str,
    record: list[str] | Rejected,
    at: _CsvColumns,
    fields: _Fields,
    sink: _Sink,
) -> None:
    """The full path for one record of a CSV export."""
    if isinstance(record, Rejected):
        sink.reject(number, text, record)
        return
    if not record or (len(record) == 1 and not record[0].strip()):
        sink.reject(number, text, "empty line")
        return
    if len(record) != at.width:
        sink.reject(number, text, f"expected {at.width} CSV fields, found {len(record)}")
        return
    try:
        day, clock, path, user, cohort, ip = (
            record[index].strip()
            for index in (at.day, at.clock, at.path, at.user, at.cohort, at.ip)
        )
        agent = record[at.agent].strip() if at.agent is not None else None
        row = _request_row(fields, day, clock, path, user, cohort, ip, agent)
    except Rejected as reason:
        sink.reject(number, text, reason)
        return
    sink.row(number, text, row)


# The bulk path of the csv format: the lines of a run checked at once by one regular
# expression (pyarrow's RE2) and their dates by the full path's parser (each distinct
# date once); the rows are the lines' own CSV, which COPY reads as it reads a plain
# export. It takes exports whose header is the documented one.
_BULK_HEADERS = {
    ("date", "time", "path", "user_id", "cohort_id", "ip"): False,
    ("date", "time", "path", "user_id", "cohort_id", "ip", "user_agent"): True,
}
# Runs with fewer lines left than this go line by line (the set-up costs more).
BULK_MIN_LINES = 64
# Printable ASCII but for space, comma, quote and backslash: the characters of a field
# the bulk path takes as it is (CSV needs no quoting, str.strip() changes nothing).
_PLAIN = r"\x21\x23-\x2b\x2d-\x5b\x5d-\x7e"
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"


def _bulk_pattern(has_agent: bool) -> str:
    """A line the bulk path takes: a date (checked apart), a valid time, a path of plain
    characters, whole numbers, an IPv4 address in canonical form and a user agent
    (quoted, or plain), with nothing the full path would change. (Their lengths are
    bounded by the line's: BULK_LINE_CHARS.)"""
    pattern = (
        r"^[0-9]{4}-[0-9]{2}-[0-9]{2},(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
        f",[{_PLAIN}]*,[0-9]{{1,18}},[0-9]{{0,18}},"
        rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}"
    )
    if has_agent:
        quoted = f"[{_PLAIN}](?:[ ,{_PLAIN}]*[{_PLAIN}])?"
        plain = f"[{_PLAIN}](?:[ {_PLAIN}]*[{_PLAIN}])?"
        pattern += f',(?:"{quoted}"|(?:{plain})?)'
    return pattern + "\n$"


# The shortest line of the pattern but for its path and user agent is 33 characters (a
# newline included): a line of at most this many has both short enough for the fast
# path (counted repetitions in the pattern would make it twice as slow).
BULK_LINE_CHARS = min(_SHORT_PATH, _SHORT_AGENT) + 33


class _CsvBulk:
    """The bulk path of a csv export (see above); every line it does not take goes the
    line-by-line way, so both give the same rows (tests/harness/test_loader_fast_path.py)."""

    def __init__(self, has_agent: bool, known: _Known) -> None:
        self._pattern = _bulk_pattern(has_agent)
        self._known = known
        # The columns the line does not have: user_agent, truncated_fields (NULL).
        self._suffix = ",\n" if has_agent else ",,\n"

    @classmethod
    def of(cls, names: list[str], known: _Known) -> _CsvBulk | None:
        has_agent = _BULK_HEADERS.get(tuple(names))
        return None if has_agent is None else cls(has_agent, known)

    def _taken(self, block: bytes) -> Any:
        """Per line of the block: True when the bulk path takes it (a numpy array)."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        data = block + b"\n"
        ends = np.flatnonzero(np.frombuffer(data, np.uint8) == ord("\n"))
        offsets = np.zeros(len(ends) + 1, np.int64)
        offsets[1:] = ends + 1
        lines = pa.LargeStringArray.from_buffers(
            len(ends), pa.py_buffer(offsets), pa.py_buffer(data)
        )
        short = pa.array(np.diff(offsets) <= BULK_LINE_CHARS)
        matched = pc.and_(pc.match_substring_regex(lines, self._pattern), short)
        days = pc.utf8_slice_codeunits(lines, 0, 10)
        known = self._known
        distinct = pc.unique(days).to_pylist()
        valid = [day for day in distinct if known.days.get(day) or known.day(day)]
        good_day = pc.is_in(days, value_set=pa.array(valid, pa.large_string()))
        return pc.and_(matched, good_day).to_numpy(zero_copy_only=False)

    def take(self, cursor: _RunCursor, at: _CsvColumns, fields: _Fields, sink: _Sink) -> None:
        """Read the rest of the cursor's run (and, when a CSV record that starts in it
        goes on, lines of the next runs)."""
        import numpy as np

        run, begin = cursor.run, cursor.at
        assert run.block is not None
        block = run.block.split(b"\n", begin)[-1] if begin else run.block
        raws, lines, first = block.split(b"\n"), run.lines[begin:], run.start + begin
        taken = self._taken(block)
        misses = np.flatnonzero(~taken).tolist()
        position, miss = 0, 0
        while position < len(lines):
            # The lines up to the next one that is not a one-line CSV record: those the
            # bulk path takes at once, the others one by one.
            stop, records = len(lines), []
            while miss < len(misses):
                index = misses[miss]
                if index >= position:
                    line = lines[index]
                    # As line by line: a line COPY text would escape goes to the csv module.
                    plain = run.clean or not _needs_escape(line)
                    record = _one_line_record(line) if plain else None
                    if record is None:
                        stop = index
                        break
                    records.append((index, record))
                miss += 1
            self._rows(sink, first, raws, lines, taken, position, stop)
            for index, record in records:
                _csv_row(first + index, lines[index], record, at, fields, sink)
            if stop == len(lines):
                break
            # The csv module reads the record that starts there (perhaps several lines).
            cursor.at = begin + stop
            for number, text, parsed in _CsvRecords(cursor, until_in_step=True):
                _csv_row(number, text, parsed, at, fields, sink)
            if cursor.run is not run:
                return
            position = cursor.at - begin
        cursor.at = len(run.lines)

    def _rows(
        self,
        sink: _Sink,
        first: int,
        raws: list[bytes],
        lines: list[str],
        taken: Any,
        position: int,
        stop: int,
    ) -> None:
        """The rows of the lines the bulk path takes between position and stop: line
        number, key, the line with "date,time" as "date time" (the raw table's
        requested_at), the columns it lacks (NULL)."""
        import numpy as np

        chosen = np.flatnonzero(taken[position:stop]) + position
        if len(chosen) == stop - position:
            raws, lines = raws[position:stop], lines[position:stop]
            numbers: Iterable[int] = range(first + position, first + stop)
        else:
            picks = chosen.tolist()
            raws, lines = [raws[index] for index in picks], [lines[index] for index in picks]
            numbers = [first + index for index in picks]
        prefix, suffix = sink.prefix, self._suffix
        sink.rows.extend(
            [
                f"{prefix}{number},{key},{line[:10]} {line[11:]}{suffix}"
                for number, key, line in zip(numbers, sink.keys.keys(raws), lines, strict=True)
            ]
        )


def _csv_picker(at: _CsvColumns) -> Callable[[Sequence[str]], tuple[str, ...]]:
    """The request's fields of a record, in one call (no user_agent column: the path, unused)."""
    return operator.itemgetter(
        at.day,
        at.clock,
        at.path,
        at.user,
        at.cohort,
        at.ip,
        at.agent if at.agent is not None else at.path,
    )


def _parse_csv(cursor: _RunCursor, sink: _Sink) -> Iterator[None]:
    names = _csv_header(
        iter(_CsvRecords(cursor, until_in_step=True)), _CSV_REQUIRED, "CSV (user_agent optional)"
    )
    if names is None:
        return
    at, fields, known = _CsvColumns.of(names), _Fields(), _Known()
    bulk = _CsvBulk.of(names, known)
    days, clocks, users, cohorts, ips = (
        known.days,
        known.clocks,
        known.users,
        known.cohorts,
        known.ips,
    )
    rows, key, prefix, width = sink.rows, sink.key, sink.prefix, at.width
    short_path, short_agent = _SHORT_PATH, _SHORT_AGENT
    has_agent, pick = at.agent is not None, _csv_picker(at)
    while cursor.advance():
        start, lines, clean, block = cursor.run
        if bulk is not None and block is not None and len(lines) - cursor.at >= BULK_MIN_LINES:
            bulk.take(cursor, at, fields, sink)
            yield
            continue
        for index in range(cursor.at, len(lines)):
            line = lines[index]
            record = _one_line_record(line) if clean or not _needs_escape(line) else None
            if record is None:
                # Quotes of another kind, a record over several lines: the csv module.
                cursor.at = index
                for number, text, parsed in _CsvRecords(cursor, until_in_step=True):
                    _csv_row(number, text, parsed, at, fields, sink)
                break
            if len(record) == width:
                day, clock, path, user, cohort, ip, agent = pick(record)
                path, agent = path.strip(), agent.strip() if has_agent else ""
                if (
                    (days.get(day) or known.day(day))
                    and clock in clocks
                    and len(path) <= short_path
                    and len(agent) <= short_agent
                    and (user_id := users.get(user) or known.user(user))
                    and (cohort_id := cohorts.get(cohort) or known.cohort(cohort))
                    and (address := ips.get(ip) or known.ip(ip))
                ):
                    # CSV: NULL is empty and unquoted; the user agent may hold commas.
                    rows.append(
                        f"{prefix}{start + index},{key(line)},{day} {clock},{path}"
                        f",{user_id},{'' if cohort_id == NULL else cohort_id},{address}"
                        f",{_copy_csv(agent or None)},\n"
                    )
                    continue
            _csv_row(start + index, line, record, at, fields, sink)
        else:
            cursor.at = len(lines)
        yield


# --------------------------------------------------------------------------------------
# Format: cohort table


_COHORT_REQUIRED = ("id", "name", "start_date", "end_date", "program_id")
_COHORT_COLUMNS = (
    "id",
    "name",
    "slack",
    "start_date",
    "end_date",
    "created_at",
    "updated_at",
    "deleted_at",
    "program_id",
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


def _cohort_row(
    number: int,
    text: str,
    record: list[str] | Rejected,
    position: dict[str, int],
    width: int,
    sink: _Sink,
) -> None:
    """One record of the cohort table."""

    def value(name: str) -> str | None:
        assert not isinstance(record, Rejected)
        return _nullable(record[position[name]]) if name in position else None

    def day(name: str) -> date:
        text = value(name) or ""
        try:
            return _iso_date(text, name)
        except Rejected:
            raise Rejected(f"{name} is not a date (YYYY-MM-DD): {text!r}") from None

    if isinstance(record, Rejected):
        sink.reject(number, text, record)
        return
    if len(record) != width:
        sink.reject(number, text, f"expected {width} CSV fields, found {len(record)}")
        return
    try:
        name = _cohort_text(value("name"), "name")
        if name is None:
            raise Rejected("name is empty")
        program = value("program_id")
        row = (
            _integer(value("id") or "", "id"),
            name,
            _cohort_text(value("slack"), "slack"),
            day("start_date"),
            day("end_date"),
            _cohort_moment(value("created_at"), "created_at"),
            _cohort_moment(value("updated_at"), "updated_at"),
            _cohort_moment(value("deleted_at"), "deleted_at"),
            None if program is None else _integer(program, "program_id"),
        )
    except Rejected as reason:
        sink.reject(number, text, reason)
        return
    sink.row(number, text, row)


def _parse_cohorts(cursor: _RunCursor, sink: _Sink) -> Iterator[None]:
    records = iter(_CsvRecords(cursor))
    names = _csv_header(records, _COHORT_REQUIRED, "cohort file's")
    if names is None:
        return
    position = {name: names.index(name) for name in _COHORT_COLUMNS if name in names}
    for number, text, record in records:
        _cohort_row(number, text, record, position, len(names), sink)
    yield


# --------------------------------------------------------------------------------------
# Format: Apache/Nginx combined log


# A quoted field: anything but quotes and backslashes, or a backslash and any character
# (written unrolled: the same strings as (?:[^"\\]|\\.)*, matched far faster).
_QUOTED = r'"([^"\\]*(?:\\.[^"\\]*)*)"'
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
# Digits of a byte count that is plausible (and fits a bigint).
MAX_SIZE_DIGITS = 18


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
            int(match[3]),
            _MONTHS[match[2]],
            int(match[1]),
            int(match[4]),
            int(match[5]),
            int(match[6]),
            tzinfo=zone,
        )
    except ValueError as error:
        raise Rejected(f"invalid timestamp [{text}]: {error}") from None
    _valid_date(moment.date(), text)
    return moment


_CLF_DAY_RE = re.compile(r"([0-9]{2})/([A-Z][a-z]{2})/([0-9]{4})", re.ASCII)
_CLF_ZONE_RE = re.compile(r"([+-])([0-9]{2})([0-9]{2})", re.ASCII)


def _clf_day(text: str) -> str:
    """The date of a combined log's timestamp (``17/May/2015``), as the full path
    checks it, in ISO form."""
    match = _CLF_DAY_RE.fullmatch(text)
    if not match or match[2] not in _MONTHS:
        raise Rejected("invalid date")
    try:
        day = date(int(match[3]), _MONTHS[match[2]], int(match[1]))
    except ValueError:
        raise Rejected("invalid date") from None
    return _valid_date(day, text).isoformat()


def _clf_zone_texts(text: str, zones: dict[str, timezone]) -> tuple[str, str]:
    """A combined log's UTC offset (``-0530``), as the full path checks it: as COPY
    writes it (``-05:30``) and in minutes (``-330``)."""
    match = _CLF_ZONE_RE.fullmatch(text)
    if not match:
        raise Rejected("invalid UTC offset")
    zone = _clf_zone(match[1], match[2], match[3], zones)
    minutes = _offset_minutes(datetime(2000, 1, 1, tzinfo=zone))
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}", str(minutes)


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
    if len(size) > MAX_SIZE_DIGITS:
        raise Rejected(f"response size is not a plausible byte count: {size[:40]}")
    return int(size)


def _offset_minutes(moment: datetime) -> int:
    """The UTC offset the log wrote for `moment`, in minutes (`+0800` is 480)."""
    offset = moment.utcoffset()
    return 0 if offset is None else int(offset.total_seconds()) // 60


def _dash(text: str | None) -> str | None:
    return None if text in (None, "", "-") else text


def _combined_row(number: int, line: str, fields: _Fields, sink: _Sink) -> None:
    """The full path for one line of a combined log."""
    if not line.strip():
        sink.reject(number, line, "empty line")
        return
    match = _COMBINED_RE.fullmatch(line)
    if not match:
        unclosed = (line.count('"') - line.count('\\"')) % 2 == 1
        sink.reject(
            number,
            line,
            "does not match the combined log format"
            + (": a quoted field is never closed" if unclosed else "")
            + ' (ip ident user [time] "request" status bytes "referrer" "user agent")',
        )
        return
    ip, ident, user, stamp, request, status, size, referrer, agent = match.groups()
    try:
        requested_at = _clf_timestamp(stamp, fields.zones)
        cut: list[str] = []
        method, path, protocol = _request_parts(request)
        row = (
            fields.ip(ip),
            _bounded(_dash(ident), "ident", cut),
            _bounded(_dash(user), "auth_user", cut),
            requested_at,
            _offset_minutes(requested_at),
            _bounded(request, "request_line", cut),
            _bounded(method, "method", cut),
            _bounded(path, "path", cut),
            _bounded(protocol, "protocol", cut),
            int(status),
            _response_bytes(size),
            _bounded(_dash(referrer), "referrer", cut),
            _bounded(_dash(agent), "user_agent", cut),
            ",".join(cut) or None,
        )
    except Rejected as reason:
        sink.reject(number, line, reason)
        return
    sink.row(number, line, row)


# The fast path of a combined log: one expression for the usual shape, every field short
# enough never to be cut (the _SHORT_ limits), the request line of three parts. The
# texts it does not check (address, date, UTC offset) are looked up in `_Known`. A line
# it does not match takes the full path. Applied only to lines without a backslash, tab
# or carriage return, its groups are the full expression's (_COMBINED_RE), so both give
# the same row.
_COMBINED_FAST_RE = re.compile(
    rf"(\S+) (\S{{1,{_SHORT_IDENT}}}) (\S{{1,{_SHORT_IDENT}}})"
    r" \[([0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}):((?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9])"
    r" ([+-][0-9]{4})\]"
    rf' "([^ "]{{0,{_SHORT_METHOD}}} [^ "]{{0,{_SHORT_PATH}}} [^ "]{{0,{_SHORT_METHOD}}})"'
    r" ([0-9]{3}) ([0-9]{1,18}|-)"
    rf' "([^"\\]{{0,{_SHORT_REFERRER}}})" "([^"\\]{{0,{_SHORT_AGENT}}})"\s*',
    re.ASCII,
)
# The request line the expression takes is never cut either (a test checks the limits:
# test_loader_fast_path.py).
# A field of the fast path that COPY text gets as NULL ("-", and an empty quoted field).
_DASH_NULL = {"-": NULL, "": NULL}


def _combined_columns(match: re.Match[str], known: _Known) -> str | None:
    """The columns of a line the fast expression matched, in COPY text; None when its
    address, date or UTC offset is one the full path rejects."""
    ip, ident, user, day, clock, offset, request, status, size, referrer, agent = match.groups()
    address = known.ips.get(ip) or known.ip(ip)
    iso_day = known.clf_days.get(day) or known.clf_day(day)
    zone = known.zones.get(offset) or known.zone(offset)
    if not (address and iso_day and zone):
        return None
    method, path, protocol = request.split(" ")
    dash = _DASH_NULL
    return (
        f"{address}\t{dash.get(ident, ident)}\t{dash.get(user, user)}"
        f"\t{iso_day} {clock}{zone[0]}\t{zone[1]}\t{request}\t{method}\t{path}"
        f"\t{protocol}\t{status}\t{dash.get(size, size)}\t{dash.get(referrer, referrer)}"
        f"\t{dash.get(agent, agent)}\t{NULL}\n"
    )


def _parse_combined(cursor: _RunCursor, sink: _Sink) -> Iterator[None]:
    fields, known = _Fields(), _Known()
    match_line, prefix = _COMBINED_FAST_RE.fullmatch, sink.prefix
    for start, lines, clean, _ in cursor.runs():
        # The fast path's rows, keyed at once after the run (identical lines take the same
        # path, so each text's occurrences are still counted in line order).
        numbers, texts, columns = [], [], []
        for number, line in enumerate(lines, start):
            match = match_line(line) if clean or not _needs_escape(line) else None
            row = _combined_columns(match, known) if match else None
            if row is None:
                _combined_row(number, line, fields, sink)
            else:
                numbers.append(number)
                texts.append(line.encode())
                columns.append(row)
        sink.rows.extend(
            [
                f"{prefix}{number}\t{key}\t{row}"
                for number, key, row in zip(numbers, sink.keys.keys(texts), columns, strict=True)
            ]
        )
        yield


_REQUEST_COLUMNS = (
    "requested_at",
    "path",
    "user_id",
    "cohort_id",
    "ip",
    "user_agent",
    "truncated_fields",
)
FORMATS: dict[str, _Format] = {
    "bootcamp": _Format("curriculum_requests", _REQUEST_COLUMNS, 0, _parse_bootcamp),
    "csv": _Format("curriculum_requests", _REQUEST_COLUMNS, 1, _parse_csv, copy_csv=True),
    "cohorts": _Format("cohorts", _COHORT_COLUMNS, 1, _parse_cohorts),
    "combined": _Format(
        "web_requests",
        (
            "ip",
            "ident",
            "auth_user",
            "requested_at",
            "utc_offset_minutes",
            "request_line",
            "method",
            "path",
            "protocol",
            "status",
            "response_bytes",
            "referrer",
            "user_agent",
            "truncated_fields",
        ),
        0,
        _parse_combined,
    ),
}


# --------------------------------------------------------------------------------------
# Reading

# The file is read in blocks of this many bytes, split into lines and decoded at once;
# rows go to COPY in batches of about this many.
READ_BYTES = 1 << 20
COPY_ROWS = 8_192


def _open_binary(path: Path) -> io.BufferedIOBase:
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rb")
    return path.open("rb")


def content_sha256(path: Path) -> str:
    """SHA-256 of the file's content (of a .gz file: of the decompressed stream).

    Raises LoadError when a compressed file is truncated or corrupt."""
    digest = hashlib.sha256()
    try:
        with _open_binary(path) as handle:
            for block in iter(lambda: handle.read(READ_BYTES), b""):
                digest.update(block)
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise LoadError(
            f"{path.name} is a damaged gzip file ({error}); nothing was loaded: "
            "copy it again, or load what it holds with `zcat FILE > FILE.txt`"
        ) from None
    return digest.hexdigest()


class _Run(NamedTuple):
    """Consecutive lines of a file: the number of the first, their texts, whether none
    holds a backslash, tab or carriage return (COPY text needs no escaping), and, for a
    run read whole, its bytes (the lines joined by newlines; a line's carriage returns
    at its end are cut from its text only)."""

    start: int
    lines: list[str]
    clean: bool
    block: bytes | None = None


class _LineReader:
    """Numbered, decoded lines of a file, in runs; undecodable or overlong lines are set
    aside as rejects."""

    def __init__(self, handle: io.BufferedIOBase) -> None:
        self._handle = handle
        self.lines_read = 0
        self.bad: list[tuple[int, str, str]] = []

    def runs(self) -> Iterator[_Run]:
        number = 1
        for block in self._blocks():
            run = self._decode(number, block)
            if run is None:  # a line overlong, not UTF-8 or with a NUL: line by line
                raws = block.split(b"\n")
                yield from self._decode_each(number, raws)
                number += len(raws)
            else:
                yield run
                number += len(run.lines)
            self.lines_read = number - 1

    def _blocks(self) -> Iterator[bytes]:
        """The file in blocks of whole lines (the newline after the last one cut)."""
        pending: list[bytes] = []
        while block := self._handle.read(READ_BYTES):
            cut = block.rfind(b"\n")
            if cut < 0:  # a line longer than a block
                pending.append(block)
                continue
            pending.append(block[:cut])
            yield b"".join(pending)
            pending = [block[cut + 1 :]]
        tail = b"".join(pending)
        if tail:
            yield tail

    @staticmethod
    def _decode(number: int, block: bytes) -> _Run | None:
        """The block's lines, when none is overlong, undecodable or holds a NUL."""
        if b"\x00" in block:
            return None
        try:
            lines = block.decode("utf-8").split("\n")
        except UnicodeDecodeError:
            return None
        # At most 4 bytes a character: a line this short is not overlong.
        if (
            max(map(len, lines)) > MAX_LINE_BYTES // 4
            and max(len(line.encode()) for line in lines) > MAX_LINE_BYTES
        ):
            return None
        if b"\r" in block:
            return _Run(number, [line.rstrip("\r") for line in lines], False, block)
        return _Run(number, lines, b"\\" not in block and b"\t" not in block, block)

    def _decode_each(self, first: int, raws: list[bytes]) -> Iterator[_Run]:
        """Line by line, for a block with a line that is overlong, not UTF-8 or holds a
        NUL: runs of the good lines between the bad ones."""
        start, lines = first, list[str]()
        for number, raw in enumerate(raws, first):
            text = self._good_text(number, raw.rstrip(b"\r\n"))
            if text is None:
                if lines:
                    yield _Run(start, lines, False)
                start, lines = number + 1, []
            else:
                lines.append(text)
        if lines:
            yield _Run(start, lines, False)

    def _good_text(self, number: int, raw: bytes) -> str | None:
        if len(raw) > MAX_LINE_BYTES:
            shown = raw[:RAW_LINE_SHOWN].decode("utf-8", "replace").replace("\x00", "\\0")
            self.bad.append(
                (
                    number,
                    shown + "...",
                    f"line of {len(raw):,} bytes is longer than {MAX_LINE_BYTES:,} bytes",
                )
            )
            return None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            self.bad.append(
                (
                    number,
                    raw.decode("utf-8", "replace").replace("\x00", "\\0"),
                    f"not valid UTF-8 ({error.reason})",
                )
            )
            return None
        if "\x00" in text:
            self.bad.append((number, text.replace("\x00", "\\0"), "contains a NUL byte"))
            return None
        return text


class _RunCursor:
    """A position in the runs of a file. The fast paths take the rest of a run at once;
    the csv module reads numbered lines one by one (a record may span several)."""

    def __init__(self, runs: Iterable[_Run]) -> None:
        self._runs = iter(runs)
        self.run = _Run(1, [], True)
        self.at = 0  # index in run.lines of the next line to read

    @property
    def next_number(self) -> int:
        """The number of the next line to read."""
        return self.run.start + self.at

    def advance(self) -> bool:
        """Move on to a run with lines left to read; False at the end of the file."""
        while self.at >= len(self.run.lines):
            run = next(self._runs, None)
            if run is None:
                return False
            self.run, self.at = run, 0
        return True

    def runs(self) -> Iterator[_Run]:
        """The lines left, run by run; each is read once yielded."""
        while self.advance():
            run = self.run
            if self.at:
                run = _Run(run.start + self.at, run.lines[self.at :], run.clean)
            self.at = len(self.run.lines)
            yield run

    def __iter__(self) -> Iterator[tuple[int, str]]:
        return self

    def __next__(self) -> tuple[int, str]:
        if not self.advance():
            raise StopIteration
        number, line = self.run.start + self.at, self.run.lines[self.at]
        self.at += 1
        return number, line


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
                conn.execute(
                    _MIGRATE_BASE_NAME_TABLE.format(table=f"raw.{table}", pkey=f"{table}_pkey")
                )
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
    # The rows table fills file_id and source_file itself (column defaults of this load).
    by_default: bool = False

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


def _copy_sql(
    relation: sql.Composable, columns: Iterable[str], *, csv: bool = False
) -> sql.Composed:
    return sql.SQL("copy {} ({}) from stdin{}").format(
        relation,
        sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.SQL(" with (format csv)" if csv else ""),
    )


class _Watch:
    """Progress messages, and the check that a file is of the format it is loaded as:
    if none of its first SNIFF_LINES lines was loaded, the load stops."""

    def __init__(
        self,
        name: str,
        file_format: str,
        progress: Callable[[str], None] | None,
        every: int,
        started: float,
    ) -> None:
        self._name, self._format, self._progress = name, file_format, progress
        self._every, self._next, self._started = every, every, started
        self.first_row: int | None = None

    def check(self, done: int, sink: _Sink) -> None:
        """``done`` lines are parsed, their rows in the sink or sent."""
        if self.first_row is None:
            self.first_row = sink.first_row()
            if done >= SNIFF_LINES and (self.first_row or done + 1) > SNIFF_LINES:
                _raise_wrong_format(self._name, self._format, sink.rejects)
        if done >= self._next:
            self._next = (done // self._every + 1) * self._every
            if self._progress:
                rate = done / (time.perf_counter() - self._started)
                self._progress(f"  {self._name}: {done:,} lines ({rate:,.0f} lines/s)")


def _stage(conn: psycopg.Connection, file: _FileToLoad, target: _Target, watch: _Watch) -> _Staged:
    """Parse the file into the target's tables: rows and rejected lines, each with its
    line key."""
    spec = FORMATS[file.file_format]
    keys = _LineKeys(file.file_format, file.source_label)
    prefix_columns = () if target.by_default else target.prefix_columns[:2]
    prefix = target.prefix[: len(prefix_columns)]
    if spec.copy_csv:
        sink = _Sink(keys, "".join(_copy_csv(value) + "," for value in prefix), csv=True)
    else:
        sink = _Sink(keys, "".join(_copy_text(value) + "\t" for value in prefix))
    staged = _Staged()
    columns = (*prefix_columns, "line_number", "line_key", *spec.columns)
    with (
        _open_binary(file.path) as handle,
        conn.cursor() as cursor,
        cursor.copy(_copy_sql(target.rows, columns, csv=spec.copy_csv)) as copy,
    ):
        reader = _LineReader(handle)
        lines = _RunCursor(reader.runs())
        for _ in spec.parse(lines, sink):
            watch.check(lines.next_number - 1, sink)
            if sink.waiting() >= COPY_ROWS:
                staged.rows += sink.waiting()
                copy.write(sink.take_rows())
        staged.rows += sink.waiting()
        copy.write(sink.take_rows())
        staged.lines_read = reader.lines_read
    rejects = sorted(sink.rejects + reader.bad)
    if staged.rows == 0 and rejects and staged.lines_read > spec.header_lines:
        _raise_wrong_format(file.path.name, file.file_format, rejects)
    columns = (*target.prefix_columns, "line_number", "line_key", "raw_line", "reason")
    with conn.cursor() as cursor, cursor.copy(_copy_sql(target.rejects, columns)) as copy:
        for number, text, reason in rejects:
            copy.write_row((*target.prefix, number, keys.key(text), text, reason))
    staged.rejects = len(rejects)
    staged.continuation_lines = sink.continuation_lines
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
    held = [
        (sql.Identifier(RAW_SCHEMA, table), "aa_incoming"),
        (sql.Identifier(RAW_SCHEMA, "rejected_lines"), "aa_incoming_rejects"),
    ]
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


class _FileToLoad(NamedTuple):
    """A file to load and what it is known by."""

    path: Path
    file_format: str
    source_label: str
    source_file: str  # <source>/<file name>
    sha: str  # of the decompressed content


class _Written(NamedTuple):
    """What a load wrote: the new version's id, what was staged and what of it was new."""

    file_id: int
    staged: _Staged
    rows: int
    rejected: int
    lines_removed: int


def _file_to_load(path: Path, file_format: str, source: str | None) -> _FileToLoad:
    if file_format not in FORMATS:
        raise LoadError(f"unknown format {file_format!r}; choose one of {', '.join(FORMATS)}")
    if not path.is_file():
        raise LoadError(f"no such file: {path}")
    source_label = source or _default_source(path)
    return _FileToLoad(
        path,
        file_format,
        source_label,
        f"{source_label.rstrip('/')}/{path.name}",
        content_sha256(path),
    )


def _write_first_of_source(conn: psycopg.Connection, file: _FileToLoad, watch: _Watch) -> _Written:
    """The source's first file of its format: no line can be loaded already, so the
    lines go straight into the raw tables."""
    spec = FORMATS[file.file_format]
    file_id = _new_version(conn, file, 1)
    keys = _set_aside_keys(conn, spec.table)
    target = _Target(
        sql.Identifier(RAW_SCHEMA, spec.table),
        sql.Identifier(RAW_SCHEMA, "rejected_lines"),
        ("file_id", "source_file", "file_format"),
        (file_id, file.source_file, file.file_format),
        # Emptied in this transaction (no reader sees it before the commit): the file's
        # id and name as column defaults, not a text on every row.
        by_default=bool(keys),
    )
    defaults = sql.SQL("alter table {} alter column file_id {}, alter column source_file {}")
    if target.by_default:
        conn.execute(
            defaults.format(
                target.rows,
                sql.SQL("set default {}").format(sql.Literal(file_id)),
                sql.SQL("set default {}").format(sql.Literal(file.source_file)),
            )
        )
    staged = _stage(conn, file, target, watch)
    if target.by_default:
        conn.execute(defaults.format(target.rows, sql.SQL("drop default"), sql.SQL("drop default")))
    for name, definition in keys:
        conn.execute(
            sql.SQL("alter table {} add constraint {} {}").format(
                target.rows, sql.Identifier(name), sql.SQL(definition)
            )
        )
    return _Written(file_id, staged, staged.rows, staged.rejects, 0)


def _set_aside_keys(conn: psycopg.Connection, table: str) -> list[tuple[str, str]]:
    """For a load into an empty raw table (a new warehouse): empty it anew and drop its
    primary key and unique constraints, returned as (name, definition) to be added
    back after the COPY. Then COPY writes no WAL (wal_level minimal, table emptied in
    this transaction) and the indexes are built once, sorted, instead of row by row: a
    bulk load several times faster. The load is one transaction, so a failed or killed
    load leaves the table and its keys as they were. A table with rows: nothing done;
    readers of an empty table wait for the load to commit."""
    relation = sql.Identifier(RAW_SCHEMA, table)
    # Only loads write raw tables, and they take turns (the advisory lock).
    if conn.execute(sql.SQL("select 1 from {} limit 1").format(relation)).fetchone():
        return []
    keys = [
        (str(name), str(definition))
        for name, definition in conn.execute(
            "select conname, pg_get_constraintdef(oid) from pg_constraint"
            " where conrelid = %s::regclass and contype in ('p', 'u') order by conname",
            (f"{RAW_SCHEMA}.{table}",),
        ).fetchall()
    ]
    conn.execute(sql.SQL("truncate {}").format(relation))
    for name, _ in keys:
        conn.execute(
            sql.SQL("alter table {} drop constraint {}").format(relation, sql.Identifier(name))
        )
    return keys


def _write_new_lines(conn: psycopg.Connection, file: _FileToLoad, watch: _Watch) -> _Written:
    """Stage the file in temporary tables, retire what a replaced version dropped, and
    insert the lines not loaded yet."""
    spec = FORMATS[file.file_format]
    staged = _stage(conn, file, _temporary_target(conn, spec), watch)
    generation, removed = _supersede(conn, spec.table, file.source_file)
    file_id = _new_version(conn, file, generation)
    rows, rejected = _insert_new_lines(conn, file.file_format, file_id, file.source_file)
    return _Written(file_id, staged, rows, rejected, removed)


def _record_counts(conn: psycopg.Connection, file: _FileToLoad, written: _Written) -> int:
    """Set the new version's counts in raw.loaded_files; return its duplicate lines."""
    staged = written.staged
    duplicates = staged.rows + staged.rejects - written.rows - written.rejected
    conn.execute(
        "update raw.loaded_files set lines_read = %s, header_lines = %s, rows_loaded = %s,"
        " lines_rejected = %s, lines_duplicate = %s, continuation_lines = %s"
        " where file_id = %s",
        (
            staged.lines_read,
            min(FORMATS[file.file_format].header_lines, staged.lines_read),
            written.rows,
            written.rejected,
            duplicates,
            staged.continuation_lines,
            written.file_id,
        ),
    )
    return duplicates


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
    started = time.perf_counter()
    file = _file_to_load(path, file_format, source)
    ensure_raw_schema(conn)
    with conn.transaction():
        # One load at a time: then `loaded_at` (the transaction's start) grows with
        # commit order, which the incremental models use as their watermark.
        conn.execute("select pg_advisory_xact_lock(hashtext('access_analytics.load'))")
        # ... and none while a dbt build runs (a build waits for the loaders' lock).
        build_lock.wait_for_build(conn, progress)
        known = _known_content(conn, file.source_label, file.source_file, file.sha)
        if known is not None:
            return LoadResult(
                file.source_file,
                file_format,
                "unchanged",
                known[1],
                0,
                0,
                time.perf_counter() - started,
                same_as=None if known[0] == file.source_file else Path(known[0]).name,
            )
        watch = _Watch(path.name, file_format, progress, progress_every, started)
        if _first_of_source(conn, file.source_label, file_format):
            written = _write_first_of_source(conn, file, watch)
        else:
            written = _write_new_lines(conn, file, watch)
        duplicates = _record_counts(conn, file, written)
    return LoadResult(
        file.source_file,
        file_format,
        "replaced" if written.lines_removed else "loaded",
        written.staged.lines_read,
        written.rows,
        written.rejected,
        time.perf_counter() - started,
        lines_duplicate=duplicates,
        lines_removed=written.lines_removed,
    )


def _new_version(conn: psycopg.Connection, file: _FileToLoad, generation: int) -> int:
    """A row for the new version in raw.loaded_files (its counts are set at the end)."""
    row = conn.execute(
        "insert into raw.loaded_files (source_file, source_label, file_format, sha256,"
        " generation, lines_read, header_lines, rows_loaded, lines_rejected,"
        " lines_duplicate) values (%s, %s, %s, %s, %s, 0, 0, 0, 0, 0) returning file_id",
        (file.source_file, file.source_label, file.file_format, file.sha, generation),
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
