"""Tests of the structure check (access_analytics.structure).

Unit tests run the rules on small synthetic manifests shaped like the ones dbt 1.11
writes; the last test parses the real project and expects no violation.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from access_analytics.structure import check_manifest, load_manifest, main

PROJECT = "access_analytics"
ROOT = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------------------
# Synthetic manifests


def model(
    name: str,
    folder: str,
    *,
    description: str = "One row per thing.",
    primary_key: Any = "id",
    depends_on: tuple[str, ...] = (),
    package: str = PROJECT,
    resource_type: str = "model",
) -> dict[str, Any]:
    """A model (or seed) node; ``primary_key=None`` declares no key."""
    meta = {} if primary_key is None else {"primary_key": primary_key}
    extension = "csv" if resource_type == "seed" else "sql"
    return {
        "unique_id": f"{resource_type}.{package}.{name}",
        "resource_type": resource_type,
        "package_name": package,
        "name": name,
        "original_file_path": f"{folder}/{name}.{extension}",
        "description": description,
        "config": {"meta": dict(meta), "materialized": "view"},
        "meta": dict(meta),
        "depends_on": {"macros": [], "nodes": list(depends_on)},
    }


def seed(name: str, **kwargs: Any) -> dict[str, Any]:
    """A seed node under seeds/."""
    return model(name, "seeds", resource_type="seed", **kwargs)


def data_test(
    test_name: str,
    attached: dict[str, Any],
    column: str | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """A generic data test node attached to ``attached``, as dbt 1.11 writes it."""
    target = attached["name"]
    suffix = column or "_".join(str(value) for value in kwargs.values())
    all_kwargs = {**kwargs, "model": f"{{{{ get_where_subquery(ref('{target}')) }}}}"}
    if column is not None:
        all_kwargs["column_name"] = column
    return {
        "unique_id": f"test.{PROJECT}.{test_name}_{target}_{suffix}.0123456789",
        "resource_type": "test",
        "package_name": PROJECT,
        "name": f"{test_name}_{target}_{suffix}",
        "original_file_path": "models/_models.yml",
        "test_metadata": {"name": test_name, "kwargs": all_kwargs, "namespace": None},
        "attached_node": attached["unique_id"],
        "column_name": column,
        "depends_on": {"macros": [], "nodes": [attached["unique_id"]]},
    }


def key_tests(node: dict[str, Any], column: str = "id") -> list[dict[str, Any]]:
    """``unique`` and ``not_null`` tests on ``column`` of ``node``."""
    return [data_test("unique", node, column), data_test("not_null", node, column)]


def composite_key_tests(node: dict[str, Any], columns: list[str]) -> list[dict[str, Any]]:
    """A ``unique_combination_of_columns`` test and ``not_null`` on each column."""
    return [
        data_test("unique_combination_of_columns", node, combination_of_columns=columns),
        *(data_test("not_null", node, column) for column in columns),
    ]


def source(
    source_name: str,
    table: str,
    *,
    description: str = "One row per raw line.",
    source_description: str = "Rows as loaded.",
    package: str = PROJECT,
) -> dict[str, Any]:
    """A source table node."""
    return {
        "unique_id": f"source.{package}.{source_name}.{table}",
        "resource_type": "source",
        "package_name": package,
        "source_name": source_name,
        "name": table,
        "original_file_path": f"models/staging/{source_name}/_{source_name}__sources.yml",
        "description": description,
        "source_description": source_description,
    }


def manifest(*nodes: dict[str, Any], sources: tuple[dict[str, Any], ...] = ()) -> dict[str, Any]:
    """A manifest holding ``nodes`` and ``sources``."""
    return {
        "metadata": {"dbt_version": "1.11.16", "project_name": PROJECT},
        "nodes": {node["unique_id"]: node for node in nodes},
        "sources": {node["unique_id"]: node for node in sources},
    }


RAW = source("web", "requests")
STG = model("stg_web__requests", "models/staging/web", depends_on=(RAW["unique_id"],))
STG_PATH = "models/staging/web/stg_web__requests.sql"


def conforming_manifest() -> dict[str, Any]:
    """A project that keeps every rule: one model of each layer, a seed and a source."""
    intermediate = model(
        "int_sessions_built", "models/intermediate/web", depends_on=(STG["unique_id"],)
    )
    fact = model(
        "fct_requests",
        "models/marts/web",
        primary_key=["source_file", "line_number"],
        depends_on=(intermediate["unique_id"],),
    )
    dimension = model("dim_users", "models/marts/web", primary_key="user_id")
    answer = model("cohort_lesson_rankings", "models/marts/web")
    programs = seed("programs", primary_key="program_id")
    return manifest(
        STG,
        *key_tests(STG),
        intermediate,
        *key_tests(intermediate),
        fact,
        *composite_key_tests(fact, ["source_file", "line_number"]),
        dimension,
        *key_tests(dimension, "user_id"),
        answer,
        *key_tests(answer),
        programs,
        *key_tests(programs, "program_id"),
        sources=(RAW, source("web", "rejected_lines")),
    )


def with_nodes(*nodes: dict[str, Any]) -> dict[str, Any]:
    """The conforming manifest plus (or with replaced) ``nodes``."""
    result = conforming_manifest()
    result["nodes"].update({node["unique_id"]: node for node in nodes})
    return result


def without_nodes(result: dict[str, Any], *prefixes: str) -> dict[str, Any]:
    """``result`` without the nodes whose unique_id starts with one of ``prefixes``."""
    result["nodes"] = {
        unique_id: node
        for unique_id, node in result["nodes"].items()
        if not unique_id.startswith(prefixes)
    }
    return result


# --------------------------------------------------------------------------------------
# A conforming project


def test_conforming_manifest_has_no_violations() -> None:
    assert check_manifest(conforming_manifest()) == []


def test_nodes_of_other_packages_are_not_checked() -> None:
    foreign = model("orders", "models", description="", primary_key=None, package="other")
    foreign_source = source("other", "raw", description="", package="other")
    result = with_nodes(foreign)
    result["sources"][foreign_source["unique_id"]] = foreign_source
    assert check_manifest(result) == []
    assert check_manifest(result, project_name="other") == [
        "model orders (models/orders.sql): missing description",
        "model orders (models/orders.sql): models must live under one of models/staging/, "
        "models/intermediate/, models/marts/",
        "model orders (models/orders.sql): no primary key; declare config.meta.primary_key",
        "source table other.raw (models/staging/other/_other__sources.yml): missing description",
    ]


# --------------------------------------------------------------------------------------
# Rule 1: descriptions


@pytest.mark.parametrize("description", ["", "   \n"])
def test_model_without_description_is_a_violation(description: str) -> None:
    node = model("dim_users", "models/marts/web", primary_key="user_id", description=description)
    assert check_manifest(with_nodes(node)) == [
        "model dim_users (models/marts/web/dim_users.sql): missing description"
    ]


def test_seed_without_description_is_a_violation() -> None:
    node = seed("programs", primary_key="program_id", description="")
    assert check_manifest(with_nodes(node)) == [
        "seed programs (seeds/programs.csv): missing description"
    ]


def test_source_table_without_description_is_a_violation() -> None:
    result = conforming_manifest()
    result["sources"][RAW["unique_id"]] = source("web", "requests", description="")
    assert check_manifest(result) == [
        "source table web.requests (models/staging/web/_web__sources.yml): missing description"
    ]


def test_source_without_description_is_one_violation_for_all_its_tables() -> None:
    result = conforming_manifest()
    for table in ("requests", "rejected_lines"):
        node = source("web", table, source_description="")
        result["sources"][node["unique_id"]] = node
    assert check_manifest(result) == [
        "source web (models/staging/web/_web__sources.yml): missing description"
    ]


# --------------------------------------------------------------------------------------
# Rule 2: primary keys and their tests


def test_model_without_primary_key_is_a_violation() -> None:
    node = model("dim_users", "models/marts/web", primary_key=None)
    assert check_manifest(with_nodes(node)) == [
        "model dim_users (models/marts/web/dim_users.sql): no primary key; "
        "declare config.meta.primary_key"
    ]


def test_seed_without_primary_key_is_a_violation() -> None:
    node = seed("programs", primary_key=[])
    assert check_manifest(with_nodes(node)) == [
        "seed programs (seeds/programs.csv): no primary key; declare config.meta.primary_key"
    ]


def test_malformed_primary_key_is_a_violation() -> None:
    node = model("dim_users", "models/marts/web", primary_key={"column": "user_id"})
    assert check_manifest(with_nodes(node)) == [
        "model dim_users (models/marts/web/dim_users.sql): config.meta.primary_key must be "
        "a column name or a list of column names, not {'column': 'user_id'}"
    ]


def test_primary_key_in_node_meta_only_is_accepted() -> None:
    node = model("dim_users", "models/marts/web", primary_key="user_id")
    node["config"]["meta"] = {}
    assert check_manifest(with_nodes(node)) == []
    node["meta"] = {}
    assert check_manifest(with_nodes(node)) == [
        "model dim_users (models/marts/web/dim_users.sql): no primary key; "
        "declare config.meta.primary_key"
    ]


@pytest.mark.parametrize("missing", ["unique", "not_null"])
def test_single_column_key_needs_unique_and_not_null(missing: str) -> None:
    result = without_nodes(conforming_manifest(), f"test.{PROJECT}.{missing}_dim_users_")
    assert check_manifest(result) == [
        f"model dim_users (models/marts/web/dim_users.sql): primary key user_id has no "
        f"{missing} test"
    ]


def test_key_tests_on_another_column_or_model_do_not_count() -> None:
    dimension = model("dim_users", "models/marts/web", primary_key="user_id")
    result = without_nodes(conforming_manifest(), f"test.{PROJECT}.unique_dim_users_")
    result["nodes"].update(
        {
            node["unique_id"]: node
            for node in (
                data_test("unique", dimension, "email"),
                data_test("unique", STG, "user_id"),
                data_test("accepted_values", dimension, "user_id", values=[1]),
            )
        }
    )
    assert check_manifest(result) == [
        "model dim_users (models/marts/web/dim_users.sql): primary key user_id has no unique test"
    ]


def test_key_columns_match_case_insensitively_and_model_level_tests_count() -> None:
    node = model("dim_users", "models/marts/web", primary_key="User_ID")
    unique = data_test("unique", node)
    not_null = data_test("not_null", node)
    # A model-level test names its column only in the kwargs (column_name is null);
    # dbt 1.11 flattens `arguments:` into the kwargs, nested ones are read too.
    unique["test_metadata"]["kwargs"]["column_name"] = "user_id"
    not_null["test_metadata"]["kwargs"]["arguments"] = {"column_name": '"USER_ID"'}
    result = without_nodes(with_nodes(node), f"test.{PROJECT}.unique_dim_users_")
    result = without_nodes(result, f"test.{PROJECT}.not_null_dim_users_")
    result["nodes"].update({unique["unique_id"]: unique, not_null["unique_id"]: not_null})
    assert check_manifest(result) == []


def test_single_element_list_key_is_a_single_column_key() -> None:
    node = model("dim_users", "models/marts/web", primary_key=["user_id"])
    assert check_manifest(with_nodes(node)) == []
    result = without_nodes(with_nodes(node), f"test.{PROJECT}.not_null_dim_users_")
    assert check_manifest(result) == [
        "model dim_users (models/marts/web/dim_users.sql): primary key user_id has no not_null test"
    ]


def test_composite_key_without_combination_test_is_a_violation() -> None:
    result = without_nodes(
        conforming_manifest(), f"test.{PROJECT}.unique_combination_of_columns_fct_requests_"
    )
    assert check_manifest(result) == [
        "model fct_requests (models/marts/web/fct_requests.sql): composite primary key "
        "[source_file, line_number] has no unique_combination_of_columns test over exactly "
        "those columns"
    ]


@pytest.mark.parametrize("columns", [["source_file"], ["source_file", "line_number", "loaded_at"]])
def test_combination_test_over_other_columns_does_not_count(columns: list[str]) -> None:
    fact = conforming_manifest()["nodes"][f"model.{PROJECT}.fct_requests"]
    result = without_nodes(
        conforming_manifest(), f"test.{PROJECT}.unique_combination_of_columns_fct_requests_"
    )
    wrong = data_test("unique_combination_of_columns", fact, combination_of_columns=columns)
    result["nodes"][wrong["unique_id"]] = wrong
    assert check_manifest(result) == [
        "model fct_requests (models/marts/web/fct_requests.sql): composite primary key "
        "[source_file, line_number] has no unique_combination_of_columns test over exactly "
        "those columns"
    ]


def test_combination_test_in_any_order_case_or_nesting_counts() -> None:
    fact = conforming_manifest()["nodes"][f"model.{PROJECT}.fct_requests"]
    result = without_nodes(
        conforming_manifest(), f"test.{PROJECT}.unique_combination_of_columns_fct_requests_"
    )
    nested = data_test("unique_combination_of_columns", fact)
    nested["test_metadata"]["kwargs"]["arguments"] = {
        "combination_of_columns": ["Line_Number", "source_file"]
    }
    result["nodes"][nested["unique_id"]] = nested
    assert check_manifest(result) == []


def test_composite_key_needs_not_null_on_each_column() -> None:
    result = without_nodes(
        conforming_manifest(), f"test.{PROJECT}.not_null_fct_requests_line_number"
    )
    assert check_manifest(result) == [
        "model fct_requests (models/marts/web/fct_requests.sql): composite primary key "
        "column line_number has no not_null test"
    ]


# --------------------------------------------------------------------------------------
# Rule 3: source() only in staging


@pytest.mark.parametrize(
    ("name", "folder"),
    [("fct_requests", "models/marts/web"), ("int_sessions_built", "models/intermediate/web")],
)
def test_source_used_outside_staging_is_a_violation(name: str, folder: str) -> None:
    node = model(
        name,
        folder,
        primary_key=["source_file", "line_number"] if name == "fct_requests" else "id",
        depends_on=(
            (f"model.{PROJECT}.int_sessions_built", RAW["unique_id"])
            if name == "fct_requests"
            else (STG["unique_id"], RAW["unique_id"])
        ),
    )
    assert check_manifest(with_nodes(node)) == [
        f"model {name} ({folder}/{name}.sql): uses source() outside models/staging/ "
        f"(source.{PROJECT}.web.requests)"
    ]


# --------------------------------------------------------------------------------------
# Rule 4: folder and prefix agree


@pytest.mark.parametrize(
    ("name", "folder", "message"),
    [
        ("stg_web__users", "models/marts/web", "stg_ models must live under models/staging/"),
        ("int_users", "models/staging/web", "int_ models must live under models/intermediate/"),
        ("fct_users", "models/staging/web", "fct_ models must live under models/marts/"),
        ("dim_users", "models/intermediate/web", "dim_ models must live under models/marts/"),
        ("int_users", "models/marts/web", "int_ models must live under models/intermediate/"),
        ("stg_users", "models/intermediate", "stg_ models must live under models/staging/"),
        ("web_users", "models/staging/web", "models under models/staging/ must be named stg_*"),
        (
            "users",
            "models/intermediate/web",
            "models under models/intermediate/ must be named int_*",
        ),
        (
            "stg_users",
            "models/reports",
            "models must live under one of models/staging/, models/intermediate/, models/marts/",
        ),
        (
            "stg_users",
            "models",
            "models must live under one of models/staging/, models/intermediate/, models/marts/",
        ),
    ],
)
def test_folder_and_prefix_must_agree(name: str, folder: str, message: str) -> None:
    node = model(name, folder)
    result = with_nodes(node, *key_tests(node))
    assert check_manifest(result) == [f"model {name} ({folder}/{name}.sql): {message}"]


def test_stg_model_reading_a_source_in_marts_breaks_rules_3_and_4() -> None:
    node = model("stg_web__requests", "models/marts/web", depends_on=(RAW["unique_id"],))
    assert check_manifest(with_nodes(node)) == [
        "model stg_web__requests (models/marts/web/stg_web__requests.sql): "
        "stg_ models must live under models/staging/",
        "model stg_web__requests (models/marts/web/stg_web__requests.sql): "
        f"uses source() outside models/staging/ (source.{PROJECT}.web.requests)",
    ]


# --------------------------------------------------------------------------------------
# Rules 5-7: no dead ends, marts do not read staging, exposures list what their code reads


def test_intermediate_model_that_no_model_reads_is_a_dead_end() -> None:
    orphan = model("int_orphans_listed", "models/intermediate/web", depends_on=(STG["unique_id"],))
    assert check_manifest(with_nodes(orphan, *key_tests(orphan))) == [
        "model int_orphans_listed (models/intermediate/web/int_orphans_listed.sql): no model "
        "reads it (a dead end): remove it, or make it a mart under models/marts/ if people "
        "or tools read it"
    ]


def test_a_test_reading_a_model_does_not_make_it_a_consumer() -> None:
    orphan = model("int_orphans_listed", "models/intermediate/web")
    reader = {**data_test("unique", orphan, "id"), "depends_on": {"nodes": [orphan["unique_id"]]}}
    violations = check_manifest(with_nodes(orphan, reader, data_test("not_null", orphan, "id")))
    assert [violation.split(":")[1].strip() for violation in violations] == [
        "no model reads it (a dead end)"
    ]


def test_mart_reading_staging_is_a_violation() -> None:
    mart = model("inactive_people", "models/marts/web", depends_on=(STG["unique_id"],))
    assert check_manifest(with_nodes(mart, *key_tests(mart))) == [
        "model inactive_people (models/marts/web/inactive_people.sql): a mart reads staging "
        "(stg_web__requests); read the intermediate model that defines the concept"
    ]


def exposure(code: list[str], *reads: dict[str, Any]) -> dict[str, Any]:
    """An exposure whose code is ``code`` and which lists ``reads``."""
    return {
        "unique_id": f"exposure.{PROJECT}.slide",
        "resource_type": "exposure",
        "package_name": PROJECT,
        "name": "slide",
        "original_file_path": "models/marts/_marts__exposures.yml",
        "config": {"meta": {"code": code}},
        "depends_on": {"nodes": [node["unique_id"] for node in reads]},
    }


def test_exposure_must_list_every_model_its_code_names(tmp_path: Path) -> None:
    (tmp_path / "slide.py").write_text(
        'TABLES = ("cohort_lesson_rankings", "dim_users")\nint_sessions_builtin = 1\n'
    )
    result = conforming_manifest()
    answer = result["nodes"][f"model.{PROJECT}.cohort_lesson_rankings"]
    result["exposures"] = {"exposure.slide": exposure(["slide.py"], answer)}
    assert check_manifest(result, project_dir=tmp_path) == [
        "exposure slide (models/marts/_marts__exposures.yml): slide.py reads dim_users, "
        "which depends_on does not list"
    ]
    # Without a project folder the code is not read; a listed read is not a violation.
    assert check_manifest(result) == []
    dimension = result["nodes"][f"model.{PROJECT}.dim_users"]
    result["exposures"] = {"exposure.slide": exposure(["slide.py"], answer, dimension)}
    assert check_manifest(result, project_dir=tmp_path) == []


def test_exposure_naming_a_missing_code_file_is_a_violation(tmp_path: Path) -> None:
    result = conforming_manifest()
    result["exposures"] = {"exposure.slide": exposure(["gone.py"])}
    assert check_manifest(result, project_dir=tmp_path) == [
        "exposure slide (models/marts/_marts__exposures.yml): meta.code names gone.py, "
        "which cannot be read"
    ]


# --------------------------------------------------------------------------------------
# Rule 8: no PostgreSQL-only SQL in models

CODE_MART = "models/marts/web/fct_requests.sql"


def with_code(raw_code: str) -> dict[str, Any]:
    """The conforming manifest with ``raw_code`` as the code of its fact model."""
    result = conforming_manifest()
    result["nodes"][f"model.{PROJECT}.fct_requests"]["raw_code"] = raw_code
    return result


def portability_violations(raw_code: str) -> list[str]:
    prefix = f"model fct_requests ({CODE_MART}): "
    return [
        violation.removeprefix(prefix)
        for violation in check_manifest(with_code(raw_code))
        if violation.startswith(prefix)
    ]


# One PostgreSQL-only construct per line, each as the models of this project once wrote it.
POSTGRES_ONLY_MODEL = """\
select
    'uap:' || cast(rule_id as text) as rule_key,
    ip::inet as address,
    path ~ '^a' as is_a,
    (requested_at at time zone 'America/Chicago') as local_at,
    regexp_replace(path, '/+', '/', 'g') as path,
    substring(path from '[^/]+$') as lesson,
    extract(epoch from finished_at - started_at) as seconds,
    {{ dbt.concat(["'a'", "lower(ip) ~* 'b'"]) }} as in_a_macro_argument,
    stddev_samp(seconds) as sd,
    cast(share as float) as share,
    'a\\.b' as pattern
from requests
"""


def test_postgres_only_sql_in_a_model_is_a_violation_per_line() -> None:
    assert portability_violations(POSTGRES_ONLY_MODEL) == [
        "line 10: PostgreSQL-only SQL, stddev_samp() ('stddev_samp('): use stddev_sample",
        "line 11: PostgreSQL-only SQL, a PostgreSQL type name (float is 32-bit on Spark) "
        "('as float'): use dbt.type_string() / dbt.type_float() / dbt.type_timestamp() / "
        "dbt.type_bigint()",
        "line 12: a backslash in a string literal (Spark reads it as an escape): give "
        "patterns to the regexp_* macros, values to sql_literal",
        "line 2: PostgreSQL-only SQL, a PostgreSQL type name (float is 32-bit on Spark) "
        "('as text'): use dbt.type_string() / dbt.type_float() / dbt.type_timestamp() / "
        "dbt.type_bigint()",
        "line 2: PostgreSQL-only SQL, || concatenation ('||'): use dbt.concat([...])",
        "line 3: PostgreSQL-only SQL, a network type ('inet'): use the ipv4_* macros",
        "line 3: PostgreSQL-only SQL, the :: cast ('::'): use cast(x as type), with "
        "dbt.type_*() for the type",
        "line 4: PostgreSQL-only SQL, a ~ regex operator ('~'): use the regexp_like / "
        "regexp_like_ci macros",
        "line 5: PostgreSQL-only SQL, at time zone ('at time zone'): use "
        "utc_to_local_timestamp / utc_to_local_date / utc_to_local_hour / local_to_utc",
        "line 6: PostgreSQL-only SQL, a regular-expression function ('regexp_replace('): "
        "use the regexp_* macros",
        "line 7: PostgreSQL-only SQL, substring(x from ...) ('substring(path from'): use "
        "regexp_substr or dbt.split_part",
        "line 8: PostgreSQL-only SQL, a PostgreSQL extract field ('extract(epoch'): use "
        "seconds_between / day_of_week / extract_part",
        "line 9: PostgreSQL-only SQL, a ~ regex operator ('~*'): use the regexp_like / "
        "regexp_like_ci macros",
    ]


def test_portable_model_with_jinja_operators_literals_and_comments_passes() -> None:
    """Jinja's ~, a ~ or || inside a string literal, and comments are not SQL."""
    portable = """\
{# a || b and x::text in a Jinja comment #}
{% set pattern = "'" ~ var('exploit_probe_pattern') ~ "'" %}
select
    {{ dbt.concat(['user_key_a', "'~'", 'user_key_b']) }} as user_pair_id,  -- a || b
    '||' as separator,
    {{ regexp_like('path', "'\\\\.json$'") }} as is_json,
    cast(share as {{ dbt.type_float() }}) as share,
    extract(hour from requested_at) as hour_of_day
from requests
"""
    assert portability_violations(portable) == []


def macro_node(name: str, macro_sql: str) -> dict[str, Any]:
    return {
        "unique_id": f"macro.{PROJECT}.{name}",
        "package_name": PROJECT,
        "name": name,
        "original_file_path": f"macros/{name}.sql",
        "macro_sql": macro_sql,
    }


def test_shared_macros_are_held_to_the_rule_and_engine_implementations_are_not() -> None:
    """A macro every engine runs must be portable; a dispatcher's implementations not."""
    result = conforming_manifest()
    host = "{% macro host(url) %}\n    rtrim(lower(url), '.')\n{% endmacro %}"
    dispatcher = (
        "{% macro regexp_like(x, p) %}{{ return(adapter.dispatch('regexp_like', "
        "'access_analytics')(x, p)) }}{% endmacro %}"
    )
    postgres = "{% macro default__regexp_like(x, p) %}({{ x }} ~ {{ p }}){% endmacro %}"
    result["macros"] = {
        node["unique_id"]: node
        for node in (
            macro_node("host", host),
            macro_node("regexp_like", dispatcher),
            macro_node("default__regexp_like", postgres),
        )
    }
    assert check_manifest(result) == [
        "macro host (macros/host.sql): line 2: PostgreSQL-only SQL, ltrim/rtrim/btrim "
        "(Spark's two-argument form takes the characters first) ('rtrim('): use "
        "trim(leading|trailing|both ... from ...)"
    ]


# --------------------------------------------------------------------------------------
# Command line


def write_manifest(tmp_path: Path, content: dict[str, Any]) -> Path:
    """Write ``content`` as manifest.json under ``tmp_path``."""
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(content), encoding="utf-8")
    return path


def test_main_reports_ok_for_a_clean_manifest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_manifest(tmp_path, conforming_manifest())
    assert load_manifest(path) == conforming_manifest()
    assert main([str(path)]) == 0
    assert capsys.readouterr().out == "structure check: 5 models, 2 sources, OK\n"


def test_main_prints_violations_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_manifest(tmp_path, with_nodes(seed("programs", description="")))
    assert main([str(path)]) == 1
    assert capsys.readouterr().out == (
        "seed programs (seeds/programs.csv): missing description\n"
        "seed programs (seeds/programs.csv): primary key id has no not_null test\n"
        "seed programs (seeds/programs.csv): primary key id has no unique test\n"
    )


def test_main_fails_without_a_manifest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "missing.json")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "cannot read" in captured.err


def test_main_fails_when_the_project_has_no_nodes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_manifest(tmp_path, conforming_manifest())
    assert main([str(path), "--project", "jaffle_shop"]) == 2
    assert "no models, seeds or sources of project 'jaffle_shop'" in capsys.readouterr().err


# --------------------------------------------------------------------------------------
# The real project


@pytest.fixture(scope="module")
def real_manifest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The project's own manifest, from ``dbt parse`` (no database needed)."""
    tmp_path = tmp_path_factory.mktemp("real_manifest")
    dbt = Path(sys.executable).parent / "dbt"
    subprocess.run(
        [
            str(dbt),
            "parse",
            "--profiles-dir",
            str(ROOT),
            "--project-dir",
            str(ROOT),
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        cwd=ROOT,
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        check=True,
    )
    return load_manifest(tmp_path / "target" / "manifest.json")


def test_real_project_keeps_the_structure_rules(real_manifest: dict[str, Any]) -> None:
    assert any(node["resource_type"] == "model" for node in real_manifest["nodes"].values())
    assert check_manifest(real_manifest, project_dir=ROOT) == []
    # Rule 7 is not vacuous: the exposures written by our code name it.
    codes = {
        exposure["name"]: exposure["config"]["meta"].get("code")
        for exposure in real_manifest["exposures"].values()
    }
    assert codes["board_slide"] == ["src/access_analytics/slide.py"]
    assert codes["html_report"] == [
        "src/access_analytics/report.py",
        "src/access_analytics/dwell.py",
    ]


def test_real_project_broken_once_per_rule_fails_that_rule(
    real_manifest: dict[str, Any],
) -> None:
    """Rules 5-8 on the real manifest, each broken by one edit a newcomer could make."""
    broken = copy.deepcopy(real_manifest)
    nodes = broken["nodes"]
    model_id = f"model.{PROJECT}."
    dim_programs_lines = nodes[model_id + "dim_programs"]["raw_code"].count("\n") + 1
    # 5: the mart stops reading the intermediate model (reads the sessions instead).
    nodes[model_id + "user_daily_anomalies"]["depends_on"]["nodes"] = [
        model_id + "int_requests_sessionized"
    ]
    # 6: the cohort dimension reads the staging model again.
    nodes[model_id + "dim_cohorts"]["depends_on"]["nodes"].append(
        model_id + "stg_curriculum__cohorts"
    )
    # 8: a PostgreSQL cast slips into a mart.
    nodes[model_id + "dim_programs"]["raw_code"] += "\n-- trailing\nselect 1::bigint"
    # 7: the report's exposure forgets the lesson views that dwell.py reads.
    report = next(
        exposure for exposure in broken["exposures"].values() if exposure["name"] == "html_report"
    )
    report["depends_on"]["nodes"].remove(model_id + "fct_lesson_views")
    assert [
        violation.split(": ", 1)[1] for violation in check_manifest(broken, project_dir=ROOT)
    ] == [
        "src/access_analytics/dwell.py reads fct_lesson_views, which depends_on does not list",
        "a mart reads staging (stg_curriculum__cohorts); read the intermediate model that "
        "defines the concept",
        f"line {dim_programs_lines + 2}: PostgreSQL-only SQL, the :: cast ('::'): use "
        "cast(x as type), with dbt.type_*() for the type",
        "no model reads it (a dead end): remove it, or make it a mart under models/marts/ "
        "if people or tools read it",
    ]
