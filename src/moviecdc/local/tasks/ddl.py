"""Reading ``CREATE TASK``: sqlglot parses it only as an opaque command, so its clauses are read from tokens.

Syntax followed (https://docs.snowflake.com/en/sql-reference/sql/create-task)::

    CREATE [ OR REPLACE | OR ALTER ] TASK [ IF NOT EXISTS ] <name>
      [ WAREHOUSE = <string> | USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE = <string> ]
      [ SCHEDULE = '<num> { SECONDS | MINUTES | HOURS }' | 'USING CRON <expr> <time_zone>' ]
      [ SUSPEND_TASK_AFTER_NUM_FAILURES = <num> ] [ COMMENT = '<string>' ] [ <other property> = <value> … ]
      [ AFTER <task> [ , <task> … ] ]
      [ WHEN <boolean_expr> ]
    AS <sql>

Properties that change nothing locally (warehouse sizing, timeouts, notifications, logging) are accepted
and stored; properties whose behaviour is not emulated (finalizers, retries, tags, session parameters,
``EXECUTE AS USER``) are refused by name, never ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NoReturn

from sqlglot.tokenizer_core import Token, TokenType

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local.core.names import ObjectName, Part, take_name
from moviecdc.local.core.tokens import Tokens
from moviecdc.local.tasks.catalog import DEFAULT_SUSPEND_AFTER_FAILURES
from moviecdc.local.tasks.schedule import Schedule

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine

# Accepted, stored, without local effect (docs/local_engine.md, "Tasks and the clock", says why for each).
STORED_PROPERTIES = frozenset(
    {
        "USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE", "ALLOW_OVERLAPPING_EXECUTION", "USER_TASK_TIMEOUT_MS",
        "ERROR_INTEGRATION", "SUCCESS_INTEGRATION", "LOG_LEVEL", "CONFIG", "TARGET_COMPLETION_INTERVAL",
        "SERVERLESS_TASK_MIN_STATEMENT_SIZE", "SERVERLESS_TASK_MAX_STATEMENT_SIZE",
        "USER_TASK_MINIMUM_TRIGGER_INTERVAL_IN_SECONDS",
    }
)  # fmt: skip
_REFUSED = {
    "FINALIZE": "Finalizer tasks are not emulated by the local engine.",
    "TASK_AUTO_RETRY_ATTEMPTS": "Automatic retries of task graphs are not emulated by the local engine.",
    "TAG": "Object tags are not emulated by the local engine.",
    "WITH": "Object tags are not emulated by the local engine.",
    "CONTACT": "Contacts are not emulated by the local engine.",
    "EXECUTE": "EXECUTE AS USER is not emulated by the local engine (tasks run as the session).",
}
_VALUE_TYPES = (TokenType.STRING, TokenType.RAW_STRING, TokenType.NUMBER, TokenType.TRUE, TokenType.FALSE)


@dataclass(frozen=True)
class CreateTask:
    name: ObjectName
    definition: str
    or_replace: bool = False
    or_alter: bool = False
    if_not_exists: bool = False
    warehouse: str | None = None
    schedule: Schedule | None = None
    predecessors: tuple[ObjectName, ...] = ()
    condition: str | None = None
    suspend_after_failures: int = DEFAULT_SUSPEND_AFTER_FAILURES
    comment: str | None = None
    properties: dict[str, str] = field(default_factory=dict)


def parse_create(engine: Engine, text: str) -> CreateTask:
    t = Tokens(text)
    t.expect("CREATE")
    or_replace = t.accept("OR", "REPLACE")
    or_alter = not or_replace and t.accept("OR", "ALTER")
    t.expect("TASK")
    if_not_exists = t.accept("IF", "NOT", "EXISTS")
    if if_not_exists and (or_replace or or_alter):
        raise LocalEngineError("OR REPLACE / OR ALTER and IF NOT EXISTS cannot be used together.")
    name = t.name(engine)
    if t.accept("CLONE"):
        _refuse("CREATE TASK … CLONE is not supported by the local engine.")
    t.accept("COPY", "GRANTS")
    values: dict[str, str] = {}
    predecessors: list[ObjectName] = []
    condition: str | None = None
    while True:
        if t.done:
            raise LocalEngineError("Syntax error: CREATE TASK needs AS <statement> at the end.")
        token = t.tokens[t.i]
        word = token.text.upper()
        if token.token_type == TokenType.ALIAS:  # AS: the body is the rest of the text, verbatim
            definition = text[token.end + 1 :].strip()
            break
        if word in _REFUSED:
            _refuse(_REFUSED[word])
        if word == "AFTER":
            t.i += 1
            predecessors.extend(_names(engine, t))
        elif word == "WHEN":
            t.i += 1
            condition = _condition(text, t)
        else:
            option = t.value().text.upper()
            t.expect("=")
            values[option] = _value(t.value(), option)
    if not definition:
        raise LocalEngineError("Syntax error: CREATE TASK … AS needs a statement after AS.")
    return _spec(
        name, definition, values, or_replace=or_replace, or_alter=or_alter, if_not_exists=if_not_exists,
        predecessors=tuple(predecessors), condition=condition,
    )  # fmt: skip


def _spec(
    name: ObjectName,
    definition: str,
    values: dict[str, str],
    *,
    or_replace: bool,
    or_alter: bool,
    if_not_exists: bool,
    predecessors: tuple[ObjectName, ...],
    condition: str | None,
) -> CreateTask:
    warehouse = values.pop("WAREHOUSE", None)
    schedule_text = values.pop("SCHEDULE", None)
    schedule = Schedule.parse(schedule_text) if schedule_text is not None else None
    suspend_after = values.pop("SUSPEND_TASK_AFTER_NUM_FAILURES", str(DEFAULT_SUSPEND_AFTER_FAILURES))
    if not suspend_after.isdigit():
        raise LocalEngineError(f"SUSPEND_TASK_AFTER_NUM_FAILURES takes a number ≥ 0, not {suspend_after!r}.")
    comment = values.pop("COMMENT", None)
    for option in values:
        if option not in STORED_PROPERTIES:
            raise UnsupportedSqlError(
                f"CREATE TASK property {option} is not supported by the local engine (session parameters on tasks "
                "are not emulated either). Remove it, or run this statement on Snowflake."
            )
    if warehouse is not None and "USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE" in values:
        raise LocalEngineError("A task has either WAREHOUSE or USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE, not both.")
    if schedule is not None and predecessors:
        raise LocalEngineError(
            f"Task {name.display} has both a SCHEDULE and AFTER: only the root task of a graph has a schedule. "
            "Remove one of them."
        )
    if schedule is None and not predecessors and condition is not None:
        raise UnsupportedSqlError(
            f"Task {name.display} has a WHEN clause but no SCHEDULE and no AFTER: a triggered task. Triggered tasks "
            "are not emulated by the local engine; give the task a SCHEDULE."
        )
    return CreateTask(
        name, definition, or_replace, or_alter, if_not_exists, warehouse, schedule, predecessors, condition,
        int(suspend_after), comment, values,
    )  # fmt: skip


def _refuse(message: str) -> NoReturn:
    raise UnsupportedSqlError(f"{message} Remove the clause, or run this statement on Snowflake.")


def _value(token: Token, option: str) -> str:
    if token.token_type == TokenType.IDENTIFIER:
        return str(token.text)
    if token.token_type in _VALUE_TYPES:
        return str(token.text).upper() if token.token_type in (TokenType.TRUE, TokenType.FALSE) else str(token.text)
    if Part(token.text, quoted=False).resolved.replace("_", "").isalnum():
        return Part(token.text, quoted=False).resolved
    raise LocalEngineError(f"Syntax error: {option} = {token.text!r} is not a value.")


def _names(engine: Engine, t: Tokens) -> list[ObjectName]:
    names = []
    while True:
        parts, t.i = take_name(t.tokens, t.i)
        if not parts:
            raise LocalEngineError("Syntax error: AFTER needs task names.")
        names.append(engine.resolve(parts))
        if not t.accept(","):
            return names


def _condition(text: str, t: Tokens) -> str:
    """The WHEN expression: everything up to the ``AS`` that is not inside parentheses."""
    if t.done:
        raise LocalEngineError("Syntax error: WHEN needs a condition.")
    start, depth = t.tokens[t.i].start, 0
    while not t.done:
        token = t.tokens[t.i]
        if token.token_type == TokenType.L_PAREN:
            depth += 1
        elif token.token_type == TokenType.R_PAREN:
            depth -= 1
        elif token.token_type == TokenType.ALIAS and depth == 0:
            return text[start : token.start].strip()
        t.i += 1
    raise LocalEngineError("Syntax error: CREATE TASK needs AS <statement> after the WHEN condition.")
