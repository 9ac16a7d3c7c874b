"""ALTER TASK, every form of https://docs.snowflake.com/en/sql-reference/sql/alter-task::

    ALTER TASK [ IF EXISTS ] <name> RESUME | SUSPEND
    ALTER TASK [ IF EXISTS ] <name> SET <property> = <value> [ … ]     (and FINALIZE = <root task>)
    ALTER TASK [ IF EXISTS ] <name> UNSET <property> [ , … ]          (and FINALIZE)
    ALTER TASK [ IF EXISTS ] <name> ADD AFTER <task> [ , … ] | REMOVE AFTER <task> [ , … ]
    ALTER TASK [ IF EXISTS ] <name> MODIFY AS <sql> | MODIFY WHEN <boolean_expr> | REMOVE WHEN

``SET | UNSET TAG``, ``CONTACT``, ``EXECUTE AS USER`` and ``TASK_AUTO_RETRY_ATTEMPTS > 0`` are refused with
UnsupportedSqlError; nothing is accepted and ignored. Changing a task needs it suspended, and its graph's root
(:func:`moviecdc.local.tasks.graph.alterable`); a new ``SCHEDULE`` takes effect at the next ``RESUME``, which
counts an interval from that moment.

>>> from moviecdc.local import LocalSession
>>> with LocalSession(database="MOVIES", schema="PUBLIC") as session:
...     _ = session.sql("CREATE TASK K SCHEDULE = '1 MINUTE' AS SELECT 1").collect()
...     session.sql("ALTER TASK K SET SCHEDULE = '5 MINUTES' COMMENT = 'slower'").collect()
...     session.sql("SHOW TASKS LIKE 'K'").collect()[0]["schedule"]
[Row(status='Statement executed successfully.')]
'5 MINUTES'
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlglot.tokenizer_core import TokenType

from moviecdc.errors import LocalEngineError
from moviecdc.local.core.names import ObjectName, parse_name, take_name
from moviecdc.local.core.results import SUCCESS, Result, status
from moviecdc.local.core.tokens import Tokens
from moviecdc.local.tasks import catalog as task_catalog
from moviecdc.local.tasks import show as task_show
from moviecdc.local.tasks.catalog import CHILD_BECAME_ROOT, STARTED, SUSPENDED, USER_SUSPENDED, TaskDef
from moviecdc.local.tasks.ddl import apply_settings, read_settings, unset_settings
from moviecdc.local.tasks.graph import MUST_SUSPEND, alterable, check_graph, graph_unlocked

# A task to try settings on while the statement is read: a refusal does not wait for the task to be found.
_PROBE = TaskDef(uid=0, name=ObjectName("_", "_", "_"), definition="", created_on=datetime(2000, 1, 1))

if TYPE_CHECKING:
    from collections.abc import Callable

    from moviecdc.local.core.engine import Engine
    from moviecdc.local.core.router import Statement


def alter(engine: Engine, statement: Statement) -> Result:
    text = statement.text
    t = Tokens(text)
    t.expect("ALTER")
    t.expect("TASK")
    if_exists = t.accept("IF", "EXISTS")
    name = t.name(engine)
    # The whole action is read (and anything not emulated refused) before the task is looked up, so IF EXISTS
    # on a missing task never hides a refusal.
    if t.accept("RESUME") or t.accept("SUSPEND"):
        kind, names, change = t.tokens[t.i - 1].text.upper(), [], None
        _done(t)
    elif t.accept("ADD", "AFTER") or t.accept("REMOVE", "AFTER"):
        kind, names, change = t.tokens[t.i - 2].text.upper(), _names(engine, t), None
    else:
        kind, names, change = "CHANGE", [], _definition_change(engine, text, t)
    engine.implicit_commit()
    tasks = task_catalog.load(engine)
    task = tasks.get(name)
    if task is None:
        if if_exists:
            return status(SUCCESS)
        raise task_show.missing(name)
    if kind in ("RESUME", "SUSPEND"):
        changed = state_change(engine, tasks, task, resume=kind == "RESUME")
    elif kind in ("ADD", "REMOVE"):
        changed = _after(engine, tasks, task, names, adding=kind == "ADD")
    else:
        assert change is not None
        alterable(tasks, task)
        changed = replace(change(task), last_committed_on=engine.now())
        check_graph(tasks, changed)
    if changed != task:
        with engine.atomic():
            task_catalog.save(engine, changed)
        engine.invalidate()
    return status(SUCCESS)


def state_change(engine: Engine, tasks: dict[ObjectName, TaskDef], task: TaskDef, *, resume: bool) -> TaskDef:
    """RESUME | SUSPEND: a resumed root's interval schedule counts from now; a child needs its root suspended."""
    if resume and not task.started:
        graph_unlocked(tasks, task)
        schedule = task.parsed_schedule
        # The interval counts from the clock's instant, not from the statement's microsecond-bumped stamp.
        first = schedule.first_run(resumed=engine.clock.now()) if schedule is not None and task.is_root else None
        return replace(task, state=STARTED, failures=0, next_run=first)
    if not resume and task.started:
        graph_unlocked(tasks, task)
        return replace(
            task, state=SUSPENDED, next_run=None, last_suspended_on=engine.now(), last_suspended_reason=USER_SUSPENDED
        )
    return task


def _definition_change(engine: Engine, text: str, t: Tokens) -> Callable[[TaskDef], TaskDef]:
    """SET | UNSET | MODIFY AS | MODIFY WHEN | REMOVE WHEN, read now and applied to the task later."""
    if t.accept("SET"):
        values = read_settings(t)
        written = values.pop("FINALIZE", None)
        finalize = engine.resolve(parse_name(written)) if written is not None else None
        apply_settings(_PROBE, values)  # refuse what is not emulated now, whatever the task

        def set_(task: TaskDef) -> TaskDef:
            changed = apply_settings(task, values)
            return replace(changed, finalize=finalize) if finalize is not None else changed

        return set_
    if t.accept("UNSET"):
        names = _unset_names(t)
        kept = [n for n in names if n != "FINALIZE"]
        unset_settings(_PROBE, kept)

        def unset(task: TaskDef) -> TaskDef:
            changed = unset_settings(task, kept)
            return replace(changed, finalize=None) if "FINALIZE" in names else changed

        return unset
    if t.accept("MODIFY"):
        if not t.done and t.tokens[t.i].token_type == TokenType.ALIAS:
            body = text[t.tokens[t.i].end + 1 :].strip()
            if not body:
                raise LocalEngineError("Syntax error: ALTER TASK … MODIFY AS needs a statement after AS.")
            return lambda task: replace(task, definition=body)
        t.expect("WHEN")
        if t.done:
            raise LocalEngineError("Syntax error: ALTER TASK … MODIFY WHEN needs a condition.")
        condition = text[t.tokens[t.i].start :].strip()
        return lambda task: replace(task, condition=condition)
    if t.accept("REMOVE", "WHEN"):
        _done(t)
        return lambda task: replace(task, condition=None)
    raise LocalEngineError(
        f"Syntax error: unexpected {t.rest()!r} in ALTER TASK. Write RESUME, SUSPEND, SET, UNSET, ADD AFTER, "
        "REMOVE AFTER, MODIFY AS, MODIFY WHEN or REMOVE WHEN."
    )


def _after(
    engine: Engine, tasks: dict[ObjectName, TaskDef], task: TaskDef, names: list[ObjectName], *, adding: bool
) -> TaskDef:
    """ADD AFTER | REMOVE AFTER: both graphs' roots must be suspended; a task left without predecessors becomes a
    root, suspended (Snowflake: "If the former child task becomes a root task, it is suspended by default")."""
    if task.is_root and task.started:
        raise LocalEngineError(
            f"Cannot alter task {task.name.display}: it is started. {MUST_SUSPEND} "
            f"Run ALTER TASK {task.name.display} SUSPEND first."
        )
    graph_unlocked(tasks, task)
    if adding:
        predecessors = task.predecessors + tuple(n for n in names if n not in task.predecessors)
        changed = replace(task, predecessors=predecessors, next_run=None)
        check_graph(tasks, changed)
        return changed
    for gone in names:
        if gone not in task.predecessors:
            raise LocalEngineError(f"Task {gone.display} is not a predecessor of task {task.name.display}.")
    changed = replace(task, predecessors=tuple(p for p in task.predecessors if p not in names))
    if changed.is_root:
        changed = replace(
            changed, state=SUSPENDED, next_run=None, last_suspended_on=engine.now(),
            last_suspended_reason=CHILD_BECAME_ROOT,
        )  # fmt: skip
    check_graph(tasks, changed)
    return changed


def _names(engine: Engine, t: Tokens) -> list[ObjectName]:
    """Task names after ADD | REMOVE AFTER: identifiers, or strings holding a name ('db.schema.task')."""
    names = []
    while True:
        if not t.done and t.tokens[t.i].token_type == TokenType.STRING:
            names.append(engine.resolve(parse_name(t.value().text)))
        else:
            parts, t.i = take_name(t.tokens, t.i)
            if not parts:
                raise LocalEngineError("Syntax error: ADD AFTER | REMOVE AFTER needs task names.")
            names.append(engine.resolve(parts))
        if not t.accept(","):
            _done(t)
            return names


def _unset_names(t: Tokens) -> list[str]:
    names = []
    while not t.done:
        names.append(t.value().text.upper())
        t.accept(",")
    if not names:
        raise LocalEngineError("Syntax error: ALTER TASK … UNSET needs at least one property.")
    return names


def _done(t: Tokens) -> None:
    if not t.done:
        raise LocalEngineError(f"Syntax error: unexpected {t.rest()!r} at the end of ALTER TASK.")
