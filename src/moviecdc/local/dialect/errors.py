"""Foreign exceptions become moviecdc errors, at one boundary.

:func:`translate` is what :class:`~moviecdc.local.LocalSession` raises for a failed statement (the message
quotes the statement); :func:`describe` is the same message without it, plus Snowflake's error code when
the failure carries one. A failed task run records that pair in ``TASK_HISTORY``.
"""

from __future__ import annotations

import re
from typing import Any

import duckdb
import snowflake.connector.errors as sf_errors
import sqlglot.errors

from moviecdc.errors import LocalEngineError, MoviecdcError, UnsupportedSqlError

# fakesnow raises ProgrammingError(errno=9999) for SQL it does not translate.
_NOT_TRANSLATED = 9999
# A SHOW whose objects fakesnow does not know: it queries a table named after them, or DuckDB cannot parse it.
_SHOW = re.compile(r"\s*SHOW\s+(TERSE\s+)?\w+", re.IGNORECASE)
_UNKNOWN_SHOW = ("Table with name", "Parser Error")
# The engine's own macros refuse a value they cannot represent with DuckDB's error('<mark><message>'): an
# UnsupportedSqlError with that message (e.g. a TIMESTAMP_TZ offset, dialect/conversions.py).
UNSUPPORTED_MARK = "moviecdc unsupported: "
# DuckDB's answers for an integer beyond 64 bits: fakesnow stores INT, BIGINT, NUMBER and NUMBER(38, 0) as BIGINT.
_INT64 = re.compile(
    r"out of range for the destination type INT64|Overflow in \w+ of INT64"
    r"|Could not convert string '[-+]?[0-9]+' to INT64"
)
INT64_LIMIT = (
    "Integer columns are 64-bit in the local engine (fakesnow stores INT, BIGINT, NUMBER and NUMBER(38, 0) as "
    "DuckDB BIGINT: -9223372036854775808 to 9223372036854775807), where Snowflake's NUMBER(38, 0) holds 38 digits. "
    "Declare the column NUMBER(38, 1) or DECIMAL(38, s) with s > 0 to keep larger values exactly."
)
# DuckDB's answer for a function it does not have.
_MISSING_FUNCTION = re.compile(r"(?:Scalar|Table|Aggregate) Function with name \"?([\w$]+)\"? does not exist")
# The operating system's words for a full disk (ENOSPC) and a full quota (EDQUOT), as DuckDB passes them on.
_DISK_FULL = ("No space left on device", "Disk quota exceeded")


# DuckDB's words for a missing object or column, and Snowflake's for the same failure (code, SQLSTATE, text).
# https://docs.snowflake.com/en/user-guide/troubleshooting-common-issues ("Object does not exist or not
# authorized"; "invalid identifier"). Snowflake also gives the line and position of an invalid identifier;
# DuckDB's position is of the translated SQL, so none is given.
_SNOWFLAKE_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"Catalog Error: Table with name \"?([^\s\"]+?)\"? does not exist"),
        "002003 (42S02): SQL compilation error:\nObject '{0}' does not exist or not authorized.",
    ),
    (
        re.compile(r"Catalog Error: Schema with name \"?([^\s\"]+?)\"? does not exist"),
        "002003 (02000): SQL compilation error:\nSchema '{0}' does not exist or not authorized.",
    ),
    (
        re.compile(
            r"Binder Error: (?:Referenced column \"?([^\s\"]+)\"? not found in FROM clause"
            r"|Referenced update column \"?([^\s\"]+)\"? not found in table"
            r"|Table \"[^\"]+\" does not have a column with name \"([^\"]+)\")"
        ),
        "000904 (42000): SQL compilation error:\ninvalid identifier '{0}'",
    ),
    (re.compile(r"(?:Invalid Input|Out of Range) Error: Division by zero"), "100051 (22012): Division by zero"),
)


def snowflake_words(message: str) -> str | None:
    """Snowflake's message for a DuckDB error that has a Snowflake equivalent, else None."""
    for pattern, words in _SNOWFLAKE_WORDS:
        found = pattern.search(message)
        if found:
            return words.format(*(g for g in found.groups() if g is not None))
    return None


def unsupported(error: Exception) -> bool:
    """Is this a statement the local engine (or fakesnow under it) does not emulate?"""
    if isinstance(error, UnsupportedSqlError | NotImplementedError):
        return True
    return isinstance(error, sf_errors.ProgrammingError) and getattr(error, "errno", None) == _NOT_TRANSLATED


def describe(error: Exception) -> tuple[str | None, str]:
    """``(error_code, message)`` of a failure; the code is Snowflake's six-digit string, when known."""
    if isinstance(error, MoviecdcError):
        return None, str(error)
    message: Any = getattr(error, "msg", None) or str(error)
    if unsupported(error):
        return None, f"fakesnow does not translate this statement ({message})."
    if isinstance(error, sf_errors.Error | duckdb.Error | sqlglot.errors.SqlglotError):
        text = str(message).strip()
        errno = getattr(error, "errno", None)
        known = snowflake_words(text)
        if known is not None:
            return known[:6], known
        lines = text.splitlines() or [type(error).__name__]
        # Snowflake's (and fakesnow's) "…: SQL compilation error:" says what failed on the next line
        first = "\n".join(lines[:2]) if lines[0].rstrip().endswith(":") and len(lines) > 1 else lines[0]
        return (f"{errno:06d}" if isinstance(errno, int) and errno > 0 else None), first
    return None, f"Internal error of the local engine ({type(error).__name__}: {error})."


def translate(error: Exception, text: str) -> MoviecdcError:
    """LocalEngineError (or UnsupportedSqlError) whose message quotes the statement ``text``."""
    _, message = describe(error)
    where = f"\n  Statement: {text}"
    if unsupported(error):
        return UnsupportedSqlError(f"{message}{where}")
    if any(sign in message for sign in _DISK_FULL):
        # DuckDB's own error, kept: the engine's rollback after the failed COMMIT no longer hides it.
        return LocalEngineError(
            f"{message} The disk is full: this statement was not committed, and everything committed before it "
            f"is kept. Free some space and run it again.{where}"
        )
    refusal = _refusal(error, message, text)
    if refusal is not None:
        return UnsupportedSqlError(f"{refusal}{where}")
    return LocalEngineError(f"{message}{where}")


def _refusal(error: Exception, message: str, text: str) -> str | None:
    """Why the statement is one the engine does not emulate, when its failure says so; else None."""
    if UNSUPPORTED_MARK in message:
        return message.split(UNSUPPORTED_MARK, 1)[1]
    if _INT64.search(message):
        return f"{INT64_LIMIT} ({message})"
    function = _MISSING_FUNCTION.search(message)
    if function:
        # DuckDB has no function of that name: a Snowflake function the engine does not emulate (or a misspelt
        # name, which Snowflake answers "Unknown function"); either way, no raw DuckDB catalog error.
        name = function.group(1).upper()
        return (
            f"Function {name} is not supported by the local engine (Snowflake answers \"Unknown function {name}\" "
            "if it is not one of its functions)."
        )
    if message.startswith("Not implemented Error: "):  # DuckDB cannot do what the statement asks
        what = message.removeprefix("Not implemented Error: ").rstrip(".")
        return f"This statement is not supported by the local engine (DuckDB: {what})."
    shown = _SHOW.match(text)
    raw = str(getattr(error, "msg", None) or error)  # DuckDB's words, before describe() gave Snowflake's
    if shown and any(sign in raw for sign in _UNKNOWN_SHOW):
        return f"{' '.join(shown.group(0).split()).upper()} is not supported by the local engine."
    return None
