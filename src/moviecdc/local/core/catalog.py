"""The engine's own metadata, kept in DuckDB next to the data it describes.

Every Snowflake database (one DuckDB file with a ``path``) that holds a tracked table gets a hidden schema
``_MOVIECDC``::

    _MOVIECDC.STATE           one row: SEQ (the change clock), NEXT_UID
    _MOVIECDC.ROW_ID_SEQ      sequence: METADATA$ROW_ID of every tracked row
    _MOVIECDC.TRACKED         tracked tables: TABLE_UID, SCHEMA_NAME, TABLE_NAME
    _MOVIECDC.STREAMS         streams: name, base table, mode, offset, staleness
    _MOVIECDC.T<uid>_DATA     a tracked table's rows, with a stable ROW_ID column
    _MOVIECDC.T<uid>_CHANGES  its change log: SEQ, ROW_ID, ACTION, the row image
    _MOVIECDC.S<uid>_INITIAL  rows a SHOW_INITIAL_ROWS stream still has to return as inserts
    _MOVIECDC.CHANGE_TRACKING tables with CHANGE_TRACKING = TRUE (see dialect/constraints.py)
    _MOVIECDC.HISTORY         tracked tables whose change log is kept for time travel and CHANGES (history/)
    _MOVIECDC.RETENTION       tables created or altered with DATA_RETENTION_TIME_IN_DAYS
    _MOVIECDC.DYNAMIC_TABLE*  dynamic tables, their sources and refresh history (see dynamic_catalog.py)

A tracked table's user-visible name becomes a view over ``T<uid>_DATA`` (DuckDB's own ``rowid`` is
renumbered by vacuuming, so it cannot serve as ``METADATA$ROW_ID``). Keeping this state in the same DuckDB
file as the data means a change, its log entry and a stream's offset commit in one DuckDB transaction:
after a crash either all of them are there or none is.

A later module (tasks, dynamic tables) adds its tables to :data:`CATALOG_DDL` the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb

from moviecdc.local.core.names import ObjectName, literal, quote

HIDDEN_SCHEMA = "_MOVIECDC"
ROW_ID = "__MOVIECDC_ROW_ID"

# Action codes in a change log. ACTION % 2 == 1 adds a row image, == 0 removes one; within one
# statement the old image of an update (2) sorts before its new image (3).
DELETE, INSERT, UPDATE_OLD, UPDATE_NEW = 0, 1, 2, 3

CATALOG_DDL = (
    "CREATE SCHEMA IF NOT EXISTS {db}.{h}",
    "CREATE TABLE IF NOT EXISTS {db}.{h}.STATE (SEQ BIGINT NOT NULL, NEXT_UID BIGINT NOT NULL)",
    "INSERT INTO {db}.{h}.STATE SELECT 0, 1 WHERE NOT EXISTS (SELECT 1 FROM {db}.{h}.STATE)",
    "CREATE SEQUENCE IF NOT EXISTS {db}.{h}.ROW_ID_SEQ START 1",
    "CREATE TABLE IF NOT EXISTS {db}.{h}.TRACKED ("
    "TABLE_UID BIGINT NOT NULL, SCHEMA_NAME VARCHAR NOT NULL, TABLE_NAME VARCHAR NOT NULL, CREATED_ON TIMESTAMP)",
    "CREATE TABLE IF NOT EXISTS {db}.{h}.STREAMS ("
    "STREAM_UID BIGINT NOT NULL, STREAM_DATABASE VARCHAR NOT NULL, STREAM_SCHEMA VARCHAR NOT NULL, "
    "STREAM_NAME VARCHAR NOT NULL, TABLE_UID BIGINT NOT NULL, TABLE_SCHEMA VARCHAR NOT NULL, "
    "TABLE_NAME VARCHAR NOT NULL, MODE VARCHAR NOT NULL, SHOW_INITIAL_ROWS BOOLEAN NOT NULL, "
    "INITIAL_PENDING BOOLEAN NOT NULL, OFFSET_SEQ BIGINT NOT NULL, STALE BOOLEAN NOT NULL, "
    "INVALID_REASON VARCHAR, COMMENT VARCHAR, CREATED_ON TIMESTAMP)",
    # When each stream's offset last moved (streams.staleness: STALE_AFTER); no row: at its creation.
    "CREATE TABLE IF NOT EXISTS {db}.{h}.STREAM_OFFSET_TIMES (STREAM_UID BIGINT NOT NULL, OFFSET_TIME TIMESTAMP)",
    # Tables created or altered with CHANGE_TRACKING = TRUE (moviecdc.local.dialect.constraints).
    "CREATE TABLE IF NOT EXISTS {db}.{h}.CHANGE_TRACKING (SCHEMA_NAME VARCHAR NOT NULL, TABLE_NAME VARCHAR NOT NULL)",
    # Tracked tables whose change log stream consumption does not trim: it is their history since SINCE_SEQ
    # (CHANGE_TRACKING = TRUE; AT_CREATE: set by the CREATE TABLE, so the history covers the table's whole life).
    "CREATE TABLE IF NOT EXISTS {db}.{h}.HISTORY ("
    "TABLE_UID BIGINT NOT NULL, SINCE_SEQ BIGINT NOT NULL, SINCE_AT TIMESTAMP NOT NULL, AT_CREATE BOOLEAN NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {db}.{h}.RETENTION ("
    "SCHEMA_NAME VARCHAR NOT NULL, TABLE_NAME VARCHAR NOT NULL, DAYS BIGINT NOT NULL)",
    # Dynamic tables (moviecdc.local.dynamic_tables.catalog): definitions, sources, refresh history.
    "CREATE TABLE IF NOT EXISTS {db}.{h}.DYNAMIC_TABLES ("
    "DT_UID BIGINT NOT NULL, SCHEMA_NAME VARCHAR NOT NULL, TABLE_NAME VARCHAR NOT NULL, STORAGE_UID BIGINT NOT NULL, "
    "TEXT VARCHAR NOT NULL, QUERY VARCHAR NOT NULL, TARGET_LAG VARCHAR NOT NULL, TARGET_LAG_SEC BIGINT, "
    "WAREHOUSE VARCHAR NOT NULL, DECLARED_MODE VARCHAR NOT NULL, REFRESH_MODE VARCHAR NOT NULL, "
    "MODE_REASON VARCHAR, STRATEGY VARCHAR, SOURCE_KEY VARCHAR, OUTPUT_KEY VARCHAR, INITIALIZE VARCHAR NOT NULL, "
    "COMMENT VARCHAR, "
    "SUSPENDED BOOLEAN NOT NULL, SUSPEND_REASON VARCHAR, LAST_SUSPENDED_ON TIMESTAMP, INITIALIZED BOOLEAN NOT NULL, "
    "DATA_TIMESTAMP TIMESTAMP, LAG_BASE TIMESTAMP, CONSECUTIVE_FAILURES INTEGER NOT NULL, "
    "CREATED_ON TIMESTAMP NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {db}.{h}.DYNAMIC_TABLE_SOURCES ("
    "DT_UID BIGINT NOT NULL, POSITION INTEGER NOT NULL, SOURCE_SCHEMA VARCHAR NOT NULL, "
    "SOURCE_NAME VARCHAR NOT NULL, STREAM_UID BIGINT)",
    "CREATE TABLE IF NOT EXISTS {db}.{h}.DYNAMIC_TABLE_REFRESHES ("
    "REFRESH_ID BIGINT NOT NULL, DT_UID BIGINT NOT NULL, DATABASE_NAME VARCHAR NOT NULL, "
    "SCHEMA_NAME VARCHAR NOT NULL, NAME VARCHAR NOT NULL, STATE VARCHAR NOT NULL, STATE_MESSAGE VARCHAR, "
    "REFRESH_ACTION VARCHAR, REFRESH_TRIGGER VARCHAR NOT NULL, DATA_TIMESTAMP TIMESTAMP, "
    "REFRESH_START_TIME TIMESTAMP NOT NULL, REFRESH_END_TIME TIMESTAMP, TARGET_LAG_SEC BIGINT, "
    "ROWS_INSERTED BIGINT, ROWS_DELETED BIGINT)",
)


def hidden(database: str, name: str) -> ObjectName:
    """The name of an engine object in ``database``'s hidden schema."""
    return ObjectName(database, HIDDEN_SCHEMA, name)


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool = True
    default: str | None = None

    def ddl(self) -> str:
        text = f"{quote(self.name)} {self.type}"
        if self.default is not None:
            text += f" DEFAULT {self.default}"
        return text if self.nullable else text + " NOT NULL"


@dataclass(frozen=True)
class TrackedTable:
    """A table whose changes are logged because at least one stream was created on it."""

    uid: int
    name: ObjectName
    columns: tuple[str, ...]

    @property
    def data(self) -> ObjectName:
        return hidden(self.name.database, f"T{self.uid}_DATA")

    @property
    def log(self) -> ObjectName:
        return hidden(self.name.database, f"T{self.uid}_CHANGES")

    @property
    def quoted_columns(self) -> str:
        return ", ".join(quote(c) for c in self.columns)

    @property
    def shadows_rowid(self) -> bool:
        """A column named ROWID (any case) hides DuckDB's ``rowid``: reads by rowid must not be used."""
        return any(c.lower() == "rowid" for c in self.columns)


@dataclass(frozen=True)
class History:
    """A tracked table whose change log is kept whole since ``since_seq`` (CHANGE_TRACKING = TRUE)."""

    table_uid: int
    since_seq: int
    since_at: datetime
    at_create: bool


@dataclass(frozen=True)
class StreamDef:
    """One stream, as stored in ``_MOVIECDC.STREAMS`` of its base table's database."""

    uid: int
    name: ObjectName
    table: ObjectName
    table_uid: int
    mode: str  # DEFAULT | APPEND_ONLY
    show_initial_rows: bool
    initial_pending: bool
    offset: int
    stale: bool
    invalid_reason: str | None
    comment: str | None
    created_on: datetime | None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    offset_time: datetime | None = field(default=None, compare=False)  # last offset move; None: creation

    @property
    def catalog_db(self) -> str:
        return self.table.database

    @property
    def initial(self) -> ObjectName:
        return hidden(self.catalog_db, f"S{self.uid}_INITIAL")


def ensure(con: duckdb.DuckDBPyConnection, database: str) -> None:
    """Create ``database``'s hidden schema and catalog tables if missing (idempotent).

    One query first: when every catalog table is there (the statements run in order and the last creates the
    last table, so all of them ran), nothing else is sent; a deploy calls this for every object it creates.
    """
    (present,) = con.execute(
        "SELECT COUNT(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? AND list_contains(?, "
        "table_name)",
        [database, HIDDEN_SCHEMA, list(_CATALOG_TABLES)],
    ).fetchall()[0]
    if present == len(_CATALOG_TABLES):
        return
    for statement in CATALOG_DDL:
        con.execute(statement.format(db=quote(database), h=quote(HIDDEN_SCHEMA)))


_CATALOG_TABLES = tuple(
    statement.split("{h}.", 1)[1].split(" ", 1)[0] for statement in CATALOG_DDL if statement.startswith("CREATE TABLE")
)


def databases(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Attached databases that hold an engine catalog."""
    return holders(con).get("STREAMS", [])


def holders(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """For each table name of the hidden schemas, the attached databases that have it, in name order."""
    found: dict[str, list[str]] = {}
    for database, table in con.execute(
        "SELECT database_name, table_name FROM duckdb_tables() WHERE schema_name = ? ORDER BY 1", [HIDDEN_SCHEMA]
    ).fetchall():
        found.setdefault(str(table), []).append(str(database))
    return found


def next_seq(con: duckdb.DuckDBPyConnection, database: str) -> int:
    """Advance ``database``'s change clock and return the new value (one per changing statement)."""
    state = hidden(database, "STATE").sql
    row = con.execute(f"UPDATE {state} SET SEQ = SEQ + 1 RETURNING SEQ").fetchall()
    return int(row[0][0])


def current_seq(con: duckdb.DuckDBPyConnection, database: str) -> int:
    row = con.execute(f"SELECT SEQ FROM {hidden(database, 'STATE').sql}").fetchall()
    return int(row[0][0]) if row else 0


def next_uid(con: duckdb.DuckDBPyConnection, database: str) -> int:
    state = hidden(database, "STATE").sql
    row = con.execute(f"UPDATE {state} SET NEXT_UID = NEXT_UID + 1 RETURNING NEXT_UID - 1").fetchall()
    return int(row[0][0])


def table_columns(con: duckdb.DuckDBPyConnection, name: ObjectName) -> list[Column]:
    rows = con.execute(
        "SELECT column_name, data_type, is_nullable, column_default FROM duckdb_columns() "
        "WHERE database_name = ? AND schema_name = ? AND table_name = ? ORDER BY column_index",
        [name.database, name.schema, name.name],
    ).fetchall()
    return [Column(r[0], r[1], bool(r[2]), r[3]) for r in rows]


def object_kind(con: duckdb.DuckDBPyConnection, name: ObjectName) -> str | None:
    """``TABLE``, ``VIEW`` or None, matching the resolved spelling exactly."""
    row = con.execute(
        "SELECT 'TABLE' FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? AND table_name = ? "
        "UNION ALL SELECT 'VIEW' FROM duckdb_views() WHERE database_name = ? AND schema_name = ? "
        "AND view_name = ? AND NOT internal",
        [name.database, name.schema, name.name] * 2,
    ).fetchall()
    return str(row[0][0]) if row else None


def load_tracked(con: duckdb.DuckDBPyConnection, dbs: list[str] | None = None) -> dict[ObjectName, TrackedTable]:
    """Every tracked table of the attached databases (``dbs``: :func:`databases`, if the caller has it).

    One query per database for the definitions and one for the columns of all storage tables: loads happen
    once per statement, so their query count is what they cost.
    """
    dbs = databases(con) if dbs is None else dbs
    if not dbs:
        return {}
    columns: dict[tuple[str, str], list[str]] = {}
    for db, table, column in con.execute(
        "SELECT database_name, table_name, column_name FROM duckdb_columns() "
        f"WHERE schema_name = ? AND database_name IN ({', '.join('?' for _ in dbs)}) "
        "ORDER BY database_name, table_name, column_index",
        [HIDDEN_SCHEMA, *dbs],
    ).fetchall():
        if column != ROW_ID:
            columns.setdefault((db, table), []).append(column)
    tracked: dict[ObjectName, TrackedTable] = {}
    for db in dbs:
        for uid, schema, table in con.execute(
            f"SELECT TABLE_UID, SCHEMA_NAME, TABLE_NAME FROM {hidden(db, 'TRACKED').sql}"
        ).fetchall():
            name = ObjectName(db, schema, table)
            tracked[name] = TrackedTable(int(uid), name, tuple(columns.get((db, f"T{uid}_DATA"), ())))
    return tracked


def load_streams(
    con: duckdb.DuckDBPyConnection, dbs: list[str] | None = None, timed: list[str] | None = None
) -> dict[ObjectName, StreamDef]:
    """Every stream of ``dbs``; ``timed``: the databases that have ``STREAM_OFFSET_TIMES`` (all, if None)."""
    streams: dict[ObjectName, StreamDef] = {}
    for db in databases(con) if dbs is None else dbs:
        has_times = timed is None or db in timed
        offset_time = "T.OFFSET_TIME" if has_times else "NULL"
        join = (
            f" LEFT JOIN {hidden(db, 'STREAM_OFFSET_TIMES').sql} AS T ON T.STREAM_UID = S.STREAM_UID"
            if has_times
            else ""
        )
        rows = con.execute(
            "SELECT S.STREAM_UID, STREAM_DATABASE, STREAM_SCHEMA, STREAM_NAME, TABLE_UID, TABLE_SCHEMA, TABLE_NAME, "
            "MODE, SHOW_INITIAL_ROWS, INITIAL_PENDING, OFFSET_SEQ, STALE, INVALID_REASON, COMMENT, CREATED_ON, "
            f"{offset_time} FROM {hidden(db, 'STREAMS').sql} AS S{join}"
        ).fetchall()
        for r in rows:
            name = ObjectName(r[1], r[2], r[3])
            streams[name] = StreamDef(
                uid=int(r[0]),
                name=name,
                table=ObjectName(db, r[5], r[6]),
                table_uid=int(r[4]),
                mode=r[7],
                show_initial_rows=bool(r[8]),
                initial_pending=bool(r[9]),
                offset=int(r[10]),
                stale=bool(r[11]),
                invalid_reason=r[12],
                comment=r[13],
                created_on=r[14],
                offset_time=r[15],
            )
    return streams


def track(con: duckdb.DuckDBPyConnection, name: ObjectName, now: datetime) -> TrackedTable:
    """Start tracking a base table: move its rows (with fresh ROW_IDs) under a view of the same name.

    Runs inside the caller's transaction; costs one copy of the table, once, like Snowflake enabling
    change tracking on a table when its first stream is created.
    """
    ensure(con, name.database)
    columns = table_columns(con, name)
    uid = next_uid(con, name.database)
    tracked = TrackedTable(uid, name, tuple(c.name for c in columns))
    sequence = literal(hidden(name.database, "ROW_ID_SEQ").sql)
    row_id = Column(ROW_ID, "BIGINT", nullable=False, default=f"nextval({sequence})")
    con.execute(f"CREATE TABLE {tracked.data.sql} ({', '.join(c.ddl() for c in (row_id, *columns))})")
    con.execute(
        f"INSERT INTO {tracked.data.sql} ({quote(ROW_ID)}, {tracked.quoted_columns}) "
        f"SELECT nextval({sequence}), {tracked.quoted_columns} FROM {name.sql}"
    )
    log_columns = ", ".join(f"{quote(c.name)} {c.type}" for c in columns)
    con.execute(
        f"CREATE TABLE {tracked.log.sql} (SEQ BIGINT NOT NULL, {quote(ROW_ID)} BIGINT NOT NULL, "
        f"ACTION UTINYINT NOT NULL, {log_columns})"
    )
    con.execute(f"DROP TABLE {name.sql}")
    con.execute(f"CREATE VIEW {name.sql} AS SELECT {tracked.quoted_columns} FROM {tracked.data.sql}")
    con.execute(
        f"INSERT INTO {hidden(name.database, 'TRACKED').sql} VALUES (?, ?, ?, ?)",
        [uid, name.schema, name.name, now],
    )
    return tracked


def untrack(con: duckdb.DuckDBPyConnection, tracked: TrackedTable) -> None:
    """Forget a dropped or replaced table: drop its view, rows and log; its streams become stale."""
    db = tracked.name.database
    con.execute(f"DROP VIEW IF EXISTS {tracked.name.sql}")
    con.execute(f"DROP TABLE IF EXISTS {tracked.data.sql}")
    con.execute(f"DROP TABLE IF EXISTS {tracked.log.sql}")
    con.execute(f"DELETE FROM {hidden(db, 'TRACKED').sql} WHERE TABLE_UID = ?", [tracked.uid])
    if db in holders(con).get("HISTORY", []):
        con.execute(f"DELETE FROM {hidden(db, 'HISTORY').sql} WHERE TABLE_UID = ?", [tracked.uid])
    con.execute(
        f"UPDATE {hidden(db, 'STREAMS').sql} SET STALE = TRUE, "
        "INVALID_REASON = 'Base table dropped or replaced' WHERE TABLE_UID = ?",
        [tracked.uid],
    )


def load_history(con: duckdb.DuckDBPyConnection, dbs: list[str]) -> dict[tuple[str, int], History]:
    """Every kept history of the attached databases ``dbs`` (those holding a HISTORY table), by (database, uid)."""
    found: dict[tuple[str, int], History] = {}
    for db in dbs:
        for uid, seq, at, at_create in con.execute(
            f"SELECT TABLE_UID, SINCE_SEQ, SINCE_AT, AT_CREATE FROM {hidden(db, 'HISTORY').sql}"
        ).fetchall():
            found[(db, int(uid))] = History(int(uid), int(seq), at, bool(at_create))
    return found


def insert_stream(con: duckdb.DuckDBPyConnection, stream: StreamDef) -> None:
    con.execute(
        f"INSERT INTO {hidden(stream.catalog_db, 'STREAMS').sql} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            stream.uid,
            stream.name.database,
            stream.name.schema,
            stream.name.name,
            stream.table_uid,
            stream.table.schema,
            stream.table.name,
            stream.mode,
            stream.show_initial_rows,
            stream.initial_pending,
            stream.offset,
            stream.stale,
            stream.invalid_reason,
            stream.comment,
            stream.created_on,
        ],
    )


def delete_stream(con: duckdb.DuckDBPyConnection, stream: StreamDef) -> None:
    con.execute(f"DELETE FROM {hidden(stream.catalog_db, 'STREAMS').sql} WHERE STREAM_UID = ?", [stream.uid])
    con.execute(f"DROP TABLE IF EXISTS {stream.initial.sql}")


def advance(
    con: duckdb.DuckDBPyConnection,
    stream: StreamDef,
    offset: int,
    at: datetime | None = None,
    *,
    keep_log: bool = False,
    timed: bool = False,
) -> None:
    """Move a stream's offset (inside the consuming statement's transaction) and trim the log; ``at``: the
    instant it moved (what STALE_AFTER counts from); ``keep_log``: the table's log is its history (see HISTORY)
    and stays; ``timed``: the database already has STREAM_OFFSET_TIMES."""
    db = stream.catalog_db
    streams = hidden(db, "STREAMS").sql
    con.execute(
        f"UPDATE {streams} SET OFFSET_SEQ = ?, INITIAL_PENDING = FALSE WHERE STREAM_UID = ?", [offset, stream.uid]
    )
    if at is not None:
        times = hidden(db, "STREAM_OFFSET_TIMES").sql
        if not timed:  # a catalog made before this table existed gets it here
            con.execute(f"CREATE TABLE IF NOT EXISTS {times} (STREAM_UID BIGINT NOT NULL, OFFSET_TIME TIMESTAMP)")
        moved = con.execute(
            f"UPDATE {times} SET OFFSET_TIME = ? WHERE STREAM_UID = ? RETURNING STREAM_UID", [at, stream.uid]
        ).fetchall()
        if not moved:  # the stream's first consume: one statement per consume after it
            con.execute(f"INSERT INTO {times} VALUES (?, ?)", [stream.uid, at])
    if stream.initial_pending:
        con.execute(f"DELETE FROM {stream.initial.sql}")
    if keep_log:
        return
    # Changes every stream of the table has moved past are never read again.
    log = hidden(db, f"T{stream.table_uid}_CHANGES").sql
    con.execute(
        f"DELETE FROM {log} WHERE SEQ <= (SELECT min(OFFSET_SEQ) FROM {streams} WHERE TABLE_UID = ?)",
        [stream.table_uid],
    )
