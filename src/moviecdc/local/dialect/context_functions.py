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
from typing import TYPE_CHECKING

from sqlglot import exp

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local.core.names import ObjectName

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine

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


# -- quoted identifiers keep their case ------------------------------------------------------------------------

_NAMES = "dialect.object_names"  # Engine.family_caches key: every table and view, by exact and by folded name


def case_rewriter(engine: Engine) -> Callable[[exp.Expr], exp.Expr]:
    """An ``engine.rewriters`` entry: a table reference that only a case-insensitive match would find fails.

    Snowflake resolves an unquoted name in upper case and a quoted one exactly
    (https://docs.snowflake.com/en/sql-reference/identifiers-syntax), so after ``CREATE TABLE "lower_t"``,
    ``FROM lower_t`` names ``LOWER_T``, which does not exist. DuckDB matches names case-insensitively and would
    read ``"lower_t"``: a silent wrong answer. Each table reference is resolved as Snowflake resolves it; when no
    object has exactly that name but one differs from it only in case, the statement fails with Snowflake's
    error (or, for the target of a CREATE, with UnsupportedSqlError: DuckDB cannot hold two tables whose names
    differ only in case). References that match exactly, or nothing at all, are left to the statement.
    Column names are not checked (documented in docs/local_engine.md).
    """

    def rewrite(ast: exp.Expr) -> exp.Expr:
        tables = [t for t in ast.find_all(exp.Table) if isinstance(t.this, exp.Identifier)]
        if not tables:
            return ast
        ctes = {cte.alias_or_name.upper() for cte in ast.find_all(exp.CTE)}
        exact, folded = _names(engine)
        created = ast.this if isinstance(ast, exp.Create) else None
        for table in tables:
            if not table.args.get("db") and table.name.upper() in ctes:
                continue
            name = engine.resolve_table(table)
            if name is None or name in exact:
                continue
            other = folded.get(_fold(name))
            if other is None:
                continue
            if table is created or (isinstance(created, exp.Schema) and table is created.this):
                raise UnsupportedSqlError(
                    f"The local engine cannot create {name.display} beside {other.display}: DuckDB names are "
                    "case-insensitive, so two tables whose names differ only in case cannot both exist. Pick "
                    "another name."
                )
            raise LocalEngineError(
                f"002003 (42S02): SQL compilation error:\nObject '{name.display}' does not exist or not authorized."
            )
        return ast

    return rewrite


def _fold(name: ObjectName) -> tuple[str, str, str]:
    return (name.database.lower(), name.schema.lower(), name.name.lower())


def _names(engine: Engine) -> tuple[set[ObjectName], dict[tuple[str, str, str], ObjectName]]:
    """Every table and view of the attached databases, cached until the catalog changes (Engine.invalidate)."""
    cached: tuple[set[ObjectName], dict[tuple[str, str, str], ObjectName]] | None = engine.family_caches.get(_NAMES)
    if cached is None:
        rows = engine.con.execute(
            "SELECT database_name, schema_name, table_name FROM duckdb_tables() "
            "UNION ALL SELECT database_name, schema_name, view_name FROM duckdb_views() WHERE NOT internal"
        ).fetchall()
        exact = {ObjectName(str(d), str(s), str(n)) for d, s, n in rows}
        cached = engine.family_caches[_NAMES] = (exact, {_fold(name): name for name in exact})
    return cached
