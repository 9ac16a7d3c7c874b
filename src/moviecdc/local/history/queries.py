"""Statement ids: every statement a :class:`~moviecdc.local.LocalSession` runs gets a query id, and its result
is kept for ``TABLE(RESULT_SCAN(…))``.

Snowflake: "LAST_QUERY_ID([<num>]) returns the ID of a specified query in the current session"; positive ``num``
counts from the session's first query, negative from the most recent, default -1
(https://docs.snowflake.com/en/sql-reference/functions/last_query_id). RESULT_SCAN "returns the result set of a
previous command (within 24 hours of when you ran the query) as if the result was a table"; its argument is a
query id, an index of a query in the session, or ``LAST_QUERY_ID()``; duplicate column names come back as
``ID``, ``ID_1``, … (https://docs.snowflake.com/en/sql-reference/functions/result_scan).

What the engine keeps (:class:`QueryLog`, in memory, per session): the id and clock instant of every statement
the session ran (up to :data:`MAX_IDS`; the oldest are forgotten after that), and the results of the last
:data:`MAX_RESULTS` statements, for at most 24 hours of the session's clock, as Snowflake keeps results for 24 h.
Results are Arrow tables the statement already produced: keeping one costs a reference, not a copy.

>>> from moviecdc.local import LocalSession
>>> with LocalSession(database="D", schema="PUBLIC") as session:
...     _ = session.sql("SELECT 1 AS value UNION ALL SELECT 2 UNION ALL SELECT 3").collect()
...     session.sql("SELECT * FROM TABLE(RESULT_SCAN(LAST_QUERY_ID())) WHERE value > 1 ORDER BY 1").collect()
[Row(VALUE=2), Row(VALUE=3)]
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from sqlglot import exp

from moviecdc.errors import LocalEngineError, UnsupportedSqlError

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine

MAX_IDS = 100_000
MAX_RESULTS = 64
RESULT_LIFETIME = timedelta(hours=24)
_FUNCTIONS = ("LAST_QUERY_ID", "RESULT_SCAN")


@dataclass
class Query:
    """One statement the session ran: its id, its instant on the session's clock, and its result (None: it
    failed, or the result is no longer kept)."""

    id: str
    at: datetime
    position: int
    result: pa.Table | None = None
    failed: bool = False


class QueryLog:
    """The statements one session ran, in order (see the module docstring for what is kept)."""

    def __init__(self) -> None:
        self._ids: list[str] = []
        self._dropped = 0  # ids forgotten from the front of the list (MAX_IDS)
        self._queries: dict[str, Query] = {}
        self._results: OrderedDict[str, None] = OrderedDict()
        self.running: str | None = None

    @staticmethod
    def new_id() -> str:
        """A fresh query id, UUID-shaped as Snowflake's (``01b71944-0001-b181-0000-0129032279f6``)."""
        return str(uuid.uuid4())

    def record(self, query_id: str, at: datetime, result: pa.Table | None) -> None:
        """A statement finished (``result`` None: it failed); from now on ``LAST_QUERY_ID()`` names it."""
        position = self._dropped + len(self._ids) + 1
        self._ids.append(query_id)
        self._queries[query_id] = Query(query_id, at, position, result, failed=result is None)
        if result is not None:
            self._results[query_id] = None
            while len(self._results) > MAX_RESULTS:
                old, _ = self._results.popitem(last=False)
                self._queries[old].result = None
        if len(self._ids) > MAX_IDS:
            forget = len(self._ids) - MAX_IDS // 2
            for old in self._ids[:forget]:
                self._queries.pop(old, None)
                self._results.pop(old, None)
            del self._ids[:forget]
            self._dropped += forget

    def last_id(self, num: int = -1) -> str | None:
        """``LAST_QUERY_ID(num)``: None when the session has no such query."""
        if num < 0:
            index = len(self._ids) + num
        elif num > 0:
            index = num - 1 - self._dropped
        else:
            return None
        return self._ids[index] if 0 <= index < len(self._ids) else None

    def get(self, query_id: str) -> Query | None:
        return self._queries.get(query_id)

    def result(self, query_id: str, now: datetime) -> pa.Table:
        """The result of a statement of this session, for RESULT_SCAN."""
        query = self._queries.get(query_id)
        if query is None or now - query.at > RESULT_LIFETIME:
            raise LocalEngineError(f"Statement {query_id} not found")
        if query.failed:
            raise LocalEngineError(f"Statement {query_id} failed; it has no result to scan.")
        if query.result is None:
            raise UnsupportedSqlError(
                f"RESULT_SCAN('{query_id}'): the local engine keeps the results of the last {MAX_RESULTS} statements "
                "of a session only, and this one is older. Run the query again."
            )
        return query.result


def rewriter(engine: Engine, log: QueryLog) -> Any:
    """An engine rewriter: ``LAST_QUERY_ID(…)`` becomes its id (a string literal, NULL when there is no such
    query) and ``TABLE(RESULT_SCAN(…))`` a relation over the kept result."""

    def rewrite(ast: exp.Expr) -> exp.Expr:
        nodes = [n for n in ast.find_all(exp.Anonymous) if str(n.this).upper() in _FUNCTIONS]
        if not nodes:
            return ast
        for node in nodes:
            name = str(node.this).upper()
            if name == "RESULT_SCAN":
                parent = node.parent
                if not isinstance(parent, exp.TableFromRows):
                    raise UnsupportedSqlError("RESULT_SCAN is supported only as a table: FROM TABLE(RESULT_SCAN(…)).")
                parent.replace(_scan(engine, log, node, parent))
            elif node.parent is not None or node is ast:
                value = _last_query_id(log, node)
                if isinstance(node.parent, exp.Select) and node.arg_key == "expressions":
                    # Snowflake names an unaliased call column after the call's text.
                    value = exp.alias_(value, node.sql(dialect="snowflake"), quoted=True)
                if node is ast:
                    return value
                node.replace(value)
        return ast

    return rewrite


def _last_query_id(log: QueryLog, node: exp.Anonymous) -> exp.Expr:
    query_id = log.last_id(_position(node, "LAST_QUERY_ID"))
    return exp.Literal.string(query_id) if query_id is not None else exp.Null()


def _position(node: exp.Anonymous, function: str) -> int:
    args = node.expressions
    if not args:
        return -1
    value = _integer(args[0]) if len(args) == 1 else None
    if value is None:
        raise LocalEngineError(f"SQL compilation error: {function} takes one integer constant: the query's position.")
    return value


def constant(node: exp.Expr) -> exp.Expr:
    """A session variable holding a query's value (``SET v = (SELECT LAST_QUERY_ID())``) arrives inlined as the
    subquery ``(SELECT '<id>' AS …)``: its one constant, or the node itself."""
    while True:
        inner = node.this if isinstance(node, (exp.Paren, exp.Subquery)) else None
        if isinstance(inner, exp.Select) and len(inner.expressions) == 1 and not inner.args.get("from_"):
            inner = inner.expressions[0]
            inner = inner.this if isinstance(inner, exp.Alias) else inner
        if inner is None:
            return node
        node = inner


def _integer(node: exp.Expr) -> int | None:
    if isinstance(node, exp.Neg):
        inner = _integer(node.this)
        return None if inner is None else -inner
    if isinstance(node, exp.Paren):
        return _integer(node.this)
    if isinstance(node, exp.Literal) and not node.is_string:
        try:
            return int(str(node.this))
        except ValueError:
            return None
    return None


def _scan(engine: Engine, log: QueryLog, node: exp.Anonymous, holder: exp.TableFromRows) -> exp.Expr:
    """``TABLE(RESULT_SCAN(x))`` → the kept result of x, exposed to DuckDB under a name of its own."""
    args = node.expressions
    if len(args) > 1:
        raise LocalEngineError("SQL compilation error: RESULT_SCAN takes one argument: a query id or position.")
    arg = args[0] if args else exp.Literal.number(-1)
    if isinstance(arg, exp.Anonymous) and str(arg.this).upper() == "LAST_QUERY_ID":
        arg = _last_query_id(log, arg)
    arg = constant(arg)
    if isinstance(arg, exp.Literal) and arg.is_string:
        query_id: str | None = str(arg.this)
    elif isinstance(arg, exp.Null):
        query_id = None
    else:
        position = _integer(arg)
        if position is None:
            raise UnsupportedSqlError(
                "RESULT_SCAN takes a query id string, a position or LAST_QUERY_ID(…) in the local engine; "
                "compute the id first (SET v = …) and pass it."
            )
        query_id = log.last_id(position)
    if query_id is None:
        raise LocalEngineError("Statement not found")
    table = _unique_columns(log.result(query_id, engine.now()))
    query = log.get(query_id)
    assert query is not None
    name = f"_moviecdc_result_{query.position}"
    engine.con.register(name, table)
    relation = exp.Table(this=exp.to_identifier(name, quoted=True))
    alias = holder.args.get("alias")
    if alias is not None:
        relation.set("alias", alias.copy())
    return relation


def _unique_columns(table: pa.Table) -> pa.Table:
    """Duplicate column names as RESULT_SCAN gives them: the first keeps its name, the next get ``_1``, ``_2``…"""
    seen: set[str] = set()
    names: list[str] = []
    for name in table.column_names:
        unique, n = name, 0
        while unique in seen:
            n += 1
            unique = f"{name}_{n}"
        seen.add(unique)
        names.append(unique)
    return table if names == table.column_names else table.rename_columns(names)
