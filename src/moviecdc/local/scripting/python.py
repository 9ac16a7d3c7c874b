"""Python stored procedures, run in-process when their handler needs only ``session.sql(...)``.

Snowflake calls the handler with a Snowpark ``Session`` first, then the procedure's arguments
(https://docs.snowflake.com/en/developer-guide/stored-procedure/python/procedure-python-overview). Here the
session is :class:`ProcedureSession`: ``sql(text)`` returns a lazy frame whose ``collect()`` and
``to_pandas()`` run the statement on the caller's engine; anything else a handler asks of the session or of
a frame raises ``UnsupportedSqlError`` naming what is missing. ``IMPORTS`` (staged code) is refused at CREATE;
``PACKAGES`` other than Snowpark are imported from the local Python environment, and a missing one fails
the CALL naming it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from moviecdc.errors import LocalEngineError, MoviecdcError, UnsupportedSqlError
from moviecdc.local.core.results import LocalDataFrame, Result

if TYPE_CHECKING:
    import pandas as pd
    from snowflake.snowpark import Row

    from moviecdc.local.core.engine import Engine


def check(body: str, handler: str | None, properties: dict[str, str]) -> None:
    """What CREATE PROCEDURE … LANGUAGE PYTHON can be refused for before any call."""
    if "IMPORTS" in properties:
        raise UnsupportedSqlError(
            "A Python procedure with IMPORTS (code on a stage) is not supported by the local engine. Put the "
            "handler's code inline (AS $$ … $$)."
        )
    if not handler:
        raise LocalEngineError("SQL compilation error: a Python procedure needs HANDLER = '<function name>'.")
    if "RUNTIME_VERSION" not in properties:
        raise LocalEngineError("SQL compilation error: a Python procedure needs RUNTIME_VERSION = '3.x'.")
    try:
        compile(body, "<procedure>", "exec")
    except SyntaxError as error:
        raise LocalEngineError(f"Python procedure does not compile: {error}") from error


def run(engine: Engine, body: str, handler: str, args: list[Any]) -> Any:
    """Run the handler; its return value, or a :class:`Result` when it returns a frame (RETURNS TABLE)."""
    namespace: dict[str, Any] = {"__name__": "__moviecdc_procedure__"}
    try:
        exec(compile(body, "<procedure>", "exec"), namespace)  # noqa: S102 - the user's own procedure code
    except ModuleNotFoundError as error:
        raise UnsupportedSqlError(
            f"The Python procedure imports {error.name!r}, which is not installed where the local engine runs. "
            "Install it in this Python environment."
        ) from error
    function = namespace.get(handler)
    if not callable(function):
        raise LocalEngineError(f"Python procedure has no function {handler!r} (its HANDLER).")
    try:
        value = function(ProcedureSession(engine), *args)
    except MoviecdcError:
        raise
    except Exception as error:
        raise LocalEngineError(
            f"Python Interpreter Error: {type(error).__name__}: {error} in function {handler}"
        ) from error
    if isinstance(value, ProcedureFrame):
        return value.result()
    return value


class ProcedureSession:
    """The session a Python handler gets: ``sql()`` only."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def sql(self, query: str, params: Any = None) -> ProcedureFrame:
        if params is not None:
            raise UnsupportedSqlError("session.sql(query, params) in a Python procedure is not supported locally.")
        return ProcedureFrame(self._engine, query)

    def __getattr__(self, name: str) -> Any:
        raise UnsupportedSqlError(
            f"A Python procedure used session.{name}, which the local engine does not provide: its procedures get "
            "a session with sql(...) only. Write that step as SQL through session.sql(...)."
        )


class ProcedureFrame:
    """What ``session.sql`` returns to a handler: ``collect()``, ``to_pandas()``, nothing else."""

    def __init__(self, engine: Engine, query: str) -> None:
        self._frame = LocalDataFrame(lambda: engine.run(query), query)
        self._engine = engine
        self._query = query

    def collect(self) -> list[Row]:
        return self._frame.collect()

    def to_pandas(self) -> pd.DataFrame:
        return self._frame.to_pandas()

    def result(self) -> Result:
        return self._engine.run(self._query)

    def __getattr__(self, name: str) -> Any:
        raise UnsupportedSqlError(
            f"A Python procedure used DataFrame.{name}, which the local engine does not provide: frames from "
            "session.sql(...) offer collect() and to_pandas() only."
        )
