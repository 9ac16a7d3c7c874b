"""The task functions: return values between tasks, runtime information, a graph's dependents.

- ``SYSTEM$SET_RETURN_VALUE('<string>')`` (https://docs.snowflake.com/en/sql-reference/functions/system_set_return_value),
  as ``CALL`` or ``SELECT``, also from a Snowflake Scripting body (``SYSTEM$SET_RETURN_VALUE(:v)``): the value of this
  task run, in ``TASK_HISTORY.RETURN_VALUE`` and for the run's successors;
- ``SYSTEM$GET_PREDECESSOR_RETURN_VALUE(['<task>'])``
  (https://docs.snowflake.com/en/sql-reference/functions/system_get_predecessor_return_value): a predecessor's (or an
  ancestor's) value in the same graph run; the name is case sensitive and optional with one predecessor;
- ``SYSTEM$TASK_RUNTIME_INFO('<arg>')`` (https://docs.snowflake.com/en/sql-reference/functions/system_task_runtime_info):
  fails outside a task run, as in Snowflake;
- ``SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('<task>')``
  (https://docs.snowflake.com/en/sql-reference/functions/system_task_dependents_enable): resumes the task and every
  task below it (and a root's finalizer), children first;
- ``TABLE([db.]INFORMATION_SCHEMA.TASK_DEPENDENTS(TASK_NAME => '…', RECURSIVE => TRUE | FALSE))``
  (https://docs.snowflake.com/en/sql-reference/functions/task_dependents): the task, then its children (all
  descendants with RECURSIVE, the default), with the documented columns.

The two value functions and both table functions are replaced in the statement's tree by :func:`rewriter`, one walk
that also answers ``TASK_HISTORY`` (:mod:`.history`); a value becomes a literal, as the clock's time does.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import pyarrow as pa
from fakesnow.dialect import parse_one
from sqlglot import exp

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local.core.catalog import hidden
from moviecdc.local.core.names import ObjectName, literal, parse_name
from moviecdc.local.core.results import Result, from_records
from moviecdc.local.tasks import catalog as task_catalog
from moviecdc.local.tasks import history
from moviecdc.local.tasks.alter import state_change
from moviecdc.local.tasks.catalog import SUCCEEDED, TaskDef
from moviecdc.local.tasks.graph import finalizer_of
from moviecdc.local.tasks.runs import GraphRun, RunningTask, descendants, running
from moviecdc.local.tasks.show import missing

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine
    from moviecdc.local.core.router import Statement

SET_RETURN_VALUE = "SYSTEM$SET_RETURN_VALUE"
GET_PREDECESSOR_RETURN_VALUE = "SYSTEM$GET_PREDECESSOR_RETURN_VALUE"
RUNTIME_INFO = "SYSTEM$TASK_RUNTIME_INFO"
DEPENDENTS = "TASK_DEPENDENTS"
MAX_RETURN_VALUE_BYTES = 10 * 1024  # "The string size must be <= 10 kB (when encoded in UTF8)."


def rewriter(engine: Engine) -> Callable[[exp.Expr], exp.Expr]:
    """The ``engine.rewriters`` entry of the tasks family: TASK_HISTORY, TASK_DEPENDENTS and the task functions."""

    def rewrite(ast: exp.Expr) -> exp.Expr:
        for node in list(ast.find_all(exp.TableFromRows, exp.Anonymous)):
            if isinstance(node, exp.TableFromRows):
                if not history.replace_call(engine, node):
                    _dependents(engine, node)
                continue
            assert isinstance(node, exp.Anonymous)
            name = str(node.this).upper()
            if name == GET_PREDECESSOR_RETURN_VALUE:
                node.replace(_string(_predecessor_value(engine, node)))
            elif name == RUNTIME_INFO:
                node.replace(_string(_runtime_info(engine, node)))
        return ast

    return rewrite


def _string(value: str | None) -> exp.Expr:
    return exp.cast(exp.Literal.string(value) if value is not None else exp.null(), exp.DataType.build("VARCHAR"))


def _current(engine: Engine, function: str) -> RunningTask:
    current = running(engine)
    if current is None:
        raise LocalEngineError(f"{function} can only be called from a task run (the body or WHEN of a task).")
    return current


def _string_argument(node: exp.Anonymous, function: str, *, optional: bool = False) -> str | None:
    args = node.expressions
    if not args and optional:
        return None
    if len(args) != 1 or not isinstance(args[0], exp.Literal) or not args[0].is_string:
        raise LocalEngineError(f"{function} takes one string literal, e.g. {function}('MY_TASK').")
    return str(args[0].this)


# -- return values -----------------------------------------------------------------------------------------------


def _predecessor_value(engine: Engine, node: exp.Anonymous) -> str | None:
    current = _current(engine, GET_PREDECESSOR_RETURN_VALUE)
    wanted = _string_argument(node, GET_PREDECESSOR_RETURN_VALUE, optional=True)
    task, tasks = current.task, current.tasks
    if wanted is None:
        if len(task.predecessors) != 1:
            raise LocalEngineError(
                f"{GET_PREDECESSOR_RETURN_VALUE}() needs a task name: task {task.name.display} has "
                f"{len(task.predecessors)} predecessors."
            )
        return current.graph.return_values.get(task.predecessors[0])
    # The immediate predecessors first, then their ancestors; names are case sensitive.
    level, seen = list(task.predecessors), set()
    while level:
        for name in level:
            if name.name == wanted:
                return current.graph.return_values.get(name)
        seen.update(level)
        level = [p for name in level if name in tasks for p in tasks[name].predecessors if p not in seen]
    raise LocalEngineError(
        f"{GET_PREDECESSOR_RETURN_VALUE}('{wanted}'): no predecessor of task {task.name.display} is named {wanted} "
        "(task names are case sensitive)."
    )


def set_return_value(engine: Engine, statement: Statement) -> Result:
    """``CALL | SELECT SYSTEM$SET_RETURN_VALUE(<string expression>)`` in a task run."""
    text = statement.text.strip()
    verb, rest = text.split(None, 1)
    select = parse_one(f"SELECT {rest}")
    call = select.expressions[0] if isinstance(select, exp.Select) and len(select.expressions) == 1 else None
    if (
        not isinstance(call, exp.Anonymous)
        or str(call.this).upper() != SET_RETURN_VALUE
        or len(call.expressions) != 1
        or _has_clauses(select)
    ):
        raise UnsupportedSqlError(
            f"{verb.upper()} {SET_RETURN_VALUE} is supported by the local engine only alone: "
            f"{verb.upper()} {SET_RETURN_VALUE}('<string>')."
        )
    current = _current(engine, SET_RETURN_VALUE)
    argument = call.expressions[0].sql(dialect="snowflake")
    value = engine.run(f"SELECT CAST({argument} AS VARCHAR)").table.column(0).to_pylist()[0]
    if value is not None and len(str(value).encode()) > MAX_RETURN_VALUE_BYTES:
        raise LocalEngineError(f"{SET_RETURN_VALUE}: the value is longer than 10 kB.")
    current.return_value = value
    return from_records([SET_RETURN_VALUE], [(None,)], [pa.string()])


def _has_clauses(select: exp.Expr) -> bool:
    """Whether a SELECT has anything beside its one expression (FROM, WHERE, …)."""
    return any(value for key, value in select.args.items() if key != "expressions")


# -- runtime information ------------------------------------------------------------------------------------------


def _stamp(value: datetime) -> str:
    """A TIMESTAMP_LTZ in Snowflake's default output format, at UTC (the session's time zone)."""
    return value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d} +0000"


def _runtime_info(engine: Engine, node: exp.Anonymous) -> str | None:
    current = _current(engine, RUNTIME_INFO)
    arg = (_string_argument(node, RUNTIME_INFO) or "").upper()
    graph, root = current.graph, current.graph.root
    answers: dict[str, Callable[[], str | None]] = {
        "CURRENT_TASK_NAME": lambda: current.task.name.display,
        "CURRENT_ROOT_TASK_NAME": lambda: root.name.display,
        "CURRENT_ROOT_TASK_UUID": lambda: root_uuid(root),
        "CURRENT_TASK_GRAPH_RUN_GROUP_ID": lambda: graph.group_id,
        "CURRENT_TASK_GRAPH_ORIGINAL_SCHEDULED_TIMESTAMP": lambda: _stamp(graph.scheduled),
        "LAST_SUCCESSFUL_TASK_GRAPH_RUN_GROUP_ID": lambda: _last_successful(engine, graph, group_id=True),
        "LAST_SUCCESSFUL_TASK_GRAPH_ORIGINAL_SCHEDULED_TIMESTAMP": lambda: _last_successful(engine, graph),
    }
    if arg not in answers:
        raise LocalEngineError(f"{RUNTIME_INFO}: unknown argument '{arg}'. Write one of {', '.join(answers)}.")
    return answers[arg]()


def root_uuid(root: TaskDef) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_OID, f"moviecdc-task/{root.name.database}/{root.uid}"))


def _last_successful(engine: Engine, graph: GraphRun, *, group_id: bool = False) -> str | None:
    """The root's latest earlier graph run in which every task that ran SUCCEEDED: its group id, or its scheduled
    time; None if there is none."""
    root = graph.root
    rows = engine.con.execute(
        f"SELECT max(SCHEDULED_TIME) FROM (SELECT RUN_ID, min(SCHEDULED_TIME) AS SCHEDULED_TIME "
        f"FROM {hidden(root.name.database, 'TASK_HISTORY').sql} WHERE ROOT_TASK_UID = ? AND RUN_ID < ? "
        f"GROUP BY RUN_ID HAVING bool_and(STATE = ?))",
        [root.uid, graph.run_id, SUCCEEDED],
    ).fetchall()
    last: datetime | None = rows[0][0] if rows else None
    if last is None:
        return None
    return GraphRun(root, last, graph.source, None, 0).group_id if group_id else _stamp(last)


# -- the graph's dependents ---------------------------------------------------------------------------------------


def _named(engine: Engine, text: str) -> tuple[ObjectName, TaskDef, dict[ObjectName, TaskDef]]:
    tasks = task_catalog.load(engine)
    name = engine.resolve(parse_name(text))
    task = tasks.get(name)
    if task is None:
        raise missing(name)
    return name, task, tasks


def dependents_enable(engine: Engine, statement: Statement) -> Result:
    """``SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('<task>')``: the task and all below it resumed, children first."""
    select = parse_one(statement.text)
    call = select.expressions[0] if isinstance(select, exp.Select) and len(select.expressions) == 1 else None
    if not isinstance(call, exp.Anonymous) or _has_clauses(select):
        raise UnsupportedSqlError(
            "SYSTEM$TASK_DEPENDENTS_ENABLE is supported by the local engine only alone: "
            "SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('<task>')."
        )
    text = _string_argument(call, "SYSTEM$TASK_DEPENDENTS_ENABLE")
    assert text is not None
    engine.implicit_commit()
    _, task, tasks = _named(engine, text)
    below = descendants(tasks, task)
    finalizer = finalizer_of(tasks, task) if task.is_root else None
    order = [*reversed(below), *([finalizer] if finalizer is not None else []), task]
    with engine.atomic():
        for each in order:
            changed = state_change(engine, tasks, tasks[each.name], resume=True)
            if changed != tasks[each.name]:
                task_catalog.save(engine, changed)
                tasks[each.name] = changed
    engine.invalidate()
    return from_records([call.sql(dialect="snowflake")], [("Statement executed successfully.",)], [pa.string()])


_DEPENDENT_COLUMNS = (
    "created_on", "name", "database_name", "schema_name", "owner", "comment", "warehouse", "schedule", "predecessors",
    "state", "definition", "condition",
)  # fmt: skip


def _dependents(engine: Engine, node: exp.TableFromRows) -> None:
    found = history.information_schema_call(node, DEPENDENTS)
    if found is None:
        return
    database, call = found
    history.check_database(engine, database, DEPENDENTS)
    args = history.arguments(call, DEPENDENTS)
    name_arg = args.pop("TASK_NAME", None)
    if not isinstance(name_arg, exp.Literal) or not name_arg.is_string:
        raise LocalEngineError("TASK_DEPENDENTS needs TASK_NAME => '<task name>'.")
    recursive_arg = args.pop("RECURSIVE", exp.true())
    if not isinstance(recursive_arg, exp.Boolean):
        raise UnsupportedSqlError("TASK_DEPENDENTS argument RECURSIVE must be TRUE or FALSE in the local engine.")
    if args:
        raise UnsupportedSqlError(f"TASK_DEPENDENTS argument {', '.join(args)} is not supported by the local engine.")
    _, task, tasks = _named(engine, str(name_arg.this))
    below = descendants(tasks, task)
    if not recursive_arg.this:
        below = [t for t in below if task.name in t.predecessors]
    selects = [_dependent_row(t, i) for i, t in enumerate([task, *below])]
    columns = ", ".join(f'"{c}"' for c in _DEPENDENT_COLUMNS)
    query = parse_one(f'SELECT {columns} FROM ({" UNION ALL ".join(selects)}) ORDER BY "_ORDER"')
    alias = node.args.get("alias")
    assert isinstance(query, exp.Select)
    node.replace(query.subquery(alias.this.copy() if isinstance(alias, exp.TableAlias) and alias.this else DEPENDENTS))


def _dependent_row(task: TaskDef, order: int) -> str:
    def text(value: str | None) -> str:
        return literal(value) if value is not None else "CAST(NULL AS VARCHAR)"

    created = task.created_on.replace(tzinfo=timezone.utc).isoformat(sep=" ")
    predecessors = json.dumps([p.display for p in task.predecessors], indent=2) if task.predecessors else "[]"
    values = (
        f"CAST({literal(created)} AS TIMESTAMP_LTZ)", text(task.name.name), text(task.name.database),
        text(task.name.schema), text("SYSADMIN"), text(task.comment), text(task.warehouse), text(task.schedule),
        text(predecessors), text(task.state), text(task.definition), text(task.condition),
    )  # fmt: skip
    named = ", ".join(f'{v} AS "{c}"' for v, c in zip(values, _DEPENDENT_COLUMNS, strict=True))
    return f'SELECT {named}, {order} AS "_ORDER"'
