"""``TABLE([db.]INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY(...))``, answered from the engine's catalog.

A rewriter (registered on the engine, see :class:`~moviecdc.local.LocalSession`) replaces each call of the
table function in a parsed statement by a subquery over ``_MOVIECDC.DYNAMIC_TABLE_REFRESHES``, so the
function works anywhere a table does: in a join, with ``WHERE``, ``ORDER BY`` or a column list. The
arguments follow https://docs.snowflake.com/en/sql-reference/functions/dynamic_table_refresh_history:
``NAME`` (resolved like any object name; parts may be quoted), ``NAME_PREFIX``, ``RESULT_LIMIT`` (default
100, the most recent refreshes), ``ERROR_ONLY``, ``DATA_TIMESTAMP_START`` / ``DATA_TIMESTAMP_END`` (default:
the past day, by the session's clock).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from fakesnow.dialect import parse_one
from sqlglot import exp

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local.core.catalog import hidden
from moviecdc.local.core.names import ObjectName, literal, parse_name, resolve
from moviecdc.local.dynamic_tables import catalog as dynamic_catalog

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine

FUNCTION = "DYNAMIC_TABLE_REFRESH_HISTORY"
_ARGUMENTS = ("NAME", "NAME_PREFIX", "RESULT_LIMIT", "ERROR_ONLY", "DATA_TIMESTAMP_START", "DATA_TIMESTAMP_END")

# The function's columns (Snowflake's order): DuckDB expressions over the history table, and their types.
_COLUMNS = (
    ("NAME", "NAME", "VARCHAR"),
    ("SCHEMA_NAME", "SCHEMA_NAME", "VARCHAR"),
    ("DATABASE_NAME", "DATABASE_NAME", "VARCHAR"),
    ("STATE", "STATE", "VARCHAR"),
    ("STATE_CODE", "CASE WHEN STATE = 'SUCCEEDED' THEN NULL ELSE STATE END", "VARCHAR"),
    ("STATE_MESSAGE", "STATE_MESSAGE", "VARCHAR"),
    ("QUERY_ID", "CAST(NULL AS VARCHAR)", "VARCHAR"),
    ("DATA_TIMESTAMP", "CAST(DATA_TIMESTAMP AS TIMESTAMPTZ)", "TIMESTAMPTZ"),
    ("REFRESH_START_TIME", "CAST(REFRESH_START_TIME AS TIMESTAMPTZ)", "TIMESTAMPTZ"),
    ("REFRESH_END_TIME", "CAST(REFRESH_END_TIME AS TIMESTAMPTZ)", "TIMESTAMPTZ"),
    (
        "COMPLETION_TARGET",
        "CAST(LAG(DATA_TIMESTAMP) OVER (PARTITION BY DATABASE_NAME, DT_UID ORDER BY REFRESH_ID) "
        "+ TO_SECONDS(TARGET_LAG_SEC) AS TIMESTAMPTZ)",
        "TIMESTAMPTZ",
    ),
    ("QUALIFIED_NAME", "DATABASE_NAME || '.' || SCHEMA_NAME || '.' || NAME", "VARCHAR"),
    ("LAST_COMPLETED_DEPENDENCY", "CAST(NULL AS VARCHAR)", "VARCHAR"),
    (
        "STATISTICS",
        "CASE WHEN ROWS_INSERTED IS NULL THEN NULL ELSE '{\"numInsertedRows\":' || ROWS_INSERTED || "
        "',\"numDeletedRows\":' || ROWS_DELETED || '}' END",
        "VARCHAR",
    ),
    ("REFRESH_ACTION", "REFRESH_ACTION", "VARCHAR"),
    ("REFRESH_TRIGGER", "REFRESH_TRIGGER", "VARCHAR"),
    ("TARGET_LAG_SEC", "TARGET_LAG_SEC", "BIGINT"),
)
_ORDER = "_MOVIECDC_ORDER"
RETENTION = timedelta(days=7)  # refreshes older than this are never returned (and are deleted: scheduler.py)

# The temporary tables a statement's calls were answered from; dropped when the next statement rewrites.
_ANSWERS: weakref.WeakKeyDictionary[Engine, list[ObjectName]] = weakref.WeakKeyDictionary()


def rewriter(engine: Engine) -> Callable[[exp.Expr], exp.Expr]:
    """An AST rewrite for ``engine.rewriters``: every call of the function becomes a subquery."""

    def rewrite(ast: exp.Expr) -> exp.Expr:
        for old in _ANSWERS.pop(engine, []):
            engine.con.execute(f"DROP TABLE IF EXISTS {old.sql}")
        for node in list(ast.find_all(exp.TableFromRows)):
            call = _call(node)
            if call is not None:
                node.replace(_subquery(engine, node, *call))
        return ast

    return rewrite


def _call(node: exp.TableFromRows) -> tuple[str | None, exp.Anonymous] | None:
    """(database qualifier, call) when ``node`` is ``TABLE([db.]INFORMATION_SCHEMA.<FUNCTION>(...))``."""
    *parts, target = _flatten(node.this)
    if not isinstance(target, exp.Anonymous) or str(target.this).upper() != FUNCTION:
        return None
    names = [p for p in parts if isinstance(p, exp.Identifier)]
    if len(names) != len(parts) or len(names) > 2:
        return None
    if names and str(names[-1].this).upper() != "INFORMATION_SCHEMA":
        return None
    database = None
    if len(names) == 2:
        database = str(names[0].this) if names[0].args.get("quoted") else str(names[0].this).upper()
    return database, target


def _flatten(node: exp.Expr) -> list[exp.Expr]:
    """``a.b.f(...)`` (nested ``Dot`` nodes) as ``[a, b, f(...)]``."""
    if isinstance(node, exp.Dot):
        return [*_flatten(node.this), *_flatten(node.expression)]
    return [node]


def _arguments(call: exp.Anonymous) -> dict[str, exp.Expr]:
    found: dict[str, exp.Expr] = {}
    for arg in call.expressions:
        if not isinstance(arg, exp.Kwarg):
            raise LocalEngineError(f"{FUNCTION} takes named arguments only, e.g. NAME => 'MYDB.MYSCHEMA.MYDT'.")
        key = str(arg.this.name).upper()
        if key not in _ARGUMENTS:
            raise UnsupportedSqlError(f"{FUNCTION} argument {key} is not supported by the local engine.")
        found[key] = arg.expression
    return found


def _string(args: dict[str, exp.Expr], key: str) -> str | None:
    value = args.get(key)
    if value is None:
        return None
    if not (isinstance(value, exp.Literal) and value.is_string):
        raise LocalEngineError(f"{FUNCTION}: {key} must be a string literal.")
    return str(value.this)


def _subquery(engine: Engine, node: exp.TableFromRows, database: str | None, call: exp.Anonymous) -> exp.Expr:
    args = _arguments(call)
    conditions: list[str] = []
    databases = dynamic_catalog.databases(engine)
    name_text = _string(args, "NAME")
    if name_text is not None:
        name = resolve(parse_name(name_text), database or engine.database, engine.schema)
        databases = [db for db in databases if db == name.database]
        conditions.append(
            f"DATABASE_NAME = {literal(name.database)} AND SCHEMA_NAME = {literal(name.schema)} "
            f"AND NAME = {literal(name.name)}"
        )
    prefix = _string(args, "NAME_PREFIX")
    if prefix is not None:  # "case-insensitive" (the page above)
        conditions.append(f"starts_with(upper(QUALIFIED_NAME), {literal(prefix.upper())})")
    error_only = args.get("ERROR_ONLY")
    if isinstance(error_only, exp.Boolean) and error_only.this:
        conditions.append("STATE NOT IN ('SUCCEEDED', 'EXECUTING', 'SCHEDULED')")
    start, end = args.get("DATA_TIMESTAMP_START"), args.get("DATA_TIMESTAMP_END")
    # "all refreshes that have a DATA_TIMESTAMP within 7 days of the current time" (the page above); without a
    # range, the past day
    since = engine.now() - (timedelta(days=1) if start is None and end is None else RETENTION)
    conditions.append(f"DATA_TIMESTAMP >= CAST({literal(since.isoformat(sep=' ') + '+00:00')} AS TIMESTAMPTZ)")
    limit_arg = args.get("RESULT_LIMIT")
    limit = 100
    if limit_arg is not None:
        if not (isinstance(limit_arg, exp.Literal) and not limit_arg.is_string and 1 <= int(limit_arg.this) <= 10000):
            raise LocalEngineError(f"{FUNCTION}: RESULT_LIMIT must be an integer from 1 to 10000.")
        limit = int(limit_arg.this)
    # The history is read in DuckDB SQL into a temporary table (running fakesnow's rewrites over this
    # query would cost more than the query); only the caller's range expressions stay in Snowflake SQL.
    answer = engine.temp_name("DT_HISTORY")
    _ANSWERS.setdefault(engine, []).append(answer)
    columns = ", ".join(f"{sql} AS {name}" for name, sql, _ in _COLUMNS)
    selects = [
        f"SELECT {columns}, REFRESH_ID AS {_ORDER} FROM {hidden(db, 'DYNAMIC_TABLE_REFRESHES').sql}" for db in databases
    ]
    if selects:
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        ranged = start is not None or end is not None
        engine.con.execute(
            f"CREATE TEMP TABLE {answer.sql} AS SELECT * FROM ({' UNION ALL '.join(selects)}) AS R {where} "
            f"ORDER BY REFRESH_END_TIME DESC NULLS FIRST, {_ORDER} DESC" + ("" if ranged else f" LIMIT {limit}")
        )
    else:
        empty = ", ".join(f"CAST(NULL AS {t}) AS {n}" for n, _, t in _COLUMNS)
        engine.con.execute(f"CREATE TEMP TABLE {answer.sql} AS SELECT {empty}, 0 AS {_ORDER} WHERE FALSE")
    names = ", ".join(n for n, _, _ in _COLUMNS)
    subquery = parse_one(
        f"SELECT {names} FROM {answer.sql} ORDER BY REFRESH_END_TIME DESC NULLS FIRST, {_ORDER} DESC LIMIT {limit}"
    )
    _bind_range(subquery, start, end)
    alias = node.args.get("alias")
    if not isinstance(alias, exp.TableAlias):
        alias = exp.TableAlias(this=exp.to_identifier("H"))
    return exp.Subquery(this=subquery, alias=alias.copy())


def _bind_range(subquery: exp.Expr, start: exp.Expr | None, end: exp.Expr | None) -> None:
    """Add the caller's DATA_TIMESTAMP_START / _END expressions (any constant expression) to the filter."""
    if start is None and end is None:
        return
    assert isinstance(subquery, exp.Select)
    column = exp.column("DATA_TIMESTAMP")
    if start is not None:
        subquery.where(exp.GTE(this=column.copy(), expression=start.copy()), copy=False)
    else:  # "the range starts 1 day prior to the start of DATA_TIMESTAMP_END"
        assert end is not None
        day_before = exp.func("DATEADD", exp.var("DAY"), exp.Literal.number(-1), end.copy())
        subquery.where(exp.GTE(this=column.copy(), expression=day_before), copy=False)
    if end is not None:
        subquery.where(exp.LTE(this=column.copy(), expression=end.copy()), copy=False)
