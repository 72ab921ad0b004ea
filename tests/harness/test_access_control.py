"""A locked-down warehouse and privacy-safe marts (issue 13).

- Another OS user (`nobody`) cannot connect as any role without a password, cannot read
  the credentials, and with the dashboards' password reads the pseudonymised marts and
  nothing else: no raw data, no files, no programs, no temporary tables.
- The server runs as its own user and group; starting it changes no folder's mode
  outside the project, and a project the server's user cannot reach is refused.
- No view the dashboards' role can read holds a raw IP address or user agent (every
  text column scanned, on the demo warehouse and on the real Apache log); a user's
  pseudonym is the HMAC of the key kept in the database: the same in every mart and
  build, different in another warehouse.
- A reader's open transaction makes `dbt build` fail after `build_lock_timeout`.
- No password or key appears in command output, logs/, target/ or the repository.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from psycopg import sql

from access_analytics import credentials, demo_data, warehouse
from conftest import DB_PREFIX, PROJECT_DIR, dbt_in, run_cli

ANALYTICS = "analytics_reader"
SECURITY = "security_analyst"
ROLES = (warehouse.EMBEDDED_USER, ANALYTICS, SECURITY)
VIEWS = "marts_pseudonymised"
SMALL_EVENTS = 5_000

root_only = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0,
    reason="runs commands as another OS user (nobody) and as the server's user: needs root",
)


def embedded_only(settings: warehouse.Settings) -> None:
    if settings.external:
        pytest.skip("PGHOST is set: an external server's authentication is its admin's")


def as_nobody(
    code: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run Python code as the OS user nobody (group nogroup, no other group)."""
    return subprocess.run(
        [
            "setpriv",
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
            sys.executable,
            "-c",
            code,
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd="/",
        env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", **(env or {})},
    )


# --------------------------------------------------------------------------------------
# The server and its files


@root_only
def test_server_runs_as_its_own_user_and_group(settings: warehouse.Settings) -> None:
    embedded_only(settings)
    pid = (settings.pgdata / "postmaster.pid").read_text().split()[0]
    status = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    import grp
    import pwd

    server = pwd.getpwnam(warehouse.SERVER_OS_USER)
    assert status["Uid"].split()[0] == str(server.pw_uid)
    assert status["Gid"].split() == [str(grp.getgrnam(warehouse.SERVER_OS_USER).gr_gid)] * 4
    assert status["Groups"].split() == []


def test_credentials_are_the_owners_only(settings: warehouse.Settings) -> None:
    embedded_only(settings)
    for name in (credentials.CREDENTIALS_FILE, credentials.PASSFILE):
        info = (settings.home / name).stat()
        assert (info.st_mode & 0o777, info.st_uid) == (0o600, os.geteuid()), name
    known = credentials.read(settings.home)
    assert set(known) == set(ROLES)
    assert all(len(password) >= 32 for password in known.values())
    assert len(set(known.values())) == len(ROLES)
    # No Unix socket, and every TCP connection needs its password.
    hba = (settings.pgdata / "pg_hba.conf").read_text()
    rules = [line.split() for line in hba.splitlines() if line and not line.startswith("#")]
    assert rules == [["host", "all", "all", "127.0.0.1/32", "scram-sha-256"]]
    with warehouse.connect(settings, "postgres") as conn:
        assert conn.execute("show unix_socket_directories").fetchone() == ("",)


NOBODY_CONNECTS = """
import json, sys, psycopg
host, port, dbname, passfile, *roles = sys.argv[1:]
found = {}
for role in roles:
    try:
        psycopg.connect(host=host, port=port, dbname=dbname, user=role, passfile=passfile,
                        connect_timeout=10).close()
        found[role] = "connected"
    except psycopg.OperationalError as error:
        found[role] = str(error)
for path in sys.argv[4:5] + [passfile.replace("pgpass", "credentials")]:
    try:
        open(path).read()
        found[path] = "read"
    except OSError as error:
        found[path] = type(error).__name__
print(json.dumps(found))
"""


@root_only
def test_another_os_user_cannot_connect_without_a_password(
    settings: warehouse.Settings,
) -> None:
    embedded_only(settings)
    ran = as_nobody(
        NOBODY_CONNECTS,
        settings.host,
        str(settings.port),
        settings.dbname,
        str(settings.passfile),
        *ROLES,
    )
    assert ran.returncode == 0, ran.stderr
    found = json.loads(ran.stdout)
    for role in ROLES:
        assert "no password supplied" in found[role], (role, found[role])
    assert found[str(settings.passfile)] == "PermissionError"
    assert found[str(settings.home / credentials.CREDENTIALS_FILE)] == "PermissionError"
    # The data directory is closed to it as well.
    listed = as_nobody("import os, sys; os.listdir(sys.argv[1])", str(settings.pgdata))
    assert "PermissionError" in listed.stderr


NOBODY_AS_READER = """
import json, sys, psycopg
host, port, dbname, role = sys.argv[1:5]
statements = json.loads(sys.argv[5])
found = {}
def attempt(database, statement):
    try:
        with psycopg.connect(host=host, port=port, dbname=database, user=role,
                             autocommit=True, connect_timeout=10) as conn:
            if statement:
                conn.execute(statement)
        return "allowed"
    except psycopg.Error as error:
        return type(error).__name__ + ": " + str(error).splitlines()[0]
for statement in statements:
    found[statement] = attempt(dbname, statement)
for other in ("postgres", "template1"):
    found["connect " + other] = attempt(other, None)
print(json.dumps(found))
"""

DENIED_TO_READERS = [
    "select * from raw.curriculum_requests limit 1",
    "select * from raw.rejected_lines limit 1",
    "select * from staging.stg_curriculum__requests limit 1",
    "select * from intermediate.int_requests_enriched limit 1",
    "select * from private.pseudonym_key",
    "select pg_read_file('/etc/passwd')",
    "select pg_read_binary_file('postgresql.conf')",
    "select pg_ls_dir('.')",
    "select lo_import('/etc/passwd')",
    "copy (select 1) to program 'id'",
    "copy (select 1) to '/tmp/access_analytics_reader_test'",
    "create temporary table reader_scratch (x integer)",
    "create table public.reader_scratch (x integer)",
    "create table marts_pseudonymised.reader_scratch (x integer)",
    "create role reader_made",
    "alter role current_user createdb",
]


@root_only
@pytest.mark.parametrize(
    ("role", "readable", "closed"),
    [
        (ANALYTICS, "marts_pseudonymised.fct_sessions", "marts.fct_sessions"),
        (SECURITY, "marts.suspicious_ips", "marts.fct_sessions"),
    ],
)
def test_a_reader_with_its_password_reads_its_marts_only(
    demo_warehouse, role: str, readable: str, closed: str
) -> None:
    demo, _ = demo_warehouse
    embedded_only(demo)
    password = credentials.read(demo.home)[role]
    statements = [
        f"select count(*) from {readable}",
        f"select * from {closed} limit 1",
        *DENIED_TO_READERS,
    ]
    ran = as_nobody(
        NOBODY_AS_READER,
        demo.host,
        str(demo.port),
        demo.dbname,
        role,
        json.dumps(statements),
        env={"PGPASSWORD": password},
    )
    assert ran.returncode == 0, ran.stderr
    assert password not in ran.stdout + ran.stderr
    found = json.loads(ran.stdout)
    assert found.pop(statements[0]) == "allowed"
    refused = {
        statement: outcome
        for statement, outcome in found.items()
        if not outcome.startswith(("InsufficientPrivilege", "OperationalError"))
    }
    assert refused == {}, refused
    for database in ("postgres", "template1"):
        assert "permission denied for database" in found[f"connect {database}"]


@root_only
def test_a_reader_that_changes_its_password_gets_the_generated_one_back(
    small_warehouse,
) -> None:
    """PostgreSQL lets every role change its own password; `warehouse start` (every
    command) sets the generated one again, so the change does not last."""
    small, _, _ = small_warehouse
    embedded_only(small)
    changed = "changed-by-the-reader-0123456789"
    with warehouse.connect(small, user=ANALYTICS, autocommit=True) as conn:
        conn.execute(
            sql.SQL("alter role {} password {}").format(
                sql.Identifier(ANALYTICS), sql.Literal(changed)
            )
        )
    code = "import sys, psycopg; psycopg.connect(sys.argv[1]).close()"
    uri = f"postgresql://{ANALYTICS}:{changed}@{small.host}:{small.port}/{small.dbname}"
    assert (
        subprocess.run(
            [sys.executable, "-c", code, uri], capture_output=True, check=False
        ).returncode
        == 0
    )
    warehouse.start(small)
    again = subprocess.run(
        [sys.executable, "-c", code, uri], capture_output=True, text=True, check=False
    )
    assert "password authentication failed" in again.stderr
    with warehouse.connect(small, user=ANALYTICS) as conn:
        assert conn.execute("select current_user").fetchone() == (ANALYTICS,)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@root_only
def test_a_fresh_warehouse_changes_no_folder_outside_the_project() -> None:
    folder = Path(tempfile.mkdtemp(prefix="aa_fresh_"))
    try:
        folder.chmod(0o755)  # the test's own folder: one the server's user can enter
        project = folder / "project"
        project.mkdir()
        above = [project, *project.parents]
        modes = {path: path.stat().st_mode for path in above}
        fresh = warehouse.settings_from_env(project, env={"PGPORT": str(_free_port())})
        try:
            warehouse.start(fresh)
            assert {path: path.stat().st_mode for path in above} == modes
            with warehouse.connect(fresh, autocommit=True) as conn:
                conn.execute(f"grant connect on database {fresh.dbname} to {ANALYTICS}")
            with warehouse.connect(fresh, user=ANALYTICS) as conn:
                assert conn.execute("select current_user").fetchone() == (ANALYTICS,)
            assert (fresh.home.stat().st_mode & 0o777) == 0o710
        finally:
            warehouse.destroy(fresh)
    finally:
        shutil.rmtree(folder)


@root_only
def test_a_project_the_server_user_cannot_reach_is_refused(tmp_path: Path) -> None:
    closed = tmp_path / "closed"
    project = closed / "project"
    project.mkdir(parents=True)
    closed.chmod(0o700)
    fresh = warehouse.settings_from_env(project, env={"PGPORT": str(_free_port())})
    with pytest.raises(warehouse.WarehouseError, match="cannot enter") as refused:
        warehouse.start(fresh)
    # It names the first folder the server's user cannot enter.
    assert str(tmp_path.parent) in str(refused.value) or str(closed) in str(refused.value)
    assert closed.stat().st_mode & 0o777 == 0o700
    assert not fresh.pgdata.exists()


# --------------------------------------------------------------------------------------
# Pseudonymised marts


@pytest.fixture(scope="module")
def small_warehouse(
    settings: warehouse.Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[warehouse.Settings, Path, list[str]]]:
    """A small demo data set, loaded with the command line and built (seeds and models);
    yields its settings, the folder of its dbt target and logs, and the output of every
    command run. (The real Apache log is checked on conftest's apache_warehouse.)"""
    folder = tmp_path_factory.mktemp("access_control")
    name = DB_PREFIX + "access_control"
    warehouse.drop_database(settings, name)
    warehouse.ensure_database(settings, name)
    small = warehouse.Settings(**{**settings.__dict__, "dbname": name})
    outputs = []
    files = demo_data.generate(folder / "demo", events=SMALL_EVENTS, seed=5)
    for file_format, path in (("cohorts", files.cohorts_path), ("csv", files.requests_path)):
        loaded = run_cli(["load", file_format, str(path)], small)
        outputs.append(loaded.stdout + loaded.stderr)
        assert loaded.returncode == 0, loaded.stderr
    built = dbt_in(small, folder, "build", "--resource-type", "seed", "--resource-type", "model")
    outputs.append(built.stdout + built.stderr)
    assert built.returncode == 0, built.stdout[-3000:]
    yield small, folder, outputs
    if not os.environ.get("AA_KEEP_TEST_DATABASES"):
        warehouse.drop_database(settings, name)


IPV4 = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])")
# An IPv4 block finer than the dashboards' prefix (16 bits: two octets), as a whole
# value (inside a text, such as a file name, three numbers are a version).
IPV4_BLOCK_24 = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}")
IPV6_CANDIDATE = re.compile(r"[0-9A-Fa-f:]*:[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*")
# What a user agent always carries: a product/version token ("Mozilla/5.0", "curl/7.68.0").
USER_AGENT_TOKEN = re.compile(r"[A-Za-z][\w.+-]*/\d+(?:\.\d+)+")


def personal_data_in(value: str, user_agents: set[str]) -> str | None:
    """What personal data a text value shows, or None."""
    if value.startswith(("agent:", "user:")):
        return "raw user_key"
    if IPV4.search(value):
        return "IPv4 address"
    for candidate in IPV6_CANDIDATE.findall(value):
        try:
            if ipaddress.ip_address(candidate.strip(":.") or "x").version == 6:
                return "IPv6 address"
        except ValueError:
            pass
    if IPV4_BLOCK_24.fullmatch(value):
        return "IPv4 block finer than /16"
    if value in user_agents or USER_AGENT_TOKEN.search(value):
        return "user agent"
    return None


def scan(
    database: warehouse.Settings, role: str, user_agents: set[str], schema: str | None = None
) -> tuple[int, dict[str, tuple[str, str]]]:
    """Every text column of every relation ``role`` can select (system catalogs aside;
    only ``schema`` when given), read as that role: (columns scanned,
    {relation.column: (finding, value)})."""
    with warehouse.connect(database) as conn:
        columns = conn.execute(
            "select namespace.nspname, class.relname, attribute.attname"
            " from pg_class as class"
            " join pg_namespace as namespace on namespace.oid = class.relnamespace"
            " join pg_attribute as attribute on attribute.attrelid = class.oid"
            " where class.relkind in ('r', 'v', 'm', 'p', 'f')"
            " and namespace.nspname not in ('pg_catalog', 'information_schema')"
            " and namespace.nspname not like 'pg_toast%%'"
            " and attribute.attnum > 0 and not attribute.attisdropped"
            " and attribute.atttypid in ('text'::regtype, 'varchar'::regtype,"
            " 'bpchar'::regtype, 'name'::regtype, 'json'::regtype, 'jsonb'::regtype)"
            " and has_schema_privilege(%s, namespace.oid, 'usage')"
            " and has_column_privilege(%s, class.oid, attribute.attnum, 'select')"
            " and namespace.nspname = coalesce(%s, namespace.nspname)"
            " order by 1, 2, 3",
            (role, role, schema),
        ).fetchall()
    findings: dict[str, tuple[str, str]] = {}
    with warehouse.connect(database, user=role) as conn:
        for schema, table, column in columns:
            values = conn.execute(
                sql.SQL("select distinct {}::text from {} where {} is not null").format(
                    sql.Identifier(column), sql.Identifier(schema, table), sql.Identifier(column)
                )
            ).fetchall()
            for (value,) in values:
                found = personal_data_in(value, user_agents)
                if found:
                    findings[f"{schema}.{table}.{column}"] = (found, value[:80])
                    break
    return len(columns), findings


def known_user_agents(database: warehouse.Settings) -> set[str]:
    with warehouse.connect(database) as conn:
        rows = conn.execute(
            "select user_agent from intermediate.int_user_agents_classified"
            " where length(user_agent) > 3"
        ).fetchall()
    return {agent for (agent,) in rows}


def assert_dashboards_see_no_personal_data(database: warehouse.Settings) -> set[str]:
    """Scan what the dashboards' role reads; return the user agents known to the data."""
    agents = known_user_agents(database)
    scanned, findings = scan(database, ANALYTICS, agents)
    with warehouse.connect(database) as conn:
        marts = conn.execute(
            "select count(*) from information_schema.tables where table_schema = 'marts'"
        ).fetchone()
    # Every mart has its view, and the scan reads them all.
    assert scanned >= 30 and marts and marts[0] >= 20
    assert findings == {}, findings
    return agents


def test_dashboards_see_no_raw_ip_or_user_agent_on_the_demo_data(demo_warehouse) -> None:
    demo, _ = demo_warehouse
    assert_dashboards_see_no_personal_data(demo)


def test_dashboards_see_no_raw_ip_or_user_agent_on_the_apache_log(
    apache_warehouse: tuple[warehouse.Settings, Path],
) -> None:
    apache, _ = apache_warehouse
    with warehouse.connect(apache) as conn:
        web = conn.execute(
            "select count(*) from marts.suspicious_ip_user_agents"
            " where user_agent like"
            " '%%Googlebot%%'"
        ).fetchone()
    assert web and web[0] > 0  # the Apache log's crawlers are in the marts
    agents = assert_dashboards_see_no_personal_data(apache)
    # The same scan over the raw marts (as the owner) does find them: it can fail.
    _, raw = scan(apache, warehouse.EMBEDDED_USER, agents, "marts")
    kinds = {finding for finding, _ in raw.values()}
    assert {"raw user_key", "IPv4 address", "user agent"} <= kinds, kinds


def pseudonym(key: bytes, value: str, width: int = 32) -> str:
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:width]


def secret_key(database: warehouse.Settings) -> bytes:
    """The HMAC key, from the pads the database keeps (owner only)."""
    with warehouse.connect(database) as conn:
        row = conn.execute("select inner_pad, outer_pad from private.pseudonym_key").fetchone()
    assert row is not None
    inner, outer = bytes(row[0]), bytes(row[1])
    key = bytes(byte ^ 0x36 for byte in inner)
    assert bytes(byte ^ 0x5C for byte in outer) == key
    assert key[32:] == bytes(32) and len(set(key[:32])) > 8
    return key[:32]


def column_values(database: warehouse.Settings, query: str, user: str | None = None) -> set[object]:
    with warehouse.connect(database, user=user) as conn:
        return {row[0] for row in conn.execute(query).fetchall()}


def test_a_user_has_one_pseudonym_in_every_mart(demo_warehouse) -> None:
    demo, _ = demo_warehouse
    key = secret_key(demo)
    raw_users = column_values(demo, "select user_key from marts.user_activity_summary")
    assert any(str(user).startswith("user:") for user in raw_users)
    expected = {pseudonym(key, str(user)) for user in raw_users}
    for mart in (
        "user_activity_summary",
        "fct_sessions",
        "fct_activities",
        "user_activity_heatmap",
        "user_daily_anomalies",
    ):
        seen = column_values(demo, f"select user_key from {VIEWS}.{mart}", ANALYTICS)
        assert seen and seen <= expected, mart
    assert (
        column_values(demo, f"select user_key from {VIEWS}.user_activity_summary", ANALYTICS)
        == expected
    )
    # IPs: the inactive students' address lists use the pseudonyms of suspicious_ips.
    raw_ips = column_values(demo, "select ip from marts.suspicious_ips")
    ip_pseudonyms = column_values(demo, f"select ip from {VIEWS}.suspicious_ips", ANALYTICS)
    assert ip_pseudonyms == {pseudonym(key, str(ip)) for ip in raw_ips}
    listed = column_values(demo, f"select ips from {VIEWS}.inactive_students", ANALYTICS)
    assert listed and {ip for ips in listed for ip in str(ips).split(", ")} <= ip_pseudonyms
    # Account ids keep their type: a positive bigint from the same key.
    raw_ids = column_values(demo, "select user_id from marts.inactive_students")
    ids = column_values(demo, f"select user_id from {VIEWS}.inactive_students", ANALYTICS)
    assert ids == {int(pseudonym(key, str(user_id), 16), 16) & (2**63 - 1) for user_id in raw_ids}
    # Joins still work: a session's user is found in the users' summary.
    with warehouse.connect(demo, user=ANALYTICS) as conn:
        unmatched = conn.execute(
            "select count(*) from fct_sessions left join user_activity_summary as users"
            " using (user_key) where users.user_key is null"
        ).fetchone()
    assert unmatched == (0,)


def test_pseudonyms_last_across_builds_and_differ_across_warehouses(
    small_warehouse, demo_warehouse
) -> None:
    small, folder, outputs = small_warehouse
    demo, _ = demo_warehouse
    query = (
        f"select users.user_id, users.user_key from {VIEWS}.user_activity_summary"
        " as users where users.user_id is not null"
    )
    raw = "select user_id, user_key from marts.user_activity_summary where user_id is not null"

    def by_raw_user(database: warehouse.Settings) -> dict[object, object]:
        with warehouse.connect(database) as conn:
            raw_rows = conn.execute(raw + " order by user_id").fetchall()
        with warehouse.connect(database, user=ANALYTICS) as conn:
            seen = set(conn.execute(query).fetchall())
        key = secret_key(database)
        pairs = {
            user_key: (
                int(pseudonym(key, str(user_id), 16), 16) & (2**63 - 1),
                pseudonym(key, user_key),
            )
            for user_id, user_key in raw_rows
        }
        assert set(pairs.values()) == seen
        return {user_key: pair[1] for user_key, pair in pairs.items()}

    before = by_raw_user(small)
    rebuilt = dbt_in(small, folder, "run", "--select", "user_activity_summary")
    outputs.append(rebuilt.stdout + rebuilt.stderr)
    assert rebuilt.returncode == 0, rebuilt.stdout[-3000:]
    assert by_raw_user(small) == before
    other = by_raw_user(demo)
    shared_users = before.keys() & other.keys()
    assert len(shared_users) >= 20
    assert all(before[user] != other[user] for user in shared_users)


# --------------------------------------------------------------------------------------
# Readers do not block builds


def test_a_reader_holding_a_transaction_cannot_block_dbt_build(small_warehouse) -> None:
    small, folder, outputs = small_warehouse
    with warehouse.connect(small, user=ANALYTICS) as reader:
        # A reader may lift its own idle timeout: dbt's lock_timeout is the protection.
        reader.execute("set idle_in_transaction_session_timeout = 0")
        reader.commit()
        reader.execute(f"select count(*) from {VIEWS}.cross_program_cutoffs").fetchone()
        blocked = dbt_in(
            small,
            folder,
            "run",
            "--select",
            "cross_program_cutoffs",
            "--vars",
            "{build_lock_timeout: 2s}",
        )
        outputs.append(blocked.stdout + blocked.stderr)
        reader.rollback()
    assert blocked.returncode != 0
    assert "canceling statement due to lock timeout" in blocked.stdout
    # The model gave up after the lock timeout (plus building its new table), not later.
    plain = re.sub(r"\x1b\[[0-9;]*m", "", blocked.stdout)
    waited = re.search(
        r"ERROR creating sql table model \S+cross_program_cutoffs .*"
        r"\[ERROR in ([\d.]+)s\]",
        plain,
    )
    assert waited and float(waited.group(1)) < 2 + 20, plain[-2000:]


def test_readers_get_timeouts_and_no_temporary_tables(small_warehouse) -> None:
    small, _, _ = small_warehouse
    for role, search_path in ((ANALYTICS, VIEWS), (SECURITY, "marts")):
        with warehouse.connect(small, user=role) as conn:
            shown = [
                conn.execute(f"show {name}").fetchone()[0]  # type: ignore[index]
                for name in (
                    "statement_timeout",
                    "idle_in_transaction_session_timeout",
                    "search_path",
                )
            ]
            assert shown == ["5min", "1min", search_path]
            temporary = conn.execute(
                "select has_database_privilege(current_user, current_database(), 'temporary')"
            ).fetchone()
            assert temporary == (False,)


# --------------------------------------------------------------------------------------
# No secret leaks


def secrets_of(database: warehouse.Settings) -> dict[str, str]:
    """The passwords (embedded) and the pseudonym key, each in the forms it could leak."""
    found = {
        f"password of {role}": password
        for role, password in credentials.read(database.home).items()
    }
    key = secret_key(database)
    found["pseudonym key (hex)"] = key.hex()
    with warehouse.connect(database) as conn:
        row = conn.execute("select inner_pad, outer_pad from private.pseudonym_key").fetchone()
    assert row is not None
    found["inner pad (hex)"] = bytes(row[0]).hex()
    found["outer pad (hex)"] = bytes(row[1]).hex()
    return found


def files_under(folder: Path) -> Iterator[Path]:
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            yield path


def test_no_password_or_key_in_output_logs_target_or_repository(small_warehouse) -> None:
    small, folder, outputs = small_warehouse
    embedded_only(small)
    for args in (
        ["warehouse", "start"],
        ["warehouse", "uri"],
        ["warehouse", "status"],
        ["warehouse", "uri", "--role", ANALYTICS],
    ):
        ran = run_cli(args, small)
        assert ran.returncode == 0, ran.stderr
        outputs.append(ran.stdout + ran.stderr)
    assert "readable by you only" in outputs[-1]
    shown = run_cli(["warehouse", "uri", "--role", ANALYTICS, "--show-password"], small)
    leaks = secrets_of(small)
    # Only when asked for, and then exactly that one.
    assert leaks[f"password of {ANALYTICS}"] in shown.stdout
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    places: dict[str, str] = {f"command output {index}": text for index, text in enumerate(outputs)}
    searched = [PROJECT_DIR / name for name in listed]
    for tree in (folder / "target", folder / "logs", PROJECT_DIR / "target", PROJECT_DIR / "logs"):
        if tree.is_dir():
            searched += list(files_under(tree))
    searched.append(small.pgdata / "server.log")
    for path in searched:
        if path.is_file():
            places[str(path)] = path.read_text(errors="replace")
    assert len(searched) > 50
    found = [
        (name, where)
        for name, secret in leaks.items()
        for where, text in places.items()
        if secret in text
    ]
    assert found == []
