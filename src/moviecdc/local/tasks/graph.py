"""The rules of task graphs: one root, no cycle, one schema, a finalizer per root, DDL only while the root is
suspended (https://docs.snowflake.com/en/user-guide/tasks-graphs,
https://docs.snowflake.com/en/sql-reference/sql/create-task, https://docs.snowflake.com/en/sql-reference/sql/alter-task).

A finalizer (``CREATE TASK … FINALIZE = root``) belongs to its root's graph but has no predecessors: it runs
once the rest of the graph run has finished, whatever the outcome (:mod:`moviecdc.local.tasks.runs`).
"""

from __future__ import annotations

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local.core.names import ObjectName
from moviecdc.local.tasks.catalog import TaskDef

# Snowflake's wording (https://docs.snowflake.com/en/sql-reference/sql/create-or-alter).
MUST_SUSPEND = "You must suspend a task before you can alter it."


def root_of(tasks: dict[ObjectName, TaskDef], task: TaskDef) -> TaskDef:
    """The root of ``task``'s graph (``task`` itself when it has no predecessors; a finalizer's root)."""
    if task.finalize is not None:
        return tasks.get(task.finalize, task)
    seen = {task.name}
    while task.predecessors:
        parent = tasks.get(task.predecessors[0])
        if parent is None or parent.name in seen:
            return task
        seen.add(parent.name)
        task = parent
    return task


def finalizer_of(tasks: dict[ObjectName, TaskDef], root: TaskDef) -> TaskDef | None:
    return next((t for t in tasks.values() if t.finalize == root.name), None)


def graph_unlocked(tasks: dict[ObjectName, TaskDef], task: TaskDef) -> None:
    """Snowflake changes a task graph only while its root is suspended."""
    root = root_of(tasks, task)
    if root.name != task.name and root.started:
        raise LocalEngineError(
            f"Unable to update graph with root task {root.name.display} since that root task is not suspended. "
            f"Run ALTER TASK {root.name.display} SUSPEND first."
        )


def alterable(tasks: dict[ObjectName, TaskDef], task: TaskDef) -> None:
    """ALTER TASK … SET | UNSET | MODIFY needs the task suspended, and its graph's root (Snowflake's rule before
    the 2026_06 behaviour bundle: https://docs.snowflake.com/release-notes/bcr-bundles/2026_06/bcr-2363)."""
    if task.started:
        raise LocalEngineError(
            f"Cannot alter task {task.name.display}: it is started. {MUST_SUSPEND} "
            f"Run ALTER TASK {task.name.display} SUSPEND first, then ALTER TASK … RESUME."
        )
    graph_unlocked(tasks, task)


def check_shape(task: TaskDef) -> None:
    """What one task's own clauses allow: a schedule only on a root, a finalizer with neither, no triggered task."""
    if task.schedule is not None and task.predecessors:
        raise LocalEngineError(
            f"Task {task.name.display} has both a SCHEDULE and AFTER: only the root task of a graph has a schedule. "
            "Remove one of them."
        )
    if task.finalize is not None and (task.schedule is not None or task.predecessors):
        raise LocalEngineError(
            f"Finalizer task {task.name.display} cannot have a SCHEDULE or AFTER: it runs when the graph run of "
            f"{task.finalize.display} finishes."
        )
    if task.schedule is None and task.is_root and task.condition is not None:
        raise UnsupportedSqlError(
            f"Task {task.name.display} has a WHEN clause but no SCHEDULE and no AFTER: a triggered task. Triggered "
            "tasks are not emulated by the local engine; give the task a SCHEDULE."
        )


def check_graph(tasks: dict[ObjectName, TaskDef], task: TaskDef) -> None:
    """Predecessors exist, share the task's schema and root, form no cycle, are no finalizer; a finalized root is a
    root of the same schema with no other finalizer; the graph's root is suspended."""
    check_shape(task)
    graph = {**tasks, task.name: task}
    roots = set()
    for parent_name in task.predecessors:
        parent = tasks.get(parent_name)
        if parent is None or parent_name == task.name:
            raise LocalEngineError(
                f"SQL compilation error: Task '{parent_name.display}' (in AFTER) does not exist or not authorized."
            )
        _same_schema(task, parent_name)
        if parent.finalize is not None:
            raise LocalEngineError(
                f"Task {parent_name.display} is a finalizer task: a finalizer cannot have child tasks."
            )
        _no_cycle(graph, task, parent)
        roots.add(root_of(graph, parent).name)
    if len(roots) > 1:
        names = ", ".join(sorted(r.display for r in roots))
        raise LocalEngineError(f"Task {task.name.display} would join task graphs {names}; a graph has one root.")
    if task.finalize is not None:
        _check_finalized(graph, task, task.finalize)
        if any(task.name in t.predecessors for t in tasks.values()):
            raise LocalEngineError(f"Task {task.name.display} has child tasks: a finalizer cannot have any.")
    graph_unlocked(graph, task)


def _check_finalized(graph: dict[ObjectName, TaskDef], task: TaskDef, root_name: ObjectName) -> None:
    root = graph.get(root_name)
    if root is None or root_name == task.name:
        raise LocalEngineError(
            f"SQL compilation error: Task '{root_name.display}' (in FINALIZE) does not exist or not authorized."
        )
    _same_schema(task, root_name)
    if not root.is_root:
        raise LocalEngineError(
            f"Task {root_name.display} is not a root task: only the root task of a graph can have a finalizer."
        )
    other = next((t for t in graph.values() if t.finalize == root_name and t.name != task.name), None)
    if other is not None:
        raise LocalEngineError(
            f"Root task {root_name.display} already has the finalizer task {other.name.display}; a root task has at "
            "most one."
        )


def _same_schema(task: TaskDef, other: ObjectName) -> None:
    if (other.database, other.schema) != (task.name.database, task.name.schema):
        raise LocalEngineError(f"Task {task.name.display} and task {other.display} must be in the same schema.")


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
