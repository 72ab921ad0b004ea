"""Schema and role names: one helper (names.py) that agrees with the dbt project and
honours its vars, and the harness reads the relations it names."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg
import pytest
import yaml

from access_analytics import dwell, names, slide
from conftest import PROJECT_DIR


def test_layer_schemas_are_the_projects() -> None:
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())
    folders = project["models"]["access_analytics"]
    assert {folders[layer]["+schema"] for layer in ("staging", "intermediate", "marts")} == {
        names.STAGING,
        names.INTERMEDIATE,
        names.MARTS,
    }
    assert project["seeds"]["access_analytics"]["+schema"] == names.SEEDS
    assert project["vars"]["schema_prefix"] == names.DEFAULT.schema_prefix
    views = (PROJECT_DIR / "macros" / "create_pseudonymised_views.sql").read_text()
    assert f"generate_schema_name('{names.PSEUDONYMISED}', none)" in views


def test_raw_schema_is_every_sources() -> None:
    declared = set()
    for path in (PROJECT_DIR / "models" / "staging").rglob("_*__sources.yml"):
        declared |= {source["schema"] for source in yaml.safe_load(path.read_text())["sources"]}
    assert declared == {names.RAW_SCHEMA}


def test_role_defaults_are_the_macros() -> None:
    macro = (PROJECT_DIR / "macros" / "reader_roles.sql").read_text()
    found = dict(re.findall(r"var\('(\w+_role)', '(\w+)'\)", macro))
    assert found == {
        "reader_role": names.DEFAULT_READER_ROLE,
        "security_role": names.DEFAULT_SECURITY_ROLE,
    }


def test_bare_project_names() -> None:
    assert names.DEFAULT.mart("fct_sessions").as_string() == '"marts"."fct_sessions"'
    assert names.DEFAULT.schemas() == ("raw", "seeds", "staging", "intermediate", "marts")
    assert names.DEFAULT.reader_roles() == {
        "analytics": "analytics_reader",
        "security": "security_analyst",
    }


def test_vars_of_the_project_file_then_overrides(tmp_path: Path) -> None:
    (tmp_path / "dbt_project.yml").write_text(
        "name: x\nvars:\n  schema_prefix: try_\n  reader_role: bi\n  security_role: null\n"
    )
    found = names.for_project(tmp_path)
    assert found == names.Names(schema_prefix="try_", reader_role="bi", security_role=None)
    assert found.schema(names.MARTS) == "try_marts"
    assert found.raw("cohorts").as_string() == '"raw"."cohorts"'
    assert found.reader_roles() == {"analytics": "bi"}
    again = names.for_project(tmp_path, {"schema_prefix": "", "security_role": "sec"})
    assert again.schemas()[1:] == names.LAYERS
    assert again.reader_roles() == {"analytics": "bi", "security": "sec"}


def test_project_without_vars_gets_the_defaults(tmp_path: Path) -> None:
    assert names.for_project(tmp_path) == names.DEFAULT  # no dbt_project.yml at all
    (tmp_path / "dbt_project.yml").write_text("name: x\n")
    assert names.for_project(tmp_path) == names.DEFAULT


def test_harness_reads_the_prefixed_schemas(conn: psycopg.Connection) -> None:
    prefixed = names.Names(schema_prefix="try_")
    conn.execute("create schema try_marts")
    conn.execute("create table try_marts.program_overview (requests bigint)")
    conn.execute("insert into try_marts.program_overview values (5), (7)")
    conn.execute("create table try_marts.fct_lesson_views (module text, dwell_seconds float)")
    conn.execute("insert into try_marts.fct_lesson_views values ('a', 2), ('a', null)")
    assert slide.lookup(conn, "program_overview", "sum(requests)", (), prefixed) == 12
    assert dwell.read_dwell_times(conn, "a", prefixed) == [2.0]
    assert names.relation_exists(conn, prefixed.mart("program_overview"))
    assert not names.relation_exists(conn, names.DEFAULT.mart("program_overview"))
    with pytest.raises(ValueError, match=r'"marts"\."fct_lesson_views" does not'):
        dwell.read_dwell_times(conn, "a")
