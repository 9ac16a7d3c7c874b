"""Values in a running block: expressions read directly or evaluated by the engine, variables bound into SQL,
and each assignment cast to its variable's declared type
(https://docs.snowflake.com/en/developer-guide/snowflake-scripting/variables).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from moviecdc.local.core.results import Result
from moviecdc.local.dialect.errors import describe, unsupported
from moviecdc.local.scripting import nodes as s
from moviecdc.local.scripting.binding import literal, render
from moviecdc.local.scripting.lexer import DOLLAR, NUMBER, STRING, WORD, string_value
from moviecdc.local.scripting.state import EXPRESSION_ERROR, STATEMENT_ERROR, Cursor, Scope, ScriptError

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine

_CODED = re.compile(r"^(\d{6}) \(([0-9A-Z]{5})\): (.*)$", re.DOTALL)
_NATIVE = {  # declared types a Python value of this type already has (no CAST needed)
    int: ("INT", "INTEGER", "BIGINT", "SMALLINT", "TINYINT", "BYTEINT", "NUMBER", "NUMERIC", "DECIMAL"),
    str: ("VARCHAR", "STRING", "TEXT", "CHAR", "CHARACTER"),
    bool: ("BOOLEAN",),
    float: ("FLOAT", "DOUBLE", "REAL", "FLOAT4", "FLOAT8", "DOUBLE PRECISION"),
}


class Expressions:
    """Evaluates a block's expressions; ``specials`` are SQLROWCOUNT, SQLCODE … as the interpreter keeps them."""

    def __init__(self, engine: Engine, source: str, specials: dict[str, Any]) -> None:
        self.engine = engine
        self.source = source
        self.specials = specials

    def bind(self, text: s.Text, scope: Scope, *, bare: bool, positional: list[Any] | None = None) -> str:
        def lookup(name: str, column: str | None) -> Any:
            variable = scope.find(name)
            if variable is None:
                if column is None and name in self.specials:
                    return self.specials[name]
                raise KeyError(name)
            value = variable.value
            if column is None:
                if isinstance(value, Cursor | Result) or is_row(value):
                    raise KeyError(name)  # not a scalar: leave the name to SQL (it may be a table)
                return value
            if is_row(value):
                fields = value.as_dict()
                if column in fields:
                    return fields[column]
            raise KeyError(name)

        return render(self.source, text, lookup, bare=bare, positional=positional)

    def evaluate(self, text: s.Text, scope: Scope) -> Any:  # noqa: PLR0911 - the direct reads, then SQL
        """The value of an expression of the block: read directly when it is a literal or a variable,
        otherwise ``SELECT <expression>`` with its variables bound."""
        tokens = text.tokens
        if len(tokens) == 1:
            token = tokens[0]
            if token.kind == NUMBER:
                return int(token.text) if token.text.isdigit() else Decimal(token.text)
            if token.kind in (STRING, DOLLAR):
                return string_value(token)
            if token.is_word("TRUE", "FALSE"):
                return token.upper == "TRUE"
            if token.is_word("NULL"):
                return None
            if token.kind == WORD:
                name = token.text.upper()
                variable = scope.find(name)
                if variable is not None and not isinstance(variable.value, Cursor | Result):
                    return variable.value
                if variable is None and name in self.specials:
                    return self.specials[name]
        sql = "SELECT " + self.bind(text, scope, bare=True)
        try:
            result = self.engine.run(sql)
        except Exception as error:
            if unsupported(error):
                raise
            raise statement_error(error, text.start, EXPRESSION_ERROR) from error
        rows = result.rows()
        return rows[0][0] if rows else None

    def condition(self, text: s.Text, scope: Scope) -> bool:
        return bool(self.evaluate(text, scope))

    def coerce(self, value: Any, type_: str | None, where: int) -> Any:
        """``value`` as the declared type (Snowflake casts each assignment): a CAST in SQL unless the value
        already has that type."""
        if value is None or type_ is None or type_ in ("RESULTSET", "CURSOR"):
            return value
        base = type_.split("(")[0].strip()
        for python_type, names in _NATIVE.items():
            if type(value) is python_type and base in names and (python_type is not int or "," not in type_):
                return value
        try:
            rows = self.engine.run(f"SELECT CAST({literal(value)} AS {type_})").rows()
        except Exception as error:
            if unsupported(error):
                raise
            raise statement_error(error, where, EXPRESSION_ERROR) from error
        return rows[0][0]


def statement_error(error: Exception, where: int, name: str = STATEMENT_ERROR) -> ScriptError:
    """A failure as a Scripting exception: Snowflake's code, SQLSTATE and message when the error carries them."""
    if isinstance(error, ScriptError):
        return error
    code, message = describe(error)
    state = None
    coded = _CODED.match(message)
    if coded is not None:
        code, state, message = coded.group(1), coded.group(2), coded.group(3)
    message = message.split("\n  Statement: ")[0]
    return ScriptError(name, int(code) if code is not None else None, message, state, where)


def missing(name: str) -> Any:
    """A lookup that knows no variable (the text of EXECUTE IMMEDIATE binds only ``?``)."""
    raise KeyError(name)


def is_row(value: Any) -> bool:
    """Is ``value`` a row (a cursor loop's record)?"""
    return hasattr(value, "as_dict") and isinstance(value, tuple)
