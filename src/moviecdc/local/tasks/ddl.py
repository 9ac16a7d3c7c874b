"""Reading ``CREATE TASK`` and the task properties that ``CREATE TASK`` and ``ALTER TASK … SET | UNSET`` share.

sqlglot parses these statements only as opaque commands, so their clauses are read from tokens.
Syntax followed (https://docs.snowflake.com/en/sql-reference/sql/create-task,
https://docs.snowflake.com/en/sql-reference/sql/alter-task)::

    CREATE [ OR REPLACE | OR ALTER ] TASK [ IF NOT EXISTS ] <name>
      [ WAREHOUSE = <string> | USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE = <string> ]
      [ SCHEDULE = '<num> { SECONDS | MINUTES | HOURS }' | 'USING CRON <expr> <time_zone>' ]
      [ SUSPEND_TASK_AFTER_NUM_FAILURES = <num> ] [ COMMENT = '<string>' ] [ <other property> = <value> … ]
      [ <session_parameter> = <value> … ] [ FINALIZE = <root task> ]
      [ AFTER <task> [ , <task> … ] ]
      [ WHEN <boolean_expr> ]
    AS <sql>

Properties that change nothing locally (warehouse sizing, timeouts, notifications, logging) are accepted
and stored; a session parameter follows the session's rule (:func:`moviecdc.local.account.parameters
.check_task_parameter`); what is not emulated (automatic retries, tags, contacts, ``EXECUTE AS USER``) is
refused by name, never ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, NoReturn

from sqlglot.tokenizer_core import Token, TokenType

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local.account.parameters import PARAMETERS, check_task_parameter
from moviecdc.local.core.names import ObjectName, Part, quote, take_name
from moviecdc.local.core.tokens import Tokens
from moviecdc.local.tasks.catalog import DEFAULT_SUSPEND_AFTER_FAILURES, TaskDef
from moviecdc.local.tasks.schedule import Schedule

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine

# Accepted, stored, without local effect (docs/local_engine.md, "Tasks and the clock", says why for each).
STORED_PROPERTIES = frozenset(
    {
        "USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE", "ALLOW_OVERLAPPING_EXECUTION", "USER_TASK_TIMEOUT_MS",
        "ERROR_INTEGRATION", "SUCCESS_INTEGRATION", "LOG_LEVEL", "CONFIG", "TARGET_COMPLETION_INTERVAL",
        "SERVERLESS_TASK_MIN_STATEMENT_SIZE", "SERVERLESS_TASK_MAX_STATEMENT_SIZE",
        "USER_TASK_MINIMUM_TRIGGER_INTERVAL_IN_SECONDS", "TASK_AUTO_RETRY_ATTEMPTS",
    }
)  # fmt: skip
_NUMBERS = frozenset(
    {
        "USER_TASK_TIMEOUT_MS", "USER_TASK_MINIMUM_TRIGGER_INTERVAL_IN_SECONDS", "SUSPEND_TASK_AFTER_NUM_FAILURES",
        "TASK_AUTO_RETRY_ATTEMPTS",
    }
)  # fmt: skip
_BOOLEANS = frozenset({"ALLOW_OVERLAPPING_EXECUTION"})
SIZE = "USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE"
_REFUSED = {
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
    predecessors: tuple[ObjectName, ...] = ()
    condition: str | None = None
    finalize: ObjectName | None = None
    values: dict[str, str] = field(default_factory=dict)  # property or session parameter -> value, as written


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
    finalize: ObjectName | None = None
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
        elif word == "FINALIZE":
            t.i += 1
            t.expect("=")
            finalize = t.name(engine)
        else:
            option = t.value().text.upper()
            t.expect("=")
            values[option] = _value(t.value(), option)
            t.accept(",")  # session parameters may be separated by commas
    if not definition:
        raise LocalEngineError("Syntax error: CREATE TASK … AS needs a statement after AS.")
    return CreateTask(
        name, definition, or_replace, or_alter, if_not_exists, tuple(predecessors), condition, finalize, values
    )


def read_settings(t: Tokens) -> dict[str, str]:
    """``ALTER TASK … SET <property> = <value> [ , ] …`` up to the end of the statement."""
    values: dict[str, str] = {}
    while not t.done:
        word = t.tokens[t.i].text.upper()
        if word in _REFUSED:
            _refuse(_REFUSED[word])
        option = t.value().text.upper()
        t.expect("=")
        if option == "FINALIZE":  # a task name: kept as written (quotes included), resolved by the caller
            parts, t.i = take_name(t.tokens, t.i)
            if not parts:
                raise LocalEngineError("Syntax error: FINALIZE needs a task name.")
            values[option] = ".".join(quote(p.text) if p.quoted else p.text for p in parts)
        else:
            values[option] = _value(t.value(), option)
        t.accept(",")
    if not values:
        raise LocalEngineError("Syntax error: ALTER TASK … SET needs at least one property = value.")
    return values


def apply_settings(task: TaskDef, values: dict[str, str]) -> TaskDef:
    """``task`` with ``values`` set (CREATE TASK's properties, or ALTER TASK … SET); each value is checked."""
    if "WAREHOUSE" in values and SIZE in values:
        raise LocalEngineError(f"A task has either WAREHOUSE or {SIZE}, not both.")
    properties, parameters = dict(task.properties), dict(task.session_parameters)
    changes: dict[str, object] = {}
    for option, value in values.items():
        if option in _NUMBERS and not value.isdigit():
            raise LocalEngineError(f"{option} takes a whole number ≥ 0, not {value!r}.")
        if option in _BOOLEANS and value not in ("TRUE", "FALSE"):
            raise LocalEngineError(f"{option} takes TRUE or FALSE, not {value!r}.")
        if option == "WAREHOUSE":
            changes["warehouse"] = value
            properties.pop(SIZE, None)  # a task runs on a warehouse or serverless, not both
        elif option == "SCHEDULE":
            changes["schedule"] = Schedule.parse(value).text
        elif option == "SUSPEND_TASK_AFTER_NUM_FAILURES":
            changes["suspend_after_failures"] = int(value)
        elif option == "COMMENT":
            changes["comment"] = value
        elif option == "TASK_AUTO_RETRY_ATTEMPTS" and int(value) > 0:
            _refuse(
                "Automatic retries of task graphs (TASK_AUTO_RETRY_ATTEMPTS > 0) are not emulated by the local engine."
            )
        elif option in STORED_PROPERTIES:
            properties[option] = value
            if option == SIZE:
                changes["warehouse"] = None
        else:
            check_task_parameter(option, value)
            parameters[option] = value
    return replace(task, properties=properties, session_parameters=parameters, **changes)  # type: ignore[arg-type]


# What UNSET puts back: Snowflake's defaults.
_DEFAULTS: dict[str, dict[str, object]] = {
    "WAREHOUSE": {"warehouse": None},
    "SCHEDULE": {"schedule": None},
    "SUSPEND_TASK_AFTER_NUM_FAILURES": {"suspend_after_failures": DEFAULT_SUSPEND_AFTER_FAILURES},
    "COMMENT": {"comment": None},
}


def unset_settings(task: TaskDef, names: list[str]) -> TaskDef:
    """``task`` with ``names`` back at their defaults (ALTER TASK … UNSET)."""
    properties, parameters = dict(task.properties), dict(task.session_parameters)
    changes: dict[str, object] = {}
    for name in names:
        if name in _REFUSED:
            _refuse(_REFUSED[name])
        if name in _DEFAULTS:
            changes.update(_DEFAULTS[name])
        elif name in STORED_PROPERTIES:
            properties.pop(name, None)
        else:
            if name not in PARAMETERS:
                raise UnsupportedSqlError(f"ALTER TASK … UNSET {name} is not supported by the local engine.")
            parameters.pop(name, None)
    return replace(task, properties=properties, session_parameters=parameters, **changes)  # type: ignore[arg-type]


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
