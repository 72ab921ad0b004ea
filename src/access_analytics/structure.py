"""Structure check of the dbt project, read from dbt's ``manifest.json``.

dbt packages such as dbt-project-evaluator cannot be installed here, so this module
checks the project's own conventions (see ``docs/style.md``):

1. Every model, seed, source and source table has a non-empty description.
2. Every model and seed declares its primary key in ``config.meta.primary_key`` (a
   column name or a list of column names) and the key is tested: ``unique`` and
   ``not_null`` for one column; ``unique_combination_of_columns`` over exactly the key
   columns and ``not_null`` on each of them for a composite key.
3. ``source()`` is used only in staging: a model that depends on a source lives under
   ``models/staging/``.
4. The folder matches the prefix: ``stg_`` models under ``models/staging/``, ``int_``
   under ``models/intermediate/``, ``fct_`` and ``dim_`` under ``models/marts/``; every
   model under staging is ``stg_*``, under intermediate ``int_*``; every model lives in
   one of those three folders.
5. No dead ends: every model outside ``models/marts/`` is read by another model (an
   answer that people or tools read is a mart; work nobody reads is removed).
6. Marts do not read staging: a model under ``models/marts/`` reads intermediate models,
   other marts or seeds, never a ``stg_`` model (the concept is defined once in between).
7. Every exposure that names its code (``meta.code``: files relative to the project)
   lists in ``depends_on`` every model that its code names.
8. Portable SQL: a model's code (``raw_code``) has no PostgreSQL-only construct (the
   ``::`` cast, ``||``, the ``~`` regex operators, ``at time zone``, PostgreSQL's regex
   and epoch functions, ``inet``, PostgreSQL type names in casts, a backslash in a string
   literal, ...); engine-specific SQL lives in ``adapter.dispatch`` macros (``macros/``)
   or dbt's cross-database macros. The same holds for the project's shared macros (not
   an ``<adapter>__`` implementation, not a dispatcher). The SQL outside Jinja tags is
   read, and the string literals inside them (the SQL that macros are given); comments
   are not.

Usage, after ``dbt parse`` (no database connection needed)::

    python -m access_analytics.structure [target/manifest.json] [--project-dir .]

prints one violation per line and exits 1, or prints a one-line summary and exits 0.
Errors the user can fix (no manifest) end with one message on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_MANIFEST = Path("target/manifest.json")
DEFAULT_PROJECT = "access_analytics"

# Model folders, as a prefix of `original_file_path`, and the name prefix each requires.
FOLDER_PREFIXES: tuple[tuple[str, str | None], ...] = (
    ("models/staging/", "stg_"),
    ("models/intermediate/", "int_"),
    ("models/marts/", None),
)
# Name prefixes and the folder each belongs in.
PREFIX_FOLDERS: tuple[tuple[str, str], ...] = (
    ("stg_", "models/staging/"),
    ("int_", "models/intermediate/"),
    ("fct_", "models/marts/"),
    ("dim_", "models/marts/"),
)
STAGING_FOLDER = "models/staging/"
MARTS_FOLDER = "models/marts/"

# Rule 8: PostgreSQL-only SQL, as (pattern, what it is, what to use instead). The patterns
# run on a model's SQL with comments removed and string literals emptied (`'...'` -> `''`).
_PG_ONLY: tuple[tuple[str, str, str], ...] = (
    (r"::", "the :: cast", "cast(x as type), with dbt.type_*() for the type"),
    (r"\|\|", "|| concatenation", "dbt.concat([...])"),
    (r"!?~\*?", "a ~ regex operator", "the regexp_like / regexp_like_ci macros"),
    (
        r"\bi?like\s+any\b|\bilike\b|\bsimilar\s+to\b",
        "ilike / similar to / like any",
        "lower(x) like ..., or the regexp_like macros",
    ),
    (
        r"\bat\s+time\s+zone\b",
        "at time zone",
        "utc_to_local_timestamp / utc_to_local_date / utc_to_local_hour / local_to_utc",
    ),
    (
        r"\bregexp_(?:replace|match|matches|split_to_\w+|substr|like|count|instr)\s*\(",
        "a regular-expression function",
        "the regexp_* macros",
    ),
    (r"\bsubstring\s*\([^()]*\bfrom\b", "substring(x from ...)", "regexp_substr or dbt.split_part"),
    (
        r"\b(?:extract|date_part)\s*\(\s*'?(?:epoch|isodow|dow|doy|isoyear|julian|timezone\w*)\b",
        "a PostgreSQL extract field",
        "seconds_between / day_of_week / extract_part",
    ),
    (r"\bdate_part\s*\(", "date_part()", "extract_part"),
    (r"\b(?:inet|cidr|macaddr)\b", "a network type", "the ipv4_* macros"),
    (
        r"\b(?:string_agg|array_agg|array_to_string|string_to_array|unnest)\s*\(",
        "a PostgreSQL array or list function",
        "dbt.listagg",
    ),
    (
        r"\b(?:percentile_cont|percentile_disc|mode)\s*\(|\bwithin\s+group\b",
        "an ordered-set aggregate",
        "median",
    ),
    (r"\bstddev_samp\s*\(", "stddev_samp()", "stddev_sample"),
    (
        r"\b[lrb]trim\s*\(",
        "ltrim/rtrim/btrim (Spark's two-argument form takes the characters first)",
        "trim(leading|trailing|both ... from ...)",
    ),
    (r"\bgenerate_series\s*\(", "generate_series()", "dbt.generate_series"),
    (r"\binterval\s*'", "an interval literal", "dbt.dateadd / dbt.datediff / seconds_between"),
    (r"\bdistinct\s+on\b", "distinct on", "row_number() over (...) = 1"),
    (r"\bto_char\s*\(", "to_char()", "a dispatched formatting macro"),
    (r"->>|#>>?", "a JSON operator", "a dispatched macro"),
    (
        r"\bas\s+(?:text|bytea|jsonb?|timestamptz|double\s+precision|float[48]?|real|int[248]|"
        r"serial|timestamp\s+with(?:out)?\s+time\s+zone)\b",
        "a PostgreSQL type name (float is 32-bit on Spark)",
        "dbt.type_string() / dbt.type_float() / dbt.type_timestamp() / dbt.type_bigint()",
    ),
    (
        r"\bas\s+(?:numeric|decimal)\b(?!\s*\()",
        "numeric without precision (decimal(10, 0) on Spark: the fraction is lost)",
        "dbt.type_numeric(), or numeric(p, s)",
    ),
    (r"(?<![\w'])[eE]''", "an E'...' escape string", "a plain literal"),
)
_PG_ONLY_COMPILED = tuple(
    (re.compile(pattern, re.IGNORECASE), what, instead) for pattern, what, instead in _PG_ONLY
)
_JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)
_JINJA_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
_JINJA_STRING = re.compile(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"", re.DOTALL)
_SQL_LITERAL = re.compile(r"'(?:[^']|'')*'", re.DOTALL)
_SQL_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)


@dataclass(frozen=True)
class _GenericTest:
    """The parts of a generic data test node that the key rule looks at."""

    name: str
    column: str | None
    combination: frozenset[str] | None


def load_manifest(path: Path) -> dict[str, Any]:
    """Read a dbt ``manifest.json``.

    Raises ``OSError`` when the file cannot be read and ``ValueError`` when it is not
    a JSON object.
    """
    manifest = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(manifest, dict):
        raise ValueError(f"{path} is not a dbt manifest (expected a JSON object)")
    return manifest


def check_manifest(
    manifest: dict[str, Any],
    project_name: str = DEFAULT_PROJECT,
    project_dir: Path | None = None,
) -> list[str]:
    """Return the sorted violations of the project's structure rules; ``[]`` when clean.

    Only models, seeds, sources and exposures of the package ``project_name`` are
    checked; the tests that prove a primary key may come from any package. Rule 7 reads
    the exposures' code files under ``project_dir`` (skipped when it is None).
    """
    tests = _generic_tests_by_node(manifest)
    models = _models_by_id(manifest, project_name)
    readers = _model_readers(manifest)
    violations: list[str] = []
    for unique_id, node in manifest.get("nodes", {}).items():
        resource_type = node.get("resource_type")
        if node.get("package_name") != project_name or resource_type not in ("model", "seed"):
            continue
        label = _label(node)
        violations += _check_description(label, node.get("description"))
        violations += _check_primary_key(label, node, tests.get(unique_id, []))
        if resource_type == "model":
            placement = _check_sources_only_in_staging(label, node) + _check_folder(label, node)
            violations += placement
            if not placement:  # the lineage rules assume the model is in its place
                violations += _check_not_a_dead_end(label, node, readers.get(unique_id, set()))
                violations += _check_mart_reads_no_staging(label, node, models)
            violations += _check_portable_sql(label, node)

    described_sources: dict[str, str] = {}
    for node in manifest.get("sources", {}).values():
        if node.get("package_name") != project_name:
            continue
        violations += _check_description(_label(node), node.get("description"))
        source_label = f"source {node.get('source_name')} ({_path(node)})"
        described_sources.setdefault(source_label, node.get("source_description") or "")
    for source_label, description in described_sources.items():
        violations += _check_description(source_label, description)
    for macro in manifest.get("macros", {}).values():
        if macro.get("package_name") == project_name and _is_shared_macro(macro):
            label = f"macro {macro.get('name')} ({_path(macro)})"
            violations += _check_portable_sql(label, {"raw_code": macro.get("macro_sql")})
    if project_dir is not None:
        for exposure in manifest.get("exposures", {}).values():
            if exposure.get("package_name") == project_name:
                violations += _check_exposure_lists_its_reads(exposure, models, project_dir)
    return sorted(violations)


def main(argv: Sequence[str] | None = None) -> int:
    """Check a manifest and print the violations; return the exit code (0, 1 or 2)."""
    parser = argparse.ArgumentParser(
        prog="python -m access_analytics.structure",
        description="Check the dbt project's structure conventions in manifest.json "
        "(run `dbt parse` first).",
    )
    parser.add_argument(
        "manifest",
        nargs="?",
        type=Path,
        default=DEFAULT_MANIFEST,
        help=f"path of dbt's manifest.json (default: {DEFAULT_MANIFEST})",
    )
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=Path(),
        help="the dbt project folder, where exposures' code files are read (default: .)",
    )
    parser.add_argument(
        "--project",
        default=DEFAULT_PROJECT,
        help=f"dbt project (package) whose nodes are checked (default: {DEFAULT_PROJECT})",
    )
    args = parser.parse_args(argv)

    try:
        manifest = load_manifest(args.manifest)
    except (OSError, ValueError) as exc:
        print(f"structure check: cannot read {args.manifest}: {exc}", file=sys.stderr)
        return 2
    models = _count(manifest.get("nodes", {}), args.project, "model")
    seeds = _count(manifest.get("nodes", {}), args.project, "seed")
    sources = _count(manifest.get("sources", {}), args.project, "source")
    if models + seeds + sources == 0:
        # A wrong project name would otherwise pass with nothing checked.
        print(
            f"structure check: {args.manifest} has no models, seeds or sources of "
            f"project {args.project!r}",
            file=sys.stderr,
        )
        return 2

    violations = check_manifest(manifest, args.project, args.project_dir)
    for violation in violations:
        print(violation)
    if violations:
        return 1
    print(f"structure check: {models} models, {sources} sources, OK")
    return 0


# --------------------------------------------------------------------------------------
# Rules


def _check_description(label: str, description: object) -> list[str]:
    if isinstance(description, str) and description.strip():
        return []
    return [f"{label}: missing description"]


def _check_primary_key(label: str, node: dict[str, Any], tests: list[_GenericTest]) -> list[str]:
    declared = _declared_primary_key(node)
    if declared is None:
        return [f"{label}: no primary key; declare config.meta.primary_key"]
    key = _key_columns(declared)
    if key is None:
        return [
            f"{label}: config.meta.primary_key must be a column name or a list of column "
            f"names, not {declared!r}"
        ]

    def has_test(name: str, column: str) -> bool:
        wanted = _normalise(column)
        return any(test.name == name and test.column == wanted for test in tests)

    violations: list[str] = []
    if len(key) == 1:
        column = key[0]
        for name in ("unique", "not_null"):
            if not has_test(name, column):
                violations.append(f"{label}: primary key {column} has no {name} test")
        return violations

    wanted = frozenset(_normalise(column) for column in key)
    if not any(
        test.name == "unique_combination_of_columns" and test.combination == wanted
        for test in tests
    ):
        violations.append(
            f"{label}: composite primary key [{', '.join(key)}] has no "
            "unique_combination_of_columns test over exactly those columns"
        )
    violations += [
        f"{label}: composite primary key column {column} has no not_null test"
        for column in key
        if not has_test("not_null", column)
    ]
    return violations


def _check_sources_only_in_staging(label: str, node: dict[str, Any]) -> list[str]:
    sources = sorted(
        parent
        for parent in node.get("depends_on", {}).get("nodes", [])
        if parent.startswith("source.")
    )
    if not sources or _path(node).startswith(STAGING_FOLDER):
        return []
    return [f"{label}: uses source() outside {STAGING_FOLDER} ({', '.join(sources)})"]


def _check_folder(label: str, node: dict[str, Any]) -> list[str]:
    """At most one violation per model: the folder and the name prefix must agree."""
    path = _path(node)
    name = str(node.get("name", ""))
    folder = next((folder for folder, _ in FOLDER_PREFIXES if path.startswith(folder)), None)
    if folder is None:
        folders = ", ".join(folder for folder, _ in FOLDER_PREFIXES)
        return [f"{label}: models must live under one of {folders}"]
    for prefix, home in PREFIX_FOLDERS:
        if name.startswith(prefix) and folder != home:
            return [f"{label}: {prefix} models must live under {home}"]
    required = dict(FOLDER_PREFIXES)[folder]
    if required is not None and not name.startswith(required):
        return [f"{label}: models under {folder} must be named {required}*"]
    return []


def _check_not_a_dead_end(label: str, node: dict[str, Any], readers: set[str]) -> list[str]:
    if readers or _path(node).startswith(MARTS_FOLDER):
        return []
    return [
        f"{label}: no model reads it (a dead end): remove it, or make it a mart under "
        f"{MARTS_FOLDER} if people or tools read it"
    ]


def _check_mart_reads_no_staging(
    label: str, node: dict[str, Any], models: dict[str, dict[str, Any]]
) -> list[str]:
    if not _path(node).startswith(MARTS_FOLDER):
        return []
    staging = sorted(
        str(models[parent].get("name"))
        for parent in node.get("depends_on", {}).get("nodes", [])
        if parent in models and _path(models[parent]).startswith(STAGING_FOLDER)
    )
    if not staging:
        return []
    return [
        f"{label}: a mart reads staging ({', '.join(staging)}); read the intermediate "
        "model that defines the concept"
    ]


def _check_exposure_lists_its_reads(
    exposure: dict[str, Any], models: dict[str, dict[str, Any]], project_dir: Path
) -> list[str]:
    meta = (exposure.get("config") or {}).get("meta") or exposure.get("meta") or {}
    code = meta.get("code")
    if not code:
        return []
    label = f"exposure {exposure.get('name')} ({_path(exposure)})"
    files = [code] if isinstance(code, str) else list(code)
    listed = {
        str(models[parent].get("name"))
        for parent in exposure.get("depends_on", {}).get("nodes", [])
        if parent in models
    }
    names = {str(node.get("name")) for node in models.values()}
    violations: list[str] = []
    for file in files:
        path = project_dir / str(file)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            violations.append(f"{label}: meta.code names {file}, which cannot be read")
            continue
        named = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text)) & names
        violations += [
            f"{label}: {file} reads {name}, which depends_on does not list"
            for name in sorted(named - listed)
        ]
    return violations


def _check_portable_sql(label: str, node: dict[str, Any]) -> list[str]:
    violations: list[str] = []
    for line_number, line, backslash in _model_sql_lines(str(node.get("raw_code") or "")):
        if backslash:
            violations.append(
                f"{label}: line {line_number}: a backslash in a string literal (Spark reads "
                "it as an escape): give patterns to the regexp_* macros, values to sql_literal"
            )
        for pattern, what, instead in _PG_ONLY_COMPILED:
            found = pattern.search(line)
            if found:
                violations.append(
                    f"{label}: line {line_number}: PostgreSQL-only SQL, {what} "
                    f"({found.group(0).strip()!r}): use {instead}"
                )
    return violations


def _is_shared_macro(macro: dict[str, Any]) -> bool:
    """A macro every engine runs as written: not an ``<adapter>__`` implementation and
    not a dispatcher (``adapter.dispatch``)."""
    return "__" not in str(macro.get("name")) and "adapter.dispatch" not in str(
        macro.get("macro_sql") or ""
    )


def _model_sql_lines(raw_code: str) -> list[tuple[int, str, bool]]:
    """The SQL of a model's code, line by line, as ``(line number, text, has backslash)``.

    Jinja comments go; each Jinja tag becomes ``_`` on its line, followed by the string
    literals it holds (SQL given to macros, e.g. ``dbt.concat(["'a'", 'b'])``), literal
    by literal; SQL comments go and every SQL string literal is emptied, so that only
    code is matched. ``has backslash``: a SQL string literal outside the tags holds a
    backslash (Jinja's own strings are left to Jinja's escapes).
    """
    code = _JINJA_COMMENT.sub(lambda match: "\n" * match.group(0).count("\n"), raw_code)
    lines: dict[int, list[str]] = {}
    backslashes: set[int] = set()

    def keep(line_number: int, sql: str, outside_tags: bool) -> None:
        sql = _SQL_COMMENT.sub(" ", sql)
        if outside_tags and any("\\" in literal for literal in _SQL_LITERAL.findall(sql)):
            backslashes.add(line_number)
        lines.setdefault(line_number, []).append(_SQL_LITERAL.sub("''", sql))

    position = 0
    outside: list[str] = []
    for tag in _JINJA_TAG.finditer(code):
        outside.append(code[position : tag.start()])
        outside.append("_" + "\n" * tag.group(0).count("\n"))
        line_number = code.count("\n", 0, tag.start()) + 1
        for single, double in _JINJA_STRING.findall(tag.group(0)):
            keep(line_number, single or double, outside_tags=False)
        position = tag.end()
    outside.append(code[position:])
    for line_number, line in enumerate("".join(outside).split("\n"), start=1):
        keep(line_number, line, outside_tags=True)
    return [
        (line_number, "  ".join(lines[line_number]), line_number in backslashes)
        for line_number in sorted(lines)
    ]


# --------------------------------------------------------------------------------------
# Manifest helpers


def _models_by_id(manifest: dict[str, Any], project_name: str) -> dict[str, dict[str, Any]]:
    return {
        unique_id: node
        for unique_id, node in manifest.get("nodes", {}).items()
        if node.get("resource_type") == "model" and node.get("package_name") == project_name
    }


def _model_readers(manifest: dict[str, Any]) -> dict[str, set[str]]:
    """For each node, the models that read it (tests and exposures do not count)."""
    readers: dict[str, set[str]] = {}
    for unique_id, node in manifest.get("nodes", {}).items():
        if node.get("resource_type") != "model":
            continue
        for parent in node.get("depends_on", {}).get("nodes", []):
            readers.setdefault(parent, set()).add(unique_id)
    return readers


def _label(node: dict[str, Any]) -> str:
    """Name a node for a message: kind, name and the file that defines it."""
    if node.get("resource_type") == "source":
        return f"source table {node.get('source_name')}.{node.get('name')} ({_path(node)})"
    name = node.get("name")
    if node.get("version") is not None:
        name = f"{name}.v{node['version']}"
    return f"{node.get('resource_type')} {name} ({_path(node)})"


def _path(node: dict[str, Any]) -> str:
    return str(node.get("original_file_path", "")).replace("\\", "/")


def _count(nodes: dict[str, Any], project_name: str, resource_type: str) -> int:
    return sum(
        1
        for node in nodes.values()
        if node.get("package_name") == project_name and node.get("resource_type") == resource_type
    )


def _declared_primary_key(node: dict[str, Any]) -> object | None:
    """``config.meta.primary_key``, else ``meta.primary_key``; None when absent or empty."""
    for meta in ((node.get("config") or {}).get("meta"), node.get("meta")):
        if isinstance(meta, dict) and meta.get("primary_key") not in (None, "", []):
            key: object = meta["primary_key"]
            return key
    return None


def _key_columns(declared: object) -> list[str] | None:
    """The key's column names in declared order without repeats; None when malformed."""
    columns = [declared] if isinstance(declared, str) else declared
    if not isinstance(columns, list) or not all(
        isinstance(column, str) and column.strip() for column in columns
    ):
        return None
    unique: dict[str, str] = {}
    for column in columns:
        unique.setdefault(_normalise(column), column.strip())
    return list(unique.values())


def _normalise(column: str) -> str:
    """Column names compare case-insensitively and without identifier quotes."""
    return column.strip().strip('"').lower()


def _generic_tests_by_node(manifest: dict[str, Any]) -> dict[str, list[_GenericTest]]:
    """Generic data tests grouped by the unique_id of the node they are attached to.

    dbt 1.11 writes a test's ``arguments:`` flattened into ``test_metadata.kwargs``;
    ``kwargs.arguments`` is read as well in case a version keeps them nested. A column
    test has ``column_name``; a model-level test names its column in the kwargs.
    """
    tests: dict[str, list[_GenericTest]] = {}
    for node in manifest.get("nodes", {}).values():
        metadata = node.get("test_metadata")
        attached = node.get("attached_node")
        if node.get("resource_type") != "test" or not metadata or not attached:
            continue
        kwargs = metadata.get("kwargs") or {}
        arguments = kwargs.get("arguments")
        arguments = arguments if isinstance(arguments, dict) else {}
        column = node.get("column_name") or kwargs.get("column_name")
        column = column or arguments.get("column_name")
        combination = kwargs.get("combination_of_columns")
        combination = combination or arguments.get("combination_of_columns")
        tests.setdefault(attached, []).append(
            _GenericTest(
                name=str(metadata.get("name")),
                column=_normalise(column) if isinstance(column, str) else None,
                combination=(
                    frozenset(_normalise(str(item)) for item in combination)
                    if isinstance(combination, list)
                    else None
                ),
            )
        )
    return tests


if __name__ == "__main__":
    sys.exit(main())
