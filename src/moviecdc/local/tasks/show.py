"""SHOW TASKS and DESCRIBE TASK, with Snowflake's lower-case columns.

Columns follow https://docs.snowflake.com/en/sql-reference/sql/show-tasks; ``status()`` reads ``name``,
``schema_name``, ``state`` ('started' / 'suspended') and ``schedule``.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import pyarrow as pa

from moviecdc.errors import LocalEngineError
from moviecdc.local.core.names import ObjectName
from moviecdc.local.core.results import Result, from_records
from moviecdc.local.core.show_filters import parse_show
from moviecdc.local.core.tokens import Tokens
from moviecdc.local.tasks import catalog as task_catalog
from moviecdc.local.tasks.catalog import TaskDef

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine
    from moviecdc.local.core.router import Statement


def missing(name: ObjectName) -> LocalEngineError:
    return LocalEngineError(f"SQL compilation error: Task '{name.display}' does not exist or not authorized.")


_UTC = pa.timestamp("us", tz="UTC")
SHOW_COLUMNS = (
    ("created_on", _UTC), ("name", pa.string()), ("id", pa.string()), ("database_name", pa.string()),
    ("schema_name", pa.string()), ("owner", pa.string()), ("comment", pa.string()), ("warehouse", pa.string()),
    ("schedule", pa.string()), ("predecessors", pa.string()), ("state", pa.string()), ("definition", pa.string()),
    ("condition", pa.string()), ("allow_overlapping_execution", pa.string()), ("error_integration", pa.string()),
    ("last_committed_on", _UTC), ("last_suspended_on", _UTC), ("owner_role_type", pa.string()),
    ("config", pa.string()), ("budget", pa.string()), ("task_relations", pa.string()),
    ("last_suspended_reason", pa.string()),
)  # fmt: skip
TERSE_COLUMNS = ("created_on", "name", "kind", "database_name", "schema_name", "schedule")


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=timezone.utc) if value is not None else None


def _relations(task: TaskDef, finalizer: TaskDef | None) -> str:
    """SHOW TASKS' task_relations: the predecessors, and a root's finalizer or a finalizer's root."""
    relations: dict[str, object] = {"Predecessors": [p.display for p in task.predecessors]}
    if finalizer is not None:
        relations["FinalizerTask"] = finalizer.name.display
    if task.finalize is not None:
        relations["FinalizedRootTask"] = task.finalize.display
    return json.dumps(relations)


def _show_row(task: TaskDef, finalizer: TaskDef | None = None) -> tuple[object, ...]:
    predecessors = [p.display for p in task.predecessors]
    props = task.properties
    return (
        _utc(task.created_on), task.name.name, str(task.uid), task.name.database, task.name.schema, "SYSADMIN",
        task.comment, task.warehouse, task.schedule, json.dumps(predecessors, indent=2) if predecessors else "[]",
        task.state, task.definition, task.condition, props.get("ALLOW_OVERLAPPING_EXECUTION", "FALSE").lower(),
        props.get("ERROR_INTEGRATION", "null"), _utc(task.last_committed_on), _utc(task.last_suspended_on), "ROLE",
        props.get("CONFIG"), None, _relations(task, finalizer), task.last_suspended_reason,
    )  # fmt: skip


def _show_result(tasks: list[TaskDef], every: dict[ObjectName, TaskDef], *, terse: bool = False) -> Result:
    ordered = sorted(tasks, key=lambda t: (t.name.database, t.name.schema, t.name.name))
    finalizers = {t.finalize: t for t in every.values() if t.finalize is not None}
    rows = [_show_row(t, finalizers.get(t.name)) for t in ordered]
    result = from_records([c for c, _ in SHOW_COLUMNS], rows, [t for _, t in SHOW_COLUMNS])
    if not terse:
        return result
    table = result.table.append_column("kind", pa.nulls(result.table.num_rows, pa.string()))
    return Result(table.select(list(TERSE_COLUMNS)))


def show(engine: Engine, statement: Statement) -> Result:
    """SHOW [TERSE] TASKS [LIKE '…'] [IN ACCOUNT | DATABASE [db] | [SCHEMA] [s]] [STARTS WITH '…'] [ROOT ONLY]
    [LIMIT n]."""
    found = parse_show(engine, statement.text, ("TASKS",), extra=("ROOT", "ONLY"))
    every = task_catalog.load(engine)
    selected = [task for task in every.values() if found.matches(task.name) and (not found.extra or task.is_root)]
    result = _show_result(selected, every, terse=found.terse)
    return result if found.limit is None else Result(result.table.slice(0, found.limit))


def describe(engine: Engine, statement: Statement) -> Result:
    t = Tokens(statement.text)
    if not t.accept("DESCRIBE"):
        t.expect("DESC")
    t.expect("TASK")
    name = t.name(engine)
    every = task_catalog.load(engine)
    task = every.get(name)
    if task is None:
        raise missing(name)
    return _show_result([task], every)
