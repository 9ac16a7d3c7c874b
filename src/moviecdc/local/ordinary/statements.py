"""Ordinary Snowflake statements: fakesnow runs them, the engine adds streams and change capture.

The path of a parsed statement:

1. the engine's rewriters run (a hook for the clock of the next issue), then every
   ``SYSTEM$STREAM_HAS_DATA('…')`` becomes a boolean literal;
2. DDL (CREATE / DROP / ALTER) commits an open transaction first, as Snowflake does; key constraints Snowflake
   does not enforce are removed and CHANGE_TRACKING recorded (:mod:`moviecdc.local.dialect.constraints`); DDL
   that would break a tracked table (DROP, CREATE OR REPLACE, ALTER) is handled here;
3. anything else runs in a transaction: streams it reads are materialised, DML on a tracked table goes
   through :mod:`moviecdc.local.streams.capture`, the rest through fakesnow; a DML statement that read a stream
   moves the stream's offset before the transaction commits.
"""

from __future__ import annotations

import re
from contextlib import suppress
from typing import TYPE_CHECKING

from fakesnow.dialect import parse_one
from sqlglot import exp

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local.core import catalog
from moviecdc.local.core.names import ObjectName, display_part, quote
from moviecdc.local.core.results import SUCCESS, Result, status
from moviecdc.local.dialect import constraints, rewrites
from moviecdc.local.ordinary import dml, plans, values
from moviecdc.local.streams import alter as table_alter
from moviecdc.local.streams import capture
from moviecdc.local.streams import reads as streams

if TYPE_CHECKING:
    from moviecdc.local.core.catalog import TrackedTable
    from moviecdc.local.core.engine import Engine
    from moviecdc.local.core.router import Statement

_DML = (exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.MultitableInserts)


# https://docs.snowflake.com/en/sql-reference/sql/begin, commit, rollback: nothing else (no savepoints, no chains)
_TRANSACTION = re.compile(
    r"(?:BEGIN(?: WORK| TRANSACTION)?|START TRANSACTION)(?: NAME [A-Za-z_][\w$]*)?|(?:COMMIT|ROLLBACK)(?: WORK)?",
    re.IGNORECASE,
)
_COMMENTS = re.compile(r"--[^\n]*|//[^\n]*|/\*.*?\*/", re.DOTALL)


def transaction(engine: Engine, statement: Statement) -> Result:
    """BEGIN [TRANSACTION] | START TRANSACTION | COMMIT | ROLLBACK."""
    words = " ".join(_COMMENTS.sub(" ", statement.text).split())
    if not _TRANSACTION.fullmatch(words):
        raise LocalEngineError(
            f"001003 (42000): SQL compilation error:\nsyntax error: {statement.text!r} is not a transaction statement "
            "(BEGIN [WORK | TRANSACTION] [NAME n], START TRANSACTION [NAME n], COMMIT [WORK], ROLLBACK [WORK])."
        )
    word = statement.keywords.split(" ")[0]
    if word in ("BEGIN", "START"):
        engine.begin()  # Snowflake ignores BEGIN inside an open transaction
    else:
        engine.end_transaction(commit=word == "COMMIT")
    return status(SUCCESS)


def run_parsed(engine: Engine, statement: Statement) -> Result:
    text = statement.text
    cached = plans.run(engine, text)  # a query or INSERT … VALUES whose shape ran before: no parsing at all
    if cached is None and statement.keywords.startswith("INSERT"):
        cached = values.run(engine, text)  # a bulk INSERT … VALUES of literals: no tree per literal
    if cached is not None:
        return cached
    if statement.keywords.startswith("MERGE") and "BY NAME" in text.upper():
        ast: exp.Expr = parse_one(dml.mark_all_by_name(text))
        dml.expand_all_by_name(engine, ast)  # the dialect's rewriter (on engine.rewriters) still runs on it below
    else:
        ast = rewrites.parse(engine, text)  # the dialect's rewrites, cached for plain statements
    for rewrite in engine.rewriters:
        ast = rewrite(ast)
    ast = streams.replace_has_data(engine, ast)
    if isinstance(ast, (exp.Command, exp.Create, exp.Drop, exp.Alter)):
        try:
            return _ddl(engine, ast)
        finally:
            engine.catalog_version += 1  # what a statement translates to may change with it (plans.py)
    with engine.atomic():
        target = _dml_target(engine, ast)
        if target is not None and target in engine.streams:
            raise LocalEngineError(f"Stream {target.display} cannot be the target of DML; streams are read-only.")
        if isinstance(ast, exp.MultitableInserts):
            dml.multitable_targets(engine, ast)  # a stream as a target is refused before streams are read
        skip = _target_node(ast)
        read = streams.materialise_reads(engine, ast, skip=skip)
        try:
            tracked = engine.tracked.get(target) if target is not None else None
            result = _run(engine, statement, ast, tracked)
            if isinstance(ast, _DML):
                streams.consume(engine, read)
        except BaseException:
            streams.release_temp(engine, read)
            raise
        # On failure the rollback drops the temporary views with everything else.
        streams.drop_temp(engine, read)
    return result


def _run(engine: Engine, statement: Statement, ast: exp.Expr, tracked: TrackedTable | None) -> Result:
    """DML on a tracked table through change capture; the forms fakesnow runs wrongly through
    :mod:`.dml`; the rest through fakesnow."""
    if isinstance(ast, exp.Insert) and ast.args.get("overwrite"):
        return dml.insert_overwrite(engine, ast, tracked)
    if isinstance(ast, exp.Merge):
        dml.check_whens(ast)
    result = _tracked_dml(engine, ast, tracked) if tracked is not None else None
    if result is not None:
        return result
    if isinstance(ast, exp.Merge):
        return dml.merge(engine, ast)
    if isinstance(ast, exp.Update) and ast.args.get("from_") is not None and isinstance(ast.this, exp.Table):
        return dml.update_from(engine, ast)
    if isinstance(ast, exp.MultitableInserts):
        return dml.multitable_insert(engine, ast, overwrite=statement.keywords.startswith("INSERT OVERWRITE"))
    return engine.fakesnow(ast.sql(dialect="snowflake"))


def _target_node(ast: exp.Expr) -> exp.Table | None:
    if isinstance(ast, exp.Insert):
        node = ast.this.this if isinstance(ast.this, exp.Schema) else ast.this
        return node if isinstance(node, exp.Table) else None
    if isinstance(ast, (exp.Update, exp.Delete, exp.Merge)):
        return ast.this if isinstance(ast.this, exp.Table) else None
    if isinstance(ast, exp.TruncateTable) and len(ast.expressions) == 1:
        node = ast.expressions[0]
        return node if isinstance(node, exp.Table) else None
    return None


def _dml_target(engine: Engine, ast: exp.Expr) -> ObjectName | None:
    node = _target_node(ast)
    return engine.resolve_table(node) if node is not None else None


def _tracked_dml(engine: Engine, ast: exp.Expr, tracked: TrackedTable) -> Result | None:
    if isinstance(ast, exp.Insert):
        if ast.args.get("alternative") or ast.args.get("conflict"):
            raise UnsupportedSqlError("INSERT with a conflict clause into a table with a stream is not supported.")
        return capture.insert(engine, ast, tracked)
    if isinstance(ast, exp.Update):
        return capture.update(engine, ast, tracked)
    if isinstance(ast, exp.Delete):
        return capture.delete(engine, ast, tracked)
    if isinstance(ast, exp.Merge):
        return capture.merge(engine, ast, tracked)
    if isinstance(ast, exp.TruncateTable):
        return capture.truncate(engine, tracked)
    return None


def _ddl(engine: Engine, ast: exp.Expr) -> Result:
    engine.implicit_commit()
    if isinstance(ast, exp.Command):
        return _fakesnow(engine, ast)
    # Keys Snowflake does not enforce are removed, CHANGE_TRACKING recorded (dialect/constraints.py).
    prepared = constraints.prepare(engine, ast)
    if prepared.ast is None:
        return constraints.finish(engine, prepared, status(SUCCESS))
    return constraints.finish(engine, prepared, _table_ddl(engine, prepared.ast))


def _table_ddl(engine: Engine, ast: exp.Expr) -> Result:
    kind = str(ast.args.get("kind") or "").upper()
    node = ast.this if isinstance(ast.this, exp.Table) else ast.find(exp.Table)
    creates = kind in ("TABLE", "VIEW", "DATABASE", "SCHEMA") and isinstance(ast, exp.Create)
    if creates and ast.args.get("exists") and isinstance(node, exp.Table) and _exists(engine, kind, node):
        label = _ident_text(node.args["db"]) if kind == "SCHEMA" else _resolved_part(node)
        return status(f"{display_part(label)} already exists, statement succeeded.")
    if kind == "SCHEMA" and isinstance(ast, exp.Create) and isinstance(node, exp.Table) and _exists(engine, kind, node):
        _replace_schema(engine, ast, node)
    name = engine.resolve_table(node) if isinstance(node, exp.Table) and kind in ("TABLE", "VIEW") else None
    tracked = engine.tracked.get(name) if name is not None else None
    if isinstance(ast, exp.Alter) and name is not None and (tracked is not None or table_alter.handles(ast)):
        return table_alter.alter(engine, ast, name, tracked)  # columns, name, parameters (streams/alter.py)
    if tracked is not None:
        if kind == "VIEW":
            raise LocalEngineError(f"SQL compilation error: Object found is of type 'TABLE', not 'VIEW': {name}.")
        if isinstance(ast, exp.Drop):
            # The table goes; its streams stay, stale, as in Snowflake.
            with engine.atomic():
                catalog.untrack(engine.con, tracked)
            engine.invalidate()
            return status(f"{display_part(tracked.name.name)} successfully dropped.")
        if ast.args.get("replace"):
            return _replace_tracked(engine, ast, tracked)
    if isinstance(ast, exp.Drop) and kind == "SCHEMA" and isinstance(node, exp.Table):
        _drop_schema_objects(engine, node)
    # CREATE TABLE … AS SELECT … FROM stream reads the stream without consuming it (it is not DML).
    read = streams.materialise_reads(engine, ast, skip=node if isinstance(node, exp.Table) else None)
    if read.streams and kind == "VIEW":
        streams.drop_temp(engine, read)
        raise UnsupportedSqlError(
            "A view over a stream is not supported by the local engine (its delta exists only while a statement "
            "reads it). Select from the stream directly."
        )
    context = (engine.database, engine.schema)
    try:
        result = _fakesnow(engine, ast)
    finally:
        streams.drop_temp(engine, read)
        engine.invalidate()
    if isinstance(ast, exp.Drop) and kind == "SCHEMA" and isinstance(node, exp.Table):
        # fakesnow forgets the current schema when one of the same name is dropped in any database; the
        # session loses it only when the dropped schema is the current one (then it has none, as Snowflake).
        dropped = (_ident_text(node.args["catalog"]) if node.args.get("catalog") else context[0], _resolved_db(node))
        engine.use(context[0], None if dropped == context else context[1])
    return result


def _replace_schema(engine: Engine, ast: exp.Expr, node: exp.Table) -> None:
    """CREATE [OR REPLACE] SCHEMA of an existing schema: Snowflake's error without OR REPLACE; with it the old
    schema goes with everything in it (its tasks, streams and tracked tables, through the DROP SCHEMA route), and
    the caller then creates the new one. Two steps here, one atomic statement in Snowflake."""
    schema = _ident_text(node.args["db"])
    if not ast.args.get("replace"):
        message = f"002002 (42710): SQL compilation error:\nObject '{display_part(schema)}' already exists."
        raise LocalEngineError(message)
    database = _ident_text(node.args["catalog"]) if node.args.get("catalog") else engine.database
    engine.run(f"DROP SCHEMA {quote(database or '')}.{quote(schema)}")
    ast.set("replace", None)


def _replace_tracked(engine: Engine, ast: exp.Expr, tracked: TrackedTable) -> Result:
    """CREATE OR REPLACE of a table with streams: the old table goes (its streams stay, stale, as in
    Snowflake) and the new one is made; a failing statement leaves the old table, its rows and its streams.

    fakesnow's CREATE writes its own catalog database, and one DuckDB transaction writes one database, so
    dropping the old table and creating the new one cannot share a transaction. Instead the statement is run
    first under a scratch name (a CTAS computes its rows there), and only when that succeeds is the old table
    dropped and the statement run for real. A stream it reads, even one on the table it replaces, is read
    into a temporary table before anything happens, as Snowflake evaluates the query before it replaces.
    """
    target = ast.this.this if isinstance(ast.this, exp.Schema) else ast.this
    read = streams.materialise_reads(engine, ast, skip=target if isinstance(target, exp.Table) else None, as_table=True)
    probe_name = ObjectName(tracked.name.database, tracked.name.schema, "_MOVIECDC_REPLACE_PROBE")
    probe = ast.copy()
    probe.set("replace", None)
    probe_target = probe.this.this if isinstance(probe.this, exp.Schema) else probe.this
    probe_target.replace(probe_name.table())
    try:
        engine.fakesnow(f"DROP TABLE IF EXISTS {probe_name.sql}")  # left by a crash between these statements
        _fakesnow(engine, probe)  # fails here, before anything is dropped, if the statement would
        with engine.atomic():
            catalog.untrack(engine.con, tracked)
        engine.invalidate()
        return _fakesnow(engine, ast)
    finally:
        with suppress(Exception):
            engine.fakesnow(f"DROP TABLE IF EXISTS {probe_name.sql}")
        streams.drop_temp(engine, read)
        engine.invalidate()


def _fakesnow(engine: Engine, ast: exp.Expr) -> Result:
    return engine.fakesnow(ast.sql(dialect="snowflake"))


def _resolved_part(node: exp.Expr | None) -> str:
    if isinstance(node, exp.Table) and isinstance(node.this, exp.Identifier):
        ident = node.this
        return str(ident.name) if ident.args.get("quoted") else str(ident.name).upper()
    return ""


def _resolved_db(node: exp.Table) -> str | None:
    ident = node.args.get("db")
    return _ident_text(ident) if isinstance(ident, exp.Identifier) else None


def _ident_text(ident: exp.Identifier) -> str:
    return str(ident.name) if ident.args.get("quoted") else str(ident.name).upper()


def _exists(engine: Engine, kind: str, node: exp.Expr | None) -> bool:
    if not isinstance(node, exp.Table):
        return False
    if kind == "DATABASE":
        name = _resolved_part(node)
        rows = engine.con.execute("SELECT 1 FROM duckdb_databases() WHERE database_name = ?", [name]).fetchall()
        return bool(rows)
    if kind == "SCHEMA":
        # CREATE SCHEMA parses as a table whose "db" is the schema and "catalog" the database.
        schema, database = node.args.get("db"), node.args.get("catalog")
        if not isinstance(schema, exp.Identifier):
            return False
        rows = engine.con.execute(
            "SELECT 1 FROM duckdb_schemas() WHERE database_name = ? AND schema_name = ?",
            [_ident_text(database) if isinstance(database, exp.Identifier) else engine.database, _ident_text(schema)],
        ).fetchall()
        return bool(rows)
    resolved = engine.resolve_table(node)
    return resolved is not None and catalog.object_kind(engine.con, resolved) is not None


def _drop_schema_objects(engine: Engine, node: exp.Table) -> None:
    """DROP SCHEMA takes its tracked tables and streams with it."""
    schema_ident, db_ident = node.args.get("db"), node.args.get("catalog")
    if not isinstance(schema_ident, exp.Identifier):
        return
    database = _ident_text(db_ident) if isinstance(db_ident, exp.Identifier) else engine.database
    schema = _ident_text(schema_ident)
    with engine.atomic():
        for tracked in list(engine.tracked.values()):
            if tracked.name.database == database and tracked.name.schema == schema:
                catalog.untrack(engine.con, tracked)
        for stream in list(engine.streams.values()):
            if stream.name.database == database and stream.name.schema == schema:
                catalog.delete_stream(engine.con, stream)
    engine.invalidate()
