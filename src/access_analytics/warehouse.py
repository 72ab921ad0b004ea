"""The warehouse: an embedded PostgreSQL inside the project folder, or an external server.

Embedded mode (the default) runs the PostgreSQL 16 binaries that ship inside the
``pgserver`` wheel, with its data directory in ``.warehouse/pgdata`` under the project
and a TCP listener on 127.0.0.1 only, so ``psql`` and BI tools can connect with the
printed URI. External mode is chosen when ``PGHOST`` is set: nothing is started and the
usual ``PG*`` variables (``PGHOST``, ``PGPORT``, ``PGUSER``, ``PGPASSWORD``,
``PGDATABASE``, ``PGSSLMODE``) say where the server is.

The embedded server is locked down: every connection is TCP on 127.0.0.1 with a
password (SCRAM); there is no Unix socket. ``start`` generates the passwords of the
superuser and the reader roles on first use and keeps them in ``.warehouse/credentials``
and ``.warehouse/pgpass`` (mode 0600, see ``credentials.py``); connections of this
package and of dbt find them through ``PGPASSFILE``. Started as root, the server runs as
the system user and group ``pgserver``; no folder outside the project changes mode.
"""

from __future__ import annotations

import getpass
import importlib.util
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from access_analytics import credentials
from access_analytics.names import Names, for_project

DEFAULT_PORT = 54329
DEFAULT_DATABASE = "access_analytics"
EMBEDDED_USER = "postgres"
# PostgreSQL refuses to run as root; when we are root the server runs as this OS user,
# with a group of the same name.
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
    def home(self) -> Path:
        """Folder of the embedded server: data directory and credentials."""
        return self.project_dir / ".warehouse"

    @property
    def pgdata(self) -> Path:
        """Data directory of the embedded server."""
        return self.home / "pgdata"

    @property
    def passfile(self) -> Path | None:
        """libpq password file of the embedded server (None for an external one)."""
        return None if self.external else self.home / credentials.PASSFILE

    @property
    def names(self) -> Names:
        """Schema and role names of the project's dbt vars (``names.py``)."""
        return for_project(self.project_dir)

    def uri(self, dbname: str | None = None, user: str | None = None) -> str:
        """A libpq connection URI (the password is never included)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"postgresql://{user or self.user}@{host}:{self.port}/{dbname or self.dbname}"


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
        # The embedded server's passwords are generated (credentials.py), never PGPASSWORD.
        password=env.get("PGPASSWORD", "") if external else "",
        dbname=env.get("PGDATABASE") or DEFAULT_DATABASE,
    )


def connect(
    settings: Settings,
    dbname: str | None = None,
    *,
    autocommit: bool = False,
    user: str | None = None,
) -> psycopg.Connection:
    """Open a connection (as ``user``, default the settings' user); raise WarehouseError
    with a hint when the server is not there."""
    role = user or settings.user
    if settings.external:
        password = settings.password if role == settings.user else None
    else:
        # Explicit, so that a PGPASSWORD meant for another server is not tried here.
        password = credentials.read(settings.home).get(role)
    try:
        return psycopg.connect(
            host=settings.host,
            port=settings.port,
            user=role,
            password=password or None,
            passfile=str(settings.passfile) if settings.passfile else None,
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
            f"cannot connect to {settings.uri(dbname, user)}: {first_line}; {hint}"
        ) from None


# What `access-analytics build` (`make build`) and `make bench` leave out of their
# `dbt build`: the unit tests. They check the SQL on fixed rows, not the data, so a build
# of new data learns nothing from them; `make test` runs them (every model's, in the
# full build of tests/harness/conftest.py), and `build --unit-tests` runs them too.
UNIT_TESTS_LEFT_OUT = ("--exclude-resource-type", "unit_test")


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
    if settings.passfile:
        # libpq prefers PGPASSWORD to the password file: one meant for another server
        # must not be tried on the embedded one.
        env.pop("PGPASSWORD", None)
        env["PGPASSFILE"] = str(settings.passfile)
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
    """Create the server's system user, with a group of its own, when missing."""
    import grp
    import pwd

    try:
        grp.getgrnam(SERVER_OS_USER)
    except KeyError:
        subprocess.run(["groupadd", "--system", SERVER_OS_USER], check=True, capture_output=True)
    try:
        pwd.getpwnam(SERVER_OS_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--shell",
                "/bin/false",
                "--gid",
                SERVER_OS_USER,
                SERVER_OS_USER,
            ],
            check=True,
            capture_output=True,
        )


def _server_identity() -> dict[str, Any]:
    """subprocess arguments that run a program as the server's user and group, with no
    other group (when we are root; otherwise the server runs as the user)."""
    if not _as_root():
        return {}
    return {"user": SERVER_OS_USER, "group": SERVER_OS_USER, "extra_groups": []}


def _server_can_reach(path: Path) -> bool:
    return (
        subprocess.run(
            ["test", "-x", str(path)], check=False, capture_output=True, **_server_identity()
        ).returncode
        == 0
    )


def _check_reachable(paths: list[Path]) -> None:
    """Refuse, naming the closed folder, when the server's OS user cannot reach a path
    (root only). Folders outside the project are never opened for it."""
    for path in paths:
        if _server_can_reach(path):
            continue
        closed = next(
            (folder for folder in (*reversed(path.parents), path) if not _server_can_reach(folder)),
            path,
        )
        raise WarehouseError(
            f"the database server runs as the system user {SERVER_OS_USER!r} (PostgreSQL "
            f"refuses root), and it cannot enter {closed}, so it cannot reach {path}. "
            "Clone the project under a folder other users may enter (for example /srv or "
            "/work), or run as a normal user; access_analytics does not change the "
            "permissions of folders outside the project"
        )


def _run_pg(
    args: list[str], *, check: bool = True, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL program from the wheel, as the server's OS user when we are root."""
    command = [str(_bin_dir() / args[0]), *args[1:]]
    return subprocess.run(
        command,
        check=check,
        capture_output=True,
        text=True,
        input=stdin,
        cwd="/",
        **_server_identity(),
    )


def _write_server_file(path: Path, text: str) -> None:
    """Write a file of the data directory, owned by the server's OS user, mode 0600."""
    path.write_text(text)
    path.chmod(0o600)
    if _as_root():
        shutil.chown(path, SERVER_OS_USER, SERVER_OS_USER)


def _write_conf(settings: Settings) -> None:
    lines = [
        "# Written by access_analytics on every start; edit warehouse.py, not this file.",
        "listen_addresses = '127.0.0.1'",
        f"port = {settings.port}",
        "unix_socket_directories = ''",
        "password_encryption = 'scram-sha-256'",
        *(f"{name} = '{value}'" for name, value in TUNING.items()),
    ]
    _write_server_file(settings.pgdata / "access_analytics.conf", "\n".join(lines) + "\n")
    # Every connection: TCP from this machine with the role's password. There is no
    # Unix socket (unix_socket_directories is empty), so no local trust or peer login.
    hba = [
        "# Written by access_analytics on every start; edit warehouse.py, not this file.",
        "host all all 127.0.0.1/32 scram-sha-256",
    ]
    _write_server_file(settings.pgdata / "pg_hba.conf", "\n".join(hba) + "\n")


def _prepare_home(settings: Settings) -> None:
    """``.warehouse``: the owner's; when root, enterable by the server's group only."""
    home = settings.home
    home.mkdir(parents=True, exist_ok=True)
    if _as_root():
        _ensure_os_user()
        shutil.chown(home, group=SERVER_OS_USER)
        home.chmod(0o710)
        _check_reachable([home, _bin_dir() / "postgres"])
    else:
        home.chmod(0o700)


def scram_verifier(password: str, iterations: int = 4096) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for ``password`` (RFC 5802/7677), so
    the plain password never reaches the server, its log or its catalog."""
    import base64
    import hashlib
    import hmac

    salt = os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.digest(salted, b"Client Key", "sha256")
    server_key = hmac.digest(salted, b"Server Key", "sha256")
    encode = base64.b64encode
    return (
        f"SCRAM-SHA-256${iterations}:{encode(salt).decode()}"
        f"${encode(hashlib.sha256(client_key).digest()).decode()}:{encode(server_key).decode()}"
    )


def _initdb(settings: Settings, password: str, log: Callable[[str], None]) -> None:
    pgdata = settings.pgdata
    pgdata.mkdir(exist_ok=True)
    if _as_root():
        shutil.chown(pgdata, SERVER_OS_USER, SERVER_OS_USER)
    pgdata.chmod(0o700)
    log(f"initialising a new PostgreSQL data directory in {pgdata}")
    # initdb reads the superuser's password from a file (0600, the server user's).
    with tempfile.NamedTemporaryFile("w", dir=settings.home, prefix="initdb-") as pwfile:
        pwfile.write(password + "\n")
        pwfile.flush()
        if _as_root():
            shutil.chown(pwfile.name, SERVER_OS_USER, SERVER_OS_USER)
        result = _run_pg(
            [
                "initdb",
                "-D",
                str(pgdata),
                "-U",
                EMBEDDED_USER,
                f"--pwfile={pwfile.name}",
                "--auth=scram-sha-256",
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


def _set_superuser_password_offline(settings: Settings, password: str) -> None:
    """Give ``postgres`` its password in single-user mode (server stopped): a data
    directory made before passwords existed trusted every local connection."""
    statement = sql.SQL("alter role {} password {};\n").format(
        sql.Identifier(EMBEDDED_USER), sql.Literal(scram_verifier(password))
    )
    result = _run_pg(
        ["postgres", "--single", "-D", str(settings.pgdata), "postgres"],
        check=False,
        stdin=statement.as_string(),
    )
    if result.returncode != 0:
        raise WarehouseError(f"cannot set the superuser's password:\n{result.stderr.strip()}")


# Advisory lock key that serialises the catalog changes of concurrent starts.
_CATALOG_LOCK = 0x6161_0001


def _apply_passwords(settings: Settings, passwords: Mapping[str, str]) -> None:
    """Set every role's password from the credentials file (creating the reader roles),
    on every start: a reader that changed its own password gets the generated one back.
    Other databases than the analytics ones are closed to everyone but the superuser."""
    with connect(settings, "postgres") as conn:
        # Two commands starting at once (two loads) would update the same catalog rows:
        # one transaction at a time ("tuple concurrently updated" otherwise).
        conn.execute("select pg_advisory_xact_lock(%s)", (_CATALOG_LOCK,))
        for role, password in passwords.items():
            exists = conn.execute("select 1 from pg_roles where rolname = %s", (role,))
            verb = "alter" if exists.fetchone() else "create"
            conn.execute(
                sql.SQL(verb + " role {} login password {}").format(
                    sql.Identifier(role), sql.Literal(scram_verifier(password))
                )
            )
        conn.execute("revoke connect, temporary on database postgres, template1 from public")
        conn.commit()


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


def _start_embedded(settings: Settings, log: Callable[[str], None]) -> None:
    _prepare_home(settings)
    initialised = (settings.pgdata / "PG_VERSION").exists()
    # A data directory older than the credentials file trusted local connections.
    trusting = initialised and not credentials.exists(settings.home)
    # The read-only roles (their grants are dbt's: macros/create_reader_roles.sql) get
    # generated passwords too.
    roles = (EMBEDDED_USER, *settings.names.reader_roles().values())
    passwords = credentials.load_or_create(settings.home, roles)
    if not initialised:
        _initdb(settings, passwords[EMBEDDED_USER], log)
    if trusting and is_running(settings):
        stop(settings, log)
    if not is_running(settings):
        if trusting:
            _set_superuser_password_offline(settings, passwords[EMBEDDED_USER])
            log(f"passwords generated: {settings.home / credentials.CREDENTIALS_FILE}")
        if _port_in_use(settings.port):
            raise WarehouseError(
                f"port {settings.port} on 127.0.0.1 is taken by another program; "
                "choose a free one with PGPORT=NNNNN"
            )
        _write_conf(settings)
        server_log = settings.pgdata / "server.log"
        result = _run_pg(
            [
                "pg_ctl",
                "start",
                "-D",
                str(settings.pgdata),
                "-l",
                str(server_log),
                "-w",
                "-t",
                "60",
            ],
            check=False,
        )
        if result.returncode != 0:
            tail = server_log.read_text(errors="replace").splitlines()[-10:]
            raise WarehouseError(
                "PostgreSQL did not start:\n" + "\n".join([result.stderr.strip(), *tail])
            )
        log(f"started PostgreSQL on 127.0.0.1:{settings.port}")
    _apply_passwords(settings, passwords)


def start(settings: Settings, log: Callable[[str], None] = lambda _: None) -> str:
    """Start the embedded server if needed (idempotent) and create the database.

    Returns the connection URI. In external mode only the database is created.
    """
    if not settings.external:
        _start_embedded(settings, log)
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
    folder = settings.pgdata.parent
    if folder.exists():
        shutil.rmtree(folder)
        log(f"removed {folder}")


# --------------------------------------------------------------------------------------
# Databases


def ensure_database(settings: Settings, dbname: str) -> bool:
    """Create ``dbname`` if missing; return True when it was created."""
    with connect(settings, "postgres", autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (dbname,)).fetchone()
        if exists:
            return False
        try:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(dbname)))
        except (psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
            return False  # another process created it at the same moment
        # Only the owner and the roles dbt grants CONNECT to may enter it, and only the
        # owner creates temporary tables (the reader roles get neither from PUBLIC).
        conn.execute(
            sql.SQL("revoke connect, temporary on database {} from public").format(
                sql.Identifier(dbname)
            )
        )
        return True


def drop_database(settings: Settings, dbname: str) -> None:
    """Drop ``dbname`` if it exists, closing other sessions on it first."""
    if dbname in {settings.dbname, "postgres", "template0", "template1"}:
        raise WarehouseError(f"refusing to drop the database {dbname!r}")
    with connect(settings, "postgres", autocommit=True) as conn:
        conn.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(dbname))
        )
