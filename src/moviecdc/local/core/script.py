"""Splitting a text into Snowflake statements, and the one-statement rule of ``sql()``.

Snowflake runs one statement per request unless the caller asks for more (``MULTI_STATEMENT_COUNT``, default 1):
``SELECT 1; DROP TABLE T`` is refused with error 000008, "Actual statement count 2 did not match the desired
statement count 1.", and nothing runs (the Python connector's tests pin this message:
snowflake-connector-python ``test/integ/test_multi_statement.py``; the multi-statement section of
https://docs.snowflake.com/en/developer-guide/python-connector/python-connector-example). What does not count:
a trailing ``;``, empty statements, and semicolons inside string literals, quoted identifiers, ``$$ … $$`` bodies
and comments. The split reads sqlglot's Snowflake tokens, so all of those are what Snowflake's lexer says.

>>> split("SELECT 'a;b'; /* ; */ SELECT $$;$$;;")
["SELECT 'a;b'", 'SELECT $$;$$']
"""

from __future__ import annotations

import sqlglot.errors
from sqlglot.tokenizer_core import Token, TokenType

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local.core.names import _TOKENIZER

# A BEGIN that starts a transaction, not a Snowflake Scripting block: BEGIN [WORK | TRANSACTION] [NAME n].
_TRANSACTION_WORDS = frozenset({"WORK", "TRANSACTION", "NAME"})


def split(text: str) -> list[str]:
    """The statements of ``text``, in order, each without its ``;`` (empty ones dropped)."""
    if ";" not in text:
        return [text.strip()] if text.strip() else []
    try:
        tokens = _TOKENIZER.tokenize(text)
    except sqlglot.errors.SqlglotError:
        return [text.strip()]  # not even tokens: one statement, whose parser error is the one to report
    statements: list[list[Token]] = [[]]
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            statements.append([])
        else:
            statements[-1].append(token)
    if any(_is_block(group) for group in statements):
        raise UnsupportedSqlError(
            "Snowflake Scripting blocks (DECLARE … BEGIN … END, BEGIN … END) are not supported by the local engine. "
            "Run their statements one by one with sql()."
        )
    return [text[group[0].start : group[-1].end + 1] for group in statements if group]


def one_statement(text: str) -> None:
    """Refuse a text of several statements, as Snowflake does when one is expected (error 000008)."""
    if ";" not in text:  # the usual case costs one scan, no tokens
        return
    count = len(split(text))
    if count > 1:
        raise LocalEngineError(
            f"000008 (0A000): Actual statement count {count} did not match the desired statement count 1."
        )


def _is_block(tokens: list[Token]) -> bool:
    if not tokens:
        return False
    first = tokens[0].text.upper()
    if first == "DECLARE":
        return True
    return first == "BEGIN" and len(tokens) > 1 and tokens[1].text.upper() not in _TRANSACTION_WORDS
