"""Tasks: CREATE / DROP / EXECUTE TASK (ALTER TASK: :mod:`.alter`; SHOW / DESCRIBE TASK: :mod:`.show`).

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
from moviecdc.local.core.names import display_part, take_name
from moviecdc.local.core.results import SUCCESS, Result, status
from moviecdc.local.core.tokens import Tokens
from moviecdc.local.ordinary.statements import run_parsed
from moviecdc.local.tasks import catalog as task_catalog
from moviecdc.local.tasks import show as task_show
from moviecdc.local.tasks.catalog import (
    CHILD_BECAME_ROOT,
    DEFAULT_SUSPEND_AFTER_FAILURES,
    FROM_EXECUTE,
    SUSPENDED,
    TaskDef,
)
from moviecdc.local.tasks.ddl import CreateTask, apply_settings, parse_create
from moviecdc.local.tasks.graph import MUST_SUSPEND, check_graph, graph_unlocked
from moviecdc.local.tasks.runs import run_graph

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine
    from moviecdc.local.core.router import Statement

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
            graph_unlocked(tasks, existing)
        task = _defined(engine, spec, existing if spec.or_alter else None)
        check_graph(tasks, task)
        if existing is not None and not spec.or_alter:
            task_catalog.delete(engine, existing)
        task_catalog.save(engine, task)
    engine.invalidate()
    if existing is not None and spec.or_alter:
        return status(SUCCESS)
    return status(f"Task {label} successfully created.")


def _defined(engine: Engine, spec: CreateTask, existing: TaskDef | None) -> TaskDef:
    """The task a CREATE describes; CREATE OR ALTER keeps the state, creation time and history of ``existing``
    (clauses it omits are unset)."""
    now = engine.now()
    base = existing or TaskDef(
        uid=catalog.next_uid(engine.con, spec.name.database), name=spec.name, definition="", created_on=now
    )
    fresh = replace(
        base, definition=spec.definition, warehouse=None, schedule=None, predecessors=spec.predecessors,
        condition=spec.condition, suspend_after_failures=DEFAULT_SUSPEND_AFTER_FAILURES, properties={}, comment=None,
        session_parameters={}, finalize=spec.finalize, last_committed_on=now,
    )  # fmt: skip
    return apply_settings(fresh, spec.values)


# -- ALTER / DROP / EXECUTE ------------------------------------------------------------------------------


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
    graph_unlocked(tasks, task)
    now = engine.now()
    with engine.atomic():
        task_catalog.delete(engine, task)
        for child in tasks.values():
            if name in child.predecessors or child.finalize == name:
                # a child left without predecessors, or the finalizer of a dropped root, stands alone, suspended
                changed = replace(
                    child, predecessors=tuple(p for p in child.predecessors if p != name),
                    finalize=None if child.finalize == name else child.finalize,
                )  # fmt: skip
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
    if task.finalize is not None:
        raise LocalEngineError(
            f"Cannot execute task {name.display}: it is the finalizer of {task.finalize.display}, and runs when a "
            f"graph run of {task.finalize.display} ends. Execute the root task."
        )
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
