"""Running a task graph: WHEN, the body in one transaction with its history row, failures and auto-suspend.

One run of one task:

1. the statement clock ticks (``CURRENT_TIMESTAMP()`` in WHEN and body reads this run's own instant);
2. ``WHEN`` is evaluated; FALSE (or NULL) records a ``SKIPPED`` run and the body does not run;
3. the body runs in a transaction; the ``SUCCEEDED`` history row and the task's new state (next run,
   failure count) are written in that same transaction, so a stream the body consumed, the rows it wrote
   and the history that says so commit together. A body that is Snowflake Scripting (a block, ``CALL``,
   ``EXECUTE IMMEDIATE``) commits as Snowflake's blocks do: each statement on its own unless the block opens a
   transaction; its history row follows in a transaction of its own;
4. on failure the transaction rolls back (the stream stays unconsumed, the target unchanged), then a
   ``FAILED`` row with the error is recorded. The graph's root counts consecutive failed graph runs; at
   ``SUSPEND_TASK_AFTER_NUM_FAILURES`` (0 = never) the root is suspended and that run is recorded as
   ``FAILED_AND_AUTO_SUSPENDED``.

A graph run starts at its root; each started child runs once every one of its predecessors has
``SUCCEEDED`` in the same graph run (Snowflake's default predecessor condition), in topological order. The
root's started finalizer (``FINALIZE = root``) runs last, once the rest has finished, whether a task failed or
not (https://docs.snowflake.com/en/user-guide/tasks-graphs, "Finalizer task"); not when the root was skipped.

While a task runs, :func:`running` says which (the task, its graph run, the value it set with
``SYSTEM$SET_RETURN_VALUE``): :mod:`moviecdc.local.tasks.functions` answers ``SYSTEM$TASK_RUNTIME_INFO`` and
``SYSTEM$GET_PREDECESSOR_RETURN_VALUE`` from it, and the ``RETURN_VALUE`` goes into the run's history row.
"""

from __future__ import annotations

import re
import uuid
import weakref
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from functools import lru_cache
from typing import TYPE_CHECKING

from fakesnow.dialect import parse_one
from sqlglot import exp

from moviecdc.local.dialect.errors import describe
from moviecdc.local.scripting.blocks import runs_own_transactions
from moviecdc.local.streams import reads as streams
from moviecdc.local.tasks import catalog as task_catalog
from moviecdc.local.tasks.catalog import (
    FAILED,
    FAILED_AND_AUTO_SUSPENDED,
    SKIPPED,
    SUCCEEDED,
    SUSPENDED,
    SUSPENDED_DUE_TO_ERRORS,
    Run,
    TaskDef,
)

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine
    from moviecdc.local.core.names import ObjectName

_CODE_PREFIX = re.compile(r"^\d{6} \([0-9A-Z]{5}\): ")


@dataclass
class GraphRun:
    """One run of a task graph; ``root`` is kept current as the run updates it."""

    root: TaskDef
    scheduled: datetime
    source: str
    next_run: datetime | None  # the root's next scheduled instant, or None to leave it as it is
    failures_before: int
    failed: bool = False
    return_values: dict[ObjectName, str | None] = field(default_factory=dict)  # by task, this graph run's

    @property
    def run_id(self) -> int:
        """Snowflake's RUN_ID: the graph run's scheduled time in epoch milliseconds."""
        return int(self.scheduled.replace(tzinfo=timezone.utc).timestamp() * 1000)

    @property
    def group_id(self) -> str:
        """The graph run group's id (SYSTEM$TASK_RUNTIME_INFO('CURRENT_TASK_GRAPH_RUN_GROUP_ID')): a UUID, stable
        for one root and one scheduled instant."""
        return str(uuid.uuid5(uuid.NAMESPACE_OID, f"moviecdc-graph-run/{self.root.uid}/{self.run_id}"))


@dataclass
class RunningTask:
    """The task run in progress, for the functions a task body can call."""

    task: TaskDef
    graph: GraphRun
    tasks: dict[ObjectName, TaskDef]
    return_value: str | None = None


_RUNNING: weakref.WeakKeyDictionary[Engine, RunningTask] = weakref.WeakKeyDictionary()


def running(engine: Engine) -> RunningTask | None:
    """The task run the engine is executing now, or None outside a task run."""
    return _RUNNING.get(engine)


def run_graph(
    engine: Engine,
    root: TaskDef,
    scheduled: datetime,
    *,
    source: str,
    next_run: datetime | None = None,
    tasks: dict[ObjectName, TaskDef] | None = None,
) -> dict[ObjectName, str]:
    """Run ``root`` and then its started descendants (from ``tasks``, or the catalog); return the outcomes."""
    graph = GraphRun(root, scheduled, source, next_run, root.failures)
    tasks = tasks if tasks is not None else task_catalog.load(engine)
    outcomes = {root.name: _run_one(engine, graph, root, scheduled, tasks)}
    for task in descendants(tasks, root):
        if task.started and all(outcomes.get(p) == SUCCEEDED for p in task.predecessors):
            outcomes[task.name] = _run_one(engine, graph, task, engine.clock.stamp(), tasks)
    finalizer = next((t for t in tasks.values() if t.finalize == root.name), None)
    if finalizer is not None and finalizer.started and outcomes[root.name] != SKIPPED:
        outcomes[finalizer.name] = _run_one(engine, graph, finalizer, engine.clock.stamp(), tasks)
    return outcomes


def descendants(tasks: dict[ObjectName, TaskDef], root: TaskDef) -> list[TaskDef]:
    """The tasks below ``root``, each after all of its predecessors (ties by name)."""
    children: dict[ObjectName, list[TaskDef]] = {}
    for task in tasks.values():
        for parent in task.predecessors:
            children.setdefault(parent, []).append(task)
    reachable: dict[ObjectName, TaskDef] = {}
    stack = [root.name]
    while stack:
        for child in children.get(stack.pop(), []):
            if child.name not in reachable:
                reachable[child.name] = child
                stack.append(child.name)
    ordered: list[TaskDef] = []
    done = {root.name}
    while len(ordered) < len(reachable):
        ready = sorted(
            (t for t in reachable.values() if t.name not in done and all(p in done for p in t.predecessors)),
            key=lambda t: t.name.display,
        )
        if not ready:  # a predecessor outside this graph: the child never runs in it
            break
        ordered.extend(ready)
        done.update(t.name for t in ready)
    return ordered


def _run_one(
    engine: Engine, graph: GraphRun, task: TaskDef, scheduled: datetime, tasks: dict[ObjectName, TaskDef]
) -> str:
    """One run, in the task's own database and schema: Snowflake runs a task's statement there, whatever the
    context of the session that created, resumed or executed it (CREATE TASK: unqualified names in the
    statement resolve in the task's schema)."""
    current = _RUNNING[engine] = RunningTask(task, graph, tasks)
    try:
        with engine.context(task.name.database, task.name.schema):
            return _run_in_context(engine, graph, task, scheduled, current)
    finally:
        _RUNNING.pop(engine, None)


def _run_in_context(engine: Engine, graph: GraphRun, task: TaskDef, scheduled: datetime, current: RunningTask) -> str:
    started = engine.begin_statement()
    if task.condition is not None:
        try:
            go = _evaluate(engine, task.condition)
        except Exception as error:  # a failing WHEN fails the run, like a failing body
            return _fail(engine, graph, task, error, scheduled=scheduled, started=None)
        if not go:
            with engine.atomic():
                _record(engine, graph, task, SKIPPED, scheduled=scheduled, started=None)
            return SKIPPED
    scripting = runs_own_transactions(task.definition)
    if not scripting:
        engine.begin()
    try:
        # A block (or CALL, EXECUTE IMMEDIATE) commits its statements one by one unless it opens a
        # transaction, as in Snowflake; any other body runs in one transaction with its history row.
        engine.run(task.definition)
        with engine.atomic():  # the body's own transaction, unless its statement was DDL (which commits)
            _record(engine, graph, task, SUCCEEDED, scheduled=scheduled, started=started, value=current.return_value)
        graph.return_values[task.name] = current.return_value
        engine.end_transaction(commit=True)
    except Exception as error:  # recorded, never raised: a failed run is part of a task's life
        engine.end_transaction(commit=False)
        return _fail(engine, graph, task, error, scheduled=scheduled, started=started)
    return SUCCEEDED


def _evaluate(engine: Engine, condition: str) -> bool:
    """WHEN: TRUE runs the body; FALSE or NULL skips it."""
    parsed = _parse(condition)
    value = _stream_condition(engine, parsed)
    if value is not None:
        return value
    select = exp.select(exp.alias_(parsed.copy(), "CONDITION", quoted=True))
    rows = engine.run(select.sql(dialect="snowflake")).table.column(0).to_pylist()
    return bool(rows and rows[0])


def skips(engine: Engine, task: TaskDef) -> bool:
    """Would a run of ``task`` now be SKIPPED without running any SQL? True when its WHEN is made only of
    SYSTEM$STREAM_HAS_DATA, AND, OR, NOT and TRUE/FALSE, and is FALSE now, in the task's own context (the
    scheduler's idle-time skip asks; a condition that fails or reads anything else must run)."""
    if task.condition is None:
        return False
    with engine.context(task.name.database, task.name.schema):
        try:
            return _stream_condition(engine, _parse(task.condition)) is False
        except Exception:  # a failing WHEN fails the run: the run itself must record it
            return False


@lru_cache(maxsize=256)
def _parse(condition: str) -> exp.Expr:
    return parse_one(condition)  # cached: never mutated (the SQL path copies it)


def _stream_condition(engine: Engine, node: exp.Expr) -> bool | None:
    """Evaluate a WHEN made of SYSTEM$STREAM_HAS_DATA, AND, OR, NOT and TRUE/FALSE without running SQL
    (the usual case, and a task runs every minute); None when the condition has anything else."""
    while isinstance(node, exp.Paren):
        node = node.this
    value: bool | None = None
    if isinstance(node, exp.Boolean):
        value = bool(node.this)
    elif isinstance(node, exp.Not):
        inner = _stream_condition(engine, node.this)
        value = None if inner is None else not inner
    elif isinstance(node, exp.And | exp.Or):
        left, right = _stream_condition(engine, node.this), _stream_condition(engine, node.expression)
        if left is not None and right is not None:
            value = (left and right) if isinstance(node, exp.And) else (left or right)
    elif isinstance(node, exp.Anonymous) and str(node.this).upper() == "SYSTEM$STREAM_HAS_DATA":
        args = node.expressions
        if len(args) == 1 and isinstance(args[0], exp.Literal) and args[0].is_string:
            value = streams.has_data(engine, str(args[0].this))
    return value


def _fail(
    engine: Engine, graph: GraphRun, task: TaskDef, error: Exception, *, scheduled: datetime, started: datetime | None
) -> str:
    code, message = describe(error)
    message = _CODE_PREFIX.sub("", message)  # the code has its own column, as in Snowflake
    first = not graph.failed
    graph.failed = True
    root = graph.root
    suspend = (
        first
        and root.started
        and root.suspend_after_failures > 0
        and graph.failures_before + 1 >= root.suspend_after_failures
    )
    state = FAILED_AND_AUTO_SUSPENDED if suspend else FAILED
    with engine.atomic():
        _record(
            engine, graph, task, state, scheduled=scheduled, started=started, code=code, message=message,
            suspend=suspend,
        )  # fmt: skip
    return FAILED


def _record(
    engine: Engine,
    graph: GraphRun,
    task: TaskDef,
    state: str,
    *,
    scheduled: datetime,
    started: datetime | None,
    code: str | None = None,
    message: str | None = None,
    suspend: bool = False,
    value: str | None = None,
) -> None:
    """Write one history row and the root's new state, in the caller's transaction."""
    completed = engine.clock.stamp()
    run = Run(
        task, graph.root.uid, state, scheduled, started, completed, graph.run_id, graph.source, code, message, value
    )
    task_catalog.record(engine.con, run)
    root = graph.root
    if task.uid == root.uid and graph.next_run is not None:
        root = replace(root, next_run=graph.next_run)
    if state == SUCCEEDED and task.uid == root.uid:
        root = replace(root, failures=0)  # provisional: a failing child sets it below
    if state in (FAILED, FAILED_AND_AUTO_SUSPENDED):
        root = replace(root, failures=graph.failures_before + 1)
    if suspend:
        root = replace(
            root, state=SUSPENDED, next_run=None, last_suspended_on=completed,
            last_suspended_reason=SUSPENDED_DUE_TO_ERRORS,
        )  # fmt: skip
    if root != graph.root:
        task_catalog.save(engine, root)
        graph.root = root
