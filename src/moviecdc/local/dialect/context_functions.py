"""``CURRENT_DATABASE()`` and ``CURRENT_SCHEMA()`` answer the session's context, NULL when there is none.

DuckDB's functions of the same names answer its own search path: ``memory`` / ``main`` without a current
database, ``main`` in a database without a current schema. Snowflake answers the database and schema in use
(https://docs.snowflake.com/en/sql-reference/functions/current_database,
https://docs.snowflake.com/en/sql-reference/functions/current_schema), and in a view's definition the view's
own database and schema. So each call becomes a string literal (or NULL) when the statement runs; the literal
is part of the statement's text, so its translation is cached per context, as before.

When a database and a schema are current, DuckDB's search path is exactly them (``Engine.use``) and its own
functions already answer right: the statement is left alone, without walking its tree (the pipeline's hot
path, where every statement runs with a context, pays nothing). An unaliased call's column keeps DuckDB's name
(``current_database()``) either way.

>>> from fakesnow.dialect import parse_one
>>> rewrite = rewriter(lambda: "MOVIES", lambda: None, lambda node: None)
>>> print(rewrite(parse_one("SELECT CURRENT_DATABASE(), CURRENT_SCHEMA() AS S")).sql(dialect="snowflake"))
SELECT 'MOVIES' AS "current_database()", CAST(NULL AS VARCHAR) AS S
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
        values = (database(), schema())
        view = isinstance(ast, exp.Create) and str(ast.args.get("kind") or "").upper() == "VIEW"
        if values[0] is not None and values[1] not in (None, "INFORMATION_SCHEMA") and not view:
            return ast  # DuckDB's functions answer the same (see the module docstring)
        if ast.find(*_FUNCTIONS) is None:
            return ast
        if view:
            target = ast.this.this if isinstance(ast.this, exp.Schema) else ast.this
            name = resolve(target) if isinstance(target, exp.Table) else None
            if name is not None:
                values = (name.database, name.schema)

        def visit(node: exp.Expr) -> exp.Expr:
            if not isinstance(node, _FUNCTIONS):
                return node
            value = values[0] if isinstance(node, exp.CurrentDatabase) else values[1]
            literal: exp.Expr = exp.Literal.string(value) if value is not None else exp.Null()
            if value is None:
                literal = exp.cast(literal, exp.DataType.Type.VARCHAR)
            if isinstance(node.parent, exp.Select) and node.arg_key == "expressions":
                # the column's name DuckDB gives the call (Snowflake's would be upper case: see the docstring)
                return exp.alias_(literal, f"{node.sql(dialect='duckdb').lower()}", quoted=True)
            return literal

        return ast.transform(visit, copy=False)

    return rewrite
