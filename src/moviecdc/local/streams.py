"""Streams: CREATE / DROP / SHOW / DESCRIBE STREAM, reading a stream, SYSTEM$STREAM_HAS_DATA.

Snowflake's statements are followed clause by clause
(https://docs.snowflake.com/en/sql-reference/sql/create-stream): fakesnow (sqlglot) parses CREATE STREAM
only as an opaque command, so the few clauses are read here from sqlglot's tokens, and any clause the
engine does not emulate is refused by name rather than ignored.
"""

from __future__ import annotations

import re
from contextlib import suppress
from dataclasses import dataclass
from datetime import timezone
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa
from sqlglot import exp
from sqlglot.tokenizer_core import Token, TokenType

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local import catalog
from moviecdc.local.catalog import ROW_ID, StreamDef
from moviecdc.local.delta import delta_sql, has_data_sql
from moviecdc.local.names import _TOKENIZER, ObjectName, display_part, parse_name, take_name
from moviecdc.local.results import Result, from_records, status

if TYPE_CHECKING:
    from moviecdc.local.dispatch import Statement
    from moviecdc.local.engine import Engine


@dataclass(frozen=True)
class CreateStream:
    name: ObjectName
    table: ObjectName
    or_replace: bool
    if_not_exists: bool
    append_only: bool
    show_initial_rows: bool
    comment: str | None


class _Tokens:
    """A cursor over sqlglot tokens with the few reads a DDL clause needs."""

    def __init__(self, text: str) -> None:
        self.tokens: list[Token] = _TOKENIZER.tokenize(text)
        self.i = 0

    def peek(self, *words: str) -> bool:
        end = self.i + len(words)
        if end > len(self.tokens):
            return False
        return all(t.text.upper() == w for t, w in zip(self.tokens[self.i : end], words, strict=True))

    def accept(self, *words: str) -> bool:
        if self.peek(*words):
            self.i += len(words)
            return True
        return False

    def expect(self, *words: str) -> None:
        if not self.accept(*words):
            found = self.tokens[self.i].text if self.i < len(self.tokens) else "end of statement"
            raise LocalEngineError(f"Syntax error: expected {' '.join(words)}, found {found!r}.")

    def name(self, engine: Engine) -> ObjectName:
        parts, self.i = take_name(self.tokens, self.i)
        if not parts:
            raise LocalEngineError("Syntax error: expected an object name.")
        return engine.resolve(parts)

    def value(self) -> Token:
        if self.i >= len(self.tokens):
            raise LocalEngineError("Syntax error: expected a value.")
        self.i += 1
        return self.tokens[self.i - 1]

    @property
    def done(self) -> bool:
        return self.i >= len(self.tokens)

    def rest(self) -> str:
        return " ".join(t.text for t in self.tokens[self.i :])


def _bool(token: Token, option: str) -> bool:
    if token.token_type in (TokenType.TRUE, TokenType.FALSE):
        return token.token_type == TokenType.TRUE
    raise LocalEngineError(f"{option} takes TRUE or FALSE, not {token.text!r}.")


def parse_create(engine: Engine, text: str) -> CreateStream:
    t = _Tokens(text)
    t.expect("CREATE")
    or_replace = t.accept("OR", "REPLACE")
    t.expect("STREAM")
    if_not_exists = t.accept("IF", "NOT", "EXISTS")
    if or_replace and if_not_exists:
        raise LocalEngineError("OR REPLACE and IF NOT EXISTS cannot be used together.")
    name = t.name(engine)
    t.accept("COPY", "GRANTS")
    t.expect("ON")
    for kind in ("VIEW", "EXTERNAL", "STAGE", "DYNAMIC", "DIRECTORY"):
        if t.peek(kind):
            raise UnsupportedSqlError(
                f"CREATE STREAM ON {kind} is not supported by the local engine; only streams on tables are. "
                "Create the stream on the base table."
            )
    t.expect("TABLE")
    table = t.name(engine)
    append_only = show_initial_rows = False
    comment: str | None = None
    while not t.done:
        if t.peek("AT") or t.peek("BEFORE"):
            raise UnsupportedSqlError(
                "CREATE STREAM … AT | BEFORE (time travel) is not supported by the local engine. "
                "Create the stream without it; it starts at the current state of the table."
            )
        option = t.value().text.upper()
        t.expect("=")
        if option == "APPEND_ONLY":
            append_only = _bool(t.value(), option)
        elif option == "SHOW_INITIAL_ROWS":
            show_initial_rows = _bool(t.value(), option)
        elif option == "COMMENT":
            comment = t.value().text
        elif option == "INSERT_ONLY":
            raise UnsupportedSqlError(
                "INSERT_ONLY streams (external tables) are not supported by the local engine. "
                "Use APPEND_ONLY = TRUE on a table."
            )
        else:
            raise UnsupportedSqlError(f"CREATE STREAM option {option} is not supported by the local engine.")
    return CreateStream(name, table, or_replace, if_not_exists, append_only, show_initial_rows, comment)


def create(engine: Engine, statement: Statement) -> Result:
    spec = parse_create(engine, statement.text)
    engine.implicit_commit()
    label = display_part(spec.name.name)
    with engine.atomic():
        existing = engine.streams.get(spec.name)
        if existing is not None:
            if spec.if_not_exists:
                return status(f"{label} already exists, statement succeeded.")
            if not spec.or_replace:
                raise LocalEngineError(f"SQL compilation error: Object '{spec.name.display}' already exists.")
            catalog.delete_stream(engine.con, existing)
        tracked = engine.tracked.get(spec.table)
        if tracked is None:
            kind = catalog.object_kind(engine.con, spec.table)
            if kind == "VIEW":
                raise UnsupportedSqlError(
                    "Streams on views are not supported by the local engine. Create the stream on the base table."
                )
            if kind is None:
                raise LocalEngineError(f"Table '{spec.table.display}' does not exist or not authorized.")
            tracked = catalog.track(engine.con, spec.table, engine.now())
        db = spec.table.database
        stream = StreamDef(
            uid=catalog.next_uid(engine.con, db),
            name=spec.name,
            table=spec.table,
            table_uid=tracked.uid,
            mode="APPEND_ONLY" if spec.append_only else "DEFAULT",
            show_initial_rows=spec.show_initial_rows,
            initial_pending=spec.show_initial_rows,
            offset=engine.snapshot(db),
            stale=False,
            invalid_reason=None,
            comment=spec.comment,
            created_on=engine.now(),
        )
        if spec.show_initial_rows:
            engine.con.execute(
                f'CREATE TABLE {stream.initial.sql} AS SELECT "{ROW_ID}", {tracked.quoted_columns} '
                f"FROM {tracked.data.sql}"
            )
        catalog.insert_stream(engine.con, stream)
    engine.invalidate()
    return status(f"Stream {label} successfully created.")


def drop(engine: Engine, statement: Statement) -> Result:
    t = _Tokens(statement.text)
    t.expect("DROP")
    t.expect("STREAM")
    if_exists = t.accept("IF", "EXISTS")
    name = t.name(engine)
    if not t.done:
        raise LocalEngineError(f"Syntax error: unexpected {t.rest()!r} after the stream name.")
    engine.implicit_commit()
    stream = engine.streams.get(name)
    if stream is None:
        if if_exists:
            return status(f"Drop statement executed successfully ({display_part(name.name)} already dropped).")
        raise LocalEngineError(f"SQL compilation error: Stream '{name.display}' does not exist or not authorized.")
    with engine.atomic():
        catalog.delete_stream(engine.con, stream)
    engine.invalidate()
    return status(f"{display_part(name.name)} successfully dropped.")


SHOW_COLUMNS = (
    ("created_on", pa.timestamp("us", tz="UTC")),
    ("name", pa.string()),
    ("database_name", pa.string()),
    ("schema_name", pa.string()),
    ("owner", pa.string()),
    ("comment", pa.string()),
    ("table_name", pa.string()),
    ("source_type", pa.string()),
    ("base_tables", pa.string()),
    ("type", pa.string()),
    ("stale", pa.string()),
    ("mode", pa.string()),
    ("stale_after", pa.timestamp("us", tz="UTC")),
    ("invalid_reason", pa.string()),
    ("owner_role_type", pa.string()),
)


def _show_row(s: StreamDef) -> tuple[object, ...]:
    created = s.created_on.replace(tzinfo=timezone.utc) if s.created_on else None
    table = s.table.display
    return (
        created,
        s.name.name,
        s.name.database,
        s.name.schema,
        "SYSADMIN",
        s.comment or "",
        table,
        "Table",
        table,
        "DELTA",
        "true" if s.stale else "false",
        s.mode,
        None,
        s.invalid_reason or "N/A",
        "ROLE",
    )


def _show_result(streams: list[StreamDef]) -> Result:
    rows = [_show_row(s) for s in sorted(streams, key=lambda s: (s.name.name, s.name.database, s.name.schema))]
    return from_records([c for c, _ in SHOW_COLUMNS], rows, [t for _, t in SHOW_COLUMNS])


def show(engine: Engine, statement: Statement) -> Result:
    """SHOW [TERSE] STREAMS [LIKE '…'] [IN ACCOUNT | DATABASE [db] | SCHEMA [s] | name] [STARTS WITH '…'] [LIMIT n]."""
    from moviecdc.local.show import parse_show  # noqa: PLC0415 - show.py builds on this module's tokens

    found = parse_show(engine, statement.text, ("STREAMS",))
    result = _show_result([s for s in engine.streams.values() if found.matches(s.name)])
    return result if found.limit is None else Result(result.table.slice(0, found.limit))


def describe(engine: Engine, statement: Statement) -> Result:
    t = _Tokens(statement.text)
    if not t.accept("DESCRIBE"):
        t.expect("DESC")
    t.expect("STREAM")
    name = t.name(engine)
    stream = engine.streams.get(name)
    if stream is None:
        raise LocalEngineError(f"SQL compilation error: Stream '{name.display}' does not exist or not authorized.")
    return _show_result([stream])


def _like(pattern: str) -> re.Pattern[str]:
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.compile(regex, re.IGNORECASE | re.DOTALL)


# -- reading streams -----------------------------------------------------------------------------------


def readable(engine: Engine, stream: StreamDef) -> None:
    if stream.stale:
        raise LocalEngineError(
            f"Stream {stream.name.display} is stale ({stream.invalid_reason}). "
            "Recreate it with CREATE OR REPLACE STREAM."
        )


def has_data(engine: Engine, name_text: str) -> bool:
    """SYSTEM$STREAM_HAS_DATA: does the stream have a non-empty net change right now?"""
    stream = engine.streams.get(engine.resolve(parse_name(name_text)))
    if stream is None:
        raise LocalEngineError(f"Stream '{name_text}' does not exist or not authorized.")
    readable(engine, stream)
    tracked = engine.tracked_by_uid(stream.catalog_db, stream.table_uid)
    assert tracked is not None
    row = engine.con.execute(has_data_sql(stream, tracked, engine.snapshot(stream.catalog_db))).fetchall()
    return bool(row and row[0][0])


def replace_has_data(engine: Engine, expression: exp.Expr) -> exp.Expr:
    """Evaluate every SYSTEM$STREAM_HAS_DATA('<name>') call to a boolean literal."""

    def visit(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Anonymous) and str(node.this).upper() == "SYSTEM$STREAM_HAS_DATA":
            args = node.expressions
            if len(args) != 1 or not (isinstance(args[0], exp.Literal) and args[0].is_string):
                raise LocalEngineError("SYSTEM$STREAM_HAS_DATA takes one string: the stream's name.")
            value = exp.Boolean(this=has_data(engine, args[0].this))
            if isinstance(node.parent, exp.Select) and node.arg_key == "expressions":
                # Snowflake names an unaliased call column after the call's text.
                return exp.alias_(value, node.sql(dialect="snowflake"), quoted=True)
            return value
        return node

    return expression.transform(visit, copy=False)


@dataclass
class StreamRead:
    """Streams a statement reads, each as a temporary view of its delta (``kind`` TABLE: its rows)."""

    streams: list[tuple[StreamDef, int]]
    temp_tables: list[ObjectName]
    kind: str = "VIEW"


def materialise_reads(
    engine: Engine, expression: exp.Expr, skip: exp.Table | None = None, *, as_table: bool = False
) -> StreamRead:
    """Replace each stream reference in ``expression`` with a temporary view of its delta.

    Must run inside the statement's transaction: the view reads the events up to the transaction's snapshot,
    and the offset moves (for DML) to that same snapshot. A view rather than a table: the delta's rows are
    computed as the statement reads them, not written out first (one write of every row fewer; events the
    statement itself logs come after the snapshot, so the view never sees them). ``as_table`` writes the rows
    out instead, for a statement that replaces the stream's table before it reads them.
    """
    read = StreamRead([], [], "TABLE" if as_table else "VIEW")
    if not engine.streams:
        return read
    ctes = {cte.alias_or_name.upper() for cte in expression.find_all(exp.CTE)}
    done: dict[ObjectName, ObjectName] = {}
    for node in list(expression.find_all(exp.Table)):
        if node is skip or (not node.args.get("db") and node.name.upper() in ctes):
            continue
        name = engine.resolve_table(node)
        stream = engine.streams.get(name) if name else None
        if stream is None or name is None:
            continue
        if name not in done:
            try:
                done[name] = _read(engine, stream, read)
            except BaseException:
                # e.g. a second, stale stream: the reads made so far go (outside a transaction nothing rolls
                # them back), and their names are free again.
                with suppress(duckdb.Error):
                    drop_temp(engine, read)
                release_temp(engine, read)
                raise
        alias = node.args.get("alias") or exp.TableAlias(this=node.this.copy())
        replacement = done[name].table()
        replacement.set("alias", alias.copy())
        node.replace(replacement)
    return read


def _read(engine: Engine, stream: StreamDef, read: StreamRead) -> ObjectName:
    """One stream's delta as a temporary view (or table) of ``read``; returns its name."""
    readable(engine, stream)
    tracked = engine.tracked_by_uid(stream.catalog_db, stream.table_uid)
    assert tracked is not None
    snapshot = engine.snapshot(stream.catalog_db)
    temp = engine.reusable_temp_name("DELTA")
    read.temp_tables.append(temp)
    engine.con.execute(f"CREATE TEMP {read.kind} {temp.sql} AS {delta_sql(stream, tracked, snapshot)}")
    read.streams.append((stream, snapshot))
    return temp


def drop_temp(engine: Engine, read: StreamRead) -> None:
    for temp in read.temp_tables:
        engine.con.execute(f"DROP {read.kind} IF EXISTS {temp.sql}")
        engine.release_temp_name(temp)


def release_temp(engine: Engine, read: StreamRead) -> None:
    """Free the names of a failed statement's temporary views (its rollback dropped them)."""
    for temp in read.temp_tables:
        engine.release_temp_name(temp)


def consume(engine: Engine, read: StreamRead) -> None:
    """Advance every stream a DML statement read to the snapshot it read (same transaction)."""
    for stream, snapshot in read.streams:
        engine.advance_stream(stream, snapshot)
