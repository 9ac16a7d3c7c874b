"""Reading a stream: a statement's stream references become temporary views of their deltas; a DML statement
that read them moves their offsets when it commits; ``SYSTEM$STREAM_HAS_DATA``.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb
from sqlglot import exp

from moviecdc.errors import LocalEngineError
from moviecdc.local.core.catalog import StreamDef
from moviecdc.local.core.names import ObjectName, parse_name
from moviecdc.local.streams import staleness
from moviecdc.local.streams.delta import delta_sql, has_data_sql

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine


def readable(engine: Engine, stream: StreamDef) -> None:
    if staleness.is_stale(engine, stream):
        raise LocalEngineError(
            f"Stream {stream.name.display} is stale ({staleness.reason(engine, stream)}). "
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
