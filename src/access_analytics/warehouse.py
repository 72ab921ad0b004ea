"""The warehouse: an embedded PostgreSQL inside the project folder, or an external server.

Embedded mode (the default) runs the PostgreSQL 16 binaries that ship inside the
``pgserver`` wheel, with its data directory in ``.warehouse/pgdata`` under the project
and a TCP listener on 127.0.0.1 only, so ``psql`` and BI tools can connect with the
printed URI. External mode is chosen when ``PGHOST`` is set: nothing is started and the
usual ``PG*`` variables (``PGHOST``, ``PGPORT``, ``PGUSER``, ``PGPASSWORD``,
``PGDATABASE``, ``PGSSLMODE``) say where the server is.
"""

from __future__ import annotations

import getpass
import importlib.util
import os
import socket
import stat
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

DEFAULT_PORT = 54329
DEFAULT_DATABASE = "access_analytics"
EMBEDDED_USER = "postgres"
# PostgreSQL refuses to run as root; when we are root the server runs as this OS user.
SERVER_OS_USER = "pgserver"

# Tuning for analytics on a small machine (2 cores, a few GB to spare). Each choice:
TUNING: dict[str, str] = {
    # Whole demo warehouse (a few hundred MB) stays in PostgreSQL's own cache.
    "shared_buffers": "1GB",
    # Planner hint: the OS page cache holds much more than shared_buffers.
    "effective_cache_size": "8GB",
    # Window functions and hash aggregates over ~1M rows sort in memory, not on disk.
    # A query may use several such nodes, and dbt runs 2 threads: budget ~1 GB peak.
    "work_mem": "128MB",
    "hash_mem_multiplier": "2.0",
    # Index builds and VACUUM after bulk loads.
    "maintenance_work_mem": "512MB",
    # JIT compilation costs ~100 ms per query and pays off only on very long scans;
    # our models are many medium queries, so it is a net loss.
    "jit": "off",
    # 2 cores: one worker plus the leader per query; dbt's second thread gets the rest.
    "max_worker_processes": "4",
    "max_parallel_workers": "2",
    "max_parallel_workers_per_gather": "1",
    "max_parallel_maintenance_workers": "1",
    # Local SSD: random reads are nearly as cheap as sequential ones.
    "random_page_cost": "1.1",
    "effective_io_concurrency": "200",
    # Bulk loads: no replication, so COPY into a table truncated or created in the
    # same transaction skips WAL; commits don't wait for fsync (a crash may lose the
    # last fraction of a second of commits, never consistency; loads are re-runnable).
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "synchronous_commit": "off",
    "max_wal_size": "4GB",
    "checkpoint_timeout": "15min",
    # All timestamps are stored and shown in UTC.
    "timezone": "UTC",
    "log_timezone": "UTC",
    "max_connections": "50",
}


class WarehouseError(RuntimeError):
    """A problem the user can fix; the message says how."""


@dataclass(frozen=True)
class Settings:
    """Where the warehouse is and how to reach it."""

    project_dir: Path
    external: bool
    host: str
    port: int
    user: str
    password: str
    dbname: str

    @property
    def pgdata(self) -> Path:
        """Data directory of the embedded server."""
        return self.project_dir / ".warehouse" / "pgdata"

    def uri(self, dbname: str | None = None) -> str:
        """A libpq connection URI (the password is never included)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"postgresql://{self.user}@{host}:{self.port}/{dbname or self.dbname}"


def find_project_dir(start: Path | None = None) -> Path:
    """The folder holding ``dbt_project.yml``: the cwd or a parent, else this checkout."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "dbt_project.yml").is_file():
            return folder
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "dbt_project.yml").is_file():
        return checkout
    raise WarehouseError("cannot find dbt_project.yml: run this from the project folder")


def settings_from_env(
    project_dir: Path | None = None, env: Mapping[str, str] | None = None
) -> Settings:
    """Read the connection settings from the environment (see the module docstring)."""
    env = os.environ if env is None else env
    external = bool(env.get("PGHOST"))
    port_text = env.get("PGPORT") or str(5432 if external else DEFAULT_PORT)
    try:
        port = int(port_text)
    except ValueError:
        raise WarehouseError(f"PGPORT must be a number, not {port_text!r}") from None
    return Settings(
        project_dir=project_dir or find_project_dir(),
        external=external,
        host=env["PGHOST"] if external else "127.0.0.1",
        port=port,
        user=env.get("PGUSER") or (getpass.getuser() if external else EMBEDDED_USER),
        password=env.get("PGPASSWORD", ""),
        dbname=env.get("PGDATABASE") or DEFAULT_DATABASE,
    )


def connect(
    settings: Settings, dbname: str | None = None, *, autocommit: bool = False
) -> psycopg.Connection:
    """Open a connection; raise WarehouseError with a hint when the server is not there."""
    try:
        return psycopg.connect(
            host=settings.host,
            port=settings.port,
            user=settings.user,
            password=settings.password or None,
            dbname=dbname or settings.dbname,
            autocommit=autocommit,
            connect_timeout=10,
        )
    except psycopg.OperationalError as error:
        hint = (
            "check PGHOST/PGPORT/PGUSER/PGPASSWORD"
            if settings.external
            else "start it with `make warehouse` (or `access-analytics warehouse start`)"
        )
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else "no answer"
        raise WarehouseError(
            f"cannot connect to {settings.uri(dbname)}: {first_line}; {hint}"
        ) from None


def dbt_env(settings: Settings, dbname: str | None = None) -> dict[str, str]:
    """Environment for a dbt process so that profiles.yml resolves to this warehouse."""
    env = dict(os.environ)
    env.update(
        PGHOST=settings.host,
        PGPORT=str(settings.port),
        PGUSER=settings.user,
        PGDATABASE=dbname or settings.dbname,
        DBT_PROFILES_DIR=str(settings.project_dir),
    )
    if settings.password:
        env["PGPASSWORD"] = settings.password
    return env


# --------------------------------------------------------------------------------------
# Embedded server


def _bin_dir() -> Path:
    # Located, not imported: importing pgserver sets up runtime folders we do not use.
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise WarehouseError("the pgserver package is missing: run `make build` to install it")
    return Path(next(iter(spec.submodule_search_locations))).resolve() / "pginstall" / "bin"


def _as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _ensure_os_user() -> None:
    import pwd

    try:
        pwd.getpwnam(SERVER_OS_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/bin/false", SERVER_OS_USER],
            check=True,
            capture_output=True,
        )


def _open_path_for_server(path: Path) -> None:
    """Let the server's OS user traverse every folder above ``path`` (root only)."""
    for folder in path.parents:
        mode = folder.stat().st_mode
        wanted = mode | stat.S_IXOTH | stat.S_IXGRP
        if mode != wanted:
            folder.chmod(wanted)


def _run_pg(args: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL program from the wheel, as the server's OS user when we are root."""
    command = [str(_bin_dir() / args[0]), *args[1:]]
    return subprocess.run(
        command,
        check=check,
        capture_output=True,
        text=True,
        user=SERVER_OS_USER if _as_root() else None,
        cwd="/",
    )


def _write_conf(settings: Settings) -> None:
    lines = [
        "# Written by access_analytics on every start; edit warehouse.py, not this file.",
        "listen_addresses = '127.0.0.1'",
        f"port = {settings.port}",
        "unix_socket_directories = ''",
        *(f"{name} = '{value}'" for name, value in TUNING.items()),
    ]
    conf = settings.pgdata / "access_analytics.conf"
    conf.write_text("\n".join(lines) + "\n")
    if _as_root():
        import shutil

        shutil.chown(conf, SERVER_OS_USER, SERVER_OS_USER)


def _initdb(settings: Settings, log: Callable[[str], None]) -> None:
    pgdata = settings.pgdata
    pgdata.mkdir(parents=True, exist_ok=True)
    if _as_root():
        _ensure_os_user()
        import shutil

        shutil.chown(pgdata, SERVER_OS_USER, SERVER_OS_USER)
        _open_path_for_server(pgdata)
        _open_path_for_server(_bin_dir())
    pgdata.chmod(0o700)
    log(f"initialising a new PostgreSQL data directory in {pgdata}")
    result = _run_pg(
        [
            "initdb",
            "-D",
            str(pgdata),
            "-U",
            EMBEDDED_USER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-instructions",
        ],
        check=False,
    )
    if result.returncode != 0:
        raise WarehouseError(f"initdb failed:\n{result.stderr.strip()}")
    with (pgdata / "postgresql.conf").open("a") as conf:
        conf.write("\ninclude_if_exists = 'access_analytics.conf'\n")


def is_running(settings: Settings) -> bool:
    """True when the embedded server of this project is up (always True for external)."""
    if settings.external:
        return True
    if not (settings.pgdata / "PG_VERSION").exists():
        return False
    return _run_pg(["pg_ctl", "status", "-D", str(settings.pgdata)], check=False).returncode == 0


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def start(settings: Settings, log: Callable[[str], None] = lambda _: None) -> str:
    """Start the embedded server if needed (idempotent) and create the database.

    Returns the connection URI. In external mode only the database is created.
    """
    if not settings.external:
        if not (settings.pgdata / "PG_VERSION").exists():
            _initdb(settings, log)
        if not is_running(settings):
            if _port_in_use(settings.port):
                raise WarehouseError(
                    f"port {settings.port} on 127.0.0.1 is taken by another program; "
                    "choose a free one with PGPORT=NNNNN"
                )
            _write_conf(settings)
            server_log = settings.pgdata / "server.log"
            result = _run_pg(
                ["pg_ctl", "start", "-D", str(settings.pgdata), "-l", str(server_log),
                 "-w", "-t", "60"],
                check=False,
            )
            if result.returncode != 0:
                tail = server_log.read_text(errors="replace").splitlines()[-10:]
                raise WarehouseError(
                    "PostgreSQL did not start:\n" + "\n".join([result.stderr.strip(), *tail])
                )
            log(f"started PostgreSQL on 127.0.0.1:{settings.port}")
    ensure_database(settings, settings.dbname)
    return settings.uri()


def stop(settings: Settings, log: Callable[[str], None] = lambda _: None) -> None:
    """Stop the embedded server (no-op when it is not running or external)."""
    if settings.external:
        log("external server (PGHOST is set): nothing to stop")
        return
    if is_running(settings):
        _run_pg(["pg_ctl", "stop", "-D", str(settings.pgdata), "-m", "fast", "-w"])
        log("stopped PostgreSQL")


def destroy(settings: Settings, log: Callable[[str], None] = lambda _: None) -> None:
    """Stop the embedded server and delete its data directory."""
    if settings.external:
        raise WarehouseError("PGHOST is set: refusing to touch an external server")
    stop(settings, log)
    import shutil

    folder = settings.pgdata.parent
    if folder.exists():
        shutil.rmtree(folder)
        log(f"removed {folder}")


# --------------------------------------------------------------------------------------
# Databases


def ensure_database(settings: Settings, dbname: str) -> bool:
    """Create ``dbname`` if missing; return True when it was created."""
    with connect(settings, "postgres", autocommit=True) as conn:
        exists = conn.execute(
            "select 1 from pg_database where datname = %s", (dbname,)
        ).fetchone()
        if exists:
            return False
        try:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(dbname)))
        except (psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
            return False  # another process created it at the same moment
        return True


def drop_database(settings: Settings, dbname: str) -> None:
    """Drop ``dbname`` if it exists, closing other sessions on it first."""
    if dbname in {settings.dbname, "postgres", "template0", "template1"}:
        raise WarehouseError(f"refusing to drop the database {dbname!r}")
    with connect(settings, "postgres", autocommit=True) as conn:
        conn.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(dbname))
        )
