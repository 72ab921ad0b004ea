"""The warehouse: settings from the environment, idempotent start, tuning applied."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from access_analytics import credentials, warehouse
from conftest import DB_PREFIX


def test_embedded_is_the_default(tmp_path: Path) -> None:
    found = warehouse.settings_from_env(tmp_path, env={})
    assert found == warehouse.Settings(
        project_dir=tmp_path,
        external=False,
        host="127.0.0.1",
        port=54329,
        user="postgres",
        password="",
        dbname="access_analytics",
    )
    assert found.pgdata == tmp_path / ".warehouse" / "pgdata"
    assert found.uri() == "postgresql://postgres@127.0.0.1:54329/access_analytics"


def test_embedded_passwords_are_generated_not_taken_from_pgpassword(tmp_path: Path) -> None:
    found = warehouse.settings_from_env(tmp_path, env={"PGPASSWORD": "meant-for-another"})
    assert found.password == ""
    assert found.passfile == tmp_path / ".warehouse" / "pgpass"
    assert "PGPASSWORD" not in warehouse.dbt_env(found)
    assert warehouse.dbt_env(found)["PGPASSFILE"] == str(found.passfile)


def test_embedded_port_and_database_can_be_chosen(tmp_path: Path) -> None:
    found = warehouse.settings_from_env(tmp_path, env={"PGPORT": "6000", "PGDATABASE": "logs"})
    assert (found.external, found.port, found.dbname) == (False, 6000, "logs")


def test_pghost_selects_an_external_server(tmp_path: Path) -> None:
    found = warehouse.settings_from_env(
        tmp_path,
        env={"PGHOST": "db.example.org", "PGUSER": "analyst", "PGPASSWORD": "secret"},
    )
    assert (found.external, found.host, found.port, found.user) == (
        True,
        "db.example.org",
        5432,
        "analyst",
    )
    assert found.uri("other") == "postgresql://analyst@db.example.org:5432/other"
    assert "secret" not in found.uri()


def test_a_bad_port_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(warehouse.WarehouseError, match="PGPORT must be a number, not 'x'"):
        warehouse.settings_from_env(tmp_path, env={"PGPORT": "x"})


def test_start_is_idempotent(settings: warehouse.Settings) -> None:
    with warehouse.connect(settings, "postgres") as conn:
        pid_before = conn.execute("select pg_postmaster_start_time()").fetchone()
    assert warehouse.start(settings) == settings.uri()
    with warehouse.connect(settings, "postgres") as conn:
        assert conn.execute("select pg_postmaster_start_time()").fetchone() == pid_before


def test_embedded_server_runs_with_the_documented_tuning(settings: warehouse.Settings) -> None:
    if settings.external:
        pytest.skip("PGHOST is set: the external server's settings are its owner's")
    with warehouse.connect(settings, "postgres") as conn:
        shown = {
            name: conn.execute(f"show {name}").fetchone()[0]  # type: ignore[index]
            for name in (
                "work_mem",
                "shared_buffers",
                "jit",
                "timezone",
                "wal_level",
                "max_parallel_workers_per_gather",
                "listen_addresses",
            )
        }
    assert shown == {
        "work_mem": "128MB",
        "shared_buffers": "1GB",
        "jit": "off",
        "timezone": "UTC",
        "wal_level": "minimal",
        "max_parallel_workers_per_gather": "1",
        "listen_addresses": "127.0.0.1",
    }


def test_connecting_to_a_stopped_server_says_how_to_start_it(tmp_path: Path) -> None:
    nowhere = warehouse.settings_from_env(tmp_path, env={"PGPORT": "1"})
    with pytest.raises(warehouse.WarehouseError, match="start it with `make warehouse`"):
        warehouse.connect(nowhere)


def test_databases_are_created_once_and_dropped(settings: warehouse.Settings) -> None:
    name = DB_PREFIX + "create_drop"
    warehouse.drop_database(settings, name)
    assert warehouse.ensure_database(settings, name) is True
    assert warehouse.ensure_database(settings, name) is False
    warehouse.drop_database(settings, name)
    with warehouse.connect(settings, "postgres") as conn:
        assert conn.execute(
            "select count(*) from pg_database where datname = %s", (name,)
        ).fetchone() == (0,)
    with pytest.raises(warehouse.WarehouseError, match="refusing to drop"):
        warehouse.drop_database(settings, settings.dbname)


def test_a_reader_never_sees_a_secrets_file_half_written(tmp_path: Path) -> None:
    """Each connection of a running build reads .warehouse/pgpass, while another command
    (a load, `warehouse uri`) may write it again: a reader sees the old file or the new
    one, never an empty or cut one (a build once failed with "no password supplied")."""
    passfile = tmp_path / credentials.PASSFILE
    versions = [f"127.0.0.1:*:*:{role}:{'x' * 32}\n" * 40 for role in ("old", "new")]
    stop = threading.Event()

    def rewrite() -> None:
        while not stop.is_set():
            for text in versions:
                credentials._write_private(passfile, text)

    credentials._write_private(passfile, versions[0])
    writer = threading.Thread(target=rewrite)
    writer.start()
    try:
        seen = {passfile.read_text() for _ in range(5_000)}
    finally:
        stop.set()
        writer.join()
    assert seen <= set(versions)
    assert oct(passfile.stat().st_mode & 0o777) == "0o600"
    # The same text again leaves the file as it is.
    before = passfile.stat()
    credentials._write_private(passfile, passfile.read_text())
    assert (passfile.stat().st_ino, passfile.stat().st_mtime_ns) == (
        before.st_ino,
        before.st_mtime_ns,
    )
