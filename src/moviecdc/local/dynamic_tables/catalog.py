"""Dynamic tables in the engine's catalog: definitions, sources, refresh state and refresh history.

Three tables in each database's hidden schema (their DDL is in :data:`moviecdc.local.core.catalog.CATALOG_DDL`)::

    _MOVIECDC.DYNAMIC_TABLES           one row per dynamic table: definition, mode, lag, state, DATA_TIMESTAMP
    _MOVIECDC.DYNAMIC_TABLE_SOURCES    the objects each one reads, and its internal change-tracking stream
    _MOVIECDC.DYNAMIC_TABLE_REFRESHES  the refresh history (DYNAMIC_TABLE_REFRESH_HISTORY reads it)

A dynamic table's rows live in a *tracked* table (``_MOVIECDC.T<uid>_DATA``, see :mod:`catalog`) under a
view with the table's name, so when another dynamic table reads it, the writes of its refreshes are logged
like any DML. Everything here is written in the transaction of the refresh or DDL it belongs to: after a
crash, a refresh is either entirely there (rows, offsets, DATA_TIMESTAMP, history) or not at all.
Timestamps are naive UTC, from ``engine.now()``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from moviecdc.local.core.catalog import hidden
from moviecdc.local.core.names import ObjectName, quote

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine

_TABLE_COLUMNS = (
    "DT_UID", "SCHEMA_NAME", "TABLE_NAME", "STORAGE_UID", "TEXT", "QUERY", "TARGET_LAG", "TARGET_LAG_SEC",
    "WAREHOUSE", "DECLARED_MODE", "REFRESH_MODE", "MODE_REASON", "STRATEGY", "SOURCE_KEY", "OUTPUT_KEY", "INITIALIZE",
    "COMMENT", "SUSPENDED", "SUSPEND_REASON", "LAST_SUSPENDED_ON", "INITIALIZED", "DATA_TIMESTAMP",
    "LAG_BASE", "CONSECUTIVE_FAILURES", "CREATED_ON",
)  # fmt: skip
_FIELDS = (
    "uid", "schema", "table", "storage_uid", "text", "query", "target_lag", "lag_seconds", "warehouse",
    "declared_mode", "refresh_mode", "mode_reason", "strategy", "source_key", "output_key", "initialize", "comment",
    "suspended", "suspend_reason", "last_suspended_on", "initialized", "data_timestamp", "lag_base",
    "consecutive_failures", "created_on",
)  # fmt: skip

# Snowflake suspends a dynamic table after this many consecutive failed scheduled refreshes
# (https://docs.snowflake.com/en/user-guide/dynamic-tables-states).
MAX_CONSECUTIVE_FAILURES = 5


@dataclass(frozen=True)
class Source:
    """One object a dynamic table reads; ``stream_uid`` is its internal change-tracking stream, if tracked."""

    name: ObjectName
    stream_uid: int | None


@dataclass(frozen=True)
class DynamicTable:
    """One dynamic table, as stored in ``_MOVIECDC.DYNAMIC_TABLES`` of its database."""

    uid: int
    name: ObjectName
    storage_uid: int
    text: str  # the CREATE statement as written (SHOW's ``text``)
    query: str  # the SELECT with every table reference qualified (what refreshes run)
    target_lag: str  # 'DOWNSTREAM' or e.g. '2 minutes'
    lag_seconds: int | None  # None for DOWNSTREAM
    warehouse: str
    declared_mode: str  # AUTO | FULL | INCREMENTAL, as written
    refresh_mode: str  # FULL | INCREMENTAL, what refreshes do
    mode_reason: str | None
    strategy: str | None  # how INCREMENTAL refreshes run: PARTITION (incremental.py) | AGGREGATE (aggregates.py)
    source_key: str | None  # the source column of partition-local refresh
    output_key: str | None  # the table's column carrying it
    initialize: str  # ON_CREATE | ON_SCHEDULE
    comment: str | None
    suspended: bool
    suspend_reason: str | None
    last_suspended_on: datetime | None
    initialized: bool
    data_timestamp: datetime | None
    lag_base: datetime | None  # the time lag is measured from: the scheduled instant of the last attempt
    consecutive_failures: int
    created_on: datetime
    sources: tuple[Source, ...] = ()

    @property
    def database(self) -> str:
        return self.name.database

    def with_(self, **changes: Any) -> DynamicTable:
        return replace(self, **changes)


@dataclass(frozen=True)
class RefreshRecord:
    """One row of the refresh history."""

    table: DynamicTable
    state: str  # SUCCEEDED | FAILED | UPSTREAM_FAILED
    message: str | None
    action: str | None  # NO_DATA | REINITIALIZE | FULL | INCREMENTAL
    trigger: str  # SCHEDULED | MANUAL | CREATION
    data_timestamp: datetime | None
    start: datetime
    end: datetime | None
    inserted: int | None = None
    deleted: int | None = None


def databases(engine: Engine) -> list[str]:
    """Attached databases whose catalog has the dynamic-table tables (older files may lack them)."""
    return engine.holders("DYNAMIC_TABLES")


def load(engine: Engine) -> dict[ObjectName, DynamicTable]:
    """Every dynamic table whose storage still exists (DROP SCHEMA removes the storage, not these rows)."""
    con = engine.con
    tables: dict[ObjectName, DynamicTable] = {}
    for db in databases(engine):
        sources: dict[int, list[Source]] = {}
        for uid, schema, name, stream in con.execute(
            f"SELECT DT_UID, SOURCE_SCHEMA, SOURCE_NAME, STREAM_UID FROM {hidden(db, 'DYNAMIC_TABLE_SOURCES').sql} "
            "ORDER BY DT_UID, POSITION"
        ).fetchall():
            sources.setdefault(int(uid), []).append(Source(ObjectName(db, schema, name), stream))
        rows = con.execute(
            f"SELECT {', '.join(_TABLE_COLUMNS)} FROM {hidden(db, 'DYNAMIC_TABLES').sql} "
            f"WHERE STORAGE_UID IN (SELECT TABLE_UID FROM {hidden(db, 'TRACKED').sql})"
        ).fetchall()
        for row in rows:
            values = dict(zip(_FIELDS, row, strict=True))
            schema, table = values.pop("schema"), values.pop("table")
            name = ObjectName(db, schema, table)
            tables[name] = DynamicTable(name=name, sources=tuple(sources.get(int(values["uid"]), [])), **values)
    return tables


def insert(con: duckdb.DuckDBPyConnection, table: DynamicTable) -> None:
    values = [getattr(table, f) for f in _FIELDS if f not in ("schema", "table")]
    values[1:1] = [table.name.schema, table.name.name]
    marks = ", ".join("?" for _ in _TABLE_COLUMNS)
    con.execute(f"INSERT INTO {hidden(table.database, 'DYNAMIC_TABLES').sql} VALUES ({marks})", values)
    set_sources(con, table)


def save(con: duckdb.DuckDBPyConnection, table: DynamicTable) -> None:
    """Write back a changed definition or state (same uid)."""
    con.execute(f"DELETE FROM {hidden(table.database, 'DYNAMIC_TABLES').sql} WHERE DT_UID = ?", [table.uid])
    insert(con, table)


def set_sources(con: duckdb.DuckDBPyConnection, table: DynamicTable) -> None:
    name = hidden(table.database, "DYNAMIC_TABLE_SOURCES").sql
    con.execute(f"DELETE FROM {name} WHERE DT_UID = ?", [table.uid])
    for position, source in enumerate(table.sources):
        con.execute(
            f"INSERT INTO {name} VALUES (?, ?, ?, ?, ?)",
            [table.uid, position, source.name.schema, source.name.name, source.stream_uid],
        )


def delete(con: duckdb.DuckDBPyConnection, table: DynamicTable) -> None:
    """Forget a dropped dynamic table's definition; its refresh history stays, as in Snowflake."""
    for name in ("DYNAMIC_TABLES", "DYNAMIC_TABLE_SOURCES"):
        con.execute(f"DELETE FROM {hidden(table.database, name).sql} WHERE DT_UID = ?", [table.uid])


def forget_missing(con: duckdb.DuckDBPyConnection, database: str) -> None:
    """Drop definitions whose storage is gone (their schema was dropped)."""
    tables, sources = hidden(database, "DYNAMIC_TABLES").sql, hidden(database, "DYNAMIC_TABLE_SOURCES").sql
    orphan = f"STORAGE_UID NOT IN (SELECT TABLE_UID FROM {hidden(database, 'TRACKED').sql})"
    con.execute(f"DELETE FROM {sources} WHERE DT_UID IN (SELECT DT_UID FROM {tables} WHERE {orphan})")
    con.execute(f"DELETE FROM {tables} WHERE {orphan}")


def save_state(con: duckdb.DuckDBPyConnection, table: DynamicTable) -> None:
    """Write back what a refresh changes when the definition stays (one statement)."""
    con.execute(
        f"UPDATE {hidden(table.database, 'DYNAMIC_TABLES').sql} SET DATA_TIMESTAMP = ?, LAG_BASE = ?, "
        "INITIALIZED = ?, CONSECUTIVE_FAILURES = ? WHERE DT_UID = ?",
        [table.data_timestamp, table.lag_base, table.initialized, table.consecutive_failures, table.uid],
    )


def record(con: duckdb.DuckDBPyConnection, entry: RefreshRecord) -> None:
    table = entry.table
    history = hidden(table.database, "DYNAMIC_TABLE_REFRESHES").sql
    con.execute(
        f"INSERT INTO {history} SELECT coalesce(max(REFRESH_ID), 0) + 1, "
        f"?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM {history}",
        [
            table.uid, table.database, table.name.schema, table.name.name, entry.state, entry.message,
            entry.action, entry.trigger, entry.data_timestamp, entry.start, entry.end, table.lag_seconds,
            entry.inserted, entry.deleted,
        ],
    )  # fmt: skip


_HISTORY_COLUMNS = (
    "DT_UID", "DATABASE_NAME", "SCHEMA_NAME", "NAME", "STATE", "STATE_MESSAGE", "REFRESH_ACTION", "REFRESH_TRIGGER",
    "DATA_TIMESTAMP", "REFRESH_START_TIME", "REFRESH_END_TIME", "TARGET_LAG_SEC", "ROWS_INSERTED", "ROWS_DELETED",
)  # fmt: skip


def record_many(engine: Engine, entries: list[RefreshRecord]) -> None:
    """Append many history rows at once, in order: one ``INSERT … SELECT`` per database over an Arrow table,
    numbered after the history's last REFRESH_ID (the scheduler's idle-time skip writes its NO_DATA refreshes
    this way). Same rows as :func:`record` each."""
    by_database: dict[str, list[RefreshRecord]] = {}
    for entry in entries:
        by_database.setdefault(entry.table.database, []).append(entry)
    for database, batch in by_database.items():
        values = [
            list(range(1, len(batch) + 1)), [e.table.uid for e in batch], [database] * len(batch),
            [e.table.name.schema for e in batch], [e.table.name.name for e in batch], [e.state for e in batch],
            [e.message for e in batch], [e.action for e in batch], [e.trigger for e in batch],
            [e.data_timestamp for e in batch], [e.start for e in batch], [e.end for e in batch],
            [e.table.lag_seconds for e in batch], [e.inserted for e in batch], [e.deleted for e in batch],
        ]  # fmt: skip
        types = (
            pa.int64(), pa.int64(), pa.string(), pa.string(), pa.string(), pa.string(), pa.string(), pa.string(),
            pa.string(), pa.timestamp("us"), pa.timestamp("us"), pa.timestamp("us"), pa.int64(), pa.int64(), pa.int64(),
        )  # fmt: skip
        table = pa.table(
            [pa.array(v, type=t) for v, t in zip(values, types, strict=True)], names=("N", *_HISTORY_COLUMNS)
        )
        history = hidden(database, "DYNAMIC_TABLE_REFRESHES").sql
        name = engine.register(table)
        try:
            columns = ", ".join(_HISTORY_COLUMNS)
            engine.con.execute(
                f"INSERT INTO {history} (REFRESH_ID, {columns}) SELECT "
                f"(SELECT coalesce(max(REFRESH_ID), 0) FROM {history}) + N, {columns} FROM {quote(name)} ORDER BY N"
            )
        finally:
            engine.unregister(name)


def forget_history_before(engine: Engine, instant: datetime) -> None:
    """Delete the refreshes whose DATA_TIMESTAMP (or, without one, start) is before ``instant``
    (DYNAMIC_TABLE_REFRESH_HISTORY returns the past 7 days only)."""
    for db in databases(engine):
        engine.con.execute(
            f"DELETE FROM {hidden(db, 'DYNAMIC_TABLE_REFRESHES').sql} "
            "WHERE coalesce(DATA_TIMESTAMP, REFRESH_START_TIME) < ?",
            [instant],
        )
