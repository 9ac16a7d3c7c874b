"""``USE [DATABASE | SCHEMA] …`` and ``CREATE DATABASE``, as Snowflake keeps the session's context.

- ``USE [DATABASE] db`` makes ``db`` current, with PUBLIC as the current schema "unless the PUBLIC schema doesn't
  exist", then none (https://docs.snowflake.com/en/sql-reference/sql/use-database).
- ``USE [SCHEMA] db.s`` makes both current; ``USE SCHEMA s`` takes ``s`` in the current database ("the SCHEMA
  keyword is optional if the schema name is fully qualified", https://docs.snowflake.com/en/sql-reference/sql/use-schema).
- ``USE`` of a database or schema that does not exist fails with Snowflake's error 002043 and leaves the context.
- ``CREATE DATABASE db`` creates PUBLIC (and INFORMATION_SCHEMA) in it and makes it current, "equivalent to using
  the USE DATABASE command" (https://docs.snowflake.com/en/sql-reference/sql/create-database, usage notes).

``USE ROLE``, ``USE WAREHOUSE`` and ``USE SECONDARY ROLES`` are not routed here.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pyarrow as pa
from fakesnow.dialect import parse_one
from sqlglot import exp

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local.core.names import display_part, quote
from moviecdc.local.core.results import SUCCESS, Result, status
from moviecdc.local.core.tokens import like_pattern

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine
    from moviecdc.local.core.router import Statement

PUBLIC = "PUBLIC"
INFORMATION_SCHEMA = "INFORMATION_SCHEMA"
# Snowflake's answer to USE of an object that does not exist (or that the role cannot see).
DOES_NOT_EXIST = "002043 (02000): SQL compilation error:\nObject does not exist, or operation cannot be performed."
NO_DATABASE = (
    "090105 (22000): Cannot perform USE. This session does not have a current database. "
    "Call 'USE DATABASE', or use a qualified name."
)
# DuckDB's own catalogs and schemas, and the engine's and fakesnow's hidden ones: never a Snowflake object.
_NOT_DATABASES = frozenset({"memory", "system", "temp", "_fs_global"})
_NOT_SCHEMAS = frozenset({"main", "pg_catalog", "information_schema", "_fs_information_schema", "_MOVIECDC"})


def use(engine: Engine, statement: Statement) -> Result:
    """USE db | USE DATABASE db | USE SCHEMA [db.]s | USE db.s."""
    ast = parse_one(statement.text)
    if not isinstance(ast, exp.Use) or not isinstance(ast.this, exp.Table):
        raise UnsupportedSqlError(f"{statement.keywords} is not supported by the local engine.")
    kind = str(ast.args["kind"].name).upper() if isinstance(ast.args.get("kind"), exp.Var) else ""
    table = ast.this
    parts = [_resolved(i) for i in (table.args.get("catalog"), table.args.get("db"), table.this) if i is not None]
    if kind == "DATABASE" or (kind == "" and len(parts) == 1):
        if len(parts) != 1:
            raise LocalEngineError(f"USE DATABASE takes one name; got {table.sql(dialect='snowflake')}.")
        database = parts[0]
        if not database_exists(engine, database):
            raise LocalEngineError(DOES_NOT_EXIST)
        engine.use(database, PUBLIC if schema_exists(engine, database, PUBLIC) else None)
        return status(SUCCESS)
    if len(parts) == 2:
        database, schema = parts
    elif len(parts) == 1:
        if engine.database is None:
            raise LocalEngineError(NO_DATABASE)
        database, schema = engine.database, parts[0]
    else:
        raise LocalEngineError(f"USE SCHEMA takes [database.]schema; got {table.sql(dialect='snowflake')}.")
    if not schema_exists(engine, database, schema):
        raise LocalEngineError(DOES_NOT_EXIST)
    engine.use(database, schema)
    return status(SUCCESS)


def create_database(engine: Engine, statement: Statement) -> Result:
    """CREATE [OR REPLACE] [TRANSIENT] DATABASE [IF NOT EXISTS] db: the database, its PUBLIC schema, and the
    session's context moved into it."""
    ast = parse_one(statement.text)
    node = ast.this if isinstance(ast, exp.Create) else None
    if not isinstance(node, exp.Table) or not isinstance(node.this, exp.Identifier) or node.args.get("db"):
        raise UnsupportedSqlError(
            "This form of CREATE DATABASE is not supported by the local engine (CLONE, FROM SHARE, AS REPLICA). "
            "Create the database by name: CREATE DATABASE db."
        )
    database = _resolved(node.this)
    engine.implicit_commit()
    if database_exists(engine, database):
        if ast.args.get("exists"):
            # Snowflake's docs do not say whether the context moves here; it stays, as nothing was created.
            return status(f"{display_part(database)} already exists, statement succeeded.")
        if ast.args.get("replace"):
            raise UnsupportedSqlError(
                f"CREATE OR REPLACE DATABASE of the existing database {display_part(database)} is not supported by "
                "the local engine (it would drop every object in it). Drop its schemas, or pick a new name."
            )
        raise LocalEngineError(
            f"002002 (42710): SQL compilation error:\nObject '{display_part(database)}' already exists."
        )
    if database.lower() in _NOT_DATABASES:
        raise UnsupportedSqlError(
            f"The local engine cannot create a database named {display_part(database)}: DuckDB reserves that name. "
            "Pick another name."
        )
    ast.set("replace", None)
    result = engine.fakesnow(ast.sql(dialect="snowflake"))
    engine.con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(database)}.{quote(PUBLIC)}")
    engine.invalidate()
    engine.use(database, PUBLIC)
    return result


def database_exists(engine: Engine, database: str) -> bool:
    if database.lower() in _NOT_DATABASES:
        return False
    rows = engine.con.execute("SELECT 1 FROM duckdb_databases() WHERE database_name = ?", [database]).fetchall()
    return bool(rows)


def schema_exists(engine: Engine, database: str, schema: str) -> bool:
    if not database_exists(engine, database):
        return False
    if schema == INFORMATION_SCHEMA:  # fakesnow's views of it, in every database it created
        schema = "_fs_information_schema"
    elif schema in _NOT_SCHEMAS:
        return False
    rows = engine.con.execute(
        "SELECT 1 FROM duckdb_schemas() WHERE database_name = ? AND schema_name = ?", [database, schema]
    ).fetchall()
    return bool(rows)


def _resolved(ident: exp.Expr) -> str:
    if not isinstance(ident, exp.Identifier):
        raise LocalEngineError(f"{ident.sql(dialect='snowflake')} is not a name.")
    return str(ident.name) if ident.args.get("quoted") else str(ident.name).upper()


def drop_database(engine: Engine, statement: Statement) -> Result:
    """DROP DATABASE [IF EXISTS] db [CASCADE | RESTRICT]: the database and everything in it (its file, with a
    path); a session whose current database it was has none afterwards.

    https://docs.snowflake.com/en/sql-reference/sql/drop-database. DuckDB has no DROP DATABASE: the database is
    detached and its file removed. Time Travel (UNDROP DATABASE) is not emulated.
    """
    ast = parse_one(statement.text)
    tables = ast.args.get("tables") or [] if isinstance(ast, exp.Drop) else []
    node = tables[0] if len(tables) == 1 else None
    if not isinstance(node, exp.Table) or not isinstance(node.this, exp.Identifier) or node.args.get("db"):
        raise LocalEngineError(f"DROP DATABASE takes one name; got {statement.text}.")
    database = _resolved(node.this)
    engine.implicit_commit()
    if not database_exists(engine, database):
        if ast.args.get("exists"):
            return status(f"Drop statement executed successfully ({display_part(database)} already dropped).")
        raise LocalEngineError(
            f"002003 (02000): SQL compilation error:\nDatabase '{display_part(database)}' does not exist or not "
            "authorized."
        )
    current = (engine.database, engine.schema)
    engine.use(None, None)  # DuckDB cannot detach the database its search path is in
    try:
        engine.con.execute(f"DETACH DATABASE {quote(database)}")
    except BaseException:
        engine.use(*current)
        raise
    finally:
        engine.invalidate()
    if current[0] != database:
        engine.use(*current)
    if engine.path is not None:
        for suffix in (".db", ".db.wal"):
            (engine.path / f"{database}{suffix}").unlink(missing_ok=True)
    return status(f"{display_part(database)} successfully dropped.")


# SHOW DATABASES | SCHEMAS [LIKE '<pattern>'] …: fakesnow ignores LIKE (every row came back).
_SHOW_LIKE = re.compile(r"^(\s*SHOW\s+(?:TERSE\s+)?(?:SCHEMAS|DATABASES))\s+LIKE\s+'((?:[^']|'')*)'", re.IGNORECASE)


_SHOW_IN_DATABASE = re.compile(r"\bIN\s+DATABASE\s+(\"(?:[^\"]|\"\")+\"|[A-Za-z_][\w$]*)", re.IGNORECASE)


def show(engine: Engine, statement: Statement) -> Result:
    """``SHOW DATABASES | SCHEMAS`` through fakesnow, with Snowflake's ``LIKE`` (case-insensitive, on the name)
    and Snowflake's name ``INFORMATION_SCHEMA`` (https://docs.snowflake.com/en/sql-reference/sql/show-schemas,
    https://docs.snowflake.com/en/sql-reference/sql/show-databases); the engine's ``_MOVIECDC`` schema is hidden."""
    text = statement.text
    scope = _SHOW_IN_DATABASE.search(text)
    if scope is not None:
        name = scope.group(1)
        database = name[1:-1].replace('""', '"') if name.startswith('"') else name.upper()
        if not database_exists(engine, database):
            raise LocalEngineError(
                f"002003 (02000): SQL compilation error:\nDatabase '{display_part(database)}' does not exist or not "
                "authorized."
            )
    match = _SHOW_LIKE.match(text)
    pattern = None
    if match is not None:
        pattern = like_pattern(match.group(2).replace("''", "'"))
        text = match.group(1) + text[match.end() :]
    table = engine.fakesnow(text).table
    if "name" not in table.column_names:
        return Result(table)
    index = table.column_names.index("name")
    names = [INFORMATION_SCHEMA if n == "information_schema" else n for n in table.column("name").to_pylist()]
    table = table.set_column(index, "name", pa.array(names, type=table.schema.field("name").type))
    keep = [
        n != "_MOVIECDC" and (pattern is None or (n is not None and pattern.fullmatch(n) is not None)) for n in names
    ]
    return Result(table.filter(pa.array(keep, type=pa.bool_())))
