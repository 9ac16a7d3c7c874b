"""Python UDFs with an inline handler, run in-process: DuckDB calls the handler as a Python function.

``CREATE FUNCTION f(x NUMBER) RETURNS NUMBER LANGUAGE PYTHON RUNTIME_VERSION = '3.11' HANDLER = 'double'
PACKAGES = ('numpy') AS $$ def double(x): return x * 2 $$``: the code runs once (``exec``) in a namespace of its
own, its ``HANDLER`` function is registered on the DuckDB connection under an internal name
(``_moviecdc_py_<hash>``), and :mod:`.udfs` makes the Snowflake name a macro that casts the arguments to their
declared types, calls the handler and casts its result to the declared return type.

Values reach the handler as Snowflake's Python mapping gives them
(https://docs.snowflake.com/en/developer-guide/udf-stored-procedure-data-type-mapping#sql-python-data-type-mappings):
NUMBER with scale 0 → ``int``, NUMBER with a scale → ``decimal.Decimal``, FLOAT → ``float``, VARCHAR → ``str``,
BOOLEAN → ``bool``, DATE/TIME/TIMESTAMP_NTZ → ``datetime`` objects, BINARY → ``bytes``, VARIANT/OBJECT/ARRAY →
the parsed JSON value (``dict``, ``list``, …); SQL NULL is ``None`` (Snowflake calls the handler on NULL input).

The handler runs on this machine's Python, whatever RUNTIME_VERSION says; a package named in PACKAGES that
is not importable here is refused at CREATE with :class:`~moviecdc.errors.UnsupportedSqlError` naming it.
IMPORTS (code on a stage) and Python UDTFs are refused.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import json
import re
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import duckdb
from duckdb.func import FunctionNullHandling
from sqlglot import exp

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local.core.names import quote

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine
    from moviecdc.local.core.names import ObjectName

_T = exp.DataType.Type
_INTEGERS = {_T.TINYINT, _T.SMALLINT, _T.INT, _T.BIGINT, _T.INT128, _T.UBIGINT, _T.UINT, _T.USMALLINT}
_DIRECT = {
    _T.FLOAT: "DOUBLE", _T.DOUBLE: "DOUBLE",
    _T.VARCHAR: "VARCHAR", _T.TEXT: "VARCHAR", _T.CHAR: "VARCHAR", _T.NCHAR: "VARCHAR", _T.NVARCHAR: "VARCHAR",
    _T.BOOLEAN: "BOOLEAN", _T.DATE: "DATE", _T.TIME: "TIME",
    _T.TIMESTAMP: "TIMESTAMP", _T.TIMESTAMPNTZ: "TIMESTAMP", _T.DATETIME: "TIMESTAMP",
    _T.BINARY: "BLOB", _T.VARBINARY: "BLOB",
}  # fmt: skip
_JSON = {_T.VARIANT, _T.OBJECT, _T.ARRAY, _T.JSON}
# PACKAGES names whose import name differs from the distribution name.
_IMPORT_NAMES = {
    "snowflake-snowpark-python": "snowflake.snowpark",
    "scikit-learn": "sklearn",
    "pyyaml": "yaml",
    "python-dateutil": "dateutil",
    "beautifulsoup4": "bs4",
    "pillow": "PIL",
}
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Code:
    """A Python UDF's inline code, the name of its handler function and the PACKAGES it names."""

    body: str
    handler: str | None
    packages: list[str] | None


def register(
    engine: Engine,
    name: ObjectName,
    code: Code,
    arguments: list[tuple[str, exp.DataType]],
    returns: exp.DataType,
) -> str:
    """Run the handler's code, register the handler, and return the DuckDB macro body that calls it."""
    handler = _handler(name, code)
    internal = internal_name(name)
    params = [_python_side(kind) for _, kind in arguments]
    result = _python_side(returns)
    _register(engine, internal, handler, params, result)
    calls = ", ".join(
        f"CAST(CAST({quote(arg)} AS {_duck_type(engine, kind)}) AS {side})"
        for (arg, kind), (side, _, _) in zip(arguments, params, strict=True)
    )
    cast_back = "CAST({} AS JSON)" if returns.this in _JSON else "{}"
    return "(CAST(" + cast_back.format(f"{internal}({calls})") + f" AS {_duck_type(engine, returns)}))"


def reopen(engine: Engine, name: ObjectName, code: Code, arguments: list[str], returns: str) -> None:
    """Register a stored Python UDF's handler again; if that fails, calls raise why (never a wrong answer)."""
    params = [_python_side(exp.DataType.build(kind, dialect="snowflake")) for kind in arguments]
    result = _python_side(exp.DataType.build(returns, dialect="snowflake"))
    try:
        handler = _handler(name, code)
    except Exception as e:
        message = f"Python UDF {name.display} cannot run in this session: {e}"

        def failing(*_: Any) -> Any:
            raise LocalEngineError(message)

        handler = failing
    _register(engine, internal_name(name), handler, params, result)


def unregister(engine: Engine, name: ObjectName) -> None:
    with suppress(duckdb.Error):
        engine.con.remove_function(internal_name(name))


def internal_name(name: ObjectName) -> str:
    return "_moviecdc_py_" + hashlib.sha256(name.sql.encode()).hexdigest()[:16]


# -- the handler ----------------------------------------------------------------------------------------------


def _handler(name: ObjectName, code: Code) -> Callable[..., Any]:
    if not code.handler or not _IDENTIFIER.match(code.handler):
        raise UnsupportedSqlError(
            f"Python UDF {name.display}: HANDLER must name a function defined in the inline code "
            f"(got {code.handler!r}); a class handler or a module on a stage is not supported by the local engine."
        )
    for package in code.packages or []:
        _require(package)
    namespace: dict[str, Any] = {"__name__": f"moviecdc_udf_{name.name.lower()}"}
    try:
        # The user's own handler code, run in-process by design (the point of a local Python UDF).
        exec(compile(code.body, f"<UDF {name.display}>", "exec"), namespace)  # noqa: S102
    except Exception as e:
        raise LocalEngineError(f"Python UDF {name.display}: its code failed to load: {type(e).__name__}: {e}") from e
    handler: Callable[..., Any] | None = namespace.get(code.handler)
    if handler is None or not callable(handler):
        raise LocalEngineError(
            f"SQL compilation error: Python UDF {name.display}: the handler {code.handler!r} is not a function "
            "defined in its code."
        )
    return handler


def _require(package: str) -> None:
    distribution = re.split(r"[=<>!~\s\[]", package.strip(), maxsplit=1)[0].lower()
    module = _IMPORT_NAMES.get(distribution, distribution.replace("-", "_"))
    found = False
    with suppress(ImportError, ValueError):
        found = importlib.util.find_spec(module) is not None
    if not found:
        raise UnsupportedSqlError(
            f"The package {package!r} named in PACKAGES is not installed in this Python environment, so the local "
            f"engine cannot run the UDF. Install it (pip install {distribution}) and create the function again."
        )


# -- types ------------------------------------------------------------------------------------------------


Side = tuple[str, Callable[[Any], Any], Callable[[Any], Any]]  # DuckDB type, to Python, from Python


def _same(value: Any) -> Any:
    return value


def _from_json(value: Any) -> Any:
    return None if value is None else json.loads(value)


def _to_json(value: Any) -> Any:
    return None if value is None else json.dumps(value)


def _python_side(kind: exp.DataType) -> Side:
    """The DuckDB type the handler sees for a Snowflake type, with the value conversions on either side."""
    if kind.this in _INTEGERS:
        return "HUGEINT", _same, _same
    if kind.this in (_T.DECIMAL, _T.BIGDECIMAL):
        params = kind.expressions
        scale = int(params[1].name) if len(params) > 1 else 0
        precision = int(params[0].name) if params else 38
        return ("HUGEINT" if scale == 0 else f"DECIMAL({precision}, {scale})"), _same, _same
    if kind.this in _DIRECT:
        return _DIRECT[kind.this], _same, _same
    if kind.this in _JSON:
        return "VARCHAR", _from_json, _to_json
    raise UnsupportedSqlError(
        f"Python UDFs with a {kind.sql(dialect='snowflake')} argument or result are not supported by the local engine."
    )


def _duck_type(engine: Engine, kind: exp.DataType) -> str:
    """DuckDB's type for a Snowflake type, as fakesnow translates it."""
    if kind.this in (_T.TIMESTAMP, _T.TIMESTAMPNTZ, _T.DATETIME):
        return "TIMESTAMP"  # fakesnow turns a cast to TIMESTAMP_NTZ into a function call
    translated = engine.transform(exp.select(exp.cast(exp.null(), kind.copy())))
    cast: exp.Cast | None = exp.maybe_parse(translated, dialect="duckdb").find(exp.Cast)
    if cast is None:
        raise UnsupportedSqlError(f"The type {kind.sql(dialect='snowflake')} is not supported by the local engine.")
    return str(cast.to.sql(dialect="duckdb"))


def _register(engine: Engine, internal: str, handler: Callable[..., Any], params: list[Side], result: Side) -> None:
    to_python = [convert for _, convert, _ in params]
    from_python = result[2]

    def call(*values: Any) -> Any:
        return from_python(handler(*(convert(v) for convert, v in zip(to_python, values, strict=True))))

    # DuckDB counts the parameters of the function it is given: show it one per argument.
    call.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(f"arg{i}", inspect.Parameter.POSITIONAL_ONLY) for i in range(len(params))]
    )

    with suppress(duckdb.Error):
        engine.con.remove_function(internal)
    engine.con.create_function(
        internal, call, [duckdb.sqltype(side) for side, _, _ in params], duckdb.sqltype(result[0]),
        null_handling=FunctionNullHandling.SPECIAL, side_effects=False,
    )  # fmt: skip
