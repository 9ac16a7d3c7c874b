"""Parsing the dynamic-table statements: CREATE, ALTER, DROP and SHOW DYNAMIC TABLE(S).

sqlglot parses ``CREATE DYNAMIC TABLE`` only partly (and renders ``CREATE OR ALTER`` back as ``CREATE OR
REPLACE``), so the clauses before ``AS`` are read from sqlglot's tokens, following
https://docs.snowflake.com/en/sql-reference/sql/create-dynamic-table; the query after ``AS`` is kept as
written and parsed with fakesnow's Snowflake dialect. A clause the engine does not emulate is refused by
name, never ignored.

>>> from moviecdc.local.dynamic_tables.ddl import parse_lag
>>> parse_lag("2 minutes"), parse_lag("1 hour")
(('2 minutes', 120), ('1 hour', 3600))
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlglot.tokenizer_core import Token, TokenType

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local.core.names import ObjectName, Part
from moviecdc.local.core.tokens import Tokens

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine

DOWNSTREAM = "DOWNSTREAM"
MODES = ("AUTO", "FULL", "INCREMENTAL")
INITIALIZE = ("ON_CREATE", "ON_SCHEDULE")
_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_LAG = re.compile(r"^\s*(\d+)\s*(second|minute|hour|day)(s?)\s*$", re.IGNORECASE)
MIN_LAG_SECONDS = 60


@dataclass(frozen=True)
class CreateDynamicTable:
    name: ObjectName
    or_replace: bool
    or_alter: bool
    if_not_exists: bool
    target_lag: str
    lag_seconds: int | None
    warehouse: str
    refresh_mode: str
    initialize: str
    comment: str | None
    query: str


@dataclass(frozen=True)
class AlterDynamicTable:
    name: ObjectName
    if_exists: bool
    action: str  # REFRESH | SUSPEND | RESUME | SET
    target_lag: tuple[str, int | None] | None = None
    warehouse: str | None = None


def parse_lag(text: str) -> tuple[str, int]:
    """``'<n> seconds | minutes | hours | days'`` → (display text, seconds); Snowflake's minimum is 1 minute."""
    match = _LAG.match(text)
    if match is None:
        raise LocalEngineError(
            f"Invalid TARGET_LAG {text!r}. Write it as '<n> seconds | minutes | hours | days', or DOWNSTREAM."
        )
    count, unit, plural = int(match.group(1)), match.group(2).lower(), match.group(3).lower()
    seconds = count * _UNITS[unit]
    if seconds < MIN_LAG_SECONDS:
        raise LocalEngineError(f"TARGET_LAG {text!r} is below the minimum of 1 minute. Use '1 minute' or more.")
    return f"{count} {unit}{plural}", seconds


def _lag(t: Tokens) -> tuple[str, int | None]:
    token = t.value()
    if token.token_type == TokenType.STRING:
        return parse_lag(token.text)
    if token.text.upper() == DOWNSTREAM:
        return DOWNSTREAM, None
    raise LocalEngineError(f"TARGET_LAG takes a string such as '2 minutes', or DOWNSTREAM; not {token.text!r}.")


def _identifier(token: Token) -> str:
    """A warehouse name: an identifier, or a string as Snowflake also accepts (``WAREHOUSE = 'COMPUTE_WH'``), kept
    as written, as a task keeps it."""
    quoted = token.token_type in (TokenType.IDENTIFIER, TokenType.STRING)
    return Part(token.text, quoted=quoted).resolved


def _choice(token: Token, option: str, choices: tuple[str, ...]) -> str:
    value = token.text.upper()
    if value not in choices:
        raise LocalEngineError(f"{option} takes {' | '.join(choices)}, not {token.text!r}.")
    return value


def parse_create(engine: Engine, text: str) -> CreateDynamicTable:
    t = Tokens(text)
    t.expect("CREATE")
    or_replace = t.accept("OR", "REPLACE")
    or_alter = not or_replace and t.accept("OR", "ALTER")
    t.accept("TRANSIENT")  # no Fail-safe locally: a transient dynamic table is an ordinary one
    t.expect("DYNAMIC")
    t.expect("TABLE")
    if_not_exists = t.accept("IF", "NOT", "EXISTS")
    if if_not_exists and (or_replace or or_alter):
        raise LocalEngineError("OR REPLACE / OR ALTER and IF NOT EXISTS cannot be used together.")
    name = t.name(engine)
    if t.peek("(") or t.peek("CLONE") or t.peek("FROM"):
        raise UnsupportedSqlError(
            "CREATE DYNAMIC TABLE with a column list, CLONE or FROM BACKUP/SNAPSHOT is not supported by the local "
            "engine. Name the columns with aliases in the query."
        )
    lag: tuple[str, int | None] | None = None
    warehouse: str | None = None
    mode, initialize, comment = "AUTO", "ON_CREATE", None
    while not t.done and not t.peek("AS"):
        option = t.value().text.upper()
        t.accept("=")
        if option == "TARGET_LAG":
            lag = _lag(t)
        elif option == "WAREHOUSE":
            warehouse = _identifier(t.value())
        elif option == "REFRESH_MODE":
            mode = _choice(t.value(), option, MODES)
        elif option == "INITIALIZE":
            initialize = _choice(t.value(), option, INITIALIZE)
        elif option == "COMMENT":
            comment = t.value().text
        else:
            raise UnsupportedSqlError(
                f"CREATE DYNAMIC TABLE option {option} is not supported by the local engine. "
                "Supported: TARGET_LAG, WAREHOUSE, REFRESH_MODE, INITIALIZE, COMMENT."
            )
    if t.done:
        raise LocalEngineError("Syntax error: CREATE DYNAMIC TABLE needs AS <query>.")
    as_token = t.tokens[t.i]
    query = text[as_token.end + 1 :].strip()
    if lag is None:
        raise LocalEngineError("CREATE DYNAMIC TABLE needs TARGET_LAG = '<n> minutes' (or DOWNSTREAM).")
    if warehouse is None:
        raise LocalEngineError("CREATE DYNAMIC TABLE needs WAREHOUSE = <warehouse>; dynamic tables run on one.")
    return CreateDynamicTable(
        name, or_replace, or_alter, if_not_exists, lag[0], lag[1], warehouse, mode, initialize, comment, query
    )


def parse_alter(engine: Engine, text: str) -> AlterDynamicTable:
    t = Tokens(text)
    t.expect("ALTER")
    t.expect("DYNAMIC")
    t.expect("TABLE")
    if_exists = t.accept("IF", "EXISTS")
    name = t.name(engine)
    for action in ("REFRESH", "SUSPEND", "RESUME"):
        if t.accept(action):
            if not t.done:
                raise UnsupportedSqlError(f"ALTER DYNAMIC TABLE … {action} {t.rest()} is not supported locally.")
            return AlterDynamicTable(name, if_exists, action)
    if t.accept("SET"):
        lag: tuple[str, int | None] | None = None
        warehouse: str | None = None
        while not t.done:
            option = t.value().text.upper()
            t.accept("=")
            if option == "TARGET_LAG":
                lag = _lag(t)
            elif option == "WAREHOUSE":
                warehouse = _identifier(t.value())
            else:
                raise UnsupportedSqlError(f"ALTER DYNAMIC TABLE … SET {option} is not supported by the local engine.")
            t.accept(",")
        return AlterDynamicTable(name, if_exists, "SET", lag, warehouse)
    raise UnsupportedSqlError(
        f"ALTER DYNAMIC TABLE … {t.rest()} is not supported by the local engine. "
        "Supported: REFRESH, SUSPEND, RESUME, SET TARGET_LAG | WAREHOUSE."
    )


def parse_drop(engine: Engine, text: str) -> tuple[ObjectName, bool]:
    t = Tokens(text)
    t.expect("DROP")
    t.expect("DYNAMIC")
    t.expect("TABLE")
    if_exists = t.accept("IF", "EXISTS")
    name = t.name(engine)
    if not t.done:
        raise LocalEngineError(f"Syntax error: unexpected {t.rest()!r} after the dynamic table's name.")
    return name, if_exists
