"""Stream DDL: CREATE / DROP / SHOW / DESCRIBE STREAM.

Snowflake's statements are followed clause by clause
(https://docs.snowflake.com/en/sql-reference/sql/create-stream): fakesnow (sqlglot) parses CREATE STREAM
only as an opaque command, so the few clauses are read here from sqlglot's tokens, and any clause the
engine does not emulate is refused by name rather than ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timezone
from typing import TYPE_CHECKING

import pyarrow as pa
from sqlglot.tokenizer_core import Token, TokenType

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local.core import catalog
from moviecdc.local.core.catalog import ROW_ID, StreamDef
from moviecdc.local.core.names import ObjectName, display_part
from moviecdc.local.core.results import Result, from_records, status
from moviecdc.local.core.show_filters import parse_show
from moviecdc.local.core.tokens import Tokens
from moviecdc.local.streams import staleness

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine
    from moviecdc.local.core.router import Statement


@dataclass(frozen=True)
class CreateStream:
    name: ObjectName
    table: ObjectName
    or_replace: bool
    if_not_exists: bool
    append_only: bool
    show_initial_rows: bool
    comment: str | None


def _bool(token: Token, option: str) -> bool:
    if token.token_type in (TokenType.TRUE, TokenType.FALSE):
        return token.token_type == TokenType.TRUE
    raise LocalEngineError(f"{option} takes TRUE or FALSE, not {token.text!r}.")


def parse_create(engine: Engine, text: str) -> CreateStream:
    t = Tokens(text)
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
            # Snowflake's own answer for a table (https://docs.snowflake.com/en/sql-reference/sql/create-stream:
            # INSERT_ONLY is for external tables and externally managed Iceberg tables, which the engine has not).
            raise LocalEngineError(
                "SQL compilation error: Streams of type INSERT_ONLY can only be created on external tables. "
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
    t = Tokens(statement.text)
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


def _show_row(engine: Engine, s: StreamDef) -> tuple[object, ...]:
    created = s.created_on.replace(tzinfo=timezone.utc) if s.created_on else None
    after = staleness.stale_after(engine, s)
    stale = staleness.is_stale(engine, s)
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
        "true" if stale else "false",
        s.mode,
        after.replace(tzinfo=timezone.utc) if after is not None else None,
        (s.invalid_reason or staleness.reason(engine, s)) if stale else "N/A",
        "ROLE",
    )


def _show_result(engine: Engine, streams: list[StreamDef]) -> Result:
    rows = [_show_row(engine, s) for s in sorted(streams, key=lambda s: (s.name.name, s.name.database, s.name.schema))]
    return from_records([c for c, _ in SHOW_COLUMNS], rows, [t for _, t in SHOW_COLUMNS])


def show(engine: Engine, statement: Statement) -> Result:
    """SHOW [TERSE] STREAMS [LIKE '…'] [IN ACCOUNT | DATABASE [db] | SCHEMA [s] | name] [STARTS WITH '…'] [LIMIT n]."""

    found = parse_show(engine, statement.text, ("STREAMS",))
    result = _show_result(engine, [s for s in engine.streams.values() if found.matches(s.name)])
    return result if found.limit is None else Result(result.table.slice(0, found.limit))


def describe(engine: Engine, statement: Statement) -> Result:
    t = Tokens(statement.text)
    if not t.accept("DESCRIBE"):
        t.expect("DESC")
    t.expect("STREAM")
    name = t.name(engine)
    stream = engine.streams.get(name)
    if stream is None:
        raise LocalEngineError(f"SQL compilation error: Stream '{name.display}' does not exist or not authorized.")
    return _show_result(engine, [stream])
