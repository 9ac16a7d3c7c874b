"""Refreshing one dynamic table: initialisation, incremental and full refresh.

One refresh of one dynamic table, inside the caller's transaction:

- **reinitialise** (first refresh, a changed definition, a source dropped and created again): the source
  tables get change tracking if they lack it, the table's internal streams restart at the current change
  clock, and the whole query is computed. REFRESH_ACTION ``REINITIALIZE`` (``FULL`` for a FULL-mode table).
- **incremental** (:mod:`moviecdc.local.dynamic_tables.incremental`): the keys the source's change log touched since the
  internal stream's offset; the table's rows with those keys are deleted and the query, run on the source
  rows with those keys only, is inserted. ``INCREMENTAL``, or ``NO_DATA`` when the log has nothing.
- **full**: every row replaced by the query's result. ``FULL``, or ``NO_DATA`` when every source is
  tracked and none changed.

The offsets move to the change clock the refresh read, in the same transaction as the rows, so a crash or a
failure loses or repeats nothing. Writes to a table that another dynamic table (or a stream) reads are
logged, like DML (:mod:`moviecdc.local.streams.capture`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from moviecdc.local.core import catalog
from moviecdc.local.core.catalog import StreamDef, TrackedTable
from moviecdc.local.core.names import ObjectName, quote
from moviecdc.local.dynamic_tables import aggregates
from moviecdc.local.dynamic_tables.catalog import DynamicTable, Source
from moviecdc.local.dynamic_tables.storage import (
    delete_all,
    delete_rows,
    duckdb_sql,
    insert_rows,
    result_shape,
    storage,
    storage_for,
    stream_of,
    track_sources,
    translate,
)

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine

INCREMENTAL, FULL = "INCREMENTAL", "FULL"
PARTITION = "PARTITION"  # the strategy of incremental.py (AGGREGATE is aggregates.py's)


@dataclass(frozen=True)
class Step:
    """One table to refresh, and why (REFRESH_TRIGGER)."""

    table: DynamicTable
    trigger: str  # SCHEDULED | MANUAL | CREATION
    reinitialise: bool = False


@dataclass(frozen=True)
class Done:
    """What one refresh did: the (possibly changed) definition, REFRESH_ACTION, rows inserted and deleted."""

    table: DynamicTable
    action: str
    inserted: int
    deleted: int


# -- one refresh --------------------------------------------------------------------------------------------


def refresh(engine: Engine, step: Step) -> Done:
    """Refresh one table now, in the caller's transaction; returns the updated definition and what ran."""
    table = step.table
    streams = [(source, stream_of(engine, source)) for source in table.sources]
    if step.reinitialise or _reinitialises(engine, table, streams):
        return _reinitialise(engine, table)
    snapshot = catalog.current_seq(engine.con, table.database)
    if _nothing_new(engine, streams, snapshot):
        _advance(engine, streams, snapshot)
        return Done(table, "NO_DATA", 0, 0)
    if table.refresh_mode == INCREMENTAL and len(streams) == 1:
        source, stream = streams[0]
        if stream is not None and table.strategy == aggregates.AGGREGATE:
            return _aggregate(engine, table, source, stream, snapshot)
        if stream is not None and table.source_key and table.output_key:
            return _incremental(engine, table, source, stream, snapshot)
    tracked = storage(engine, table)
    deleted = delete_all(engine, tracked)
    inserted = insert_rows(engine, tracked, duckdb_sql(engine, table))
    _advance(engine, streams, snapshot)
    return Done(table, FULL, inserted, deleted)


def idle(engine: Engine, table: DynamicTable) -> list[tuple[StreamDef, int]] | None:
    """Would a scheduled refresh of ``table`` now find nothing new (``NO_DATA``)? Then the offsets such a
    refresh moves (stream, new offset; often none), else None. The same decision :func:`refresh` takes,
    without its writes: the scheduler's idle-time skip asks before it records NO_DATA refreshes in bulk."""
    streams = [(source, stream_of(engine, source)) for source in table.sources]
    if _reinitialises(engine, table, streams):
        return None
    snapshot = catalog.current_seq(engine.con, table.database)
    if not _nothing_new(engine, streams, snapshot):
        return None
    return [(st, snapshot) for _, st in streams if st is not None and st.offset < snapshot]


def _reinitialises(engine: Engine, table: DynamicTable, streams: list[tuple[Source, StreamDef | None]]) -> bool:
    """Not initialised yet, an internal stream lost or stale, or a source table without change tracking."""
    lost = any(s.stream_uid is not None and (st is None or st.stale) for s, st in streams)
    untracked_table = any(
        s.stream_uid is None and catalog.object_kind(engine.con, s.name) == "TABLE" for s, _ in streams
    )
    return not table.initialized or lost or untracked_table


def _nothing_new(engine: Engine, streams: list[tuple[Source, StreamDef | None]], snapshot: int) -> bool:
    """Every source is tracked (known only for tables) and none changed since its offset."""
    return all(st is not None for _, st in streams) and not any(
        _has_events(engine, st, snapshot) for _, st in streams if st is not None
    )


def choose_strategy(table: DynamicTable, shape: list[tuple[str, str]]) -> DynamicTable:
    """Check an INCREMENTAL table's strategy against its result's columns; fall back when they differ."""
    if table.refresh_mode != INCREMENTAL:
        return table.with_(strategy=None)
    names = [n for n, _ in shape]
    plan = aggregates.plan_of(table.query)
    if plan is not None and [o.alias for o in plan.outputs] == names:
        return table.with_(strategy=aggregates.AGGREGATE)
    if table.output_key is not None and table.output_key in names:
        return table.with_(strategy=PARTITION)
    reason = f"The key column {table.output_key} is not in the result; refreshed in full."
    return table.with_(refresh_mode=FULL, strategy=None, source_key=None, output_key=None, mode_reason=reason)


def _reinitialise(engine: Engine, table: DynamicTable) -> Done:
    table = track_sources(engine, table, [s.name for s in table.sources])  # also: do they still exist?
    sql = duckdb_sql(engine, table)
    shape = result_shape(engine, sql)
    table = storage_for(engine, choose_strategy(table, shape), shape)
    tracked = storage(engine, table)
    deleted = delete_all(engine, tracked)
    state = aggregates.state_table(table)
    engine.con.execute(f"DROP TABLE IF EXISTS {state.sql}")
    plan = aggregates.plan_of(table.query) if table.strategy == aggregates.AGGREGATE else None
    if plan is not None:
        # Each group's state from the whole source, then the rows from the state.
        source = plan.source.copy()
        build = translate(engine, (table.query, "STATE"), lambda: aggregates.state_query(plan, source))
        engine.con.execute(f"CREATE TABLE {state.sql} AS {build}")
        sql = translate(engine, (table.query, f"OUTPUT {state.sql}"), lambda: aggregates.output_query(plan, state))
    inserted = insert_rows(engine, tracked, sql)
    action = "REINITIALIZE" if table.refresh_mode == INCREMENTAL else FULL
    return Done(table, action, inserted, deleted)


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
            engine.advance_stream(stream, snapshot)


def _incremental(engine: Engine, table: DynamicTable, source: Source, stream: StreamDef, snapshot: int) -> Done:
    """Partition-local recompute (see :mod:`moviecdc.local.dynamic_tables.incremental`)."""
    assert table.source_key is not None
    assert table.output_key is not None
    src = engine.tracked_by_uid(stream.catalog_db, stream.table_uid)
    assert src is not None
    keys, rids, has_null = _affected(engine, src, table.source_key, stream.offset, snapshot)

    def affected(column: str) -> str:
        test = f"{quote(column)} IN (SELECT K FROM {keys.sql} WHERE K IS NOT NULL)"
        return f"({test} OR {quote(column)} IS NULL)" if has_null else test

    if src.shadows_rowid:  # a ROWID column hides DuckDB's rowid: one pass
        rows = f"SELECT {src.quoted_columns} FROM {src.data.sql} WHERE {affected(table.source_key)}"
    else:
        rows = f"SELECT {src.quoted_columns} FROM {src.data.sql} WHERE rowid IN (SELECT R FROM {rids.sql})"
    tracked = storage(engine, table)
    deleted = delete_rows(engine, tracked, affected(table.output_key))
    inserted = insert_rows(engine, tracked, duckdb_sql(engine, table, (source.name, rows)))
    _advance(engine, [(source, stream)], snapshot)
    return Done(table, INCREMENTAL, inserted, deleted)


def _affected(
    engine: Engine, src: TrackedTable, key: str, offset: int, snapshot: int
) -> tuple[ObjectName, ObjectName, bool]:
    """The keys ``src``'s log changed in (offset, snapshot], the rowids of ``src``'s rows with those keys, and
    whether a NULL key changed: two temporary tables, and a flag.

    The rows are found in two passes: the key column alone gives their DuckDB rowids, then a join on rowid
    reads only their row groups (one pass that filters on the key reads every column of every row: three times
    slower at a million rows, ``benchmarks/README.md``). The tables are named after the source and the key, so
    the restricted query's text (and its cached translation) is the same at every refresh, and so that two
    tables refreshed from one snapshot with one key (Silver and Rejected) share one build: a third table
    records the range they hold and the DuckDB transaction that built them (rowids hold within a transaction
    only). All three are transactional, like the refresh. They stay until replaced.
    """
    con = engine.con
    stem = f"_MOVIECDC_T{src.uid}_{src.name.database}_K{src.columns.index(key)}"
    keys, rids, held = (ObjectName("temp", "main", f"{stem}_{part}") for part in ("KEYS", "RIDS", "RANGE"))
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {held.sql} (O BIGINT, S BIGINT, T BIGINT, HAS_NULL BOOLEAN)")
    rows = con.execute(
        f"SELECT HAS_NULL FROM {held.sql} WHERE O = ? AND S = ? AND T = txid_current()", [offset, snapshot]
    ).fetchall()
    if rows:
        return keys, rids, bool(rows[0][0])
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {keys.sql} AS SELECT DISTINCT {quote(key)} AS K FROM {src.log.sql} "
        "WHERE SEQ > ? AND SEQ <= ?",
        [offset, snapshot],
    )
    has_null = bool(con.execute(f"SELECT count(*) FILTER (WHERE K IS NULL) > 0 FROM {keys.sql}").fetchall()[0][0])
    test = f"{quote(key)} IN (SELECT K FROM {keys.sql} WHERE K IS NOT NULL)"
    if not src.shadows_rowid:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {rids.sql} AS SELECT rowid AS R FROM {src.data.sql} "
            f"WHERE {f'({test} OR {quote(key)} IS NULL)' if has_null else test}"
        )
    con.execute(f"DELETE FROM {held.sql}")
    con.execute(f"INSERT INTO {held.sql} SELECT ?, ?, txid_current(), ?", [offset, snapshot, has_null])
    return keys, rids, has_null


def _aggregate(engine: Engine, table: DynamicTable, source: Source, stream: StreamDef, snapshot: int) -> Done:
    """Move each changed group's state by the source's changes (see :mod:`moviecdc.local.dynamic_tables.aggregates`)."""
    plan = aggregates.plan_of(table.query)
    src = engine.tracked_by_uid(stream.catalog_db, stream.table_uid)
    assert plan is not None
    assert src is not None
    con = engine.con
    state = aggregates.state_table(table)
    # Fixed names per table, so that the DuckDB SQL built from them is the same at every refresh.
    temp = {n: ObjectName("temp", "main", f"_MOVIECDC_DT{table.uid}_{table.database}_{n}") for n in _TEMPS}
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {temp['EVENTS'].sql} AS SELECT * FROM {src.log.sql} "
        f"WHERE SEQ > {int(stream.offset)} AND SEQ <= {int(snapshot)}"
    )
    delta = translate(
        engine, (table.query, f"DELTA {temp['EVENTS'].sql}"), lambda: aggregates.delta_query(plan, temp["EVENTS"])
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE {temp['DELTA'].sql} AS {delta}")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {temp['MERGED'].sql} AS {aggregates.merge_sql(plan, temp['DELTA'], state)}"
    )
    columns = ", ".join(quote(c) for c in aggregates.state_columns(plan))
    con.execute(f"DELETE FROM {state.sql} AS S WHERE {aggregates.matches(plan, temp['DELTA'], 'S')}")
    con.execute(
        f"INSERT INTO {state.sql} ({columns}) SELECT {columns} FROM {temp['MERGED'].sql} WHERE N > 0 AND NOT DIRTY"
    )
    dirty = con.execute(f"SELECT count(*) FROM {temp['MERGED'].sql} WHERE N > 0 AND DIRTY").fetchall()[0][0]
    if dirty:
        # A MIN / MAX lost its extreme: those groups' state is recomputed from their source rows.
        groups = ", ".join(quote(f"G{i}") for i in range(len(plan.groups)))
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {temp['DIRTY'].sql} AS SELECT {groups} FROM {temp['MERGED'].sql} "
            "WHERE N > 0 AND DIRTY"
        )
        rows = aggregates.restricted_source(plan, src, temp["DIRTY"])
        again = translate(engine, (table.query, f"STATE {rows.sql()}"), lambda: aggregates.state_query(plan, rows))
        con.execute(f"INSERT INTO {state.sql} ({columns}) {again}")
    tracked = storage(engine, table)
    deleted = delete_rows(engine, tracked, aggregates.group_rows(plan, temp["DELTA"]))
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {temp['CHANGED'].sql} AS SELECT * FROM {state.sql} AS S "
        f"WHERE {aggregates.matches(plan, temp['DELTA'], 'S')}"
    )
    output = translate(
        engine, (table.query, f"OUTPUT {temp['CHANGED'].sql}"), lambda: aggregates.output_query(plan, temp["CHANGED"])
    )
    inserted = insert_rows(engine, tracked, output)
    # The scratch tables (a row per changed group) stay until this table's next refresh replaces them.
    _advance(engine, [(source, stream)], snapshot)
    return Done(table, INCREMENTAL, inserted, deleted)


_TEMPS = ("EVENTS", "DELTA", "MERGED", "DIRTY", "CHANGED")
