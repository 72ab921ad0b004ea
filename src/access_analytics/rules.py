"""The user-agent rule seeds, generated from maintained lists (``make rules``).

Two seeds are written from pinned PyPI packages, never edited by hand:

- ``seeds/user_agent_rules.csv`` from uap-core's ``regexes.yaml`` as packaged by
  ``ua-parser-builtins``: the ordered OS, browser (user agent) and device parsers;
- ``seeds/crawler_user_agents.csv`` from the ``crawler-user-agents`` package: one
  pattern per known bot, crawler or HTTP library.

Our own corrections live in ``seeds/user_agent_overrides.csv`` (hand-kept, small).

uap-core's regexes are written for Python's ``re`` (and PCRE, Java, RE2). The model
matches them with PostgreSQL's "advanced" regular expressions (ARE), which read some of
that syntax differently: ``\\b`` is a backspace in ARE (the word boundary is ``\\y``),
``\\B`` is a backslash (``\\Y``), and an escaped space is an error. ``to_postgres``
translates a pattern; ``tests/harness/test_user_agent_rules.py`` checks that every
translated pattern compiles in PostgreSQL and matches (and captures) what Python's
``re`` does on real user agents. Case-insensitive parsers (``regex_flag: 'i'``) get
ARE's embedded option ``(?i)`` at the start, so one ``~`` operator fits every rule.
"""

from __future__ import annotations

import csv
import importlib
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any


def _regex_parser() -> Any:
    """The parser behind re: ``re._parser`` on Python 3.11+, ``sre_parse`` before."""
    try:
        return importlib.import_module("re._parser")
    except ImportError:  # pragma: no cover (Python 3.10)
        return importlib.import_module("sre_parse")


sre_parse = _regex_parser()

RULE_COLUMNS = (
    "rule_id",
    "category",
    "pattern",
    "is_case_insensitive",
    "required_text",
    "family_template",
    "brand_template",
    "model_template",
)
CRAWLER_COLUMNS = ("crawler_id", "pattern", "required_text", "url")
RULES_SEED = "user_agent_rules.csv"
CRAWLERS_SEED = "crawler_user_agents.csv"
# Python re escapes that mean something else in an ARE (outside brackets; inside, both
# read \b as a backspace).
_ESCAPES = {r"\b": r"\y", r"\B": r"\Y", r"\A": "^", r"\Z": "$"}

# PostgreSQL allows repetition counts up to 255 (RE_DUP_MAX); uap-core bounds its wildcards
# with up to {0,300}. A single-character atom (a character, an escape, a bracket
# expression, .) followed by such a count.
_BOUNDED_REPEAT = re.compile(r"(\\.|\[\^?\]?(?:\\.|[^\]])*\]|[^\\\[\](){}|])\{(\d+),(\d+)\}(\??)")
_MAX_REPEAT = 255


def _split_repeat(match: re.Match[str]) -> str:
    """X{m,n} with n above 255 as X{m1,n1}X{m2,n2} (m1 + m2 = m, n1 + n2 = n, both lazy
    when the original is): the same strings, for an atom X of one character (so no
    capture group is duplicated)."""
    atom, low, high, lazy = match[1], int(match[2]), int(match[3]), match[4]
    if high <= _MAX_REPEAT:
        return match[0]
    first_low = min(low, _MAX_REPEAT)
    return (
        f"{atom}{{{first_low},{_MAX_REPEAT}}}{lazy}"
        f"{atom}{{{low - first_low},{high - _MAX_REPEAT}}}{lazy}"
    )


@dataclass(frozen=True)
class Seed:
    """One generated seed: its file name and CSV text."""

    name: str
    text: str


def to_postgres(pattern: str, *, case_insensitive: bool = False) -> str:
    """Translate a Python ``re`` pattern into a PostgreSQL ARE with the same meaning.

    Rewrites the escapes ARE reads differently (``\\b`` ``\\B`` ``\\A`` ``\\Z`` outside
    brackets) and prefixes ``(?i)`` for a case-insensitive pattern. Raises ValueError on syntax this
    translation does not handle (named groups, inline flags, lookbehind).
    """
    if re.search(r"\(\?P|\(\?<|\(\?[aiLmsux]", pattern):
        raise ValueError(f"unsupported Python regex syntax: {pattern!r}")
    out: list[str] = []
    in_brackets = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            escape = pattern[index : index + 2]
            out.append(escape if in_brackets else _ESCAPES.get(escape, escape))
            index += 2
            continue
        if char == "[" and not in_brackets:
            in_brackets = True
            out.append(char)
            index += 1
            # A ] right after [ or [^ is a literal ], not the end of the brackets.
            for literal in ("^", "]"):
                if pattern.startswith(literal, index):
                    out.append(literal)
                    index += 1
            continue
        if char == "]" and in_brackets:
            in_brackets = False
        out.append(char)
        index += 1
    translated = _BOUNDED_REPEAT.sub(_split_repeat, "".join(out))
    return "(?i)" + translated if case_insensitive else translated


def required_literal(pattern: str, *, case_insensitive: bool = False) -> str:
    """The longest literal text that every match of the Python ``re`` pattern contains
    (lowercase for a case-insensitive pattern), or '' when there is none of at least
    two characters. The model tests it with a plain substring search before it runs the
    regex: a cheap prefilter that never changes the result."""
    flags = re.IGNORECASE if case_insensitive else 0
    literals = _literals(sre_parse.parse(pattern, flags))
    best = max(literals, key=len, default="")
    if case_insensitive:
        best = best.lower()
    return best if len(best) >= 2 else ""


def _literals(parsed: Iterable[tuple[Any, Any]]) -> list[str]:
    """Literal runs that every match of a parsed (sub)pattern contains."""
    found: list[str] = []
    run: list[str] = []
    for op, value in parsed:
        if op is sre_parse.LITERAL and isinstance(value, int) and value < 128:
            run.append(chr(value))
            continue
        found.append("".join(run))
        run = []
        if op is sre_parse.SUBPATTERN:
            found.extend(_literals(value[-1]))
        elif op in (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT) and value[0] >= 1:
            found.extend(_literals(value[2]))
    found.append("".join(run))
    return found


def uap_rules() -> Iterator[dict[str, object]]:
    """uap-core's parsers in their order, as rows of the user_agent_rules seed.

    rule_id orders the rules within each category (first match wins); the category's
    families follow uap-core: ``$1`` (and ``$2``... for OS and devices) in a template
    stands for a capture group.
    """
    from ua_parser_builtins.matchers import MATCHERS

    browsers, systems, devices = MATCHERS
    rule_id = 0
    for category, matchers in (("os", systems), ("browser", browsers), ("device", devices)):
        for matcher in matchers:
            rule_id += 1
            case_insensitive = bool(getattr(matcher, "flags", 0) & re.IGNORECASE)
            yield {
                "rule_id": rule_id,
                "category": category,
                "pattern": to_postgres(matcher.regex, case_insensitive=case_insensitive),
                "is_case_insensitive": str(case_insensitive).lower(),
                "required_text": required_literal(matcher.regex, case_insensitive=case_insensitive),
                "family_template": matcher.family,
                "brand_template": getattr(matcher, "brand", "") or "",
                "model_template": getattr(matcher, "model", "") or "",
            }


def crawler_rules() -> Iterator[dict[str, object]]:
    """The crawler-user-agents patterns in the package's order (case-sensitive)."""
    from crawleruseragents import CRAWLER_USER_AGENTS_DATA

    for crawler_id, item in enumerate(CRAWLER_USER_AGENTS_DATA, start=1):
        yield {
            "crawler_id": crawler_id,
            "pattern": to_postgres(item["pattern"]),
            "required_text": required_literal(item["pattern"]),
            "url": item.get("url", ""),
        }


def _csv(columns: Iterable[str], rows: Iterable[dict[str, object]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def generate() -> list[Seed]:
    """The generated seeds, from the installed (pinned) packages."""
    return [
        Seed(RULES_SEED, _csv(RULE_COLUMNS, uap_rules())),
        Seed(CRAWLERS_SEED, _csv(CRAWLER_COLUMNS, crawler_rules())),
    ]


def versions() -> dict[str, str]:
    """The versions of the packages the seeds come from."""
    return {name: metadata.version(name) for name in ("ua-parser-builtins", "crawler-user-agents")}


def write(seeds_dir: Path) -> list[Path]:
    """Write the generated seeds into ``seeds_dir``; return the files written."""
    paths = []
    for seed in generate():
        path = seeds_dir / seed.name
        path.write_text(seed.text, encoding="utf-8")
        paths.append(path)
    return paths


def stale(seeds_dir: Path) -> list[str]:
    """Names of the seeds in ``seeds_dir`` that differ from what the packages give."""
    return [
        seed.name
        for seed in generate()
        if not (seeds_dir / seed.name).is_file()
        or (seeds_dir / seed.name).read_text(encoding="utf-8") != seed.text
    ]
