"""The harness stays readable: no Python function in ``src/`` is longer than 60 lines
(from its ``def`` line to its last line, docstring included)."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import PROJECT_DIR

MAX_FUNCTION_LINES = 60


def long_functions(root: Path, limit: int = MAX_FUNCTION_LINES) -> list[str]:
    """``path:line name (N lines)`` for every function or method under ``root`` longer
    than ``limit`` lines, nested ones included, longest first."""
    found: list[tuple[int, str]] = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > limit:
                    where = f"{path.relative_to(root)}:{node.lineno}"
                    found.append((lines, f"{where} {node.name} ({lines} lines)"))
    return [text for _, text in sorted(found, key=lambda item: (-item[0], item[1]))]


def test_no_function_in_src_is_over_60_lines() -> None:
    found = long_functions(PROJECT_DIR / "src")
    assert not found, f"split these functions (over {MAX_FUNCTION_LINES} lines):\n" + "\n".join(
        found
    )


def _function(name: str, lines: int, indent: str = "") -> str:
    body = "".join(f"{indent}    x{index} = {index}\n" for index in range(lines - 1))
    return f"{indent}def {name}():\n{body}"


def test_a_function_over_the_limit_is_found(tmp_path: Path) -> None:
    package = tmp_path / "package"
    package.mkdir()
    (package / "fine.py").write_text(_function("exactly_sixty", 60))
    (package / "long.py").write_text(
        "class Thing:\n"
        + _function("long_method", 61, indent="    ")
        + "\n\n"
        + "async "
        + _function("outer", 70)
        + _function("inner", 65, indent="    ")
    )
    assert long_functions(tmp_path) == [
        "package/long.py:65 outer (135 lines)",
        "package/long.py:135 inner (65 lines)",
        "package/long.py:2 long_method (61 lines)",
    ]
