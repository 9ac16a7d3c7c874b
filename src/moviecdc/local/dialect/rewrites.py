"""The dialect's rewrites of a statement, applied in one walk of its tree.

Each construct family keeps its rule in its own module; this module visits a parsed statement once, innermost
nodes first (a rule that copies a child sees it already rewritten), and hands each node to the rule of its
kind.

Cost: :func:`parse` is how ordinary statements are parsed. It remembers the texts in which no rule found
anything (a bounded set per engine), and parses those again without the walk, so a statement that repeats
(a task body, a pipeline query) pays for the walk once. Rules that depend on session state (``$v``, qualified
temporary tables, a VARIANT stored into a table) never mark a text as plain. :func:`rewriter` is the same walk
as an engine rewriter, for statements parsed elsewhere (a dynamic table's stored query); it skips a statement
:func:`parse` has already rewritten.

>>> from moviecdc.local import LocalSession
>>> with LocalSession(database="DB", schema="PUBLIC") as session:
...     session.sql("SELECT '2024-01-01 10:00'::TIMESTAMP_NTZ + INTERVAL '90 MINS' AS T").collect()
[Row(T=datetime.datetime(2024, 1, 1, 11, 30))]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from fakesnow.dialect import parse_one
from sqlglot import exp

from moviecdc.local.dialect import conversions, intervals, joins, temp_tables, types, variables

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine

_CONVERTED = (exp.Cast, exp.ToChar, exp.Anonymous, exp.UnixToTime, exp.EQ, exp.NEQ, exp.Typeof)
# The rules that read nothing but the node, in the order they are tried: (node kinds, rule).
_RULES: tuple[tuple[type[exp.Expr] | tuple[type[exp.Expr], ...], Callable[[exp.Expr], exp.Expr | None]], ...] = (
    (_CONVERTED, conversions.convert),
    (exp.DataType, types.float_precision),
    (exp.Interval, intervals.interval),
    ((exp.DateTrunc, exp.TimestampTrunc, exp.Add, exp.Sub), intervals.as_input_type),
    (exp.Join, joins.asof),
    ((exp.ArrayAgg, exp.WithinGroup, exp.Window, exp.ArrayCompact), conversions.arrays),
    ((exp.Lateral, exp.TableFromRows), joins.flatten),
)
_DONE = "moviecdc_dialect_done"
_PLAIN_LIMIT = 4096
# Statement texts in which no rule found anything, per engine.
_PLAIN: WeakKeyDictionary[Engine, set[str]] = WeakKeyDictionary()


def parse(engine: Engine, text: str) -> exp.Expr:
    """Parse a Snowflake statement (fakesnow's dialect) with the dialect's rewrites applied."""
    ast: exp.Expr = parse_one(types.identity_text(text))
    plain = _PLAIN.setdefault(engine, set())
    if text in plain and not temp_tables.names(engine):
        ast.meta[_DONE] = True
        return ast
    ast, found = _apply(engine, ast)
    if not found and len(plain) < _PLAIN_LIMIT:
        plain.add(text)
    ast.meta[_DONE] = True
    return ast


def install(engine: Engine) -> None:
    """Create the rules' macros on the engine's connection (temporary: they are not stored)."""
    for sql in (*intervals.MACROS, *joins.MACROS):
        engine.con.execute(sql)


def rewriter(engine: Engine) -> Any:
    def rewrite(ast: exp.Expr) -> exp.Expr:
        if ast.meta.get(_DONE):
            return ast
        return _apply(engine, ast)[0]

    return rewrite


def _apply(engine: Engine, ast: exp.Expr) -> tuple[exp.Expr, bool]:
    """The rewritten statement, and whether any rule found something in it."""
    found = temp_tables.create(engine, ast)
    if isinstance(ast, exp.Insert | exp.Update | exp.Merge):
        found = conversions.assignments(engine, ast) or found
    temps = temp_tables.names(engine)
    found = found or bool(temps)
    for node in reversed(list(ast.walk(bfs=False))):
        new: exp.Expr | None = None
        rule = next((r for kinds, r in _RULES if isinstance(node, kinds)), None)
        if rule is not None:
            new = rule(node)
        elif isinstance(node, exp.Parameter):
            new = variables.inline(engine, node)
        elif temps and isinstance(node, exp.Table):
            new = temp_tables.reference(engine, temps, node)
        if new is not None:
            found = True
            if node is ast:
                ast = new
            else:
                node.replace(new)
    return ast, found
