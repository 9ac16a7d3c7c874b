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
# DuckDB's answer for a function it does not have.
_MISSING_FUNCTION = re.compile(r"(?:Scalar|Table|Aggregate) Function with name \"?([\w$]+)\"? does not exist")
# The operating system's words for a full disk (ENOSPC) and a full quota (EDQUOT), as DuckDB passes them on.
_DISK_FULL = ("No space left on device", "Disk quota exceeded")


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
        first = text.splitlines()[0] if text else type(error).__name__
        errno = getattr(error, "errno", None)
        return (f"{errno:06d}" if isinstance(errno, int) and errno > 0 else None), first
    return None, f"Internal error of the local engine ({type(error).__name__}: {error})."


def translate(error: Exception, text: str) -> MoviecdcError:
    """LocalEngineError (or UnsupportedSqlError) whose message quotes the statement ``text``."""
    _, message = describe(error)
    where = f"\n  Statement: {text}"
    if unsupported(error):
        return UnsupportedSqlError(f"{message}{where}")
    function = _MISSING_FUNCTION.search(message)
    if function:
        # DuckDB has no function of that name: a Snowflake function the engine does not emulate (or a misspelt
        # name, which Snowflake answers "Unknown function"); either way, no raw DuckDB catalog error.
        name = function.group(1).upper()
        return UnsupportedSqlError(
            f'Function {name} is not supported by the local engine (Snowflake answers "Unknown function {name}" '
            f"if it is not one of its functions).{where}"
        )
    if any(sign in message for sign in _DISK_FULL):
        # DuckDB's own error, kept: the engine's rollback after the failed COMMIT no longer hides it.
        return LocalEngineError(
            f"{message} The disk is full: this statement was not committed, and everything committed before it "
            f"is kept. Free some space and run it again.{where}"
        )
    shown = _SHOW.match(text)
    if shown and any(sign in message for sign in _UNKNOWN_SHOW):
        what = " ".join(shown.group(0).split()).upper()
        return UnsupportedSqlError(f"{what} is not supported by the local engine.{where}")
    return LocalEngineError(f"{message}{where}")
