"""The loader against a plain ``COPY`` of the same typed columns, per format.

``python -m access_analytics.bench.loader_speed --events 1000000 --rounds 3`` (with
the warehouse's PGPORT) generates the demo request file (``csv``) and the same requests
as an Apache combined log (``combined``) in data/bench_loader, then, interleaved round
by round, times

- the loader: ``load_file`` into a fresh database (lines read / its seconds, which
  include hashing the file, parsing, line keys and the ``COPY`` into the raw table);
- the floor: a plain ``COPY`` of the same typed columns (the 7 columns of the request
  file; the 13 parsed columns of the combined log) into an unindexed temporary table,
  streamed from this process in 1 MB blocks, as ``make bench`` measures it.

The machine is shared, so the figure to read is the ratio of each round (loader and
floor measured back to back), not the seconds. Beside the wall-clock rates it prints the
CPU seconds each side used (this process and its PostgreSQL backend), which a busy
machine distorts far less: on an idle machine the loader's Python and its backend run on
two cores at once, so its wall time approaches the larger of the two.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import psycopg

from access_analytics import demo_data, loaders, warehouse

DATABASE = "aa_bench_loader"

# The typed columns a plain COPY reads, per format (the floor's table).
FLOOR_COLUMNS = {
    "csv": "date date, time time, path text, user_id bigint, cohort_id bigint, ip text,"
    " user_agent text",
    "combined": "ip text, ident text, auth_user text, requested_at timestamptz,"
    " utc_offset_minutes integer, request_line text, method text, path text,"
    " protocol text, status integer, response_bytes bigint, referrer text,"
    " user_agent text",
}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_OFFSETS = ((-360, "-0600"), (-300, "-0500"), (0, "+0000"), (60, "+0100"))


def write_combined(requests_csv: Path, combined: Path, floor_csv: Path) -> int:
    """The demo requests as a combined log, and its typed columns as a CSV for the
    floor. Returns the number of lines."""
    lines = 0
    with (
        requests_csv.open(newline="") as source,
        combined.open("w") as log,
        floor_csv.open("w", newline="") as floor,
    ):
        reader = csv.reader(source)
        header = next(reader)
        at = {name: header.index(name) for name in header}
        writer = csv.writer(floor)
        for row in reader:
            minutes, offset = _OFFSETS[lines % len(_OFFSETS)]
            local = datetime.fromisoformat(f"{row[at['date']]} {row[at['time']]}")
            stamp = (
                f"{local.day:02d}/{_MONTHS[local.month - 1]}/{local.year}:{local:%H:%M:%S} {offset}"
            )
            path, agent, ip = row[at["path"]] or "/", row[at["user_agent"]], row[at["ip"]]
            size = (len(path) * 7919 + lines) % 60_000
            request = f"GET {path} HTTP/1.1"
            referrer = "-" if lines % 3 else "https://codeup.com/"
            log.write(f'{ip} - - [{stamp}] "{request}" 200 {size} "{referrer}" "{agent}"\n')
            utc = (local - timedelta(minutes=minutes)).isoformat() + "+00:00"
            writer.writerow(
                (
                    ip,
                    "",
                    "",
                    utc,
                    minutes,
                    request,
                    "GET",
                    path,
                    "HTTP/1.1",
                    200,
                    size,
                    "" if referrer == "-" else referrer,
                    agent,
                )
            )
            lines += 1
    return lines


class Cpu:
    """CPU seconds used by this process and by a PostgreSQL backend (Linux /proc)."""

    def __init__(self, conn: psycopg.Connection) -> None:
        row = conn.execute("select pg_backend_pid()").fetchone()
        self._stat = Path(f"/proc/{row[0] if row else 0}/stat")
        self._ticks = os.sysconf("SC_CLK_TCK")
        self.python, self.server = time.process_time(), self._server()

    def _server(self) -> float:
        try:
            fields = self._stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # another machine's server: not measured
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / self._ticks

    def used(self) -> tuple[float, float]:
        """CPU seconds since this was made: (this process, the backend)."""
        return time.process_time() - self.python, self._server() - self.server


class Rate(NamedTuple):
    """A measured rate: lines or rows per wall-clock second, and the CPU seconds per
    million of them (this process, its backend)."""

    per_second: float
    python_cpu: float
    server_cpu: float

    def __str__(self) -> str:
        return (
            f"{self.per_second:,.0f}/s, CPU per 1M: python {self.python_cpu:.1f} s"
            f" + server {self.server_cpu:.1f} s"
        )


def rate(count: int, seconds: float, cpu: tuple[float, float]) -> Rate:
    """The rate of ``count`` lines or rows in ``seconds`` that used ``cpu``."""
    return Rate(count / seconds, cpu[0] * 1e6 / count, cpu[1] * 1e6 / count)


def floor_rows_per_second(
    settings: warehouse.Settings, floor_csv: Path, columns: str, header: bool
) -> Rate:
    """Rows per second of a plain COPY of ``floor_csv`` into an unindexed temp table."""
    with warehouse.connect(settings) as conn:
        conn.execute(f"create temp table copy_floor ({columns})")
        cpu = Cpu(conn)
        started = time.perf_counter()
        with (
            conn.cursor() as cursor,
            cursor.copy(
                f"copy copy_floor from stdin with (format csv, header {str(header).lower()})"
            ) as copy,
            floor_csv.open("rb") as handle,
        ):
            for block in iter(lambda: handle.read(1 << 20), b""):
                copy.write(block)
        conn.commit()
        seconds = time.perf_counter() - started
        used = cpu.used()
        row = conn.execute("select count(*) from copy_floor").fetchone()
    return rate(row[0] if row else 0, seconds, used)


def loader_lines_per_second(settings: warehouse.Settings, path: Path, file_format: str) -> Rate:
    """Lines per second of ``load_file`` into a fresh database."""
    admin = warehouse.settings_from_env()
    warehouse.drop_database(admin, settings.dbname)
    warehouse.ensure_database(admin, settings.dbname)
    with warehouse.connect(settings) as conn:
        loaders.ensure_raw_schema(conn)
        cpu = Cpu(conn)
        result = loaders.load_file(conn, path, file_format)
        used = cpu.used()
    if result.lines_rejected:
        raise RuntimeError(f"{path.name}: {result.lines_rejected} lines rejected")
    return rate(result.lines_read, result.seconds, used)


def main(argv: list[str] | None = None, say: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--formats", nargs="+", default=["csv", "combined"], choices=["csv", "combined"]
    )
    parser.add_argument("--out", type=Path, default=Path("data/bench_loader"))
    args = parser.parse_args(argv)
    out = args.out / f"{args.events}_{args.seed}"
    requests_csv = out / "requests.csv"
    if not requests_csv.is_file():
        say(f"generating {args.events:,} requests in {out} ...")
        demo_data.generate(out, events=args.events, seed=args.seed)
    files = {
        "csv": (requests_csv, requests_csv, True),
        "combined": (out / "access.log", out / "combined_columns.csv", False),
    }
    if not files["combined"][1].is_file():
        say("writing the same requests as a combined log ...")
        write_combined(requests_csv, files["combined"][0], files["combined"][1])
    admin = warehouse.settings_from_env()
    warehouse.start(admin)
    settings = warehouse.Settings(**{**admin.__dict__, "dbname": DATABASE})
    ratios: dict[str, list[float]] = {name: [] for name in args.formats}
    try:
        for round_number in range(1, args.rounds + 1):
            for name in args.formats:
                log, floor_csv, header = files[name]
                loader = loader_lines_per_second(settings, log, name)
                floor = floor_rows_per_second(settings, floor_csv, FLOOR_COLUMNS[name], header)
                ratio = loader.per_second / floor.per_second
                ratios[name].append(ratio)
                say(
                    f"round {round_number} {name}: loader {loader} lines;"
                    f" plain COPY {floor} rows ({ratio:.0%} of COPY)"
                )
    finally:
        warehouse.drop_database(admin, DATABASE)
    for name, values in ratios.items():
        say(
            f"{name}: loader {statistics.median(values):.0%} of COPY (median of"
            f" {len(values)} rounds: {', '.join(f'{value:.0%}' for value in values)})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
