"""``CURRENT_DATABASE()`` and ``CURRENT_SCHEMA()`` answer the session's context, NULL when there is none.

DuckDB's functions of the same names answer its own search path: ``memory`` / ``main`` without a current
database, ``main`` in a database without a current schema. Snowflake answers the database and schema in use
(https://docs.snowflake.com/en/sql-reference/functions/current_database,
https://docs.snowflake.com/en/sql-reference/functions/current_schema), and in a view's definition the view's
own database and schema. So each call becomes a string literal (or NULL) when the statement runs; the literal
is part of the statement's text, so its translation is cached per context, as before.

>>> from fakesnow.dialect import parse_one
>>> rewrite = rewriter(lambda: "MOVIES", lambda: None, lambda node: None)
>>> print(rewrite(parse_one("SELECT CURRENT_DATABASE(), CURRENT_SCHEMA() AS S")).sql(dialect="snowflake"))
SELECT 'MOVIES' AS "CURRENT_DATABASE()", CAST(NULL AS VARCHAR) AS S
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from moviecdc.local.core.names import ObjectName

_FUNCTIONS = (exp.CurrentDatabase, exp.CurrentSchema)


def rewriter(
    database: Callable[[], str | None],
    schema: Callable[[], str | None],
    resolve: Callable[[exp.Table], ObjectName | None],
) -> Callable[[exp.Expr], exp.Expr]:
    """An ``engine.rewriters`` entry; ``database``/``schema`` read the session's context, ``resolve`` names a
    view (the context of a ``CREATE VIEW``'s calls)."""

    def rewrite(ast: exp.Expr) -> exp.Expr:
        if ast.find(*_FUNCTIONS) is None:
            return ast
        values = (database(), schema())
        if isinstance(ast, exp.Create) and str(ast.args.get("kind") or "").upper() == "VIEW":
            target = ast.this.this if isinstance(ast.this, exp.Schema) else ast.this
            view = resolve(target) if isinstance(target, exp.Table) else None
            if view is not None:
                values = (view.database, view.schema)

        def visit(node: exp.Expr) -> exp.Expr:
            if not isinstance(node, _FUNCTIONS):
                return node
            value = values[0] if isinstance(node, exp.CurrentDatabase) else values[1]
            literal: exp.Expr = exp.Literal.string(value) if value is not None else exp.Null()
            if value is None:
                literal = exp.cast(literal, exp.DataType.Type.VARCHAR)
            if isinstance(node.parent, exp.Select) and node.arg_key == "expressions":
                # Snowflake names an unaliased call's column after the call's text.
                return exp.alias_(literal, f"{node.sql(dialect='snowflake').upper()}", quoted=True)
            return literal

        return ast.transform(visit, copy=False)

    return rewrite
