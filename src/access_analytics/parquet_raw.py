"""The raw tables as Parquet files, for the Spark target (``make build TARGET=spark``).

The same loaders, only another sink: each file is parsed by the formats of
``loaders.py`` (the same fast and full paths, the same rejected lines with file, line
number and reason, the same line keys), and its rows are written as one Parquet file per
raw table under ``<spark dir>/raw/<table>/`` instead of being sent to ``COPY``. dbt's
on-run-start hook (macro ``create_raw_tables``) declares each folder as an external
Parquet table of the ``raw`` schema in Spark's metastore: on a cluster, the same folders
would be in object storage.

The table layouts come from ``loaders.RAW_DDL`` (the one description of the raw schema).
Nothing is lost: a file whose content was already loaded from its source is
"unchanged"; a line whose key is already in a raw table (overlapping or rotated files
of one source) is counted as a duplicate. Unlike the PostgreSQL sink, a shorter
replacement of a loaded file does not delete the lines it dropped (Parquet files are
immutable here): they stay, and the load says so.

A load writes its files under hidden names (Spark skips names that start with ``_``)
and renames them when all are complete, the row of ``loaded_files`` last. A load killed
before that row is published can leave its lines published without it; the next load,
of any file, removes them first and says so (``_drop_unpublished_loads``), so loading
that file again loads them in full rather than counting them as duplicates of lines
that no loaded file holds. Loads take turns (a lock file in the raw folder).
"""

from __future__ import annotations

import fcntl
import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from access_analytics import loaders

TABLES = ("loaded_files", "rejected_lines", "curriculum_requests", "cohorts", "web_requests")
# PostgreSQL types of RAW_DDL -> Parquet (Spark reads int64 as bigint, timestamps with a
# zone as timestamp). A `timestamp` (no zone: the curriculum log's local time) is stored
# as the same wall-clock time in UTC, which Spark (session time zone UTC) shows as is.
_ARROW_TYPES: dict[str, pa.DataType] = {
    "bigint": pa.int64(),
    "integer": pa.int32(),
    "text": pa.string(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "timestamptz": pa.timestamp("us", tz="UTC"),
}
_TABLE_RE = re.compile(r"create table if not exists raw\.(\w+) \((.*?)\n\);", re.S)
_COLUMN_RE = re.compile(r"\s*(\w+) (bigint|integer|text|date|timestamptz|timestamp)\b")
_UNESCAPE = re.compile(r"\\(.)")
_UNESCAPED = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}


def schemas() -> dict[str, pa.Schema]:
    """The Arrow schema of every raw table, read from ``loaders.RAW_DDL``."""
    found = {}
    for table, body in _TABLE_RE.findall(loaders.RAW_DDL):
        fields = []
        for line in body.split(",\n"):
            match = _COLUMN_RE.match(line)
            if match and match.group(1) != "primary":
                fields.append(
                    pa.field(
                        match.group(1),
                        _ARROW_TYPES[match.group(2)],
                        metadata={"postgres_type": match.group(2)},
                    )
                )
        found[table] = pa.schema(fields)
    return found


def _write(folder: Path, name: str, table: pa.Table) -> Path:
    """Write ``table`` as ``folder/_name`` (hidden from Spark); return the hidden path."""
    folder.mkdir(parents=True, exist_ok=True)
    hidden = folder / f"_{name}"
    pq.write_table(table, hidden)
    return hidden


def _publish(hidden: Path) -> None:
    os.replace(hidden, hidden.with_name(hidden.name[1:]))


def ensure_raw_folders(raw_dir: Path) -> None:
    """Every raw table's folder, with an empty file of its schema when it has none (so
    Spark can declare a table that nothing was loaded into yet)."""
    for table, schema in schemas().items():
        folder = raw_dir / table
        if not any(folder.glob("[!_.]*.parquet")):
            _publish(_write(folder, "empty.parquet", schema.empty_table()))


def _file_name(file_id: int) -> str:
    """The name of a load's file in every raw table's folder."""
    return f"file-{file_id:010d}.parquet"


def _drop_unpublished_loads(
    raw_dir: Path, progress: Callable[[str], None] | None = None
) -> list[Path]:
    """Remove what a killed load left: its hidden files (written, not yet renamed), and
    the published lines and rejected lines of a file id that has no `loaded_files` row
    (each named to `progress`). Returns the removed published files."""
    file_ids = _read(raw_dir, "loaded_files", ("file_id",))["file_id"].to_pylist()
    published = {_file_name(file_id) for file_id in file_ids}
    removed = []
    for table in TABLES:
        for path in (raw_dir / table).glob("_*.parquet"):
            path.unlink()
        if table == "loaded_files":
            continue
        for path in sorted((raw_dir / table).glob("file-*.parquet")):
            if path.name not in published:
                path.unlink()
                removed.append(path)
                if progress:
                    progress(
                        f"removed {table}/{path.name}: the lines of a load killed before it"
                        " finished (loading that file again loads them in full)"
                    )
    return removed


def _read(raw_dir: Path, table: str, columns: Sequence[str]) -> pa.Table:
    files = sorted((raw_dir / table).glob("[!_.]*.parquet"))
    if not files:
        return schemas()[table].empty_table().select(list(columns))
    return pa.concat_tables(pq.read_table(path, columns=list(columns)) for path in files)


def _copy_values(text: str) -> Iterator[list[str | None]]:
    """The rows of COPY text (tab separated, ``\\N`` null, backslash escapes)."""
    for line in text.split("\n"):
        if not line:
            continue
        yield [
            None
            if value == loaders.NULL
            else _UNESCAPE.sub(lambda found: _UNESCAPED.get(found[1], found[1]), value)
            if "\\" in value
            else value
            for value in line.split("\t")
        ]


def _copy_table(text: str, names: Sequence[str], csv: bool) -> pa.Table:
    """Rows the loaders wrote for COPY (its text format, or CSV for a format whose rows
    are CSV: NULL unquoted and empty, texts quoted) as a table of texts."""
    if csv:
        return pacsv.read_csv(
            pa.py_buffer(text.encode()),
            read_options=pacsv.ReadOptions(column_names=list(names)),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
            ),
        )
    columns: list[list[str | None]] = [[] for _ in names]
    for values in _copy_values(text):
        for column, value in zip(columns, values, strict=True):
            column.append(value)
    return pa.table(dict(zip(names, columns, strict=True)), schema=_texts(names))


def _texts(names: Sequence[str]) -> pa.Schema:
    return pa.schema([(name, pa.string()) for name in names])


def _typed(texts: pa.Table, schema: pa.Schema) -> pa.Table:
    arrays = []
    for field in schema:
        values = texts[field.name]
        if field.metadata == {b"postgres_type": b"timestamp"}:
            values = pc.cast(values, pa.timestamp("us"))
        arrays.append(pc.cast(values, field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


class _Parsed:
    """One file parsed: its rows as a table of texts, its rejected lines, and counts."""

    def __init__(self, names: Sequence[str], csv: bool) -> None:
        self.names = list(names)
        self.csv = csv
        self.chunks: list[pa.Table] = []
        self.rejects: list[tuple[int, str, str, str]] = []  # number, key, text, reason
        self.lines_read = 0
        self.continuation_lines = 0

    def add(self, text: str) -> None:
        if text:
            self.chunks.append(_copy_table(text, self.names, self.csv))

    def texts(self) -> pa.Table:
        if not self.chunks:
            return _texts(self.names).empty_table()
        return pa.concat_tables(self.chunks)


def _parse(file: Any, watch: loaders._Watch) -> tuple[_Parsed, pa.Table]:
    """Parse the file with the loader of its format (the sink of loaders._stage, kept)."""
    spec = loaders.FORMATS[file.file_format]
    keys = loaders._LineKeys(file.file_format, file.source_label)
    sink = loaders._Sink(keys, "", csv=spec.copy_csv)
    parsed = _Parsed(("line_number", "line_key", *spec.columns), spec.copy_csv)
    with loaders._open_binary(file.path) as handle:
        reader = loaders._LineReader(handle)
        lines = loaders._RunCursor(reader.runs())
        for _ in spec.parse(lines, sink):
            watch.check(lines.next_number - 1, sink)
            if sink.waiting() >= loaders.COPY_ROWS:
                parsed.add(sink.take_rows())
        parsed.add(sink.take_rows())
        parsed.lines_read = reader.lines_read
    texts = parsed.texts()
    rejects = sorted(sink.rejects + reader.bad)
    if texts.num_rows == 0 and rejects and parsed.lines_read > spec.header_lines:
        loaders._raise_wrong_format(file.path.name, file.file_format, rejects)
    parsed.rejects = [(number, keys.key(text), text, reason) for number, text, reason in rejects]
    parsed.continuation_lines = sink.continuation_lines
    return parsed, texts


def _unchanged(
    raw_dir: Path, file: Any, file_format: str, started: float
) -> loaders.LoadResult | None:
    """The result of a file whose content is loaded already (same label and sha256)."""
    known = _read(raw_dir, "loaded_files", ("source_file", "source_label", "sha256", "lines_read"))
    for row in known.to_pylist():
        if row["source_label"] == file.source_label and row["sha256"] == file.sha:
            return loaders.LoadResult(
                file.source_file,
                file_format,
                "unchanged",
                int(row["lines_read"]),
                0,
                0,
                time.perf_counter() - started,
                same_as=None
                if row["source_file"] == file.source_file
                else Path(row["source_file"]).name,
            )
    return None


def _rejected_table(
    rejects: list[tuple[int, str, str, str]],
    file_id: int,
    source_file: str,
    file_format: str,
    loaded_at: str,
) -> pa.Table:
    """The rejected lines of one load, as text columns (typed on writing)."""
    rejected_texts = {
        "file_id": [str(file_id)] * len(rejects),
        "source_file": [source_file] * len(rejects),
        "line_number": [str(reject[0]) for reject in rejects],
        "line_key": [reject[1] for reject in rejects],
        "file_format": [file_format] * len(rejects),
        "raw_line": [reject[2] for reject in rejects],
        "reason": [reject[3] for reject in rejects],
        "loaded_at": [loaded_at] * len(rejects),
    }
    return pa.table(rejected_texts, schema=_texts(list(rejected_texts)))


def _loaded_keys_and_next_id(raw_dir: Path, table: str) -> tuple[set[str], int]:
    """The line keys loaded or rejected so far, and the next load's file id."""
    loaded_keys = set(_read(raw_dir, table, ("line_key",))["line_key"].to_pylist())
    loaded_keys.update(_read(raw_dir, "rejected_lines", ("line_key",))["line_key"].to_pylist())
    file_ids = _read(raw_dir, "loaded_files", ("file_id",))["file_id"]
    return loaded_keys, (pc.max(file_ids).as_py() or 0) + 1


def _with_load_columns(texts: pa.Table, file_id: int, source_file: str, loaded_at: str) -> pa.Table:
    """The rows of one load with the load's columns (file id, source file, load time)."""
    count = texts.num_rows
    return (
        texts.append_column("file_id", pa.array([str(file_id)] * count, pa.string()))
        .append_column("source_file", pa.array([source_file] * count, pa.string()))
        .append_column("loaded_at", pa.array([loaded_at] * count, pa.string()))
    )


def _publish_load(
    raw_dir: Path,
    name: str,
    table: str,
    texts: pa.Table,
    rejected: pa.Table,
    record: dict[str, Any],
) -> None:
    """Write one load's rows and rejected lines, then its `loaded_files` row last (a
    load without that row is not yet published)."""
    tables = schemas()
    written = [
        _write(raw_dir / table, name, _typed(texts, tables[table])),
        _write(raw_dir / "rejected_lines", name, _typed(rejected, tables["rejected_lines"])),
    ]
    for hidden in written:
        _publish(hidden)
    record_table = _typed(
        pa.table({key: [str(value)] for key, value in record.items()}, schema=_texts(list(record))),
        tables["loaded_files"],
    )
    _publish(_write(raw_dir / "loaded_files", name, record_table))


def load_file(
    raw_dir: Path,
    path: Path,
    file_format: str,
    *,
    source: str | None = None,
    progress: Callable[[str], None] | None = None,
    progress_every: int = 1_000_000,
) -> loaders.LoadResult:
    """Load one file into the Parquet raw tables under ``raw_dir``; what
    ``loaders.load_file`` does for PostgreSQL. One load at a time: a second waits for the
    lock file ``raw_dir/_load.lock`` (a load that started while another was publishing
    would take that one's lines for a killed load's)."""
    raw_dir.mkdir(parents=True, exist_ok=True)
    with open(raw_dir / "_load.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _load_file(raw_dir, path, file_format, source, progress, progress_every)


def _load_file(
    raw_dir: Path,
    path: Path,
    file_format: str,
    source: str | None,
    progress: Callable[[str], None] | None,
    progress_every: int,
) -> loaders.LoadResult:
    started = time.perf_counter()
    file = loaders._file_to_load(path, file_format, source)
    _drop_unpublished_loads(raw_dir, progress)
    ensure_raw_folders(raw_dir)
    unchanged = _unchanged(raw_dir, file, file_format, started)
    if unchanged is not None:
        return unchanged
    watch = loaders._Watch(path.name, file_format, progress, progress_every, started)
    parsed, texts = _parse(file, watch)
    spec = loaders.FORMATS[file_format]
    loaded_keys, file_id = _loaded_keys_and_next_id(raw_dir, spec.table)
    loaded_at = datetime.now(timezone.utc).isoformat(sep=" ")
    name = _file_name(file_id)

    new = pc.invert(pc.is_in(texts["line_key"], value_set=pa.array(list(loaded_keys), pa.string())))
    texts = texts.filter(new)
    count = texts.num_rows
    texts = _with_load_columns(texts, file_id, file.source_file, loaded_at)
    rejects = [reject for reject in parsed.rejects if reject[1] not in loaded_keys]
    rejected = _rejected_table(rejects, file_id, file.source_file, file_format, loaded_at)
    duplicates = len(new) + len(parsed.rejects) - count - len(rejects)
    record = {
        "file_id": file_id,
        "source_file": file.source_file,
        "source_label": file.source_label,
        "file_format": file_format,
        "sha256": file.sha,
        "generation": 1,
        "lines_read": parsed.lines_read,
        "header_lines": min(spec.header_lines, parsed.lines_read),
        "rows_loaded": count,
        "lines_rejected": len(rejects),
        "lines_duplicate": duplicates,
        "lines_removed": 0,
        "continuation_lines": parsed.continuation_lines,
        "loaded_at": loaded_at,
    }
    _publish_load(raw_dir, name, spec.table, texts, rejected, record)
    return loaders.LoadResult(
        file.source_file,
        file_format,
        "loaded",
        parsed.lines_read,
        count,
        len(rejects),
        time.perf_counter() - started,
        lines_duplicate=duplicates,
    )
