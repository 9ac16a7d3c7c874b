"""Anonymous blocks and ``EXECUTE IMMEDIATE``: the statements that run Snowflake Scripting directly.

``BEGIN`` alone (or ``BEGIN TRANSACTION``, ``BEGIN WORK``, ``BEGIN … NAME x``) starts a transaction;
``BEGIN <statement>; … END`` and ``DECLARE … BEGIN … END`` are a block
(https://docs.snowflake.com/en/sql-reference/sql/begin and
https://docs.snowflake.com/en/sql-reference/snowflake-scripting/begin). A block's answer is one row, one
column named ``anonymous block``, holding what it RETURNs (NULL without RETURN), or the rows of ``RETURN
TABLE(resultset)`` (https://docs.snowflake.com/en/developer-guide/snowflake-scripting/blocks).

>>> is_transaction_start("BEGIN TRANSACTION NAME t1"), is_transaction_start("BEGIN INSERT INTO t VALUES (1); END")
(True, False)
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from moviecdc.errors import UnsupportedSqlError
from moviecdc.local.core.names import quote
from moviecdc.local.core.results import Result
from moviecdc.local.scripting.binding import literal
from moviecdc.local.scripting.interpreter import Interpreter
from moviecdc.local.scripting.lexer import DOLLAR, STRING, script_tokens, string_value
from moviecdc.local.scripting.state import Variable
from moviecdc.local.scripting.syntax import parse_block

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine
    from moviecdc.local.core.router import Statement

ANONYMOUS = "anonymous block"
_TRANSACTION = re.compile(r"^BEGIN(\s+(TRANSACTION|WORK))?(\s+NAME\s+\S+)?\s*;?\s*$", re.IGNORECASE)
_COMMENTS = re.compile(r"--[^\n]*|//[^\n]*|/\*.*?\*/", re.DOTALL)
# Statements that run their own statements, each committing on its own unless they open a transaction.
_SCRIPTING = re.compile(r"^(DECLARE|BEGIN|EXECUTE\s+IMMEDIATE|CALL)\b", re.IGNORECASE)


def is_transaction_start(text: str) -> bool:
    """Is ``text`` (one statement) the transaction ``BEGIN``, not a block?"""
    return bool(_TRANSACTION.match(_COMMENTS.sub(" ", text).strip()))


def runs_own_transactions(text: str) -> bool:
    """Does this statement run Scripting (a block, EXECUTE IMMEDIATE, CALL), whose statements commit one by
    one as Snowflake's do? A task body that does must not be wrapped in one transaction (tasks/runs.py)."""
    body = _COMMENTS.sub(" ", text).strip()
    return bool(_SCRIPTING.match(body)) and not is_transaction_start(body)


def block(engine: Engine, statement: Statement) -> Result:
    """An anonymous block sent as a statement (the router sends ``BEGIN …`` and ``DECLARE …`` here)."""
    return run_block(engine, statement.text)


def run_block(engine: Engine, source: str, arguments: dict[str, Variable] | None = None) -> Result:
    value = Interpreter(engine, source).run(parse_block(source), arguments)
    return answer(engine, value, ANONYMOUS, None)


def answer(engine: Engine, value: Any, column: str, type_: str | None) -> Result:
    """The one-row answer of a block or CALL: the value in a column named ``column`` (cast to ``type_``),
    or a RESULTSET's rows as they are."""
    if isinstance(value, Result):
        return value
    expression = literal(value) if type_ is None or value is None else f"CAST({literal(value)} AS {type_})"
    if value is None and type_ is not None:
        expression = f"CAST(NULL AS {type_})"
    return engine.run(f"SELECT {expression} AS {quote(column)}")


def execute_immediate(engine: Engine, statement: Statement) -> Result:
    """``EXECUTE IMMEDIATE '<statement>' | $$ <block> $$``
    (https://docs.snowflake.com/en/sql-reference/sql/execute-immediate)."""
    tokens = script_tokens(statement.text)
    rest = tokens[2:]
    if len(rest) != 1 or rest[0].kind not in (STRING, DOLLAR):
        if any(t.is_word("USING") for t in rest):
            raise UnsupportedSqlError(
                "EXECUTE IMMEDIATE … USING outside a Snowflake Scripting block is not supported by the local engine. "
                "Run it inside a block, or put the values in the statement."
            )
        raise UnsupportedSqlError(
            "EXECUTE IMMEDIATE of anything but a string literal or $$ string (e.g. a session variable) is not "
            "supported by the local engine outside a block."
        )
    return run_text(engine, string_value(rest[0]))


def run_text(engine: Engine, text: str) -> Result:
    """The text of EXECUTE IMMEDIATE: a block, or one statement."""
    body = _COMMENTS.sub(" ", text).strip().rstrip(";").strip()
    first = body.split(None, 1)[0].upper() if body else ""
    if first == "DECLARE" or (first == "BEGIN" and not is_transaction_start(body)):
        return run_block(engine, text)
    return engine.run(text)
