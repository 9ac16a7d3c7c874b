"""``TABLE(<db>.INFORMATION_SCHEMA.TASK_HISTORY(...))``: the recorded task runs, most recent first.

A rewriter (registered on ``engine.rewriters``) replaces the table function with a subquery over the
``_MOVIECDC.TASK_HISTORY`` tables of every attached database, so the rest of the statement (its column
list, WHERE, ORDER BY) runs as written. Arguments follow
https://docs.snowflake.com/en/sql-reference/functions/task_history: ``TASK_NAME`` (unqualified,
case-insensitive), ``RESULT_LIMIT`` (1-10,000, default 100), ``SCHEDULED_TIME_RANGE_START`` / ``_END``,
``ERROR_ONLY``, ``ROOT_TASK_ID``. As in Snowflake, the function reports the runs of the whole account;
``<db>`` only names the information schema it is called from.

>>> from moviecdc.local import LocalSession
>>> with LocalSession(database="MOVIES", schema="PUBLIC") as session:
...     session.sql("SELECT * FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY())").collect()
[]
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from fakesnow.dialect import parse_one
from sqlglot import exp

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local.core.catalog import hidden
from moviecdc.local.core.clock import STAMP_META
from moviecdc.local.core.names import literal
from moviecdc.local.tasks import catalog as task_catalog
from moviecdc.local.tasks.catalog import FAILED, FAILED_AND_AUTO_SUSPENDED

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine

FUNCTION = "TASK_HISTORY"
DEFAULT_LIMIT, MAX_LIMIT = 100, 10_000

# (output column, expression over a stored history row, type of an empty result's column)
_COLUMNS = (
    # Populated "only when a task has started running" (the docs): every recorded run but a SKIPPED one, whose
    # body never started. A stable UUID-shaped id per run, as Snowflake's query ids are.
    ("QUERY_ID", "CASE WHEN STATE = 'SKIPPED' THEN NULL ELSE CAST(CAST(md5({db} || '/' || CAST(TASK_UID AS VARCHAR) "
     "|| '/' || CAST(RUN_ID AS VARCHAR)) AS UUID) AS VARCHAR) END", "VARCHAR"),
    ("NAME", "NAME", "VARCHAR"),
    ("DATABASE_NAME", "{db}", "VARCHAR"),
    ("SCHEMA_NAME", "SCHEMA_NAME", "VARCHAR"),
    ("QUERY_TEXT", "QUERY_TEXT", "VARCHAR"),
    ("CONDITION_TEXT", "CONDITION_TEXT", "VARCHAR"),
    ("STATE", "STATE", "VARCHAR"),
    ("ERROR_CODE", "ERROR_CODE", "VARCHAR"),
    ("ERROR_MESSAGE", "ERROR_MESSAGE", "VARCHAR"),
    ("SCHEDULED_TIME", "CAST(SCHEDULED_TIME AS TIMESTAMP_LTZ)", "TIMESTAMP_LTZ"),
    ("QUERY_START_TIME", "CAST(QUERY_START_TIME AS TIMESTAMP_LTZ)", "TIMESTAMP_LTZ"),
    ("NEXT_SCHEDULED_TIME", "CAST(NULL AS TIMESTAMP_LTZ)", "TIMESTAMP_LTZ"),
    ("COMPLETED_TIME", "CAST(COMPLETED_TIME AS TIMESTAMP_LTZ)", "TIMESTAMP_LTZ"),
    ("ROOT_TASK_ID", "CAST(ROOT_TASK_UID AS VARCHAR)", "VARCHAR"),
    ("GRAPH_VERSION", "1", "INT"),
    ("RUN_ID", "RUN_ID", "BIGINT"),
    ("RETURN_VALUE", "CAST(NULL AS VARCHAR)", "VARCHAR"),
    ("SCHEDULED_FROM", "SCHEDULED_FROM", "VARCHAR"),
    ("ATTEMPT_NUMBER", "1", "INT"),
)


def rewriter(engine: Engine) -> Callable[[exp.Expr], exp.Expr]:
    """The ``engine.rewriters`` entry that answers TASK_HISTORY from the catalog."""

    def rewrite(ast: exp.Expr) -> exp.Expr:
        for node in list(ast.find_all(exp.TableFromRows)):
            call = _call(node)
            if call is not None:
                node.replace(_subquery(engine, node, *call))
        return ast

    return rewrite


def _call(node: exp.TableFromRows) -> tuple[str | None, exp.Anonymous] | None:
    """(database qualifier, call) when ``node`` is TABLE([[db.]INFORMATION_SCHEMA.]TASK_HISTORY(...))."""
    target = node.this
    parts: list[exp.Expr] = []
    while isinstance(target, exp.Dot):
        parts.insert(0, target.expression)
        target = target.this
    parts.insert(0, target)
    call = parts[-1]
    if not isinstance(call, exp.Anonymous) or str(call.this).upper() != FUNCTION:
        return None
    qualifiers = [p for p in parts[:-1] if isinstance(p, exp.Identifier)]
    if len(qualifiers) != len(parts) - 1 or len(qualifiers) > 2:
        return None
    if qualifiers and qualifiers[-1].name.upper() != "INFORMATION_SCHEMA":
        return None
    database = _resolved(qualifiers[0]) if len(qualifiers) == 2 else None
    return database, call


def _resolved(ident: exp.Identifier) -> str:
    return str(ident.name) if ident.args.get("quoted") else str(ident.name).upper()


def _subquery(engine: Engine, node: exp.TableFromRows, database: str | None, call: exp.Anonymous) -> exp.Expr:
    database = database or engine.database
    if database is None:
        raise LocalEngineError(
            "This session does not have a current database. Call 'USE DATABASE', or write "
            "TABLE(<db>.INFORMATION_SCHEMA.TASK_HISTORY(...))."
        )
    # SNOWFLAKE.INFORMATION_SCHEMA is in every account (the shared SNOWFLAKE database); its TASK_HISTORY answers
    # like any database's, and the local history covers every database anyway.
    exists = engine.con.execute("SELECT 1 FROM duckdb_databases() WHERE database_name = ?", [database]).fetchall()
    if database != "SNOWFLAKE" and not exists:
        raise LocalEngineError(f"Database '{database}' does not exist or not authorized.")
    args = _arguments(call)
    select = _union(engine)
    conditions: list[exp.Expr] = []
    if "TASK_NAME" in args:
        conditions.append(exp.func("UPPER", exp.column("NAME")).eq(exp.func("UPPER", args.pop("TASK_NAME"))))
    if "SCHEDULED_TIME_RANGE_START" in args:
        conditions.append(exp.column("SCHEDULED_TIME") >= args.pop("SCHEDULED_TIME_RANGE_START"))
    if "SCHEDULED_TIME_RANGE_END" in args:
        conditions.append(exp.column("SCHEDULED_TIME") <= args.pop("SCHEDULED_TIME_RANGE_END"))
    if "ROOT_TASK_ID" in args:
        conditions.append(exp.column("ROOT_TASK_ID").eq(args.pop("ROOT_TASK_ID")))
    if _flag(args.pop("ERROR_ONLY", exp.false()), "ERROR_ONLY"):
        failed = (exp.Literal.string(FAILED), exp.Literal.string(FAILED_AND_AUTO_SUSPENDED))
        conditions.append(exp.column("STATE").isin(*failed))
    limit = _limit(args.pop("RESULT_LIMIT", exp.Literal.number(DEFAULT_LIMIT)))
    if args:
        raise UnsupportedSqlError(f"TASK_HISTORY argument {', '.join(args)} is not supported by the local engine.")
    outer = exp.select("*").from_(select.subquery("H"))
    for condition in conditions:
        outer = outer.where(condition)
    outer = outer.order_by("SCHEDULED_TIME DESC", "COMPLETED_TIME DESC").limit(limit)
    alias = node.args.get("alias")
    return outer.subquery(alias.this.copy() if isinstance(alias, exp.TableAlias) and alias.this else "TASK_HISTORY")


def _arguments(call: exp.Anonymous) -> dict[str, exp.Expr]:
    args: dict[str, exp.Expr] = {}
    for arg in call.expressions:
        if not isinstance(arg, exp.Kwarg):
            raise LocalEngineError("TASK_HISTORY takes named arguments, e.g. TASK_HISTORY(TASK_NAME => 'MY_TASK').")
        args[str(arg.this.name).upper()] = arg.expression
    return args


def _flag(value: exp.Expr, name: str) -> bool:
    if isinstance(value, exp.Boolean):
        return bool(value.this)
    raise UnsupportedSqlError(f"TASK_HISTORY argument {name} must be TRUE or FALSE in the local engine.")


def _limit(value: exp.Expr) -> int:
    if isinstance(value, exp.Literal) and not value.is_string and str(value.this).isdigit():
        limit = int(value.this)
        if 1 <= limit <= MAX_LIMIT:
            return limit
    raise LocalEngineError(f"TASK_HISTORY: RESULT_LIMIT must be a whole number from 1 to {MAX_LIMIT}.")


# The next scheduled run of a started task with a schedule (a standalone or root task): state SCHEDULED, no
# QUERY_ID, no times but SCHEDULED_TIME, within the next eight days (the horizon the docs give).
_SCHEDULED = {
    "QUERY_ID": "CAST(NULL AS VARCHAR)", "NAME": "TASK_NAME", "QUERY_TEXT": "DEFINITION",
    "STATE": "'SCHEDULED'", "ERROR_CODE": "CAST(NULL AS VARCHAR)", "ERROR_MESSAGE": "CAST(NULL AS VARCHAR)",
    "SCHEDULED_TIME": "CAST(NEXT_RUN AS TIMESTAMP_LTZ)", "QUERY_START_TIME": "CAST(NULL AS TIMESTAMP_LTZ)",
    "COMPLETED_TIME": "CAST(NULL AS TIMESTAMP_LTZ)", "ROOT_TASK_ID": "CAST(TASK_UID AS VARCHAR)",
    "RUN_ID": "CAST(epoch_ms(NEXT_RUN) AS BIGINT)", "SCHEDULED_FROM": "'SCHEDULE'",
}  # fmt: skip
SCHEDULED_HORIZON = timedelta(days=8)


def _union(engine: Engine) -> exp.Query:
    """Every database's history rows under Snowflake's column names, and each started scheduled task's next run;
    an empty typed row set if none."""
    selects = []
    horizon = literal((engine.now() + SCHEDULED_HORIZON).isoformat(sep=" "))
    for db in task_catalog.databases(engine):
        columns = ", ".join(f"{expr.format(db=literal(db))} AS {name}" for name, expr, _ in _COLUMNS)
        selects.append(f"SELECT {columns} FROM {hidden(db, 'TASK_HISTORY').sql}")
        scheduled = ", ".join(
            f"{_SCHEDULED.get(name, expr).format(db=literal(db))} AS {name}" for name, expr, _ in _COLUMNS
        )
        # Tasks of a dropped schema stay in TASKS until a task of that name is created again: skip them. The
        # schemas are listed here, not in the query, which fakesnow translates (and it refuses an unqualified
        # table function when the session has no current database).
        schemas = engine.con.execute(
            "SELECT schema_name FROM duckdb_schemas() WHERE database_name = ?", [db]
        ).fetchall()
        live = ", ".join(literal(str(row[0])) for row in schemas) or "NULL"
        selects.append(
            f"SELECT {scheduled} FROM {hidden(db, 'TASKS').sql} WHERE STATE = {literal(task_catalog.STARTED)} "
            f"AND SCHEDULE IS NOT NULL AND NEXT_RUN IS NOT NULL AND NEXT_RUN <= CAST({horizon} AS TIMESTAMP) "
            f"AND SCHEMA_NAME IN ({live})"
        )
    if not selects:
        columns = ", ".join(f"CAST(NULL AS {kind}) AS {name}" for name, _, kind in _COLUMNS)
        selects.append(f"SELECT {columns} WHERE FALSE")
    query = parse_one(" UNION ALL ".join(selects))
    assert isinstance(query, exp.Query)
    for node in query.find_all(exp.Literal):
        if node.is_string and literal(str(node.this)) == horizon:
            node.meta[STAMP_META] = True  # the clock's time: a parameter of the cached translation
    return query
