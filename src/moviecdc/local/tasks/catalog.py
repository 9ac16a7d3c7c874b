"""Tasks in the engine's catalog: definitions, state and run history, kept in DuckDB next to the data.

Each database holding a task gets, in its hidden ``_MOVIECDC`` schema (see :mod:`moviecdc.local.core.catalog`)::

    _MOVIECDC.TASKS          one row per task: definition, state (started / suspended), consecutive
                             failures, next scheduled run, suspension time and reason
    _MOVIECDC.TASK_HISTORY   one row per finished run: SUCCEEDED / FAILED / SKIPPED /
                             FAILED_AND_AUTO_SUSPENDED, times, error, the value SYSTEM$SET_RETURN_VALUE set

A task run writes its history row and the task's new state in the transaction that commits the run's
work, so after a crash the history says exactly what was committed. A task whose schema was dropped is
ignored (Snowflake drops it with the schema).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from moviecdc.local.core import catalog
from moviecdc.local.core.catalog import HIDDEN_SCHEMA, hidden
from moviecdc.local.core.names import ObjectName, quote
from moviecdc.local.tasks.schedule import Schedule

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine

STARTED, SUSPENDED = "started", "suspended"
SUCCEEDED, FAILED, SKIPPED = "SUCCEEDED", "FAILED", "SKIPPED"
FAILED_AND_AUTO_SUSPENDED = "FAILED_AND_AUTO_SUSPENDED"
USER_SUSPENDED, SUSPENDED_DUE_TO_ERRORS = "USER_SUSPENDED", "SUSPENDED_DUE_TO_ERRORS"
CHILD_BECAME_ROOT = "CHILD_BECAME_ROOT"
FROM_SCHEDULE, FROM_EXECUTE = "SCHEDULE", "EXECUTE TASK"
DEFAULT_SUSPEND_AFTER_FAILURES = 10

TASK_DDL = (
    "CREATE TABLE IF NOT EXISTS {db}.{h}.TASKS ("
    "TASK_UID BIGINT NOT NULL, SCHEMA_NAME VARCHAR NOT NULL, TASK_NAME VARCHAR NOT NULL, WAREHOUSE VARCHAR, "
    "SCHEDULE VARCHAR, PREDECESSORS VARCHAR NOT NULL, CONDITION_TEXT VARCHAR, DEFINITION VARCHAR NOT NULL, "
    "SUSPEND_AFTER_FAILURES INTEGER NOT NULL, PROPERTIES VARCHAR NOT NULL, COMMENT VARCHAR, STATE VARCHAR NOT NULL, "
    "FAILURES INTEGER NOT NULL, NEXT_RUN TIMESTAMP, CREATED_ON TIMESTAMP NOT NULL, LAST_COMMITTED_ON TIMESTAMP, "
    "LAST_SUSPENDED_ON TIMESTAMP, LAST_SUSPENDED_REASON VARCHAR, FINALIZE VARCHAR, SESSION_PARAMETERS VARCHAR)",
    "CREATE TABLE IF NOT EXISTS {db}.{h}.TASK_HISTORY ("
    "TASK_UID BIGINT NOT NULL, ROOT_TASK_UID BIGINT NOT NULL, SCHEMA_NAME VARCHAR NOT NULL, NAME VARCHAR NOT NULL, "
    "QUERY_TEXT VARCHAR, CONDITION_TEXT VARCHAR, STATE VARCHAR NOT NULL, ERROR_CODE VARCHAR, ERROR_MESSAGE VARCHAR, "
    "SCHEDULED_TIME TIMESTAMP NOT NULL, QUERY_START_TIME TIMESTAMP, COMPLETED_TIME TIMESTAMP NOT NULL, "
    "RUN_ID BIGINT NOT NULL, SCHEDULED_FROM VARCHAR NOT NULL, RETURN_VALUE VARCHAR)",
)
# Columns added after the first release: a folder written by an older version gets them when it is opened.
_ADDED = (
    ("TASKS", "FINALIZE", "VARCHAR"), ("TASKS", "SESSION_PARAMETERS", "VARCHAR"),
    ("TASK_HISTORY", "RETURN_VALUE", "VARCHAR"),
)  # fmt: skip

_COLUMNS = (
    "TASK_UID, SCHEMA_NAME, TASK_NAME, WAREHOUSE, SCHEDULE, PREDECESSORS, CONDITION_TEXT, DEFINITION, "
    "SUSPEND_AFTER_FAILURES, PROPERTIES, COMMENT, STATE, FAILURES, NEXT_RUN, CREATED_ON, LAST_COMMITTED_ON, "
    "LAST_SUSPENDED_ON, LAST_SUSPENDED_REASON, FINALIZE, SESSION_PARAMETERS"
)


@dataclass(frozen=True)
class TaskDef:
    """One task: what ``CREATE TASK`` said, and the state the scheduler keeps."""

    uid: int
    name: ObjectName
    definition: str
    created_on: datetime
    warehouse: str | None = None
    schedule: str | None = None
    predecessors: tuple[ObjectName, ...] = ()
    condition: str | None = None
    suspend_after_failures: int = DEFAULT_SUSPEND_AFTER_FAILURES
    properties: dict[str, str] = field(default_factory=dict, compare=False)
    comment: str | None = None
    state: str = SUSPENDED
    failures: int = 0
    next_run: datetime | None = None
    last_committed_on: datetime | None = None
    last_suspended_on: datetime | None = None
    last_suspended_reason: str | None = None
    finalize: ObjectName | None = None  # the root task this task finalizes (CREATE TASK … FINALIZE = root)
    session_parameters: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def is_root(self) -> bool:
        """A standalone task or the root of a graph: no predecessors, and not a finalizer."""
        return not self.predecessors and self.finalize is None

    @property
    def started(self) -> bool:
        return self.state == STARTED

    @property
    def parsed_schedule(self) -> Schedule | None:
        return Schedule.parse(self.schedule) if self.schedule is not None else None


@dataclass(frozen=True)
class Run:
    """One finished run of one task, as ``TASK_HISTORY`` reports it."""

    task: TaskDef
    root_uid: int
    state: str
    scheduled: datetime
    query_start: datetime | None
    completed: datetime
    run_id: int
    source: str
    error_code: str | None = None
    error_message: str | None = None
    return_value: str | None = None


def ensure(con: duckdb.DuckDBPyConnection, database: str) -> None:
    """Create ``database``'s engine catalog and task tables if missing (idempotent)."""
    catalog.ensure(con, database)
    for statement in TASK_DDL:
        con.execute(statement.format(db=quote(database), h=quote(HIDDEN_SCHEMA)))


def upgrade(engine: Engine) -> None:
    """Add the columns a newer version keeps to the task tables of every attached database (on open)."""
    for db in databases(engine):
        for table, column, kind in _ADDED:
            engine.con.execute(f"ALTER TABLE {hidden(db, table).sql} ADD COLUMN IF NOT EXISTS {column} {kind}")


_CACHE = "tasks"  # the key of the engine's cache of every task (Engine.family_caches)


def databases(engine: Engine) -> list[str]:
    """Attached databases whose catalog has task tables."""
    return engine.holders("TASK_HISTORY")


def load(engine: Engine) -> dict[ObjectName, TaskDef]:
    """Every task of every attached database, by name (a fresh dict; the engine caches the tasks until a task
    row is written, DDL runs or a transaction rolls back)."""
    cached: dict[ObjectName, TaskDef] | None = engine.family_caches.get(_CACHE)
    if cached is None:
        cached = engine.family_caches[_CACHE] = _load(engine)
    return dict(cached)


def _load(engine: Engine) -> dict[ObjectName, TaskDef]:
    con = engine.con
    tasks: dict[ObjectName, TaskDef] = {}
    for db in databases(engine):
        rows = con.execute(
            f"SELECT {_COLUMNS} FROM {hidden(db, 'TASKS').sql} WHERE SCHEMA_NAME IN "
            "(SELECT schema_name FROM duckdb_schemas() WHERE database_name = ?)",
            [db],
        ).fetchall()
        for r in rows:
            task = _from_row(db, r)
            tasks[task.name] = task
    return tasks


def _from_row(db: str, r: tuple[Any, ...]) -> TaskDef:
    return TaskDef(
        uid=int(r[0]), name=ObjectName(db, r[1], r[2]), warehouse=r[3], schedule=r[4],
        predecessors=tuple(ObjectName(*p) for p in json.loads(r[5])), condition=r[6], definition=r[7],
        suspend_after_failures=int(r[8]), properties=json.loads(r[9]), comment=r[10], state=r[11],
        failures=int(r[12]), next_run=r[13], created_on=r[14], last_committed_on=r[15], last_suspended_on=r[16],
        last_suspended_reason=r[17], finalize=ObjectName(*json.loads(r[18])) if r[18] else None,
        session_parameters=json.loads(r[19]) if r[19] else {},
    )  # fmt: skip


def save(engine: Engine, task: TaskDef) -> None:
    """Insert or overwrite one task's row (inside the caller's transaction)."""
    engine.family_caches.pop(_CACHE, None)
    con = engine.con
    table = hidden(task.name.database, "TASKS").sql
    con.execute(f"DELETE FROM {table} WHERE TASK_UID = ?", [task.uid])
    predecessors = json.dumps([[p.database, p.schema, p.name] for p in task.predecessors])
    con.execute(
        f"INSERT INTO {table} ({_COLUMNS}) VALUES ({', '.join('?' * 20)})",
        [
            task.uid, task.name.schema, task.name.name, task.warehouse, task.schedule, predecessors, task.condition,
            task.definition, task.suspend_after_failures, json.dumps(task.properties, sort_keys=True), task.comment,
            task.state, task.failures, task.next_run, task.created_on, task.last_committed_on, task.last_suspended_on,
            task.last_suspended_reason,
            json.dumps([task.finalize.database, task.finalize.schema, task.finalize.name]) if task.finalize else None,
            json.dumps(task.session_parameters, sort_keys=True),
        ],
    )  # fmt: skip


def delete(engine: Engine, task: TaskDef) -> None:
    """Forget a task; its history stays (Snowflake keeps the history of dropped tasks)."""
    engine.family_caches.pop(_CACHE, None)
    engine.con.execute(f"DELETE FROM {hidden(task.name.database, 'TASKS').sql} WHERE TASK_UID = ?", [task.uid])


def forget_dropped_schema(engine: Engine, database: str, schema: str) -> None:
    """Drop the rows of tasks left behind by a dropped schema, before a task of that name is created again."""
    engine.family_caches.pop(_CACHE, None)
    engine.con.execute(f"DELETE FROM {hidden(database, 'TASKS').sql} WHERE SCHEMA_NAME = ?", [schema])


def record(con: duckdb.DuckDBPyConnection, run: Run) -> None:
    """Append one finished run to the history of its task's database."""
    task = run.task
    history = hidden(task.name.database, "TASK_HISTORY").sql
    con.execute(
        f"INSERT INTO {history} (TASK_UID, ROOT_TASK_UID, SCHEMA_NAME, NAME, QUERY_TEXT, CONDITION_TEXT, STATE, "
        "ERROR_CODE, ERROR_MESSAGE, SCHEDULED_TIME, QUERY_START_TIME, COMPLETED_TIME, RUN_ID, SCHEDULED_FROM, "
        "RETURN_VALUE) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            task.uid, run.root_uid, task.name.schema, task.name.name, task.definition, task.condition, run.state,
            run.error_code, run.error_message, run.scheduled, run.query_start, run.completed, run.run_id, run.source,
            run.return_value,
        ],
    )  # fmt: skip


_HISTORY_COLUMNS = (
    "TASK_UID", "ROOT_TASK_UID", "SCHEMA_NAME", "NAME", "QUERY_TEXT", "CONDITION_TEXT", "STATE", "ERROR_CODE",
    "ERROR_MESSAGE", "SCHEDULED_TIME", "QUERY_START_TIME", "COMPLETED_TIME", "RUN_ID", "SCHEDULED_FROM",
)  # fmt: skip


def record_many(engine: Engine, runs: list[Run]) -> None:
    """Append many finished runs at once: one ``INSERT … SELECT`` per database over an Arrow table (the
    scheduler's idle-time skip writes a day of SKIPPED runs this way). Same rows as :func:`record` each."""
    by_database: dict[str, list[Run]] = {}
    for run in runs:
        by_database.setdefault(run.task.name.database, []).append(run)
    for database, batch in by_database.items():
        values = [
            [r.task.uid for r in batch], [r.root_uid for r in batch], [r.task.name.schema for r in batch],
            [r.task.name.name for r in batch], [r.task.definition for r in batch], [r.task.condition for r in batch],
            [r.state for r in batch], [r.error_code for r in batch], [r.error_message for r in batch],
            [r.scheduled for r in batch], [r.query_start for r in batch], [r.completed for r in batch],
            [r.run_id for r in batch], [r.source for r in batch],
        ]  # fmt: skip
        types = (
            pa.int64(), pa.int64(), pa.string(), pa.string(), pa.string(), pa.string(), pa.string(), pa.string(),
            pa.string(), pa.timestamp("us"), pa.timestamp("us"), pa.timestamp("us"), pa.int64(), pa.string(),
        )  # fmt: skip
        table = pa.table([pa.array(v, type=t) for v, t in zip(values, types, strict=True)], names=_HISTORY_COLUMNS)
        name = engine.register(table)
        try:
            columns = ", ".join(_HISTORY_COLUMNS)
            engine.con.execute(
                f"INSERT INTO {hidden(database, 'TASK_HISTORY').sql} ({columns}) SELECT {columns} FROM {quote(name)}"
            )
        finally:
            engine.unregister(name)


def forget_history_before(engine: Engine, instant: datetime) -> None:
    """Delete the runs scheduled before ``instant`` (TASK_HISTORY returns the past 7 days only)."""
    for db in databases(engine):
        engine.con.execute(f"DELETE FROM {hidden(db, 'TASK_HISTORY').sql} WHERE SCHEDULED_TIME < ?", [instant])


def latest_time(engine: Engine) -> datetime | None:
    """The latest instant any task row or history row records (a restarted clock starts after it)."""
    con = engine.con
    times: list[datetime] = []
    for db in databases(engine):
        row = con.execute(
            f"SELECT greatest(max(CREATED_ON), max(LAST_COMMITTED_ON), max(LAST_SUSPENDED_ON)) "
            f"FROM {hidden(db, 'TASKS').sql}"
        ).fetchall()
        times += [row[0][0]] if row and row[0][0] is not None else []
        row = con.execute(f"SELECT max(COMPLETED_TIME) FROM {hidden(db, 'TASK_HISTORY').sql}").fetchall()
        times += [row[0][0]] if row and row[0][0] is not None else []
    return max(times) if times else None
