"""The preflight: before deploy changes anything, does the current role hold every privilege deploy needs?

``Pipeline(session).check()`` (and ``moviecdc check``) answers with a :class:`CheckReport`: the role, the
session's warehouse, each privilege deploy needs and whether the role has it, and the exact ``GRANT``
statements an administrator runs for what is missing. ``deploy()`` runs it first and stops before step 1
when something is missing.

What Snowflake documents and this module relies on:

- ``SHOW GRANTS TO ROLE <role>`` lists the privileges *explicitly granted* to that role, one per row, with the
  columns ``created_on, privilege, granted_on, name, granted_to, grantee_name, grant_option, granted_by``
  (https://docs.snowflake.com/en/sql-reference/sql/show-grants,
  https://docs.snowflake.com/en/release-notes/bcr-bundles/2025_01/bcr-1803). A role also has what the roles
  granted to it have (rows ``privilege = USAGE, granted_on = ROLE``), and every role has what ``PUBLIC`` has,
  so the check walks that hierarchy. The role that owns an object (``OWNERSHIP``) holds every privilege on it.
- Objects are created, and owned, by the session's *primary* role (privileges of secondary roles do not
  authorise CREATE <object>), and that owner runs the tasks and refreshes: only the primary role counts here.
- Resuming a task needs the global EXECUTE TASK privilege on the task owner's role, and a serverless task
  also EXECUTE MANAGED TASK (https://docs.snowflake.com/en/user-guide/tasks-intro,
  https://docs.snowflake.com/en/sql-reference/sql/alter-task).
- Creating a dynamic table needs CREATE DYNAMIC TABLE on the schema, USAGE on the database, the schema and
  the warehouse that refreshes it (https://docs.snowflake.com/en/user-guide/dynamic-tables/privileges); a
  task needs CREATE TASK on the schema and USAGE on its warehouse; tables and streams CREATE TABLE and
  CREATE STREAM on the schema; ``CREATE DATABASE`` and ``CREATE SCHEMA`` the privileges of those names.

Not checked (documented in docs/snowflake_setup.md): objects of the pipeline that already exist but are owned
by another role, privileges held through database roles, and managed-access schemas.

On ``LocalSession`` the check reads the roles and grants the engine records (``CREATE ROLE``, ``GRANT``, ``USE
ROLE``; ``SHOW GRANTS`` answers from them) with the same queries as on Snowflake, so a missing privilege is
reported with its exact GRANT offline. With the engine's default role, ACCOUNTADMIN (a fresh session is a trial
account's first user), the role owns everything it works with: the report passes and says so. The engine itself
still does not enforce access control (docs/local_engine.md): the check is the only place local grants count.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from moviecdc import sql
from moviecdc.config import PipelineConfig
from moviecdc.status import fields

# Every role is granted PUBLIC (https://docs.snowflake.com/en/user-guide/security-access-control-overview).
PUBLIC = "PUBLIC"
MAX_ROLES = 100  # a bound on the hierarchy walk (one SHOW GRANTS per role)
SCHEMA_PRIVILEGES = ("CREATE TABLE", "CREATE STREAM", "CREATE TASK", "CREATE DYNAMIC TABLE")

LOCAL_NOTE = (
    "on the local engine (LocalSession) the current role is the default ACCOUNTADMIN, which owns everything it "
    "works with; after USE ROLE <role> this checks the grants recorded locally, as against Snowflake"
)
LOCAL_DEFAULT_ROLE = "ACCOUNTADMIN"


@dataclass(frozen=True)
class Requirement:
    """One privilege deploy needs, on one object (``kind`` ACCOUNT, WAREHOUSE, DATABASE or SCHEMA)."""

    privilege: str
    kind: str
    parts: tuple[str, ...]  # the object's name, canonical parts; () for ACCOUNT
    why: str
    granted: bool

    @property
    def target(self) -> str:
        if self.kind == "ACCOUNT":
            return self.kind
        return f"{self.kind} " + ".".join(sql.quote_name(part) for part in self.parts)

    def __str__(self) -> str:
        return f"{'ok     ' if self.granted else 'MISSING'} {self.privilege} on {self.target}: {self.why}"


@dataclass(frozen=True)
class CheckReport:
    """What the preflight found. ``ok`` when deploy can run; ``grants`` are the statements that make it so."""

    role: str | None
    warehouse: str | None
    requirements: tuple[Requirement, ...] = ()
    problems: tuple[str, ...] = ()  # what no GRANT fixes (no current role, a database that does not exist)
    roles: tuple[str, ...] = ()  # the roles whose grants were read: the current role and those it inherits
    enforced: bool = True
    notes: tuple[str, ...] = field(default=())

    @property
    def missing(self) -> tuple[Requirement, ...]:
        return tuple(r for r in self.requirements if not r.granted)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.problems

    @property
    def grants(self) -> list[str]:
        """The GRANT statements for every missing privilege, one per object, in the order they are needed."""
        if self.role is None:
            return []
        by_target: dict[tuple[str, tuple[str, ...]], list[str]] = {}
        for requirement in self.missing:
            by_target.setdefault((requirement.kind, requirement.parts), []).append(requirement.privilege)
        return [str(sql.grant(privileges, kind, parts, self.role)) for (kind, parts), privileges in by_target.items()]

    def __str__(self) -> str:
        if not self.enforced:
            return f"check: passed; {self.notes[0] if self.notes else LOCAL_NOTE}"
        verdict = "passed" if self.ok else f"{len(self.missing) + len(self.problems)} problem(s); deploy would fail"
        lines = [
            f"check: {verdict}",
            f"  role: {self.role or '(none)'}"
            + (f" (inherits {', '.join(r for r in self.roles if r != self.role)})" if len(self.roles) > 1 else ""),
            f"  session warehouse: {self.warehouse or '(none)'}",
        ]
        lines += [f"  {r}" for r in self.requirements]
        lines += [f"  PROBLEM {p}" for p in self.problems]
        lines += [f"  note: {n}" for n in self.notes]
        if self.grants:
            lines.append("An administrator (e.g. ACCOUNTADMIN or SECURITYADMIN) runs, to grant what is missing:")
            lines += [f"  {statement};" for statement in self.grants]
        return "\n".join(lines)


def is_local(session: object) -> bool:
    """Whether ``session`` is the embedded engine (without importing it: Streamlit in Snowflake has no DuckDB)."""
    local = sys.modules.get("moviecdc.local")
    return local is not None and isinstance(session, local.LocalSession)


def run_check(session: Any, config: PipelineConfig) -> CheckReport:
    """Read the role's grants and compare them with what deploying ``config`` needs. Read-only."""

    def query(text: str) -> list[dict[str, Any]]:
        return [fields(row) for row in session.sql(text).collect()]

    context = query(sql.current_context())[0]
    role, warehouse = _text(context.get("role")), _text(context.get("warehouse"))
    if is_local(session) and role == LOCAL_DEFAULT_ROLE:
        return CheckReport(role=role, warehouse=warehouse, enforced=False, notes=(LOCAL_NOTE,))
    if role is None:
        return CheckReport(
            None,
            warehouse,
            problems=("the session has no current role: set `role` in the connection, or run USE ROLE <role>",),
        )
    roles, grants = _hierarchy(query, role)
    held = _Held(grants)
    database, schema = config.database, config.schema_name
    database_exists = _exists(query(sql.show_databases(database)), database)
    schema_exists = database_exists and _exists(query(sql.show_schemas(database, schema)), schema)

    requirements: list[Requirement] = []

    def need(privilege: str, kind: str, parts: tuple[str, ...], why: str) -> None:
        granted = held.has(privilege, kind, parts) or (kind != "ACCOUNT" and held.has("OWNERSHIP", kind, parts))
        requirements.append(Requirement(privilege, kind, parts, why, granted))

    problems, notes = _placement(need, config, database_exists, schema_exists)
    for name, why in _warehouses(config):
        need("USAGE", "WAREHOUSE", (name,), why)
    need("EXECUTE TASK", "ACCOUNT", (), "ALTER TASK … RESUME checks it on the task owner's role")
    if config.warehouse is None:
        need("EXECUTE MANAGED TASK", "ACCOUNT", (), "the tasks are serverless (warehouse = None)")
    if warehouse is None:
        notes.append(
            "the session has no current warehouse: status(), refresh() and writing bookings run queries; set "
            "`warehouse` in the connection"
        )
    if len(roles) >= MAX_ROLES:
        notes.append(f"only the first {MAX_ROLES} roles of the hierarchy were read")
    return CheckReport(role, warehouse, tuple(requirements), tuple(problems), roles, True, tuple(notes))


def _placement(
    need: Callable[[str, str, tuple[str, ...], str], None],
    config: PipelineConfig,
    database_exists: bool,
    schema_exists: bool,
) -> tuple[list[str], list[str]]:
    """The database and schema privileges (through ``need``); what no GRANT fixes, and notes.

    Objects this deploy creates are owned by the role, which then holds every privilege on them: a database
    that does not exist yet needs only CREATE DATABASE.
    """
    database, schema = config.database, config.schema_name
    db, sc = (database,), (database, schema)
    problems: list[str] = []
    notes: list[str] = []
    if config.create_database:
        need("CREATE DATABASE", "ACCOUNT", (), "deploy runs CREATE DATABASE IF NOT EXISTS (create_database = true)")
        if schema_exists:
            notes.append(
                f"{database}.{schema} exists: with create_database = false deploy skips CREATE DATABASE/SCHEMA "
                "and needs no CREATE DATABASE privilege"
            )
    elif not database_exists:
        problems.append(
            f"database {sql.quote_name(database)} does not exist or this role cannot see it: create it and grant "
            "USAGE on it, or set create_database = true"
        )
    elif not schema_exists:
        problems.append(
            f"schema {sql.quote_name(database)}.{sql.quote_name(schema)} does not exist or this role cannot see it: "
            "create it and grant USAGE on it, or set create_database = true"
        )
    if database_exists:
        need("USAGE", "DATABASE", db, "every object lives in it")
        if config.create_database and not schema_exists:
            need("CREATE SCHEMA", "DATABASE", db, "deploy runs CREATE SCHEMA IF NOT EXISTS")
    if schema_exists:
        need("USAGE", "SCHEMA", sc, "every object lives in it")
        for privilege in SCHEMA_PRIVILEGES:
            need(privilege, "SCHEMA", sc, _SCHEMA_WHY[privilege])
    return problems, notes


_SCHEMA_WHY = {
    "CREATE TABLE": "the raw table and Bronze",
    "CREATE STREAM": "the raw table's stream",
    "CREATE TASK": "the ingest task (and the Gold refresh task)",
    "CREATE DYNAMIC TABLE": "Silver, the rejected table and Gold",
}


def _warehouses(config: PipelineConfig) -> list[tuple[str, str]]:
    used: dict[str, list[str]] = {}
    if config.warehouse is not None:
        used.setdefault(config.warehouse, []).append("the tasks run on it")
    if config.dt_warehouse is not None:
        used.setdefault(config.dt_warehouse, []).append("the dynamic tables refresh on it")
    return [(name, " and ".join(whys)) for name, whys in used.items()]


class _Held:
    """The grants of a role hierarchy, as (privilege, granted_on, name parts)."""

    def __init__(self, grants: Iterable[dict[str, Any]]) -> None:
        self.grants = {
            (str(g.get("privilege", "")).upper(), str(g.get("granted_on", "")).upper(), _parts(g.get("name")))
            for g in grants
        }
        self.account_wide = {privilege for privilege, kind, _ in self.grants if kind == "ACCOUNT"}

    def has(self, privilege: str, kind: str, parts: tuple[str, ...]) -> bool:
        if kind == "ACCOUNT":  # name is the account's name: any row on ACCOUNT counts
            return privilege in self.account_wide
        return (privilege, kind, parts) in self.grants


def _hierarchy(query: Any, role: str) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
    """The role, every role granted to it (transitively) and PUBLIC, with all their grants."""
    roles: list[str] = []
    grants: list[dict[str, Any]] = []
    pending = [role, PUBLIC]
    while pending and len(roles) < MAX_ROLES:
        current = pending.pop(0)
        if current in roles:
            continue
        roles.append(current)
        for row in query(sql.show_grants_to_role(current)):
            grants.append(row)
            if str(row.get("granted_on", "")).upper() == "ROLE" and str(row.get("privilege", "")).upper() == "USAGE":
                (inherited,) = _parts(row.get("name")) or ("",)
                if inherited and inherited not in roles:
                    pending.append(inherited)
    return tuple(roles), grants


def _exists(rows: Sequence[dict[str, Any]], name: str) -> bool:
    """SHOW … LIKE matches ``_`` as a wildcard: keep the exact name."""
    return any(row.get("name") == name for row in rows)


def _parts(name: object) -> tuple[str, ...]:
    """A name as SHOW GRANTS prints it (``MOVIES.PUBLIC``, ``MOVIES."Cdc Demo"``) as canonical parts.

    >>> _parts('MOVIES."Cdc Demo"'), _parts("COMPUTE_WH")
    (('MOVIES', 'Cdc Demo'), ('COMPUTE_WH',))
    """
    if not isinstance(name, str) or not name:
        return ()
    parts, current, quoted, i = [], "", False, 0
    while i < len(name):
        char = name[i]
        if char == '"':
            if quoted and name[i + 1 : i + 2] == '"':
                current += '"'
                i += 1
            else:
                quoted = not quoted
        elif char == "." and not quoted:
            parts.append(current)
            current = ""
        else:
            current += char
        i += 1
    parts.append(current)
    return tuple(parts)


def _text(value: object) -> str | None:
    return str(value) if value not in (None, "") else None
