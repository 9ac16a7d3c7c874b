"""The dialect's rewrites of a parsed statement, applied in one walk of its tree (an engine rewriter).

Each construct family keeps its rule in its own module; this module only visits the statement once,
innermost nodes first (a rule that copies a child sees it already rewritten), and hands each node to the rule
of its kind. A statement with none of these constructs costs one walk of its tree.

>>> from moviecdc.local import LocalSession
>>> with LocalSession(database="DB", schema="PUBLIC") as session:
...     session.sql("SELECT '2024-01-01 10:00'::TIMESTAMP_NTZ + INTERVAL '90 MINS' AS T").collect()
[Row(T=datetime.datetime(2024, 1, 1, 11, 30))]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlglot import exp

from moviecdc.local.dialect import conversions, intervals, joins, temp_tables, types, variables

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine

_CONVERTED = (exp.Cast, exp.ToChar, exp.Anonymous, exp.UnixToTime, exp.EQ, exp.NEQ)


def rewriter(engine: Engine) -> Any:
    def rewrite(ast: exp.Expr) -> exp.Expr:
        ast = temp_tables.create(engine, ast)
        if isinstance(ast, exp.Insert | exp.Update):
            conversions.assignments(engine, ast)
        temps = temp_tables.names(engine)
        for node in reversed(list(ast.walk(bfs=False))):
            new: exp.Expr | None = None
            if isinstance(node, _CONVERTED):
                new = conversions.convert(node)
            elif isinstance(node, exp.DataType):
                new = types.float_precision(node)
            elif isinstance(node, exp.Interval):
                new = intervals.interval(node)
            elif isinstance(node, exp.Join):
                new = joins.asof(node)
            elif isinstance(node, exp.Parameter):
                new = variables.inline(engine, node)
            elif temps and isinstance(node, exp.Table):
                new = temp_tables.reference(engine, temps, node)
            if new is not None:
                if node is ast:
                    ast = new
                else:
                    node.replace(new)
        return ast

    return rewrite
