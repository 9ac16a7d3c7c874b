"""Variables into SQL text, safely: every value becomes a literal of its type, rendered here and only here.

Snowflake Scripting binds a variable in a SQL statement as ``:name`` and, in an expression of the block
(``IF (x > 0)``, ``LET y := x + 1``), by its bare name
(https://docs.snowflake.com/en/developer-guide/snowflake-scripting/variables#using-a-variable-in-a-sql-statement-binding).
The local engine evaluates both by sending SQL, so a variable's *value* goes into the text as a literal:
strings quoted with ``'`` doubled and ``\\`` escaped, numbers as exact numerals, times as typed literals.
User text is never pasted unquoted.

>>> literal("it's \\\\ fine")
"'it''s \\\\\\\\ fine'"
>>> literal(Decimal("-3.30"))
'(-3.30)'
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from moviecdc.errors import LocalEngineError
from moviecdc.local.scripting.lexer import OP, QUOTED, WORD, Token
from moviecdc.local.scripting.nodes import Text

# A lookup from an upper-case variable name (and an optional field, for `rec.col`) to its value;
# raises KeyError when there is no such variable.
_COMMENTS = re.compile(r"--[^\n]*|//[^\n]*|/\*.*?\*/", re.DOTALL)
Lookup = Callable[[str, str | None], Any]


def literal(value: Any) -> str:  # noqa: PLR0911, PLR0912 - one line per type
    """A SQL literal of ``value``'s type."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value) if value >= 0 else f"({value})"
    if isinstance(value, Decimal):
        if not value.is_finite():
            return f"CAST({_string(str(value))} AS FLOAT)"
        text = format(value, "f")
        return text if value >= 0 else f"({text})"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return f"CAST({_string(str(value))} AS FLOAT)"
        return f"CAST({value!r} AS FLOAT)"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, datetime):
        kind = "TIMESTAMP_NTZ" if value.tzinfo is None else "TIMESTAMP_TZ"
        return f"CAST({_string(value.isoformat(sep=' '))} AS {kind})"
    if isinstance(value, date):
        return f"CAST({_string(value.isoformat())} AS DATE)"
    if isinstance(value, time):
        return f"CAST({_string(value.isoformat())} AS TIME)"
    if isinstance(value, bytes):
        return f"TO_BINARY({_string(value.hex())}, 'HEX')"
    if isinstance(value, dict | list):
        return f"PARSE_JSON({_string(json.dumps(value, default=str))})"
    raise LocalEngineError(
        f"A variable of type {type(value).__name__} (a RESULTSET or cursor) cannot be used as a value in SQL. "
        "Use TABLE(resultset) to read a RESULTSET, or a FOR loop over a cursor."
    )


def _string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def render(source: str, text: Text, lookup: Lookup, *, bare: bool, positional: list[Any] | None = None) -> str:
    """``text`` as SQL, each ``:var`` (and, with ``bare``, each bare variable name outside a subquery)
    replaced by its value's literal; ``?`` by the next of ``positional``. Comments and spacing are kept."""
    tokens = text.tokens
    out: list[str] = []
    previous: Token | None = None
    # Stack of open parentheses: True when the parenthesis opens a subquery (SQL: only :var binds there).
    parens: list[bool] = []
    pending = list(positional) if positional is not None else None
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if previous is not None:
            gap = source[previous.end : token.start]
            # Spacing and comments are kept; a gap holding more (tokens the parser took out, e.g. INTO :v) is not.
            out.append(" " if _COMMENTS.sub("", gap).strip() else gap)
        replaced, width = _bound(tokens, i, lookup, bare=bare and not any(parens))
        if token.text == "(":
            parens.append(i + 1 < len(tokens) and tokens[i + 1].is_word("SELECT", "WITH"))
        elif token.text == ")" and parens:
            parens.pop()
        if replaced is None and token.text == "?" and pending is not None:
            if not pending:
                raise LocalEngineError("More ? placeholders than values in USING (...).")
            replaced = literal(pending.pop(0))
        out.append(replaced if replaced is not None else token.text)
        previous = tokens[i + width - 1]
        i += width
    return "".join(out)


def _bound(tokens: tuple[Token, ...], i: int, lookup: Lookup, *, bare: bool) -> tuple[str | None, int]:
    """The literal replacing the variable reference that starts at ``tokens[i]`` and its width in tokens."""
    token = tokens[i]
    before = tokens[i - 1] if i > 0 else None
    after = tokens[i + 1] if i + 1 < len(tokens) else None
    if token.kind == OP and token.text == ":" and after is not None and after.kind == WORD:
        # `v:field` (a path into a VARIANT) has the colon right after a name; a bind variable has not.
        glued = (
            before is not None
            and before.end == token.start
            and (before.kind in (WORD, QUOTED) or before.text in (")", "]"))
        )
        if not glued and after.start == token.end:
            value, width = _reference(tokens, i + 1, lookup)
            if width:
                return value, width + 1
        return None, 1
    if bare and token.kind == WORD:
        if before is not None and before.text == ".":
            return None, 1
        if after is not None and after.text == "(":
            return None, 1
        value, width = _reference(tokens, i, lookup)
        if width:
            return value, width
    return None, 1


def _reference(tokens: tuple[Token, ...], i: int, lookup: Lookup) -> tuple[str | None, int]:
    name = tokens[i].text.upper()
    has_field = i + 2 < len(tokens) and tokens[i + 1].text == "." and tokens[i + 2].kind in (WORD, QUOTED)
    if has_field:
        field = tokens[i + 2].text
        field = field[1:-1] if tokens[i + 2].kind == QUOTED else field.upper()
        try:
            return literal(lookup(name, field)), 3
        except KeyError:
            return None, 0  # `alias.column`, not a record's field
    try:
        return literal(lookup(name, None)), 1
    except KeyError:
        return None, 0
