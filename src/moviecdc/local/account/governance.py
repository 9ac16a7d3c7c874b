"""Managed-access schemas, comments and tags.

- ``CREATE SCHEMA … WITH MANAGED ACCESS`` and ``ALTER SCHEMA … ENABLE | DISABLE MANAGED ACCESS``
  (https://docs.snowflake.com/en/sql-reference/sql/create-schema): the schema is made as any other (the ordinary
  path) and the setting recorded in the account store; nothing is enforced (grants are not).
- ``COMMENT [IF EXISTS] ON <object> IS '…'`` (https://docs.snowflake.com/en/sql-reference/sql/comment): tables,
  views, schemas, databases and columns keep their comment in DuckDB (fakesnow), warehouses, roles and users in
  the account store; the answer is Snowflake's "Statement executed successfully.".
- ``SHOW TABLES`` answers ``change_tracking`` ON for the tables created or altered with CHANGE_TRACKING = TRUE
  (:mod:`moviecdc.local.dialect.constraints` records it).
- ``CREATE / ALTER / DROP TAG`` and ``SHOW TAGS`` (https://docs.snowflake.com/en/sql-reference/sql/create-tag,
  https://docs.snowflake.com/en/sql-reference/sql/show-tags) are recorded; setting a tag's value on an object
  (``ALTER … SET TAG``, ``WITH TAG``) is refused with UnsupportedSqlError (tag values are not recorded).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from sqlglot import exp

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local.account import context, roles, store, users, warehouses
from moviecdc.local.account.clauses import (
    account_name,
    already_dropped,
    already_exists,
    created,
    does_not_exist,
    dropped,
    if_exists,
    if_not_exists,
    object_exists,
)
from moviecdc.local.core.names import ObjectName, display_part, take_name
from moviecdc.local.core.results import SUCCESS, Result, from_records, status
from moviecdc.local.core.router import Statement
from moviecdc.local.core.show_filters import parse_show
from moviecdc.local.core.tokens import Tokens
from moviecdc.local.dialect import constraints
from moviecdc.local.ordinary.statements import run_parsed

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine


# -- managed access -----------------------------------------------------------------------------------------


def _schema_key(engine: Engine, parts: tuple[Any, ...]) -> str:
    database = parts[0].resolved if len(parts) == 2 else engine.database
    if database is None or not parts or len(parts) > 2:
        raise LocalEngineError("Syntax error: expected a schema name (db.schema, or a current database).")
    return f"{display_part(database)}.{display_part(parts[-1].resolved)}"


def create_schema(engine: Engine, statement: Statement) -> Result:
    """CREATE [OR REPLACE] [TRANSIENT] SCHEMA [IF NOT EXISTS] name [WITH MANAGED ACCESS] …"""
    t = Tokens(statement.text)
    managed: tuple[int, int] | None = None
    name: tuple[Any, ...] = ()
    while not t.done:
        if not name and t.peek("SCHEMA"):
            t.i += 1
            t.accept("IF", "NOT", "EXISTS")
            name, t.i = take_name(t.tokens, t.i)
            continue
        if t.peek("WITH", "MANAGED", "ACCESS"):
            managed = (t.tokens[t.i].start, t.tokens[t.i + 2].end + 1)
            break
        t.i += 1
    text = statement.text if managed is None else statement.text[: managed[0]] + statement.text[managed[1] :]
    result = run_parsed(engine, Statement.of(text) if managed is not None else statement)
    message = str(result.table.column(0)[0]) if result.table.num_columns == 1 and result.table.num_rows == 1 else ""
    if name and message.endswith("successfully created."):
        key = _schema_key(engine, name)
        writes: list[tuple[str, list[Any]]] = [
            ("DELETE FROM {T}.SETTINGS WHERE OBJECT_KIND = 'SCHEMA' AND OBJECT_NAME = ? AND SETTING = 'MANAGED_ACCESS'",
             [key]),
        ]  # fmt: skip
        if managed is not None:
            writes.append(("INSERT INTO {T}.SETTINGS VALUES ('SCHEMA', ?, 'MANAGED_ACCESS', 'TRUE')", [key]))
        store.write(engine, writes)
    return result


def alter_schema(engine: Engine, statement: Statement) -> Result:
    """ALTER SCHEMA [IF EXISTS] name { ENABLE | DISABLE } MANAGED ACCESS; other ALTER SCHEMA go the ordinary way."""
    t = Tokens(statement.text)
    t.expect("ALTER", "SCHEMA")
    quiet = if_exists(t)
    parts, t.i = take_name(t.tokens, t.i)
    enable = t.accept("ENABLE", "MANAGED", "ACCESS")
    if not enable and not t.accept("DISABLE", "MANAGED", "ACCESS"):
        return run_parsed(engine, statement)
    key = _schema_key(engine, parts)
    database, schema = key.split(".")[0], parts[-1].resolved
    real_db = parts[0].resolved if len(parts) == 2 else engine.database
    if not engine.con.execute(
        "SELECT 1 FROM duckdb_schemas() WHERE database_name = ? AND schema_name = ?", [real_db, schema]
    ).fetchall():
        if quiet:
            return status(SUCCESS)
        raise does_not_exist("Schema", f"{database}.{display_part(schema)}", dotted=True)
    writes: list[tuple[str, list[Any]]] = [
        ("DELETE FROM {T}.SETTINGS WHERE OBJECT_KIND = 'SCHEMA' AND OBJECT_NAME = ? AND SETTING = 'MANAGED_ACCESS'",
         [key]),
    ]  # fmt: skip
    if enable:
        writes.append(("INSERT INTO {T}.SETTINGS VALUES ('SCHEMA', ?, 'MANAGED_ACCESS', 'TRUE')", [key]))
    store.write(engine, writes)
    return status(SUCCESS)


def managed_access(engine: Engine, database: str, schema: str) -> bool:
    """Was the schema created (or altered) WITH MANAGED ACCESS?"""
    return bool(
        store.rows(
            engine,
            "SELECT 1 FROM {T}.SETTINGS WHERE OBJECT_KIND = 'SCHEMA' AND OBJECT_NAME = ? "
            "AND SETTING = 'MANAGED_ACCESS'",
            [f"{display_part(database)}.{display_part(schema)}"],
        )
    )


# -- comments -----------------------------------------------------------------------------------------------

_ACCOUNT_OBJECTS = {"WAREHOUSE": "WAREHOUSES", "ROLE": "ROLES", "USER": "USERS"}


def comment(engine: Engine, statement: Statement) -> Result:
    """COMMENT [IF EXISTS] ON <kind> <name> IS '…'."""
    t = Tokens(statement.text)
    t.expect("COMMENT")
    quiet = if_exists(t)
    t.expect("ON")
    for kind, table in _ACCOUNT_OBJECTS.items():
        if t.accept(kind):
            name = account_name(t)
            t.expect("IS")
            text = t.value().text
            found = {"WAREHOUSE": warehouses.exists, "ROLE": roles.exists, "USER": users.exists}[kind](engine, name)
            if not found:
                if quiet:
                    return status(SUCCESS)
                raise does_not_exist(kind.capitalize(), name)
            store.write(engine, [(f"UPDATE {{T}}.{table} SET COMMENT = ? WHERE NAME = ?", [text, name])])
            return status(SUCCESS)
    commented = next((k for k in _DUCKDB_OBJECTS if t.accept(k)), None)
    if commented is None:
        raise UnsupportedSqlError(
            f"COMMENT ON {t.rest().split(' IS ')[0]} is not supported by the local engine: it keeps comments on "
            "tables, views, columns, schemas, databases, warehouses, roles and users."
        )
    missing = _missing_commented(engine, t, commented)
    if missing is not None:
        if quiet:
            return status(SUCCESS)
        raise missing
    run_parsed(engine, statement)  # tables, views, schemas, databases, columns: DuckDB keeps the comment
    return status(SUCCESS)


_DUCKDB_OBJECTS = ("TABLE", "VIEW", "COLUMN", "SCHEMA", "DATABASE")


def _missing_commented(engine: Engine, t: Tokens, kind: str) -> LocalEngineError | None:
    """Snowflake's error when the object of ``COMMENT ON <kind> <name>`` does not exist, else None (DuckDB's own
    answer for a missing one is a raw catalog error, or for some kinds success)."""
    parts, t.i = take_name(t.tokens, t.i)
    if not parts:
        raise LocalEngineError(f"Syntax error: COMMENT ON {kind} expects a name.")
    column = None
    if kind == "COLUMN":
        if len(parts) < 2:
            raise LocalEngineError("Syntax error: COMMENT ON COLUMN expects <table>.<column>.")
        parts, column = parts[:-1], parts[-1].resolved
    if kind == "DATABASE":
        found = engine.con.execute(
            "SELECT 1 FROM duckdb_databases() WHERE database_name = ? AND NOT internal", [parts[-1].resolved]
        ).fetchall()
        return None if found else does_not_exist("Database", parts[-1].resolved)
    if kind == "SCHEMA":
        in_database = parts[0].resolved if len(parts) == 2 else engine.database or ""
        schema = parts[-1].resolved
        found = engine.con.execute(
            "SELECT 1 FROM duckdb_schemas() WHERE database_name = ? AND schema_name = ?", [in_database, schema]
        ).fetchall()
        shown = f"{display_part(in_database)}.{display_part(schema)}"
        return None if found else does_not_exist("Schema", shown, dotted=True)
    name = engine.resolve(parts)
    views = kind == "VIEW"
    found = engine.con.execute(
        f"SELECT 1 FROM {'duckdb_views()' if views else 'duckdb_tables()'} "
        "WHERE database_name = ? AND schema_name = ? AND " + ("view_name" if views else "table_name") + " = ?",
        [name.database, name.schema, name.name],
    ).fetchall()
    if not found and kind == "COLUMN":  # a column of a view
        found = engine.con.execute(
            "SELECT 1 FROM duckdb_views() WHERE database_name = ? AND schema_name = ? AND view_name = ?",
            [name.database, name.schema, name.name],
        ).fetchall()
    if not found:
        return does_not_exist("View" if views else "Table", name.display, dotted=True)
    if column is not None and not engine.con.execute(
        "SELECT 1 FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? AND table_name = ? "
        "AND column_name = ?",
        [name.database, name.schema, name.name, column],
    ).fetchall():
        return LocalEngineError(
            f"000904 (42000): SQL compilation error: error line 0 at position -1\ninvalid identifier "
            f"'{display_part(column)}'"
        )
    return None


# -- SHOW TABLES' change_tracking ---------------------------------------------------------------------------


def show_tables(engine: Engine, statement: Statement) -> Result:
    """SHOW TABLES as fakesnow answers it, with ``change_tracking`` ON for the tables CHANGE_TRACKING = TRUE
    was set on (https://docs.snowflake.com/en/sql-reference/sql/show-tables); fakesnow answers OFF for all.
    ``IN DATABASE d`` / ``IN SCHEMA d.s`` of a container that does not exist is Snowflake's error, not an empty
    answer (the clauses are read here only for that; fakesnow answers the rest, HISTORY included)."""
    with contextlib.suppress(UnsupportedSqlError):
        parse_show(engine, statement.text, ("TABLES",))
    result = _with_change_tracked(engine, statement, run_parsed(engine, statement))
    table = result.table
    needed = ("database_name", "schema_name", "name", "change_tracking")
    if not all(column in table.column_names for column in needed):
        return result
    tracked = constraints.change_tracked(engine)
    if not tracked:
        return result
    rows = zip(*(table.column(c).to_pylist() for c in needed[:3]), strict=True)
    flags = [
        "ON" if ObjectName(str(d), str(s), str(n)) in tracked else old
        for (d, s, n), old in zip(rows, table.column("change_tracking").to_pylist(), strict=True)
    ]
    index = table.column_names.index("change_tracking")
    return Result(table.set_column(index, "change_tracking", pa.array(flags, pa.string())))


def _with_change_tracked(engine: Engine, statement: Statement, result: Result) -> Result:
    """A table with CHANGE_TRACKING = TRUE is tracked (its rows under a view, for its change log): DuckDB lists it
    as a view, so fakesnow's SHOW TABLES misses it. The same SHOW of views finds those in the statement's scope
    (LIKE, IN …), and each is added as a table row."""
    kept = {table.name for key, table in engine.tracked.items() if (key.database, table.uid) in engine.history}
    table = result.table
    if not kept or "name" not in table.column_names:
        return result
    words = statement.text.split()
    at = next((i for i, w in enumerate(words) if w.upper() == "TABLES"), None)
    if at is None:
        return result
    views = run_parsed(engine, Statement.of(" ".join([*words[:at], "VIEWS", *words[at + 1 :]]))).table
    if not all(c in views.column_names for c in ("database_name", "schema_name", "name")):
        return result
    columns = [c for c in ("created_on", "database_name", "schema_name", "name") if c in views.column_names]
    found = [
        row for row in views.select(columns).to_pylist()
        if ObjectName(str(row["database_name"]), str(row["schema_name"]), str(row["name"])) in kept
    ]  # fmt: skip
    if not found:
        return result
    defaults: dict[str, Any] = {"kind": "TABLE", "comment": "", "cluster_by": "", "rows": 0, "bytes": 0}
    defaults |= {"owner": "SYSADMIN", "retention_time": 1, "owner_role_type": "ROLE", "change_tracking": "ON"}
    extra = {
        field.name: pa.array(
            [
                row.get(field.name, defaults.get(field.name, "N" if field.name.startswith("is_") else None))
                for row in found
            ],
            field.type,
        )
        for field in table.schema
    }
    added = pa.table(extra, schema=table.schema)
    return Result(pa.concat_tables([table, added]).sort_by([("database_name", "ascending"), ("name", "ascending")]))


# -- tags ---------------------------------------------------------------------------------------------------


def _tag_name(engine: Engine, t: Tokens) -> ObjectName:
    name = t.name(engine)
    if not engine.con.execute(
        "SELECT 1 FROM duckdb_schemas() WHERE database_name = ? AND schema_name = ?", [name.database, name.schema]
    ).fetchall():
        raise does_not_exist("Schema", f"{display_part(name.database)}.{display_part(name.schema)}", dotted=True)
    return name


def _tag_exists(engine: Engine, name: ObjectName) -> bool:
    return bool(
        store.rows(
            engine,
            "SELECT 1 FROM {T}.TAGS WHERE DATABASE_NAME = ? AND SCHEMA_NAME = ? AND NAME = ?",
            [name.database, name.schema, name.name],
        )
    )


def _strings(t: Tokens) -> list[str]:
    values = [t.value().text]
    while t.accept(","):
        values.append(t.value().text)
    return values


def create_tag(engine: Engine, statement: Statement) -> Result:
    """CREATE [OR REPLACE] TAG [IF NOT EXISTS] name [ALLOWED_VALUES 'v' [, 'v' …]] [COMMENT = '…']."""
    t = Tokens(statement.text)
    t.expect("CREATE")
    replace = t.accept("OR", "REPLACE")
    t.expect("TAG")
    quiet = if_not_exists(t)
    name = _tag_name(engine, t)
    allowed: list[str] | None = None
    remark: str | None = None
    while not t.done:
        if t.accept("ALLOWED_VALUES"):
            allowed = _strings(t)
        elif t.accept("COMMENT", "="):
            remark = t.value().text
        else:
            raise UnsupportedSqlError(f"CREATE TAG clause {t.rest()!r} is not supported by the local engine.")
    engine.implicit_commit()
    if _tag_exists(engine, name) and not replace:
        if quiet:
            return status(already_exists(name.name))
        raise object_exists(name.name)
    key = [name.database, name.schema, name.name]
    values = json.dumps(allowed, separators=(",", ":")) if allowed is not None else None
    store.write(engine, [
        ("DELETE FROM {T}.TAGS WHERE DATABASE_NAME = ? AND SCHEMA_NAME = ? AND NAME = ?", key),
        ("INSERT INTO {T}.TAGS VALUES (?, ?, ?, ?, ?, ?, ?)",
         [*key, values, remark, context.of(engine).role, engine.now()]),
    ])  # fmt: skip
    return status(created("Tag", name.name))


def alter_tag(engine: Engine, statement: Statement) -> Result:
    """ALTER TAG [IF EXISTS] name RENAME TO n | SET COMMENT = '…' | UNSET COMMENT | ADD | DROP ALLOWED_VALUES …"""
    t = Tokens(statement.text)
    t.expect("ALTER", "TAG")
    quiet = if_exists(t)
    name = t.name(engine)
    if not _tag_exists(engine, name):
        if quiet:
            return status(SUCCESS)
        raise does_not_exist("Tag", name.display, dotted=True)
    key = [name.database, name.schema, name.name]
    where = " WHERE DATABASE_NAME = ? AND SCHEMA_NAME = ? AND NAME = ?"
    if t.accept("RENAME", "TO"):
        new = t.name(engine)
        change: tuple[str, list[Any]] = ("UPDATE {T}.TAGS SET DATABASE_NAME = ?, SCHEMA_NAME = ?, NAME = ?" + where,
                                         [new.database, new.schema, new.name, *key])  # fmt: skip
    elif t.accept("SET", "COMMENT", "="):
        change = ("UPDATE {T}.TAGS SET COMMENT = ?" + where, [t.value().text, *key])
    elif t.accept("UNSET", "COMMENT"):
        change = ("UPDATE {T}.TAGS SET COMMENT = NULL" + where, key)
    elif t.peek("ADD", "ALLOWED_VALUES") or t.peek("DROP", "ALLOWED_VALUES"):
        adding = t.accept("ADD", "ALLOWED_VALUES") or not t.accept("DROP", "ALLOWED_VALUES")
        values = _strings(t)
        row = store.rows(engine, "SELECT ALLOWED_VALUES FROM {T}.TAGS" + where, key)
        current: list[str] = json.loads(row[0][0]) if row and row[0][0] else []
        current = (
            [*current, *(v for v in values if v not in current)] if adding else [v for v in current if v not in values]
        )
        change = ("UPDATE {T}.TAGS SET ALLOWED_VALUES = ?" + where, [json.dumps(current, separators=(",", ":")), *key])
    elif t.accept("UNSET", "ALLOWED_VALUES"):
        change = ("UPDATE {T}.TAGS SET ALLOWED_VALUES = NULL" + where, key)
    else:
        raise UnsupportedSqlError(f"ALTER TAG … {t.rest()} is not supported by the local engine.")
    if not t.done:
        raise UnsupportedSqlError(f"ALTER TAG clause {t.rest()!r} is not supported by the local engine.")
    store.write(engine, [change])
    return status(SUCCESS)


def drop_tag(engine: Engine, statement: Statement) -> Result:
    """DROP TAG [IF EXISTS] name."""
    t = Tokens(statement.text)
    t.expect("DROP", "TAG")
    quiet = if_exists(t)
    name = t.name(engine)
    if not _tag_exists(engine, name):
        if quiet:
            return status(already_dropped(name.name))
        raise does_not_exist("Tag", name.display, dotted=True)
    store.write(engine, [
        ("DELETE FROM {T}.TAGS WHERE DATABASE_NAME = ? AND SCHEMA_NAME = ? AND NAME = ?",
         [name.database, name.schema, name.name]),
    ])  # fmt: skip
    return status(dropped(name.name))


_UTC = pa.timestamp("us", tz="UTC")
TAG_COLUMNS = (
    ("created_on", _UTC), ("name", pa.string()), ("database_name", pa.string()), ("schema_name", pa.string()),
    ("owner", pa.string()), ("comment", pa.string()), ("allowed_values", pa.string()),
    ("owner_role_type", pa.string()),
)  # fmt: skip


def show_tags(engine: Engine, statement: Statement) -> Result:
    """SHOW TAGS [LIKE '…'] [IN ACCOUNT | DATABASE d | SCHEMA s] [STARTS WITH '…'] [LIMIT n]."""
    show = parse_show(engine, statement.text, ("TAGS",))
    found = store.rows(
        engine,
        "SELECT CREATED_ON, NAME, DATABASE_NAME, SCHEMA_NAME, OWNER, COMMENT, ALLOWED_VALUES FROM {T}.TAGS "
        "ORDER BY DATABASE_NAME, SCHEMA_NAME, NAME",
    )
    records = [
        (_utc(r[0]), r[1], r[2], r[3], r[4], r[5] or "", r[6], "ROLE")
        for r in found
        if show.matches(ObjectName(r[2], r[3], r[1]))
    ]
    if show.limit is not None:
        records = records[: show.limit]
    return from_records([c for c, _ in TAG_COLUMNS], records, [t for _, t in TAG_COLUMNS])


def tag_values_rewriter(engine: Engine) -> Callable[[exp.Expr], exp.Expr]:
    """An ``engine.rewriters`` entry refusing ``ALTER … SET | UNSET TAG`` on tables, views, columns and schemas
    (fakesnow accepts SET TAG and does nothing; UNSET TAG is a DuckDB parser error)."""
    del engine

    def rewrite(ast: exp.Expr) -> exp.Expr:
        if isinstance(ast, exp.Alter) and any(node.args.get("tag") for node in ast.find_all(exp.AlterSet, exp.Set)):
            raise UnsupportedSqlError(
                "ALTER … SET | UNSET TAG is not supported by the local engine: tag values are not recorded."
            )
        return ast

    return rewrite


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=timezone.utc) if value is not None else None
