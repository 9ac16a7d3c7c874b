"""Refreshing dynamic tables: storage, initialisation, incremental and full refresh, and refresh graphs.

One refresh of one dynamic table, inside the caller's transaction:

- **reinitialise** (first refresh, a changed definition, a source dropped and created again): the source
  tables get change tracking if they lack it, the table's internal streams restart at the current change
  clock, and the whole query is computed. REFRESH_ACTION ``REINITIALIZE`` (``FULL`` for a FULL-mode table).
- **incremental** (:mod:`moviecdc.local.incremental`): the keys the source's change log touched since the
  internal stream's offset; the table's rows with those keys are deleted and the query, run on the source
  rows with those keys only, is inserted. ``INCREMENTAL``, or ``NO_DATA`` when the log has nothing.
- **full**: every row replaced by the query's result. ``FULL``, or ``NO_DATA`` when every source is
  tracked and none changed.

The offsets move to the change clock the refresh read, in the same transaction as the rows, so a crash or a
failure loses or repeats nothing. Writes to a table that another dynamic table (or a stream) reads are
logged, like DML (:mod:`moviecdc.local.capture`).

:func:`run` refreshes a list of tables, upstream first, in one DuckDB transaction: one snapshot, one
DATA_TIMESTAMP. A failure rolls the transaction back; the failed table is recorded ``FAILED``, the tables
that read it ``UPSTREAM_FAILED``, and the others are refreshed again in a new transaction (DuckDB cannot
roll back part of one).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from fakesnow.dialect import parse_one
from sqlglot import exp

from moviecdc.errors import LocalEngineError
from moviecdc.local import capture, catalog, dynamic_catalog
from moviecdc.local.catalog import DELETE, HIDDEN_SCHEMA, INSERT, ROW_ID, StreamDef, TrackedTable
from moviecdc.local.dynamic_catalog import MAX_CONSECUTIVE_FAILURES, DynamicTable, RefreshRecord, Source
from moviecdc.local.incremental import deterministic, replace_source
from moviecdc.local.names import ObjectName, from_table, quote

if TYPE_CHECKING:
    from moviecdc.local.engine import Engine

INCREMENTAL, FULL = "INCREMENTAL", "FULL"


@dataclass(frozen=True)
class Step:
    """One table to refresh, and why (REFRESH_TRIGGER)."""

    table: DynamicTable
    trigger: str  # SCHEDULED | MANUAL | CREATION
    reinitialise: bool = False


@dataclass(frozen=True)
class _Done:
    table: DynamicTable
    action: str
    inserted: int
    deleted: int


class RefreshError(Exception):
    """A refresh raised; ``step`` is the table that failed."""

    def __init__(self, step: Step, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.step = step
        self.cause = cause


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


def duckdb_sql(engine: Engine, table: DynamicTable, restricted: tuple[ObjectName, exp.Subquery] | None = None) -> str:
    """The table's query in DuckDB SQL; ``restricted`` = (source, subquery) reads the subquery instead."""
    key = (table.query, f"{restricted[0].sql}->{restricted[1].sql()}" if restricted else "")
    cache = _SQL.setdefault(engine, {})
    if key in cache:
        return cache[key]
    ast = query_ast(engine, table)
    cacheable = deterministic(ast)
    if restricted is not None:
        ast = replace_source(ast, restricted[0], resolver_for(table.name), restricted[1])
    sql = engine.transform(ast)
    if cacheable:
        if len(cache) >= _SQL_ENTRIES:
            cache.clear()
        cache[key] = sql
    return sql


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


def _storage_for(engine: Engine, table: DynamicTable, shape: list[tuple[str, str]]) -> DynamicTable:
    """Keep the storage when the query's shape is unchanged; otherwise replace it (readers reinitialise)."""
    tracked = storage(engine, table)
    current = [(c.name, c.type) for c in catalog.table_columns(engine.con, tracked.data) if c.name != ROW_ID]
    if current == shape:
        return table
    catalog.untrack(engine.con, tracked)  # streams on the old storage (readers' too) become stale
    engine.invalidate()
    return table.with_(storage_uid=create_storage(engine, table.name, shape).uid)


# -- sources and their internal streams ----------------------------------------------------------------------


def _stream(engine: Engine, source: Source) -> StreamDef | None:
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


def _delete(engine: Engine, tracked: TrackedTable, where: str) -> int:
    sql = f"DELETE FROM {tracked.data.sql} WHERE {where}"
    if not capture.is_logged(engine, tracked):
        rows = engine.con.execute(sql).fetchall()
        return int(rows[0][0]) if rows else 0
    seq = engine.change_seq(tracked.name.database)
    image = ", ".join(quote(c) for c in (ROW_ID, *tracked.columns))
    removed = engine.arrow(f"{sql} RETURNING {image}")
    capture.write_log(engine, tracked, seq, DELETE, removed)
    return int(removed.num_rows)


def _delete_all(engine: Engine, tracked: TrackedTable) -> int:
    """Empty the table; when it is read, every row is logged as deleted (in SQL, no round trip)."""
    count = int(engine.con.execute(f"SELECT count(*) FROM {tracked.data.sql}").fetchall()[0][0])
    if count:
        capture.truncate(engine, tracked)
    return count


def _insert(engine: Engine, tracked: TrackedTable, sql: str) -> int:
    cols = tracked.quoted_columns
    insert = f"INSERT INTO {tracked.data.sql} ({cols}) SELECT {cols} FROM ({sql}) AS Q"
    if not capture.is_logged(engine, tracked):
        rows = engine.con.execute(insert).fetchall()
        return int(rows[0][0]) if rows else 0
    seq = engine.change_seq(tracked.name.database)
    added = engine.arrow(f"{insert} RETURNING {quote(ROW_ID)}, {cols}")
    capture.write_log(engine, tracked, seq, INSERT, added)
    return int(added.num_rows)


# -- one refresh --------------------------------------------------------------------------------------------


def refresh(engine: Engine, step: Step) -> _Done:
    """Refresh one table now, in the caller's transaction; returns the updated definition and what ran."""
    table = step.table
    streams = [(source, _stream(engine, source)) for source in table.sources]
    lost = any(s.stream_uid is not None and (st is None or st.stale) for s, st in streams)
    untracked_table = any(
        s.stream_uid is None and catalog.object_kind(engine.con, s.name) == "TABLE" for s, _ in streams
    )
    if step.reinitialise or not table.initialized or lost or untracked_table:
        return _reinitialise(engine, table)
    snapshot = catalog.current_seq(engine.con, table.database)
    if all(st is not None for _, st in streams) and not any(
        _has_events(engine, st, snapshot) for _, st in streams if st is not None
    ):
        _advance(engine, streams, snapshot)
        return _Done(table, "NO_DATA", 0, 0)
    if table.refresh_mode == INCREMENTAL and table.source_key and table.output_key and len(streams) == 1:
        source, stream = streams[0]
        if stream is not None:
            return _incremental(engine, table, source, stream, snapshot)
    tracked = storage(engine, table)
    deleted = _delete_all(engine, tracked)
    inserted = _insert(engine, tracked, duckdb_sql(engine, table))
    _advance(engine, streams, snapshot)
    return _Done(table, FULL, inserted, deleted)


def _reinitialise(engine: Engine, table: DynamicTable) -> _Done:
    table = track_sources(engine, table, [s.name for s in table.sources])  # also: do they still exist?
    sql = duckdb_sql(engine, table)
    shape = result_shape(engine, sql)
    if table.output_key is not None and table.output_key not in [n for n, _ in shape]:
        reason = f"The key column {table.output_key} is not in the result; refreshed in full."
        table = table.with_(refresh_mode=FULL, source_key=None, output_key=None, mode_reason=reason)
    table = _storage_for(engine, table, shape)
    tracked = storage(engine, table)
    deleted = _delete_all(engine, tracked)
    inserted = _insert(engine, tracked, sql)
    action = "REINITIALIZE" if table.refresh_mode == INCREMENTAL else FULL
    return _Done(table, action, inserted, deleted)


def _has_events(engine: Engine, stream: StreamDef, snapshot: int) -> bool:
    tracked = engine.tracked_by_uid(stream.catalog_db, stream.table_uid)
    assert tracked is not None
    rows = engine.con.execute(
        f"SELECT EXISTS (SELECT 1 FROM {tracked.log.sql} WHERE SEQ > ? AND SEQ <= ?)", [stream.offset, snapshot]
    ).fetchall()
    return bool(rows[0][0])


def _advance(engine: Engine, streams: list[tuple[Source, StreamDef | None]], snapshot: int) -> None:
    """Move the internal streams to the snapshot the refresh read (the engine's cached offsets go stale:
    :func:`_stream` reads offsets afresh; nothing else reads these streams)."""
    for _, stream in streams:
        if stream is not None and stream.offset < snapshot:
            catalog.advance(engine.con, stream, snapshot)


def _incremental(engine: Engine, table: DynamicTable, source: Source, stream: StreamDef, snapshot: int) -> _Done:
    """Partition-local recompute (see :mod:`moviecdc.local.incremental`)."""
    assert table.source_key is not None
    assert table.output_key is not None
    src = engine.tracked_by_uid(stream.catalog_db, stream.table_uid)
    assert src is not None
    con = engine.con
    # A fixed name per table, so that the restricted query (and its DuckDB SQL) is the same at every refresh.
    keys = ObjectName("temp", "main", f"_MOVIECDC_DT{table.uid}_{table.database}_KEYS")
    key = quote(table.source_key)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {keys.sql} AS SELECT DISTINCT {key} AS K FROM {src.log.sql} "
        "WHERE SEQ > ? AND SEQ <= ?",
        [stream.offset, snapshot],
    )
    has_null = bool(con.execute(f"SELECT count(*) FILTER (WHERE K IS NULL) > 0 FROM {keys.sql}").fetchall()[0][0])

    def affected(column: str) -> str:
        test = f"{quote(column)} IN (SELECT K FROM {keys.sql} WHERE K IS NOT NULL)"
        return f"({test} OR {quote(column)} IS NULL)" if has_null else test

    # The source rows of the affected keys, read in place (the semi join's filter reaches the scan).
    rows = parse_one(f"SELECT {src.quoted_columns} FROM {src.data.sql} WHERE {affected(table.source_key)}")
    tracked = storage(engine, table)
    deleted = _delete(engine, tracked, affected(table.output_key))
    inserted = _insert(engine, tracked, duckdb_sql(engine, table, (source.name, exp.Subquery(this=rows))))
    con.execute(f"DROP TABLE {keys.sql}")
    _advance(engine, [(source, stream)], snapshot)
    return _Done(table, INCREMENTAL, inserted, deleted)


# -- graphs ---------------------------------------------------------------------------------------------------


def refresh_all(
    engine: Engine, steps: list[Step], data_timestamp: datetime, scheduled_for: datetime | None = None
) -> list[RefreshRecord]:
    """Refresh ``steps`` in order inside the caller's transaction; raise :class:`RefreshError` on a failure.

    ``scheduled_for``: the instant a scheduled refresh fell due (see :func:`lag_base`).
    """
    records = []
    for step in steps:
        start = engine.now()
        try:
            done = refresh(engine, step)
        except Exception as e:
            raise RefreshError(step, e) from e
        base = lag_base(data_timestamp, scheduled_for, done.table.lag_seconds)
        table = done.table.with_(data_timestamp=data_timestamp, lag_base=base, initialized=True, consecutive_failures=0)
        if done.table is step.table:
            dynamic_catalog.save_state(engine.con, table)
        else:  # reinitialised: storage or sources changed
            dynamic_catalog.save(engine.con, table)
        record = RefreshRecord(
            table, "SUCCEEDED", None, done.action, step.trigger, data_timestamp, start, engine.now(),
            done.inserted, done.deleted,
        )  # fmt: skip
        dynamic_catalog.record(engine.con, record)
        records.append(record)
    return records


def lag_base(data_timestamp: datetime, scheduled_for: datetime | None, lag_seconds: int | None) -> datetime:
    """The instant a table's next lag is measured from, after a refresh at ``data_timestamp``.

    A scheduled refresh measures from the instant it fell due, so a 2-minute table refreshes every 2
    minutes exactly (its DATA_TIMESTAMP can be a microsecond later: the clock stamps statements a
    microsecond apart, and a task may have run at the same instant); a refresh that ran more than a lag
    late, and any other refresh, measures from its DATA_TIMESTAMP down to the second. Measuring from a
    little earlier only makes the next refresh come sooner: the data is never older than the lag.
    """
    lag = timedelta(seconds=lag_seconds or 0)
    if scheduled_for is not None and lag_seconds is not None and scheduled_for + lag > data_timestamp:
        return scheduled_for
    return data_timestamp.replace(microsecond=0)


def run(engine: Engine, steps: list[Step], scheduled_for: datetime | None = None) -> list[RefreshRecord]:
    """Refresh ``steps`` (upstream first) from one snapshot; failures are recorded, not raised.

    DATA_TIMESTAMP is ``engine.now()``; ``scheduled_for`` is the instant a scheduled refresh fell due.
    """
    if engine.in_transaction:
        raise LocalEngineError(
            "Dynamic tables cannot refresh inside an open transaction (BEGIN … without COMMIT). "
            "COMMIT or ROLLBACK first."
        )
    data_timestamp = engine.now()
    records: list[RefreshRecord] = []
    pending = list(steps)
    while pending:
        engine.con.begin()
        try:
            records += refresh_all(engine, pending, data_timestamp, scheduled_for)
            engine.con.commit()
            break
        except RefreshError as failure:
            engine.con.rollback()
            engine.invalidate()
            records += _record_failure(engine, failure, pending, data_timestamp, scheduled_for)
            gone = {r.table.uid for r in records if r.state != "SUCCEEDED"}
            pending = [s for s in pending if s.table.uid not in gone]
        except BaseException:
            engine.con.rollback()
            engine.invalidate()
            raise
    return records


def _record_failure(
    engine: Engine,
    failure: RefreshError,
    pending: list[Step],
    data_timestamp: datetime,
    scheduled_for: datetime | None,
) -> list[RefreshRecord]:
    """FAILED for the table that raised, UPSTREAM_FAILED for the pending tables that read it.

    Both retry one lag after this attempt (Snowflake retries at the regular interval).
    """
    failed = failure.step
    blocked = {failed.table.name}
    for step in pending:
        if any(s.name in blocked for s in step.table.sources):
            blocked.add(step.table.name)
    message = _first_line(failure.cause)
    now = engine.now()
    records = []
    with engine.atomic():
        for step in pending:
            if step.table.name not in blocked:
                continue
            own = step is failed
            current = dynamic_catalog.load(engine.con).get(step.table.name, step.table)
            failures = current.consecutive_failures + (1 if own else 0)
            suspend = own and step.trigger == "SCHEDULED" and failures >= MAX_CONSECUTIVE_FAILURES
            table = current.with_(
                consecutive_failures=failures,
                lag_base=lag_base(data_timestamp, scheduled_for, current.lag_seconds),
                suspended=current.suspended or suspend,
                suspend_reason="SUSPENDED_DUE_TO_ERRORS" if suspend else current.suspend_reason,
                last_suspended_on=now if suspend else current.last_suspended_on,
            )
            dynamic_catalog.save(engine.con, table)
            record = RefreshRecord(
                table,
                "FAILED" if own else "UPSTREAM_FAILED",
                message if own else f"Upstream dynamic table {failed.table.name.display} failed to refresh: {message}",
                None,
                step.trigger,
                data_timestamp,
                now,
                now,
            )
            dynamic_catalog.record(engine.con, record)
            records.append(record)
    engine.invalidate()
    return records


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "msg", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__
