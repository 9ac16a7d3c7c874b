"""What ``Pipeline.status()`` reports: stream, tasks, dynamic tables and rejected rows, from either engine.

Everything is read with the statements Snowflake answers (``SHOW …``, ``SYSTEM$STREAM_HAS_DATA``,
``INFORMATION_SCHEMA.TASK_HISTORY`` and ``DYNAMIC_TABLE_REFRESH_HISTORY``), so the same code reads a
Snowflake account and ``LocalSession``. ``SHOW`` output columns are lower case in Snowflake; history
columns are upper case; rows are read case-insensitively.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from moviecdc import sql
from moviecdc.config import GoldRefresh, PipelineConfig
from moviecdc.identifiers import QualifiedName
from moviecdc.schema import EntitySchema

HISTORY_LIMIT = 5

# TASK_HISTORY states of a run that has ended; SCHEDULED and EXECUTING have not
# (https://docs.snowflake.com/en/sql-reference/functions/task_history).
FINISHED_STATES = frozenset({"SUCCEEDED", "FAILED", "SKIPPED", "CANCELLED", "FAILED_AND_AUTO_SUSPENDED"})
# SHOW DYNAMIC TABLES scheduling_state of a table that refreshes on its lag: ACTIVE since the 2024_02 behaviour
# change bundle, RUNNING before it; the other documented value is SUSPENDED
# (https://docs.snowflake.com/en/release-notes/bcr-bundles/2024_02/bcr-1543).
SCHEDULED_STATES = frozenset({"ACTIVE", "RUNNING"})


def fields(row: Any) -> dict[str, Any]:
    """A result row as a dict with lower-case keys (Snowpark ``Row`` or any mapping)."""
    mapping: Mapping[str, Any] = row.as_dict() if hasattr(row, "as_dict") else dict(row)
    return {str(key).lower().strip('"'): value for key, value in mapping.items()}


def exact(rows: Sequence[Any], name: QualifiedName) -> dict[str, Any] | None:
    """The SHOW row for exactly ``name`` (SHOW … LIKE also matches ``_`` as a wildcard)."""
    for row in rows:
        values = fields(row)
        if values.get("name") == name.name and values.get("schema_name", name.schema) == name.schema:
            return values
    return None


@dataclass(frozen=True)
class StreamStatus:
    name: QualifiedName
    exists: bool
    stale: bool = False
    mode: str = ""
    has_pending_changes: bool = False

    def __str__(self) -> str:
        if not self.exists:
            return f"stream {self.name}: MISSING (run deploy)"
        pending = "changes pending" if self.has_pending_changes else "no pending changes"
        return f"stream {self.name}: {'STALE' if self.stale else 'ok'}, {self.mode.lower()}, {pending}"


@dataclass(frozen=True)
class TaskRun:
    state: str
    scheduled_time: datetime | None
    completed_time: datetime | None
    error_message: str | None
    scheduled_from: str = ""  # SCHEDULE, or EXECUTE TASK for a run started by EXECUTE TASK

    @property
    def finished(self) -> bool:
        return self.state.upper() in FINISHED_STATES

    @property
    def failed(self) -> bool:
        return self.state.upper().startswith("FAILED")


@dataclass(frozen=True)
class TaskStatus:
    name: QualifiedName
    exists: bool
    state: str = ""
    schedule: str = ""
    last_runs: tuple[TaskRun, ...] = ()

    @property
    def last_finished(self) -> TaskRun | None:
        """The newest run that has ended (a run still executing does not decide the task's health)."""
        return next((run for run in self.last_runs if run.finished), None)

    def __str__(self) -> str:
        if not self.exists:
            return f"task {self.name}: MISSING"
        runs = ", ".join(f"{r.state}@{_time(r.scheduled_time)}" for r in self.last_runs) or "no runs yet"
        return f"task {self.name}: {self.state}, every {self.schedule}; last runs: {runs}"


@dataclass(frozen=True)
class Refresh:
    state: str
    action: str
    data_timestamp: datetime | None
    started: datetime | None
    ended: datetime | None
    message: str | None


@dataclass(frozen=True)
class DynamicTableStatus:
    name: QualifiedName
    exists: bool
    target_lag: str = ""
    refresh_mode: str = ""
    scheduling_state: str = ""
    data_timestamp: datetime | None = None
    last_refreshes: tuple[Refresh, ...] = ()

    def __str__(self) -> str:
        if not self.exists:
            return f"dynamic table {self.name}: MISSING"
        last = self.last_refreshes[0] if self.last_refreshes else None
        refreshed = f"last refresh {last.state} {last.action} at {_time(last.ended)}" if last else "never refreshed"
        return (
            f"dynamic table {self.name}: {self.scheduling_state}, lag {self.target_lag}, "
            f"{self.refresh_mode}, data as of {_time(self.data_timestamp)}; {refreshed}"
        )


@dataclass(frozen=True)
class PipelineStatus:
    """The health of every object, as the engine reports it. ``str()`` is a readable report."""

    stream: StreamStatus
    tasks: tuple[TaskStatus, ...]
    dynamic_tables: tuple[DynamicTableStatus, ...]
    rejected_rows: int
    rejected_reasons: dict[str, int] = field(default_factory=dict)

    @property
    def deployed(self) -> bool:
        return self.stream.exists and all(t.exists for t in self.tasks) and all(d.exists for d in self.dynamic_tables)

    @property
    def healthy(self) -> bool:
        """Deployed, stream fresh, tasks started, dynamic tables running, no failed last run or refresh."""
        failed_task = any((run := t.last_finished) is not None and run.failed for t in self.tasks)
        failed_refresh = any(d.last_refreshes and d.last_refreshes[0].state == "FAILED" for d in self.dynamic_tables)
        started = all(t.state.lower() == "started" for t in self.tasks)
        running = all(d.scheduling_state.upper() in SCHEDULED_STATES for d in self.dynamic_tables)
        failed = failed_task or failed_refresh
        return self.deployed and not self.stream.stale and started and running and not failed

    def __str__(self) -> str:
        lines = [f"pipeline: {'healthy' if self.healthy else 'NEEDS ATTENTION'}", f"  {self.stream}"]
        lines += [f"  {t}" for t in self.tasks]
        lines += [f"  {d}" for d in self.dynamic_tables]
        reasons = "; ".join(f"{reason}: {count}" for reason, count in self.rejected_reasons.items())
        lines.append(f"  rejected rows: {self.rejected_rows}" + (f" ({reasons})" if reasons else ""))
        return "\n".join(lines)


def _time(value: datetime | None) -> str:
    return value.isoformat(sep=" ", timespec="seconds") if isinstance(value, datetime) else "-"


def read_status(session: Any, config: PipelineConfig, schema: EntitySchema) -> PipelineStatus:
    """Ask the engine behind ``session`` for the pipeline's status (read-only statements only)."""

    def query(text: str) -> list[Any]:
        return list(session.sql(text).collect())

    stream_name = config.name("stream")
    show_stream = exact(query(sql.show("STREAMS", stream_name)), stream_name)
    if show_stream is None:
        stream = StreamStatus(stream_name, exists=False)
    else:
        has_data = fields(query(sql.stream_has_data(stream_name))[0])["has_data"]
        stream = StreamStatus(
            stream_name,
            exists=True,
            stale=_bool(show_stream.get("stale")),
            mode=str(show_stream.get("mode", "")),
            has_pending_changes=_bool(has_data),
        )

    task_fields = ["ingest_task"] + (["gold_refresh_task"] if config.gold_refresh is GoldRefresh.TASK else [])
    tasks = []
    for task_field in task_fields:
        name = config.name(task_field)
        shown = exact(query(sql.show("TASKS", name)), name)
        if shown is None:
            tasks.append(TaskStatus(name, exists=False))
            continue
        runs = tuple(task_runs(session, name))
        tasks.append(TaskStatus(name, True, str(shown["state"]), str(shown.get("schedule", "")), runs))

    tables = []
    for table_field in ("silver_table", "rejected_table", "gold_table"):
        name = config.name(table_field)
        shown = exact(query(sql.show("DYNAMIC TABLES", name)), name)
        if shown is None:
            tables.append(DynamicTableStatus(name, exists=False))
            continue
        refreshes = tuple(
            Refresh(
                f["state"],
                f["refresh_action"],
                f["data_timestamp"],
                f["refresh_start_time"],
                f["refresh_end_time"],
                f["state_message"],
            )
            for f in map(fields, query(sql.refresh_history(name, HISTORY_LIMIT)))
        )
        tables.append(
            DynamicTableStatus(
                name,
                True,
                str(shown.get("target_lag", "")),
                str(shown.get("refresh_mode", "")),
                str(shown.get("scheduling_state", "")),
                shown.get("data_timestamp"),
                refreshes,
            )
        )

    reasons: dict[str, int] = {}
    if tables[1].exists:
        for f in map(fields, query(sql.rejected_reasons(config.name("rejected_table"), schema.cdc.reject_reason))):
            reasons[str(f["reason"])] = int(f["rows"])
    return PipelineStatus(stream, tuple(tasks), tuple(tables), sum(reasons.values()), reasons)


def task_runs(session: Any, task: QualifiedName, limit: int = HISTORY_LIMIT, *, origin: bool = False) -> list[TaskRun]:
    """The task's last ``limit`` past runs (finished or executing) from ``TASK_HISTORY``, newest first.

    ``origin`` also reads each run's ``SCHEDULED_FROM`` (what ``refresh()`` needs).

    The query already keeps only this schema's task and no SCHEDULED row; the rows are filtered again here so
    that an answer with the next scheduled run or a same-named task of another schema (both documented
    TASK_HISTORY behaviours) can never be taken for the last run.
    """
    rows = session.sql(sql.task_history(task, limit, origin=origin)).collect()
    runs = [
        TaskRun(
            str(f["state"]),
            f["scheduled_time"],
            f.get("completed_time"),
            f.get("error_message"),
            str(f.get("scheduled_from") or ""),
        )
        for f in map(fields, rows)
        if f.get("database_name", task.database) == task.database
        and f.get("schema_name", task.schema) == task.schema
        and str(f["state"]).upper() != "SCHEDULED"
    ]
    runs.sort(key=lambda run: (run.scheduled_time is not None, run.scheduled_time or datetime.min), reverse=True)
    return runs[:limit]


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    return bool(value)
