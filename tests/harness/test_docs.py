"""Documentation checks: the README is an orientation page, names are real, terms are defined once.

No dbt build and no warehouse: the checks read the README, ``docs/``, the models' and
macros' YAML, ``models/docs/definitions.md``, ``dbt_project.yml`` and the Makefile.
Each check is a function of a project folder, run on the project and on a copy broken
on purpose, so that every test is seen to fail.
"""

from __future__ import annotations

import ast
import functools
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
README_MAX_LINES = 200
FIRST_SCREEN_LINES = 25

# Each defined term: its doc block, and the sentences that define it (regular
# expressions, case-insensitive). The block must match one of them; no other file may.
TERMS: dict[str, list[str]] = {
    "user_key": [r"`user:<", r"`agent:<ip>"],
    "local_time": [r"web log's own (utc )?offset", r"local time is the wall[- ]clock"],
    "day_of_week": [r"1 = monday", r"0 = sunday", r"monday[- ]first", r"sunday[- ]first"],
    "lesson_view": [
        r"a lesson view is a page view",
        r"asset requests are not lesson views",
        r"not an asset and has a module",
        r"page view with a module",
    ],
    "dwell": [
        r"dwell(ing)? time[^.]*\b(is|=)\b[^.]*\bnext\b",
        r"dwell\s*=\s*time",
        r"dwell time of a (lesson )?view is",
        r"seconds (until|to) the next page view",
    ],
    "visit": [
        r"a visit is a run",
        r"\bvisit\*?\*? is a run",
        r"run of requests before the length cap",
    ],
    "session": [r"a session is a (visit|run)", r"\bsession\*?\*? is a (visit|run)"],
    "activity": [
        r"an activity[^.]*is a run",
        r"activities are runs",
        r"\bactivity\*?\*?[^.]*is a run of",
    ],
    "traffic_class": [r"who sends the traffic, one class per ip"],
    "valid_ip": [r"well-formed ipv4 or ipv6"],
    "private_ip": [r"carrier-grade nat \(100\.64/10\)"],
    "reserved_ip": [r"benchmarking \(198\.18/15\)"],
    "loaded_file_id": [r"the loaded file version the line was first loaded from"],
    "block_level": [r"the level of an ip block", r"'/16' or '/24'\."],
    "request_id": [r"key of the (request's )?loaded line"],
    "parent_block_16": [r"the /16 block (the block belongs to|that an ip block lies in)"],
}
# Words of the project's own specification that a BI user does not know.
INTERNAL_WORDS = re.compile(r"\banalys[ie]s [a-e]\b|\bquestions? [0-9]|\bthe mission\b", re.I)
SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
MODEL_PREFIX = re.compile(r"^(?:stg|int|fct|dim)_[a-z0-9_]+$")
# Backticked names that are neither models, vars, columns, macros nor make targets.
OTHER_NAMES = {
    "marts_pseudonymised",
    "analytics_reader",
    "security_analyst",
    "replace_key_tail",
    "tail_scope",
    "sessionized_batch",
    "line_key",
    "source_file",
    "ground_truth",
    "aa_test_",
    "bin_kind",
    "hour_of_day",
    "week_2h",
    "non_human_requests",
    "left_out_reason",
    "pseudonym_key",
    "rules_checksum",
    "statement_timeout",
    "password_encryption",
    "shared_buffers",
    "effective_cache_size",
    "work_mem",
    "maintenance_work_mem",
    "max_parallel_workers_per_gather",
    "max_parallel_workers",
    "max_worker_processes",
    "random_page_cost",
    "effective_io_concurrency",
    "wal_level",
    "max_wal_senders",
    "synchronous_commit",
    "max_wal_size",
    "checkpoint_timeout",
    "listen_addresses",
    "pg_hba",
    "pg_stat_progress_copy",
    "pg_stat_activity",
    "pg_namespace",
    "reuse_connections",
    "ensure_raw_schema",
    "truncated_fields",
    "rejected_lines",
    "loaded_files",
    "is_current",
    "access_analytics",
    "user_agent_rules",
    "crawler_user_agents",
    "user_agent_overrides",
    "module_curricula",
    "not_null",
    "unique_combination_of_columns",
    "accepted_values",
    "primary_key",
    "delete_within",
    "ip_list",
    "ip_block",
}
FILE_NAME = re.compile(r"\.(?:ya?ml|py|sql|md|csv|json|txt|png|pdf|html|gz|conf|log)$")


# --------------------------------------------------------------------------------------
# Reading the project


def _yaml_files(root: Path) -> Iterator[Path]:
    for folder in ("models", "seeds", "macros", "tests"):
        if (root / folder).is_dir():
            yield from sorted((root / folder).rglob("*.yml"))


def _load_yaml(path: Path) -> dict:
    return _parse_yaml(path.read_text())


@functools.lru_cache(maxsize=256)
def _parse_yaml(text: str) -> dict:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser: 10x faster
    return yaml.load(text, Loader=loader) or {}


def project_vars(root: Path) -> set[str]:
    """Vars of dbt_project.yml, and the command-line vars the SQL reads with a default."""
    names = set(_load_yaml(root / "dbt_project.yml").get("vars") or {})
    for path in list((root / "macros").rglob("*.sql")) + list((root / "models").rglob("*.sql")):
        names |= set(re.findall(r"var\(\s*['\"]([a-z_0-9]+)['\"]", path.read_text()))
    return names


def make_targets(root: Path) -> set[str]:
    return set(re.findall(r"^([a-z][a-z-]*):", (root / "Makefile").read_text(), re.M))


def macro_signatures(root: Path) -> dict[str, list[str]]:
    """Every macro of macros/*.sql and generic test of tests/generic/, with its arguments."""
    found: dict[str, list[str]] = {}
    for path in sorted((root / "macros").glob("*.sql")):
        pattern = r"\{%-?\s*macro\s+([a-z_0-9]+)\s*\(([^)]*)\)"
        for name, args in re.findall(pattern, path.read_text()):
            found[name] = [a.split("=")[0].strip() for a in args.split(",") if a.strip()]
    for path in sorted((root / "tests" / "generic").glob("*.sql")):
        pattern = r"\{%-?\s*test\s+([a-z_0-9]+)\s*\(([^)]*)\)"
        for name, args in re.findall(pattern, path.read_text()):
            found[f"test_{name}"] = [a.split("=")[0].strip() for a in args.split(",") if a.strip()]
    return found


def known_names(root: Path) -> tuple[set[str], set[str]]:
    """(model names, every name a document may mention in backticks)."""
    models: set[str] = {p.stem for p in (root / "models").rglob("*.sql")}
    names = set(models) | project_vars(root) | make_targets(root)
    names |= set(macro_signatures(root)) | OTHER_NAMES
    names |= {p.stem for p in (root / "seeds").glob("*.csv")}
    names |= {p.stem for p in (root / "tests").rglob("*.sql")}
    names |= {p.stem for p in (root / "tests").rglob("*.py")}
    names |= {p.stem for p in (root / "src").rglob("*.py")} if (root / "src").is_dir() else set()
    names |= set(re.findall(r"\{%\s*docs\s+([a-z_0-9]+)\s*%\}", _definitions(root)))
    for path in _yaml_files(root):
        content = _load_yaml(path)
        for kind in ("models", "seeds", "exposures", "unit_tests", "macros"):
            for node in content.get(kind) or []:
                names.add(node["name"])
                names |= {column["name"] for column in node.get("columns") or []}
        for source in content.get("sources") or []:
            names.add(source["name"])
            for table in source.get("tables") or []:
                names |= {table["name"], table.get("identifier", table["name"])}
                names |= {column["name"] for column in table.get("columns") or []}
    return models, names


def documents(root: Path) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def _definitions(root: Path) -> str:
    return (root / "models" / "docs" / "definitions.md").read_text()


def _without_code_blocks(text: str) -> str:
    return re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)


# --------------------------------------------------------------------------------------
# The checks: each returns its problems, empty when the project keeps the rule


def readme_problems(root: Path) -> list[str]:
    lines = (root / "README.md").read_text().splitlines()
    problems = []
    if len(lines) > README_MAX_LINES:
        problems.append(f"README.md has {len(lines)} lines, more than {README_MAX_LINES}")
    first_screen = "\n".join(lines[:FIRST_SCREEN_LINES])
    for command in ("make build", "make test"):
        if not re.search(rf"^{command}\b", first_screen, re.M):
            problems.append(f"`{command}` is not in the first {FIRST_SCREEN_LINES} lines")
    return problems


def name_problems(root: Path) -> list[str]:
    """Models, vars, make targets and other names in README and docs/ that do not exist."""
    models, names = known_names(root)
    variables, targets = project_vars(root), make_targets(root)
    problems = []
    for path in documents(root):
        text = path.read_text()
        where = path.relative_to(root)
        commands = re.findall(r"`make ([a-z][a-z-]*)", text)
        commands += re.findall(
            r"^make ([a-z][a-z-]*)", "\n".join(re.findall(r"^```.*?^```", text, re.S | re.M)), re.M
        )
        for target in commands:
            if target not in targets:
                problems.append(f"{where}: `make {target}` is not a Makefile target")
        prose = _without_code_blocks(text)
        for group in re.findall(r"\bvars? ((?:`[a-z_0-9]+`(?:,? (?:and |or )?)?)+)", prose):
            for var in re.findall(r"`([a-z_0-9]+)`", group):
                if var not in variables:
                    problems.append(f"{where}: var `{var}` is not a dbt var")
        for token in re.findall(r"`([^`\s]+)`", prose):
            if FILE_NAME.search(token):
                continue
            for part in re.split(r"[.(),:=]", token):
                if MODEL_PREFIX.match(part) and part not in models and not part.endswith("_"):
                    problems.append(f"{where}: model `{part}` does not exist")
                elif SNAKE.match(part) and part not in names:
                    problems.append(f"{where}: `{part}` is no model, var, column or target")
    return problems


def make_variable_problems(root: Path) -> list[str]:
    """Every variable the Makefile lets a caller set (``NAME ?= default``) is in
    docs/configuration.md."""
    text = (root / "docs" / "configuration.md").read_text()
    return [
        f"Makefile variable `{name}` is not in docs/configuration.md"
        for name in re.findall(r"^([A-Z_]+) \?=", (root / "Makefile").read_text(), re.M)
        if f"`{name}`" not in text
    ]


def definition_problems(root: Path) -> list[str]:
    """Each term: exactly one doc block, which defines it; no definition anywhere else."""
    definitions = _definitions(root)
    problems = []
    blocks = re.findall(
        r"\{%\s*docs\s+([a-z_0-9]+)\s*%\}(.*?)\{%\s*enddocs\s*%\}", definitions, re.S
    )
    for term, patterns in TERMS.items():
        texts = [text for name, text in blocks if name == term]
        if len(texts) != 1:
            problems.append(f"doc block `{term}`: {len(texts)} blocks, expected 1")
            continue
        if not any(re.search(p, " ".join(texts[0].split()), re.I) for p in patterns):
            problems.append(f"doc block `{term}` does not match its defining sentence")
        for name, text in blocks:
            if name != term and any(re.search(p, " ".join(text.split()), re.I) for p in patterns):
                problems.append(f"doc block `{name}` defines `{term}` a second time")
    others = {
        path: path.read_text()
        for path in [*documents(root), root / "dbt_project.yml", *_yaml_files(root)]
    }
    for path in sorted((root / "src").rglob("*.py")) if (root / "src").is_dir() else []:
        others[path] = "\n".join(_docstrings(path))
    for path, content in others.items():
        text = " ".join(content.split())
        for term, patterns in TERMS.items():
            for pattern in patterns:
                match = re.search(pattern, text, re.I)
                if match:
                    problems.append(
                        f"{path.relative_to(root)} defines `{term}` again ({match.group(0)!r}):"
                        f" refer to the doc block instead"
                    )
    return problems


def _docstrings(path: Path) -> Iterator[str]:
    """The docstrings of a Python module (code comments may name a local convention)."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            docstring = ast.get_docstring(node)
            if docstring:
                yield docstring


def _descriptions(node: dict) -> Iterator[str]:
    if node.get("description"):
        yield str(node["description"])
    if node.get("label"):
        yield str(node["label"])
    for child in (node.get("columns") or []) + (node.get("tables") or []):
        yield from _descriptions(child)
    for argument in node.get("arguments") or []:
        if isinstance(argument, dict) and argument.get("description"):
            yield str(argument["description"])


def description_problems(root: Path) -> list[str]:
    """Descriptions and doc blocks free of the specification's internal words."""
    problems = []
    texts = [("models/docs/definitions.md", _definitions(root))]
    for path in _yaml_files(root):
        content = _load_yaml(path)
        for kind in ("models", "seeds", "sources", "exposures", "macros"):
            for node in content.get(kind) or []:
                texts += [
                    (f"{path.relative_to(root)}: {node['name']}", d) for d in _descriptions(node)
                ]
    for where, text in texts:
        for match in INTERNAL_WORDS.finditer(text):
            problems.append(f"{where}: internal word {match.group(0)!r}")
    return problems


# Columns that hold a defined term: their description must include its doc block.
COLUMN_BLOCKS = {
    "user_key": "user_key",
    "day_of_week": "day_of_week",
    "requested_local_time": "local_time",
    "traffic_class": "traffic_class",
}


def reference_problems(root: Path) -> list[str]:
    """Every column holding a defined term refers to the term's doc block."""
    problems = []
    for path in sorted((root / "models").rglob("*.yml")):
        for node in _load_yaml(path).get("models") or []:
            for column in node.get("columns") or []:
                block = COLUMN_BLOCKS.get(column["name"])
                if block and not re.search(
                    rf"doc\(\s*['\"]{block}['\"]\s*\)", str(column.get("description") or "")
                ):
                    problems.append(
                        f"{node['name']}.{column['name']}: description does not include"
                        f" {{{{ doc('{block}') }}}}"
                    )
    return problems


def macro_problems(root: Path) -> list[str]:
    """Every macro has a _macros.yml entry with a description and each of its arguments."""
    entries = {
        m["name"]: m for m in _load_yaml(root / "macros" / "_macros.yml").get("macros") or []
    }
    problems = []
    for name, args in macro_signatures(root).items():
        entry = entries.pop(name, None)
        if entry is None:
            problems.append(f"macro `{name}` has no entry in macros/_macros.yml")
            continue
        if not str(entry.get("description") or "").strip():
            problems.append(f"macro `{name}`: no description")
        documented = {a["name"]: a.get("description") for a in entry.get("arguments") or []}
        if set(documented) != set(args):
            problems.append(
                f"macro `{name}`: arguments {sorted(documented)}, expected {sorted(args)}"
            )
        problems += [
            f"macro `{name}`: argument `{a}` has no description"
            for a, text in documented.items()
            if not text
        ]
    problems += [
        f"macros/_macros.yml documents `{name}`, which no macro defines" for name in entries
    ]
    return problems


# --------------------------------------------------------------------------------------
# The project keeps every rule


@pytest.mark.parametrize(
    "check",
    [
        readme_problems,
        name_problems,
        make_variable_problems,
        definition_problems,
        description_problems,
        reference_problems,
        macro_problems,
    ],
)
def test_project_keeps_the_rule(check) -> None:
    assert check(ROOT) == []


# --------------------------------------------------------------------------------------
# ... and each check fails on a copy that breaks it


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """The documents, models, macros and settings of the project (no data, no .venv)."""
    for name in ("README.md", "dbt_project.yml", "Makefile"):
        shutil.copy(ROOT / name, tmp_path / name)
    for folder in ("docs", "models", "macros", "src"):
        shutil.copytree(
            ROOT / folder,
            tmp_path / folder,
            ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
        )
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds", ignore=shutil.ignore_patterns("*.csv"))
    for csv in (ROOT / "seeds").glob("*.csv"):
        (tmp_path / "seeds" / csv.name).touch()
    shutil.copytree(
        ROOT / "tests", tmp_path / "tests", ignore=shutil.ignore_patterns("__pycache__")
    )
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def test_a_long_readme_fails(project_copy: Path) -> None:
    readme = project_copy / "README.md"
    readme.write_text(readme.read_text() + "more\n" * README_MAX_LINES)
    assert any("more than 200" in p for p in readme_problems(project_copy))


def test_commands_below_the_first_screen_fail(project_copy: Path) -> None:
    readme = project_copy / "README.md"
    lines = readme.read_text().splitlines()
    readme.write_text("\n".join(["filler"] * FIRST_SCREEN_LINES + lines) + "\n")
    assert len(readme_problems(project_copy)) == 2


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("`cohort_lesson_rankings`", "`cohort_lesson_rankingz`", "`cohort_lesson_rankingz` is no"),
        ("`fct_sessions`", "`fct_visits`", "model `fct_visits` does not exist"),
        ("var `curriculum_log_timezone`", "var `curriculum_log_tz`", "var `curriculum_log_tz`"),
        ("`make docs`", "`make site`", "`make site` is not a Makefile target"),
    ],
)
def test_a_name_that_does_not_exist_fails(
    project_copy: Path, old: str, new: str, expected: str
) -> None:
    _edit(project_copy / "README.md", old, new)
    assert any(expected in p for p in name_problems(project_copy)), name_problems(project_copy)


def test_an_undocumented_make_variable_fails(project_copy: Path) -> None:
    _edit(project_copy / "Makefile", "SEED ?= 42", "SEED ?= 42\nSHARDS ?= 4")
    assert make_variable_problems(project_copy) == [
        "Makefile variable `SHARDS` is not in docs/configuration.md"
    ]


def test_a_name_in_docs_that_does_not_exist_fails(project_copy: Path) -> None:
    _edit(project_copy / "docs" / "sessions.md", "`fct_activities`", "`fct_actions`")
    assert name_problems(project_copy) == ["docs/sessions.md: model `fct_actions` does not exist"]


@pytest.mark.parametrize(
    ("path", "addition", "expected"),
    [
        (
            "README.md",
            "\nDwell = time to the next request of the session.\n",
            "README.md defines `dwell` again",
        ),
        (
            "docs/findings.md",
            "\nA visit is a run of requests with no gap longer than 30 minutes.\n",
            "docs/findings.md defines `visit` again",
        ),
        (
            "models/marts/sessions/_sessions__models.yml",
            "\n# Day of week: 0 = Sunday .. 6.\n",
            "_sessions__models.yml defines `day_of_week` again",
        ),
    ],
)
def test_a_second_definition_fails(
    project_copy: Path, path: str, addition: str, expected: str
) -> None:
    target = project_copy / path
    target.write_text(target.read_text() + addition)
    assert any(expected in p for p in definition_problems(project_copy))


def test_a_second_definition_in_a_docstring_fails(project_copy: Path) -> None:
    _edit(
        project_copy / "src" / "access_analytics" / "dwell.py",
        "dwell times of two modules.",
        "dwell times of two modules. The dwell time of a view is the time to the next request.",
    )
    assert any("dwell.py defines `dwell` again" in p for p in definition_problems(project_copy))


def test_a_missing_or_doubled_doc_block_fails(project_copy: Path) -> None:
    definitions = project_copy / "models" / "docs" / "definitions.md"
    text = definitions.read_text()
    dwell = re.search(r"\{% docs dwell %\}.*?\{% enddocs %\}", text, re.S)
    assert dwell is not None
    definitions.write_text(text.replace(dwell.group(0), ""))
    assert "doc block `dwell`: 0 blocks, expected 1" in definition_problems(project_copy)
    definitions.write_text(
        text + "\n" + dwell.group(0).replace("docs dwell", "docs dwell_time") + "\n"
    )
    assert "doc block `dwell_time` defines `dwell` a second time" in definition_problems(
        project_copy
    )


def test_a_doc_block_that_no_longer_defines_its_term_fails(project_copy: Path) -> None:
    _edit(
        project_copy / "models" / "docs" / "definitions.md",
        "The dwell time of a lesson view is the number of seconds from it to the next page view",
        "Dwell: see the sessions",
    )
    assert definition_problems(project_copy) == [
        "doc block `dwell` does not match its defining sentence"
    ]


def test_internal_words_in_a_description_fail(project_copy: Path) -> None:
    _edit(
        project_copy / "models" / "marts" / "sessions" / "_sessions__models.yml",
        "One row per session.",
        "One row per session (analysis B).",
    )
    assert any("'analysis B'" in p for p in description_problems(project_copy))


def test_an_undocumented_macro_fails(project_copy: Path) -> None:
    (project_copy / "macros" / "new_macro.sql").write_text(
        "{% macro new_macro(expression) -%}\n    {{ expression }}\n{%- endmacro %}\n"
    )
    assert macro_problems(project_copy) == ["macro `new_macro` has no entry in macros/_macros.yml"]


def test_an_undocumented_argument_fails(project_copy: Path) -> None:
    _edit(
        project_copy / "macros" / "median.sql",
        "macro median(expression)",
        "macro median(expression, fraction)",
    )
    assert macro_problems(project_copy) == [
        "macro `median`: arguments ['expression'], expected ['expression', 'fraction']"
    ]


def test_a_column_that_restates_a_term_fails(project_copy: Path) -> None:
    _edit(
        project_copy / "models" / "marts" / "sessions" / "_sessions__models.yml",
        "description: \"{{ doc('user_key') }}\"",
        "description: The account, or the IP and user agent.",
    )
    assert reference_problems(project_copy) == [
        "fct_sessions.user_key: description does not include {{ doc('user_key') }}"
    ]


def _acceptance_queries(root: Path) -> tuple[str, str]:
    """The traffic-class acceptance query as the README prints it and as the test runs it."""
    readme = (root / "README.md").read_text()
    shown = re.search(r"```sql\n(.*?)```", readme, re.S)
    source = (root / "tests" / "harness" / "test_traffic_classes.py").read_text()
    tested = re.search(r'ACCEPTANCE_SQL = """(.*?)"""', source, re.S)
    assert shown is not None and tested is not None
    without_figures = re.sub(r"\s*--[^\n]*", "", shown.group(1))
    return " ".join(without_figures.split()), " ".join(tested.group(1).split())


def test_the_readme_prints_the_query_the_traffic_test_runs() -> None:
    shown, tested = _acceptance_queries(ROOT)
    assert shown == tested


def test_a_readme_query_that_differs_from_the_test_fails(project_copy: Path) -> None:
    _edit(project_copy / "README.md", "where pages >= 20", "where pages >= 10")
    shown, tested = _acceptance_queries(project_copy)
    assert shown != tested
