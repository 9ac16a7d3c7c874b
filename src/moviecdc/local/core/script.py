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

from moviecdc.errors import LocalEngineError
from moviecdc.local.core.names import _TOKENIZER

# A BEGIN that starts a transaction, not a Snowflake Scripting block: BEGIN [WORK | TRANSACTION] [NAME n].
_TRANSACTION_WORDS = frozenset({"WORK", "TRANSACTION", "NAME"})
# END IF / END FOR / END LOOP / END WHILE / END REPEAT close constructs whose openers are not counted.
_LOOP_ENDS = frozenset({"IF", "FOR", "LOOP", "WHILE", "REPEAT"})


def split(text: str) -> list[str]:
    """The statements of ``text``, in order, each without its ``;`` (empty ones dropped). A Snowflake Scripting
    block (``[DECLARE …] BEGIN … END``) is one statement, whatever semicolons it holds."""
    if ";" not in text:
        return [text.strip()] if text.strip() else []
    try:
        tokens = _TOKENIZER.tokenize(text)
    except sqlglot.errors.SqlglotError:
        return [text.strip()]  # not even tokens: one statement, whose parser error is the one to report
    statements: list[list[Token]] = [[]]
    depth = 0  # open BEGIN … END blocks and CASE … END constructs
    declaring = False  # in a block's DECLARE section, whose declarations end with ``;`` before its BEGIN
    for index, token in enumerate(tokens):
        if token.token_type == TokenType.SEMICOLON and depth == 0 and not declaring:
            statements.append([])
            continue
        if not statements[-1] and token.text.upper() == "DECLARE":
            declaring = True
        statements[-1].append(token)
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if _opens_block(token, following):
            depth += 1
            declaring = False
        elif token.token_type == TokenType.CASE and not _ends(statements[-1][:-1]):
            depth += 1
        elif token.token_type == TokenType.END:
            closes = following.text.upper() if following is not None else ""
            if closes not in _LOOP_ENDS:  # END IF / END FOR / … close what does not nest here; END CASE does
                depth = max(depth - 1, 0)
    return [text[group[0].start : group[-1].end + 1] for group in statements if group]


def _opens_block(token: Token, following: Token | None) -> bool:
    """BEGIN that starts a block, not a transaction (BEGIN [WORK | TRANSACTION] [NAME n] and BEGIN alone)."""
    if token.token_type != TokenType.BEGIN:
        return False
    return following is not None and following.token_type != TokenType.SEMICOLON and (
        following.text.upper() not in _TRANSACTION_WORDS
    )


def _ends(tokens: list[Token]) -> bool:
    """Does this statement so far end with END (so the CASE that follows is END CASE's, not a new CASE)?"""
    return bool(tokens) and tokens[-1].token_type == TokenType.END


def one_statement(text: str) -> None:
    """Refuse a text of several statements, as Snowflake does when one is expected (error 000008)."""
    if ";" not in text:  # the usual case costs one scan, no tokens
        return
    count = len(split(text))
    if count > 1:
        raise LocalEngineError(
            f"000008 (0A000): Actual statement count {count} did not match the desired statement count 1."
        )
