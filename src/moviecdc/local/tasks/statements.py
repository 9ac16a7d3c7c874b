"""Tasks: CREATE / ALTER … RESUME | SUSPEND / DROP / EXECUTE / SHOW / DESCRIBE TASK.

A task is created suspended and runs on its schedule once resumed (:mod:`moviecdc.local.scheduler` runs
it when the clock reaches its next instant); :mod:`moviecdc.local.tasks.runs` runs one graph run;
:mod:`moviecdc.local.tasks.catalog` keeps definitions, state and history in DuckDB.

>>> from datetime import datetime
>>> from moviecdc.local import LocalSession
>>> with LocalSession(database="MOVIES", schema="PUBLIC", start=datetime(2026, 1, 1, 9, 0)) as session:
...     _ = session.sql("CREATE TABLE LOG (RAN_AT TIMESTAMP_NTZ)").collect()
...     session.sql("CREATE TASK TICK SCHEDULE = '1 MINUTE' AS INSERT INTO LOG SELECT SYSDATE()").collect()
...     _ = session.sql("ALTER TASK TICK RESUME").collect()
...     _ = session.advance(seconds=120)
...     session.sql("SELECT RAN_AT FROM LOG ORDER BY RAN_AT").collect()
[Row(status='Task TICK successfully created.')]
[Row(RAN_AT=datetime.datetime(2026, 1, 1, 9, 1)), Row(RAN_AT=datetime.datetime(2026, 1, 1, 9, 2))]
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local.core import catalog
from moviecdc.local.core.names import ObjectName, display_part, take_name
from moviecdc.local.core.results import SUCCESS, Result, status
from moviecdc.local.core.tokens import Tokens
from moviecdc.local.ordinary.statements import run_parsed
from moviecdc.local.tasks import catalog as task_catalog
from moviecdc.local.tasks import show as task_show
from moviecdc.local.tasks.catalog import (
    CHILD_BECAME_ROOT,
    FROM_EXECUTE,
    STARTED,
    SUSPENDED,
    USER_SUSPENDED,
    TaskDef,
)
from moviecdc.local.tasks.ddl import CreateTask, parse_create
from moviecdc.local.tasks.runs import run_graph

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine
    from moviecdc.local.core.router import Statement

# Snowflake's wording (https://docs.snowflake.com/en/sql-reference/sql/create-or-alter).
MUST_SUSPEND = "You must suspend a task before you can alter it."


def root_of(tasks: dict[ObjectName, TaskDef], task: TaskDef) -> TaskDef:
    """The root of ``task``'s graph (``task`` itself when it has no predecessors)."""
    seen = {task.name}
    while task.predecessors:
        parent = tasks.get(task.predecessors[0])
        if parent is None or parent.name in seen:
            return task
        seen.add(parent.name)
        task = parent
    return task


def _graph_unlocked(tasks: dict[ObjectName, TaskDef], task: TaskDef) -> None:
    """Snowflake changes a task graph only while its root is suspended."""
    root = root_of(tasks, task)
    if root.name != task.name and root.started:
        raise LocalEngineError(
            f"Unable to update graph with root task {root.name.display} since that root task is not suspended. "
            f"Run ALTER TASK {root.name.display} SUSPEND first."
        )


# -- CREATE TASK -----------------------------------------------------------------------------------------


def create(engine: Engine, statement: Statement) -> Result:
    spec = parse_create(engine, statement.text)
    engine.implicit_commit()
    name, label = spec.name, display_part(spec.name.name)
    schema = engine.con.execute(
        "SELECT 1 FROM duckdb_schemas() WHERE database_name = ? AND schema_name = ?", [name.database, name.schema]
    ).fetchall()
    if not schema:
        raise LocalEngineError(f"Schema '{name.database}.{name.schema}' does not exist or not authorized.")
    with engine.atomic():
        task_catalog.ensure(engine.con, name.database)
        engine.invalidate()  # the task tables may be new
        tasks = task_catalog.load(engine)
        existing = tasks.get(name)
        if existing is not None:
            if spec.if_not_exists:
                return status(f"{label} already exists, statement succeeded.")
            if not (spec.or_replace or spec.or_alter):
                raise LocalEngineError(f"SQL compilation error: Object '{name.display}' already exists.")
            if spec.or_alter and existing.started:
                raise LocalEngineError(
                    f"Cannot alter task {name.display}: it is started. {MUST_SUSPEND} "
                    f"Run ALTER TASK {name.display} SUSPEND, then CREATE OR ALTER TASK, then ALTER TASK … RESUME."
                )
            _graph_unlocked(tasks, existing)
        task = _defined(engine, spec, existing if spec.or_alter else None)
        _check_graph(tasks, task)
        if existing is not None and not spec.or_alter:
            task_catalog.delete(engine, existing)
        task_catalog.save(engine, task)
    engine.invalidate()
    if existing is not None and spec.or_alter:
        return status(SUCCESS)
    return status(f"Task {label} successfully created.")


def _defined(engine: Engine, spec: CreateTask, existing: TaskDef | None) -> TaskDef:
    """The task a CREATE describes; CREATE OR ALTER keeps the state, creation time and history of ``existing``."""
    now = engine.now()
    base = existing or TaskDef(
        uid=catalog.next_uid(engine.con, spec.name.database), name=spec.name, definition="", created_on=now
    )
    return replace(
        base,
        definition=spec.definition,
        warehouse=spec.warehouse,
        schedule=spec.schedule.text if spec.schedule is not None else None,
        predecessors=spec.predecessors,
        condition=spec.condition,
        suspend_after_failures=spec.suspend_after_failures,
        properties=spec.properties,
        comment=spec.comment,
        last_committed_on=now,
    )


def _check_graph(tasks: dict[ObjectName, TaskDef], task: TaskDef) -> None:
    """Predecessors exist, share the task's schema and root, form no cycle; the graph's root is suspended."""
    graph = {**tasks, task.name: task}
    roots = set()
    for parent_name in task.predecessors:
        parent = tasks.get(parent_name)
        if parent is None or parent_name == task.name:
            raise LocalEngineError(
                f"SQL compilation error: Task '{parent_name.display}' (in AFTER) does not exist or not authorized."
            )
        if (parent_name.database, parent_name.schema) != (task.name.database, task.name.schema):
            raise LocalEngineError(
                f"Task {task.name.display} and its predecessor {parent_name.display} must be in the same schema."
            )
        _no_cycle(graph, task, parent)
        roots.add(root_of(graph, parent).name)
    if len(roots) > 1:
        names = ", ".join(sorted(r.display for r in roots))
        raise LocalEngineError(f"Task {task.name.display} would join task graphs {names}; a graph has one root.")
    _graph_unlocked(graph, task)


def _no_cycle(graph: dict[ObjectName, TaskDef], task: TaskDef, parent: TaskDef) -> None:
    stack, seen = [parent], set()
    while stack:
        current = stack.pop()
        if current.name == task.name:
            raise LocalEngineError(f"Task {task.name.display} would be its own predecessor (a cycle in AFTER).")
        if current.name in seen:
            continue
        seen.add(current.name)
        stack.extend(graph[p] for p in current.predecessors if p in graph)


# -- ALTER / DROP / EXECUTE ------------------------------------------------------------------------------


def alter(engine: Engine, statement: Statement) -> Result:
    """ALTER TASK [IF EXISTS] name RESUME | SUSPEND."""
    t = Tokens(statement.text)
    t.expect("ALTER")
    t.expect("TASK")
    if_exists = t.accept("IF", "EXISTS")
    name = t.name(engine)
    action = t.value().text.upper() if not t.done else ""
    if action not in ("RESUME", "SUSPEND") or not t.done:
        raise UnsupportedSqlError(
            f"ALTER TASK … {action or '(nothing)'} is not supported by the local engine; only RESUME and SUSPEND "
            "are. Change a task with CREATE OR ALTER TASK (suspend it first)."
        )
    engine.implicit_commit()
    tasks = task_catalog.load(engine)
    task = tasks.get(name)
    if task is None:
        if if_exists:
            return status(SUCCESS)
        raise task_show.missing(name)
    now = engine.now()
    changed = task
    if action == "RESUME" and not task.started:
        _graph_unlocked(tasks, task)
        schedule = task.parsed_schedule
        # The interval counts from the clock's instant, not from the statement's microsecond-bumped stamp.
        resumed = engine.clock.now()
        first = schedule.first_run(resumed=resumed) if schedule is not None and task.is_root else None
        changed = replace(task, state=STARTED, failures=0, next_run=first)
    elif action == "SUSPEND" and task.started:
        _graph_unlocked(tasks, task)
        changed = replace(
            task, state=SUSPENDED, next_run=None, last_suspended_on=now, last_suspended_reason=USER_SUSPENDED
        )
    if changed != task:
        with engine.atomic():
            task_catalog.save(engine, changed)
        engine.invalidate()
    return status(SUCCESS)


def drop(engine: Engine, statement: Statement) -> Result:
    """DROP TASK [IF EXISTS] name; a child left without predecessors becomes a suspended root (Snowflake's rule)."""
    t = Tokens(statement.text)
    t.expect("DROP")
    t.expect("TASK")
    if_exists = t.accept("IF", "EXISTS")
    name = t.name(engine)
    if not t.done:
        raise LocalEngineError(f"Syntax error: unexpected {t.rest()!r} after the task name.")
    engine.implicit_commit()
    tasks = task_catalog.load(engine)
    task = tasks.get(name)
    label = display_part(name.name)
    if task is None:
        if if_exists:
            return status(f"Drop statement executed successfully ({label} already dropped).")
        raise task_show.missing(name)
    _graph_unlocked(tasks, task)
    now = engine.now()
    with engine.atomic():
        task_catalog.delete(engine, task)
        for child in tasks.values():
            if name in child.predecessors:
                changed = replace(child, predecessors=tuple(p for p in child.predecessors if p != name))
                if changed.is_root:
                    changed = replace(
                        changed, state=SUSPENDED, next_run=None, last_suspended_on=now,
                        last_suspended_reason=CHILD_BECAME_ROOT,
                    )  # fmt: skip
                task_catalog.save(engine, changed)
    engine.invalidate()
    return status(f"{label} successfully dropped.")


def execute(engine: Engine, statement: Statement) -> Result:
    """EXECUTE TASK name: one graph run now. Snowflake only queues it; locally it has finished on return."""
    # sqlglot's Snowflake tokenizer reads everything after EXECUTE as one string: tokenize the rest alone.
    t = Tokens(re.sub(r"^\s*EXECUTE\s+", "", statement.text, flags=re.IGNORECASE))
    t.expect("TASK")
    name = t.name(engine)
    if not t.done:
        raise UnsupportedSqlError(f"EXECUTE TASK … {t.rest()} is not supported by the local engine.")
    if engine.in_transaction:
        raise LocalEngineError(
            "EXECUTE TASK inside an open transaction is not supported by the local engine (the run would join "
            "your transaction). COMMIT or ROLLBACK first."
        )
    tasks = task_catalog.load(engine)
    task = tasks.get(name)
    if task is None:
        raise task_show.missing(name)
    if not task.is_root:
        raise LocalEngineError(
            f"Cannot execute task {name.display}: EXECUTE TASK runs a standalone task or the root of a task graph, "
            f"and {name.display} runs after {', '.join(p.display for p in task.predecessors)}."
        )
    run_graph(engine, task, engine.now(), source=FROM_EXECUTE)
    engine.invalidate()
    return status(SUCCESS)


def drop_schema(engine: Engine, statement: Statement) -> Result:
    """DROP SCHEMA takes its tasks with it (their history stays, as in Snowflake)."""
    t = Tokens(statement.text)
    t.expect("DROP")
    t.expect("SCHEMA")
    t.accept("IF", "EXISTS")
    parts, _ = take_name(t.tokens, t.i)
    database = parts[0].resolved if len(parts) == 2 else engine.database
    result = run_parsed(engine, statement)
    if parts and database is not None and database in task_catalog.databases(engine):
        with engine.atomic():
            task_catalog.forget_dropped_schema(engine, database, parts[-1].resolved)
    return result
