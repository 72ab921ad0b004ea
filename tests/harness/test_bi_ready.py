"""The warehouse as BI tools and readers of the docs meet it (issue 7).

- The dashboards' role (`analytics_reader`) can read every mart, pseudonymised
  (schema `marts_pseudonymised`), and nothing in the raw, seeds, staging, intermediate
  or marts schemas (test_access_control.py tests what the pseudonyms hide).
- The generated dbt docs site, opened in headless Chromium, renders a mart's page with
  its description and every column.
"""

from __future__ import annotations

import functools
import html
import http.server
import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from access_analytics import warehouse
from conftest import dbt_in

READER = "analytics_reader"
CLOSED_SCHEMAS = ("raw", "seeds", "staging", "intermediate", "marts")


def _relations(settings: warehouse.Settings, schemas: tuple[str, ...]) -> list[tuple[str, str]]:
    with warehouse.connect(settings) as conn:
        return conn.execute(
            "select table_schema, table_name from information_schema.tables"
            " where table_schema = any(%s) order by 1, 2",
            [list(schemas)],
        ).fetchall()


def _as_reader(settings: warehouse.Settings) -> psycopg.Connection:
    if settings.external:
        pytest.skip("PGHOST is set: the reader's password is the server admin's")
    return warehouse.connect(settings, user=READER, autocommit=True)


def test_reader_role_reads_the_marts_and_nothing_else(demo_warehouse) -> None:
    settings, _ = demo_warehouse
    marts = _relations(settings, ("marts_pseudonymised",))
    closed = _relations(settings, CLOSED_SCHEMAS)
    assert len(marts) >= 10, marts
    assert [table for _, table in marts] == [table for schema, table in closed if schema == "marts"]
    assert {schema for schema, _ in closed} == set(CLOSED_SCHEMAS)

    with _as_reader(settings) as conn:
        for schema, table in marts:
            conn.execute(
                sql.SQL("select count(*) from {}.{}").format(
                    sql.Identifier(schema), sql.Identifier(table)
                )
            ).fetchone()
        denied = []
        for schema, table in closed:
            try:
                conn.execute(
                    sql.SQL("select 1 from {}.{} limit 1").format(
                        sql.Identifier(schema), sql.Identifier(table)
                    )
                )
            except psycopg.errors.InsufficientPrivilege:
                denied.append((schema, table))
        assert denied == closed
        # Nor can it change a mart.
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("delete from marts_pseudonymised.cohort_lesson_rankings")


@pytest.fixture(scope="module")
def docs_site(
    demo_warehouse, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    """`dbt docs generate` on the demo warehouse, served over HTTP as `make docs` does."""
    settings, _ = demo_warehouse
    folder = tmp_path_factory.mktemp("docs")
    target = folder / "target"
    # On the demo warehouse's database: dbt reuses the parse of its build.
    generated = dbt_in(settings, folder, "docs", "generate", timeout=600)
    assert generated.returncode == 0, generated.stdout[-3000:]
    handler = functools.partial(_QuietHandler, directory=str(target))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", target
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """No request log on the test's output."""


def _rendered_text(url: str, profile: Path) -> str:
    """The page's visible text after Chromium has run its scripts."""
    chromium = shutil.which("chromium")
    assert chromium, "chromium not found: `make browser` installs Debian's chromium"
    rendered = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=20000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert rendered.returncode == 0, rendered.stderr[-2000:]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", rendered.stdout, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def settings_dbname(manifest: dict) -> str:
    """The database the docs were generated against (the demo warehouse's)."""
    return manifest["nodes"]["model.access_analytics.fct_sessions"]["database"]


@pytest.mark.parametrize("model", ["cohort_lesson_rankings", "inactive_students"])
def test_docs_site_renders_a_mart_page(docs_site, model: str, tmp_path: Path) -> None:
    url, target = docs_site
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    unique_id = f"model.access_analytics.{model}"
    node = manifest["nodes"][unique_id]
    columns = catalog["nodes"][unique_id]["columns"]

    text = _rendered_text(f"{url}/index.html#!/model/{unique_id}", tmp_path / "chromium")

    start = text.find(f"Relation {settings_dbname(manifest)}.marts.{model}")
    assert start >= 0, f"the page of {model} did not render: {text[:500]}"
    page = text[start:]
    # Markdown turns `code` into elements: compare without backticks and whitespace.
    description = re.sub(r"[\s`]", "", node["description"])[:80]
    assert description in re.sub(r"\s", "", page), description
    assert len(columns) >= 5
    for name, column in columns.items():
        assert f"{name} {column['type']}" in page, (name, column["type"])
        documented = re.sub(r"\s+", " ", node["columns"][name]["description"]).strip()
        assert documented, f"{model}.{name} has no description"


def test_every_model_and_column_is_documented(docs_site) -> None:
    """Each model, seed and source column that exists in the warehouse (the docs'
    catalog) has a description in the YAML, so the docs site explains it."""
    _, target = docs_site
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    undocumented = []
    for unique_id, entry in [*catalog["nodes"].items(), *catalog["sources"].items()]:
        node = manifest["nodes"].get(unique_id) or manifest["sources"][unique_id]
        if not node.get("description", "").strip():
            undocumented.append(unique_id)
        declared = node["columns"]
        undocumented += [
            f"{unique_id}.{column}"
            for column in entry["columns"]
            if not declared.get(column, {}).get("description", "").strip()
        ]
    assert len(catalog["nodes"]) >= 30
    assert undocumented == []
