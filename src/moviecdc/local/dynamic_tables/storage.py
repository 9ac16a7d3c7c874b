"""Where a dynamic table's rows live, and what it reads: storage, sources, internal streams, the query.

A dynamic table's rows are a *tracked* table (``_MOVIECDC.T<uid>_DATA`` under a view with the table's
name, see :mod:`moviecdc.local.core.catalog`), so when another dynamic table (or a stream) reads it, the writes
of its refreshes are logged like any DML (:mod:`moviecdc.local.streams.capture`). Each table it reads gets change
tracking and an *internal stream* (a row of ``_MOVIECDC.STREAMS`` named ``_MOVIECDC.DT<uid>_READS_T<uid>``)
whose offset is where the table's last refresh read up to; the change log keeps every event some stream
still needs.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from fakesnow.dialect import parse_one
from sqlglot import exp

from moviecdc.errors import LocalEngineError
from moviecdc.local.core import catalog
from moviecdc.local.core.catalog import HIDDEN_SCHEMA, INSERT, ROW_ID, StreamDef, TrackedTable
from moviecdc.local.core.names import ObjectName, from_table, literal, quote
from moviecdc.local.dynamic_tables.catalog import DynamicTable, Source
from moviecdc.local.dynamic_tables.incremental import deterministic, replace_source
from moviecdc.local.streams import capture

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine


# -- the query ---------------------------------------------------------------------------------------------


def resolver_for(table: ObjectName) -> Callable[[exp.Table], ObjectName | None]:
    """Resolve the table references of ``table``'s query, against ``table``'s database and schema."""

    def resolve(node: exp.Table) -> ObjectName | None:
        if not isinstance(node.this, exp.Identifier):
            return None
        try:
            return from_table(node, table.database, table.schema)
        except LocalEngineError:
            return None

    return resolve


def query_ast(engine: Engine, table: DynamicTable) -> exp.Expr:
    """The stored query with the engine's rewriters applied (e.g. the clock's CURRENT_TIMESTAMP)."""
    ast: exp.Expr = parse_one(table.query)
    for rewrite in engine.rewriters:
        ast = rewrite(ast)
    return ast


# fakesnow's rewrites of a large query cost tens of milliseconds: the DuckDB SQL of a refresh is kept per
# engine, keyed by the stored query (only for queries without time functions: the clock rewrites those).
_SQL: weakref.WeakKeyDictionary[Engine, dict[tuple[str, str], str]] = weakref.WeakKeyDictionary()
_SQL_ENTRIES = 256


def translate(engine: Engine, key: tuple[str, str], build: Callable[[], exp.Expr]) -> str:
    """DuckDB SQL of the Snowflake query ``build()`` returns, kept under ``key`` (``key[0]``: the stored query)
    when that query is deterministic: the clock's rewriters turn CURRENT_TIMESTAMP() into a literal, which
    must be taken afresh at every refresh."""
    cache = _SQL.setdefault(engine, {})
    if key in cache:
        return cache[key]
    sql = engine.transform(build())
    if _deterministic(key[0]):
        if len(cache) >= _SQL_ENTRIES:
            cache.clear()
        cache[key] = sql
    return sql


@functools.lru_cache(maxsize=256)
def _deterministic(query: str) -> bool:
    return deterministic(parse_one(query))


def duckdb_sql(engine: Engine, table: DynamicTable, restricted: tuple[ObjectName, str] | None = None) -> str:
    """The table's query in DuckDB SQL; ``restricted`` = (source, a SELECT's text) reads that SELECT instead
    of the source (parsed only when the translation is not cached yet)."""

    def build() -> exp.Expr:
        ast = query_ast(engine, table)
        if restricted is None:
            return ast
        subquery = exp.Subquery(this=parse_one(restricted[1]))
        return replace_source(ast, restricted[0], resolver_for(table.name), subquery)

    return translate(engine, (table.query, f"{restricted[0].sql}->{restricted[1]}" if restricted else ""), build)


def columns_of(engine: Engine, name: ObjectName) -> list[str]:
    tracked = engine.tracked.get(name)
    if tracked is not None:
        return list(tracked.columns)
    return [c.name for c in catalog.table_columns(engine.con, name)]


# -- storage -----------------------------------------------------------------------------------------------


def result_shape(engine: Engine, sql: str) -> list[tuple[str, str]]:
    """(name, DuckDB type) of each column of a query's result, without running it."""
    rows = engine.con.execute(f"DESCRIBE {sql}").fetchall()
    return [(str(r[0]), str(r[1])) for r in rows]


def create_storage(engine: Engine, name: ObjectName, shape: list[tuple[str, str]]) -> TrackedTable:
    """An empty tracked table of that shape, under a view called ``name`` (see :mod:`catalog`)."""
    columns = ", ".join(f"{quote(n)} {t}" for n, t in shape)
    engine.con.execute(f"CREATE TABLE {name.sql} ({columns})")
    tracked = catalog.track(engine.con, name, engine.now())
    engine.invalidate()
    return tracked


def storage(engine: Engine, table: DynamicTable) -> TrackedTable:
    tracked = engine.tracked_by_uid(table.database, table.storage_uid)
    if tracked is None:
        raise LocalEngineError(
            f"The storage of dynamic table {table.name.display} is missing. Drop it and create it again."
        )
    return tracked


def storage_for(engine: Engine, table: DynamicTable, shape: list[tuple[str, str]]) -> DynamicTable:
    """Keep the storage when the query's shape is unchanged; otherwise replace it (readers reinitialise)."""
    tracked = storage(engine, table)
    current = [(c.name, c.type) for c in catalog.table_columns(engine.con, tracked.data) if c.name != ROW_ID]
    if current == shape:
        return table
    catalog.untrack(engine.con, tracked)  # streams on the old storage (readers' too) become stale
    engine.invalidate()
    return table.with_(storage_uid=create_storage(engine, table.name, shape).uid)


# -- sources and their internal streams ----------------------------------------------------------------------


def stream_of(engine: Engine, source: Source) -> StreamDef | None:
    """The internal stream on ``source``, with its offset read now (the engine's cache may be older)."""
    if source.stream_uid is None:
        return None
    for stream in engine.streams.values():
        if stream.uid == source.stream_uid and stream.catalog_db == source.name.database:
            streams = catalog.hidden(stream.catalog_db, "STREAMS").sql
            rows = engine.con.execute(
                f"SELECT OFFSET_SEQ, STALE FROM {streams} WHERE STREAM_UID = ?", [stream.uid]
            ).fetchall()
            return replace(stream, offset=int(rows[0][0]), stale=bool(rows[0][1])) if rows else None
    return None


def drop_streams(engine: Engine, table: DynamicTable) -> None:
    """Remove the table's internal streams and trim the logs nothing reads any more."""
    for source in table.sources:
        if source.stream_uid is None:
            continue
        db = source.name.database
        streams = catalog.hidden(db, "STREAMS").sql
        row = engine.con.execute(
            f"SELECT TABLE_UID FROM {streams} WHERE STREAM_UID = ?", [source.stream_uid]
        ).fetchall()
        engine.con.execute(f"DELETE FROM {streams} WHERE STREAM_UID = ?", [source.stream_uid])
        tracked = engine.tracked_by_uid(db, int(row[0][0])) if row else None
        if tracked is not None:
            engine.con.execute(
                f"DELETE FROM {tracked.log.sql} WHERE SEQ <= coalesce("
                f"(SELECT min(OFFSET_SEQ) FROM {streams} WHERE TABLE_UID = ? AND NOT STALE), ?)",
                [tracked.uid, catalog.current_seq(engine.con, db)],
            )
    engine.invalidate()


def track_sources(engine: Engine, table: DynamicTable, names: list[ObjectName]) -> DynamicTable:
    """Give every source table change tracking and the dynamic table a stream on it, starting now."""
    drop_streams(engine, table)
    sources = []
    for name in names:
        tracked = engine.tracked.get(name)
        if tracked is None:
            kind = catalog.object_kind(engine.con, name)
            if kind is None:
                raise LocalEngineError(
                    f"SQL compilation error: Object '{name.display}' does not exist or not authorized."
                )
            if kind != "TABLE":  # a view: its base tables' changes are not followed
                sources.append(Source(name, None))
                continue
            tracked = catalog.track(engine.con, name, engine.now())
            engine.invalidate()
        db = name.database
        stream = StreamDef(
            uid=catalog.next_uid(engine.con, db),
            name=ObjectName(db, HIDDEN_SCHEMA, f"DT{table.uid}_READS_T{tracked.uid}"),
            table=name, table_uid=tracked.uid, mode="DEFAULT", show_initial_rows=False, initial_pending=False,
            offset=catalog.current_seq(engine.con, db), stale=False, invalid_reason=None,
            comment=f"moviecdc: changes of {name.display} for dynamic table {table.name.display}",
            created_on=engine.now(),
        )  # fmt: skip
        catalog.insert_stream(engine.con, stream)
        sources.append(Source(name, stream.uid))
    engine.invalidate()
    return table.with_(sources=tuple(sources))


# -- writing the table's rows ---------------------------------------------------------------------------------


def delete_rows(engine: Engine, tracked: TrackedTable, where: str) -> int:
    """Delete the rows ``where`` (SQL over the storage, aliased ``T``) selects; logged when the table is read.

    When logged, the rows' DuckDB rowids are found first (reading only the columns ``where`` needs), then
    their images are logged and they are deleted by rowid: no pass reads every column of every row, and no
    row comes back through Arrow (``DELETE … RETURNING``).
    """
    if not capture.is_logged(engine, tracked):
        rows = engine.con.execute(f"DELETE FROM {tracked.data.sql} AS T WHERE {where}").fetchall()
        return int(rows[0][0]) if rows else 0
    seq = engine.change_seq(tracked.name.database)
    if tracked.shadows_rowid:  # a ROWID column hides DuckDB's rowid: one pass per statement
        return capture.delete_logged(engine, tracked, seq, where)
    gone = ObjectName("temp", "main", f"_MOVIECDC_T{tracked.uid}_{tracked.name.database}_GONE")
    engine.con.execute(
        f"CREATE OR REPLACE TEMP TABLE {gone.sql} AS SELECT rowid AS R FROM {tracked.data.sql} AS T WHERE {where}"
    )
    return capture.delete_logged(engine, tracked, seq, f"rowid IN (SELECT R FROM {gone.sql})")


def delete_all(engine: Engine, tracked: TrackedTable) -> int:
    """Empty the table; when it is read, every row is logged as deleted (in SQL, no round trip)."""
    count = int(engine.con.execute(f"SELECT count(*) FROM {tracked.data.sql}").fetchall()[0][0])
    if count:
        capture.truncate(engine, tracked)
    return count


def insert_rows(engine: Engine, tracked: TrackedTable, sql: str) -> int:
    """Insert the rows of a DuckDB query; logged when the table is read (in SQL: the new rows, with their
    ROW_IDs, go to a scratch table first, then to the storage and to the log)."""
    cols = tracked.quoted_columns
    if not capture.is_logged(engine, tracked):
        rows = engine.con.execute(f"INSERT INTO {tracked.data.sql} ({cols}) SELECT {cols} FROM ({sql}) AS Q").fetchall()
        return int(rows[0][0]) if rows else 0
    seq = engine.change_seq(tracked.name.database)
    rid = quote(ROW_ID)
    sequence = literal(catalog.hidden(tracked.name.database, "ROW_ID_SEQ").sql)
    new = ObjectName("temp", "main", f"_MOVIECDC_T{tracked.uid}_{tracked.name.database}_NEW")
    engine.con.execute(
        f"CREATE OR REPLACE TEMP TABLE {new.sql} AS SELECT nextval({sequence}) AS {rid}, {cols} FROM ({sql}) AS Q"
    )
    count = engine.con.execute(
        f"INSERT INTO {tracked.data.sql} ({rid}, {cols}) SELECT {rid}, {cols} FROM {new.sql}"
    ).fetchall()
    engine.con.execute(
        f"INSERT INTO {tracked.log.sql} (SEQ, {rid}, ACTION, {cols}) SELECT {int(seq)}, {rid}, {INSERT}, {cols} "
        f"FROM {new.sql}"
    )
    engine.con.execute(f"DROP TABLE {new.sql}")
    return int(count[0][0]) if count else 0
