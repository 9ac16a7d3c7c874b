"""GRANT and REVOKE: privileges on objects, and roles, to roles and users.

Every grant is recorded (one row per privilege, object and grantee) and answered by SHOW GRANTS
(:mod:`.show_grants`); none is enforced: access control is not emulated locally. Syntax:
https://docs.snowflake.com/en/sql-reference/sql/grant-privilege, https://docs.snowflake.com/en/sql-reference/sql/grant-role,
https://docs.snowflake.com/en/sql-reference/sql/revoke-privilege, https://docs.snowflake.com/en/sql-reference/sql/revoke-role.

``ON ALL TABLES | VIEWS IN SCHEMA | DATABASE`` grants on each object that exists now, as Snowflake does; ``ON
FUTURE …`` is recorded for SHOW FUTURE GRANTS. ``ALL [PRIVILEGES]`` is kept as one privilege ``ALL``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlglot.tokenizer_core import TokenType

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local.account import context, roles, store, users, warehouses
from moviecdc.local.account.clauses import account_name, does_not_exist
from moviecdc.local.core import catalog
from moviecdc.local.core.names import ObjectName, display_part, take_name
from moviecdc.local.core.results import SUCCESS, Result, status
from moviecdc.local.core.tokens import Tokens

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine
    from moviecdc.local.core.router import Statement

# Object kinds a privilege can be granted on (longest phrase first), and how their name is read.
_ACCOUNT_KINDS = ("RESOURCE MONITOR", "WAREHOUSE", "INTEGRATION", "USER", "DATABASE")
_SCHEMA_KINDS = (
    "MATERIALIZED VIEW", "DYNAMIC TABLE", "EXTERNAL TABLE", "EVENT TABLE", "ICEBERG TABLE", "HYBRID TABLE",
    "FILE FORMAT", "MASKING POLICY", "ROW ACCESS POLICY", "NETWORK POLICY", "TABLE", "VIEW", "STREAM", "TASK",
    "STAGE", "SEQUENCE", "FUNCTION", "PROCEDURE", "PIPE", "TAG", "ALERT", "SECRET",
)  # fmt: skip
_PLURALS = {"TABLES": "TABLE", "VIEWS": "VIEW", "SCHEMAS": "SCHEMA"}
_FUTURE_PLURALS = {
    "TABLES": "TABLE", "VIEWS": "VIEW", "SCHEMAS": "SCHEMA", "DYNAMIC TABLES": "DYNAMIC_TABLE", "STREAMS": "STREAM",
    "TASKS": "TASK", "STAGES": "STAGE", "SEQUENCES": "SEQUENCE", "FUNCTIONS": "FUNCTION", "PROCEDURES": "PROCEDURE",
    "FILE FORMATS": "FILE_FORMAT", "MATERIALIZED VIEWS": "MATERIALIZED_VIEW", "PIPES": "PIPE",
}  # fmt: skip
_HIDDEN_SCHEMAS = (catalog.HIDDEN_SCHEMA, "information_schema", "_fs_information_schema", "main", "pg_catalog")


@dataclass(frozen=True)
class Target:
    """What a privilege is granted on: objects that exist (kind, name) or a FUTURE scope."""

    objects: tuple[tuple[str, str], ...]
    future: tuple[str, str, str] | None = None  # (object kind, DATABASE | SCHEMA, scope name)


def _words_until(t: Tokens, *stops: str) -> list[str]:
    words: list[str] = []
    while not t.done and not any(t.peek(s) for s in stops):
        words.append(t.tokens[t.i].text.upper() if t.tokens[t.i].token_type != TokenType.STRING else t.tokens[t.i].text)
        t.i += 1
    return words


def _privileges(t: Tokens) -> list[str]:
    words = _words_until(t, "ON")
    t.expect("ON")
    found = [p.strip() for p in " ".join(words).split(",")]
    found = ["ALL" if p in ("ALL", "ALL PRIVILEGES") else p for p in found]
    if not all(found):
        raise LocalEngineError("Syntax error: expected a privilege.")
    return found


def _schema_name(engine: Engine, t: Tokens) -> tuple[str, str]:
    parts, t.i = take_name(t.tokens, t.i)
    database = parts[0].resolved if len(parts) == 2 else engine.database
    if not parts or len(parts) > 2 or database is None:
        raise LocalEngineError("Syntax error: expected a schema name (db.schema, or a current database).")
    schema = parts[-1].resolved
    if not engine.con.execute(
        "SELECT 1 FROM duckdb_schemas() WHERE database_name = ? AND schema_name = ?", [database, schema]
    ).fetchall():
        raise does_not_exist("Schema", _dotted(database, schema), dotted=True)
    return database, schema


def _database_name(engine: Engine, t: Tokens) -> str:
    name = account_name(t)
    if not engine.con.execute("SELECT 1 FROM duckdb_databases() WHERE database_name = ?", [name]).fetchall():
        raise does_not_exist("Database", name)
    return name


def _dotted(*parts: str) -> str:
    return ".".join(display_part(p) for p in parts)


def _target(engine: Engine, t: Tokens) -> Target:
    if t.accept("ACCOUNT"):
        return Target((("ACCOUNT", "ACCOUNT"),))
    for bulk in ("ALL", "FUTURE"):
        if t.accept(bulk):
            plural = " ".join(_words_until(t, "IN"))
            t.expect("IN")
            scope = "DATABASE" if t.accept("DATABASE") else "SCHEMA"
            if scope == "SCHEMA":
                t.expect("SCHEMA")
            names = (_database_name(engine, t),) if scope == "DATABASE" else _schema_name(engine, t)
            if bulk == "FUTURE":
                if plural not in _FUTURE_PLURALS:
                    raise UnsupportedSqlError(f"GRANT … ON FUTURE {plural} is not supported by the local engine.")
                return Target((), (_FUTURE_PLURALS[plural], scope, _dotted(*names)))
            if plural not in _PLURALS or (plural == "SCHEMAS" and scope != "DATABASE"):
                raise UnsupportedSqlError(f"GRANT … ON ALL {plural} IN {scope} is not supported by the local engine.")
            return Target(_existing(engine, _PLURALS[plural], names))
    for kind in (*_ACCOUNT_KINDS, "SCHEMA", *_SCHEMA_KINDS):
        if t.accept(*kind.split(" ")):
            return Target(((kind.replace(" ", "_"), _object_name(engine, t, kind)),))
    raise UnsupportedSqlError(f"GRANT … ON {t.rest()} is not supported by the local engine.")


def _object_name(engine: Engine, t: Tokens, kind: str) -> str:
    if kind == "DATABASE":
        return _database_name(engine, t)
    if kind == "SCHEMA":
        return _dotted(*_schema_name(engine, t))
    if kind in _ACCOUNT_KINDS:
        name = account_name(t)
        if kind == "WAREHOUSE" and not warehouses.exists(engine, name):
            raise does_not_exist("Warehouse", name)
        if kind == "USER" and not users.exists(engine, name):
            raise does_not_exist("User", name)
        return name
    parts, t.i = take_name(t.tokens, t.i)
    if not parts:
        raise LocalEngineError(f"Syntax error: expected the name of a {kind.lower()}.")
    resolved = engine.resolve(parts)
    if t.peek("("):  # a function or procedure signature: kept as written
        words = _words_until(t, "TO", "FROM")
        return resolved.display + "".join(words)
    if kind in ("TABLE", "VIEW") and catalog.object_kind(engine.con, resolved) is None:
        raise does_not_exist("Table" if kind == "TABLE" else "View", resolved.display, dotted=True)
    return resolved.display


def _existing(engine: Engine, kind: str, scope: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    database = scope[0]
    if kind == "SCHEMA":
        rows = engine.con.execute(
            "SELECT schema_name FROM duckdb_schemas() WHERE database_name = ? ORDER BY 1", [database]
        ).fetchall()
        return tuple(("SCHEMA", _dotted(database, r[0])) for r in rows if r[0] not in _HIDDEN_SCHEMAS)
    found: dict[str, list[ObjectName]] = {"TABLE": [], "VIEW": []}
    for source, column, label in (("duckdb_tables() WHERE true", "table_name", "TABLE"),
                                  ("duckdb_views() WHERE NOT internal", "view_name", "VIEW")):  # fmt: skip
        query = f"SELECT schema_name, {column} FROM {source} AND database_name = ?"
        params: list[Any] = [database]
        if len(scope) == 2:
            query += " AND schema_name = ?"
            params.append(scope[1])
        for schema, name in engine.con.execute(query + " ORDER BY 1, 2", params).fetchall():
            if schema not in _HIDDEN_SCHEMAS:
                found[label].append(ObjectName(database, schema, name))
    # A table with a stream is a view over its storage here; Snowflake knows it as a table.
    tracked = set(engine.tracked)
    chosen = (
        [*found["TABLE"], *(v for v in found["VIEW"] if v in tracked)]
        if kind == "TABLE"
        else [v for v in found["VIEW"] if v not in tracked]
    )
    return tuple((kind, name.display) for name in sorted(chosen, key=lambda n: (n.schema, n.name)))


def _grantee(engine: Engine, t: Tokens) -> tuple[str, str]:
    if t.accept("DATABASE", "ROLE") or t.accept("APPLICATION") or t.accept("SHARE"):
        raise UnsupportedSqlError(
            "Grants to database roles, applications and shares are not supported by the local engine."
        )
    kind = "USER" if t.accept("USER") else "ROLE"
    if kind == "ROLE":
        t.accept("ROLE")
    name = account_name(t)
    if kind == "ROLE":
        roles.require(engine, name)
    elif not users.exists(engine, name):
        raise does_not_exist("User", name)
    return kind, name


def grant(engine: Engine, statement: Statement) -> Result:
    """GRANT ROLE r TO {ROLE | USER} x; GRANT privileges ON target TO [ROLE] r | USER u [WITH GRANT OPTION];
    GRANT OWNERSHIP ON target TO [ROLE] r [{REVOKE | COPY} CURRENT GRANTS]."""
    t = Tokens(statement.text)
    t.expect("GRANT")
    granted_by = context.of(engine).role or ""
    now = engine.now()
    if t.accept("ROLE"):
        role = account_name(t)
        roles.require(engine, role)
        t.expect("TO")
        kind, grantee = _grantee(engine, t)
        if kind == "ROLE" and grantee in roles.inherited(engine, role):
            raise LocalEngineError(
                f"SQL compilation error:\nRole {display_part(grantee)} cannot be granted to role "
                f"{display_part(role)}: it would create a cycle in the role hierarchy."
            )
        _finish(t)
        _write(engine, [("USAGE", "ROLE", role)], kind, grantee, now, grant_option=False, granted_by=granted_by)
        return status(SUCCESS)
    if t.peek("DATABASE", "ROLE"):
        raise UnsupportedSqlError("GRANT DATABASE ROLE is not supported by the local engine.")
    privileges = _privileges(t)
    target = _target(engine, t)
    t.expect("TO")
    kind, grantee = _grantee(engine, t)
    grant_option = t.accept("WITH", "GRANT", "OPTION")
    if privileges == ["OWNERSHIP"]:
        t.accept("REVOKE", "CURRENT", "GRANTS") or t.accept("COPY", "CURRENT", "GRANTS")
    _finish(t)
    if target.future is not None:
        object_kind, scope_kind, scope = target.future
        store.write(engine, [
            (
                "DELETE FROM {T}.FUTURE_GRANTS WHERE PRIVILEGE = ? AND GRANT_ON = ? AND SCOPE_KIND = ? "
                "AND SCOPE_NAME = ? AND GRANT_TO = ? AND GRANTEE_NAME = ?",
                [p, object_kind, scope_kind, scope, kind, grantee],
            )
            for p in privileges
        ] + [
            ("INSERT INTO {T}.FUTURE_GRANTS VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
             [p, object_kind, scope_kind, scope, kind, grantee, grant_option, now])
            for p in privileges
        ])  # fmt: skip
        return status(SUCCESS)
    rows = [(p, on, name) for on, name in target.objects for p in privileges]
    if privileges == ["OWNERSHIP"]:
        store.write(engine, [
            ("DELETE FROM {T}.GRANTS WHERE PRIVILEGE = 'OWNERSHIP' AND GRANTED_ON = ? AND NAME = ?", [on, name])
            for on, name in target.objects
        ])  # fmt: skip
    _write(engine, rows, kind, grantee, now, grant_option=grant_option, granted_by=granted_by)
    return status(SUCCESS)


def _write(
    engine: Engine,
    rows: list[tuple[str, str, str]],
    kind: str,
    grantee: str,
    now: Any,
    *,
    grant_option: bool,
    granted_by: str,
) -> None:
    store.write(engine, [
        (
            "DELETE FROM {T}.GRANTS WHERE PRIVILEGE = ? AND GRANTED_ON = ? AND NAME = ? AND GRANTED_TO = ? "
            "AND GRANTEE_NAME = ?",
            [p, on, name, kind, grantee],
        )
        for p, on, name in rows
    ] + [
        ("INSERT INTO {T}.GRANTS VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [p, on, name, kind, grantee, grant_option,
                                                                   granted_by, now])
        for p, on, name in rows
    ])  # fmt: skip


def _finish(t: Tokens) -> None:
    if not t.done:
        raise UnsupportedSqlError(f"GRANT/REVOKE clause {t.rest()!r} is not supported by the local engine.")


def revoke(engine: Engine, statement: Statement) -> Result:
    """REVOKE ROLE r FROM {ROLE | USER} x; REVOKE [GRANT OPTION FOR] privileges ON target FROM [ROLE] r | USER u
    [RESTRICT | CASCADE]."""
    t = Tokens(statement.text)
    t.expect("REVOKE")
    if t.accept("ROLE"):
        role = account_name(t)
        roles.require(engine, role)
        t.expect("FROM")
        kind, grantee = _grantee(engine, t)
        _finish(t)
        store.write(engine, [
            ("DELETE FROM {T}.GRANTS WHERE GRANTED_ON = 'ROLE' AND NAME = ? AND GRANTED_TO = ? AND GRANTEE_NAME = ?",
             [role, kind, grantee]),
        ])  # fmt: skip
        return status(SUCCESS)
    option_only = t.accept("GRANT", "OPTION", "FOR")
    privileges = _privileges(t)
    target = _target(engine, t)
    t.expect("FROM")
    kind, grantee = _grantee(engine, t)
    t.accept("RESTRICT") or t.accept("CASCADE")
    _finish(t)
    which = "" if privileges == ["ALL"] else f" AND PRIVILEGE IN ({', '.join('?' for _ in privileges)})"
    chosen = [] if privileges == ["ALL"] else privileges
    if target.future is not None:
        object_kind, scope_kind, scope = target.future
        change = "UPDATE {T}.FUTURE_GRANTS SET GRANT_OPTION = FALSE" if option_only else "DELETE FROM {T}.FUTURE_GRANTS"
        store.write(engine, [(
            f"{change} WHERE GRANT_ON = ? AND SCOPE_KIND = ? AND SCOPE_NAME = ? AND GRANT_TO = ? AND GRANTEE_NAME = ?"
            + which,
            [object_kind, scope_kind, scope, kind, grantee, *chosen],
        )])  # fmt: skip
        return status(SUCCESS)
    change = "UPDATE {T}.GRANTS SET GRANT_OPTION = FALSE" if option_only else "DELETE FROM {T}.GRANTS"
    store.write(engine, [
        (f"{change} WHERE GRANTED_ON = ? AND NAME = ? AND GRANTED_TO = ? AND GRANTEE_NAME = ?" + which,
         [on, name, kind, grantee, *chosen])
        for on, name in target.objects
    ])  # fmt: skip
    return status(SUCCESS)


def parse_target(engine: Engine, t: Tokens) -> Target:
    """The object of ``SHOW GRANTS ON …`` (same grammar as GRANT's)."""
    return _target(engine, t)
