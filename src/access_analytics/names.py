"""The schema and role names a ``dbt build`` of the project gives, honouring its vars.

One place for them, so that no module of the harness types ``marts`` or
``analytics_reader`` into its SQL:

- Layer schemas follow ``macros/generate_schema_name.sql``: ``<schema_prefix><layer>``,
  the var ``schema_prefix`` (default empty, declared in ``dbt_project.yml``) in front of
  the folder's ``+schema`` (``seeds``, ``staging``, ``intermediate``, ``marts``) and of
  the dashboards' views (``marts_pseudonymised``, ``macros/create_pseudonymised_views.sql``).
- The raw schema is the loaders' (``schema: raw`` of every source): never prefixed.
- The read-only roles follow ``macros/reader_roles.sql``: var ``reader_role`` (default
  ``analytics_reader``, dashboards) and var ``security_role`` (default
  ``security_analyst``, the security marts); a role set to null does not exist.

Relations are returned as :class:`psycopg.sql.Identifier`, for queries built with
``psycopg.sql``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import yaml
from psycopg import sql

RAW_SCHEMA = "raw"
# The layers' custom schemas (dbt_project.yml `+schema`) and the dashboards' views.
SEEDS, STAGING, INTERMEDIATE, MARTS = "seeds", "staging", "intermediate", "marts"
PSEUDONYMISED = "marts_pseudonymised"
LAYERS = (SEEDS, STAGING, INTERMEDIATE, MARTS)
# The defaults of macros/reader_roles.sql (a test checks that they agree).
DEFAULT_READER_ROLE = "analytics_reader"
DEFAULT_SECURITY_ROLE = "security_analyst"


@dataclass(frozen=True)
class Names:
    """Schema and role names of one set of dbt vars (the defaults when built bare)."""

    schema_prefix: str = ""
    reader_role: str | None = DEFAULT_READER_ROLE
    security_role: str | None = DEFAULT_SECURITY_ROLE

    @classmethod
    def from_vars(cls, project_vars: Mapping[str, Any]) -> Names:
        """The names for these dbt vars (a var that is absent keeps its default)."""
        return cls(
            schema_prefix=str(project_vars.get("schema_prefix") or ""),
            reader_role=_role(project_vars, "reader_role", DEFAULT_READER_ROLE),
            security_role=_role(project_vars, "security_role", DEFAULT_SECURITY_ROLE),
        )

    def schema(self, layer: str) -> str:
        """The schema of a dbt layer (``marts``, ...): the prefix, then the layer."""
        return self.schema_prefix + layer

    def relation(self, layer: str, name: str) -> sql.Identifier:
        """A relation of a dbt layer, as a qualified identifier."""
        return sql.Identifier(self.schema(layer), name)

    def mart(self, name: str) -> sql.Identifier:
        """A table of the marts."""
        return self.relation(MARTS, name)

    def raw(self, name: str) -> sql.Identifier:
        """A table of the loaders' raw schema (never prefixed)."""
        return sql.Identifier(RAW_SCHEMA, name)

    def schemas(self) -> tuple[str, ...]:
        """The raw schema and every layer's, in the order data flows."""
        return (RAW_SCHEMA, *(self.schema(layer) for layer in LAYERS))

    def reader_roles(self) -> dict[str, str]:
        """The read-only roles as {audience: role}: ``analytics`` and ``security``, each
        only when its var is not null (``reader_roles()`` of the dbt project)."""
        roles = {"analytics": self.reader_role, "security": self.security_role}
        return {audience: role for audience, role in roles.items() if role}


# The names of a project built with no vars set.
DEFAULT = Names()


def _role(project_vars: Mapping[str, Any], name: str, default: str) -> str | None:
    if name not in project_vars:
        return default
    value = project_vars[name]
    return str(value) if value else None


def project_vars(project_dir: Path) -> dict[str, Any]:
    """The ``vars:`` of the project's ``dbt_project.yml`` (empty when it has none, or
    there is no such file: a folder that is not a dbt project builds with the defaults)."""
    path = Path(project_dir) / "dbt_project.yml"
    if not path.is_file():
        return {}
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    found = document.get("vars") if isinstance(document, dict) else None
    return dict(found) if isinstance(found, dict) else {}


def for_project(project_dir: Path, overrides: Mapping[str, Any] | None = None) -> Names:
    """The names of the project at ``project_dir``: its ``dbt_project.yml`` vars, then
    ``overrides`` (what ``dbt --vars`` would be given) on top."""
    return Names.from_vars({**project_vars(project_dir), **(overrides or {})})


def relation_exists(conn: psycopg.Connection[Any], relation: sql.Identifier) -> bool:
    """Whether the table or view exists (and the connection's role may see it)."""
    row = conn.execute("select to_regclass(%s) is not null", [relation.as_string(conn)]).fetchone()
    return bool(row and row[0])
