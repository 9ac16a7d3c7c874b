"""DML forms of Snowflake that DuckDB parses differently: qualified SET targets of UPDATE and MERGE.

Snowflake runs ``UPDATE t SET t.col = …`` and ``MERGE … WHEN MATCHED THEN UPDATE SET t.col = …`` (the first
MERGE of its streams tutorial, https://docs.snowflake.com/en/user-guide/streams-examples, is written that
way), although the UPDATE page calls the qualified form invalid
(https://docs.snowflake.com/en/sql-reference/sql/update: "Do not include the table name"); its own example on
that page uses it. DuckDB refuses it ("Qualified column names in UPDATE .. SET not supported"), so the qualifier
is dropped when it names the target (by its alias, or by its name when it has none, with any database and
schema the target was written with). A qualifier naming anything else is Snowflake's invalid identifier.

>>> from fakesnow.dialect import parse_one
>>> unqualify_set_targets(parse_one("UPDATE t AS x SET x.v = 1")).sql(dialect="snowflake")
'UPDATE t AS x SET v = 1'
"""

from __future__ import annotations

from sqlglot import exp

from moviecdc.errors import LocalEngineError


def unqualify_set_targets(ast: exp.Expr) -> exp.Expr:
    """The rewriter: UPDATE's and MERGE's ``SET target.col = …`` become ``SET col = …`` (in place)."""
    if isinstance(ast, exp.Update):
        if isinstance(ast.this, exp.Table):
            _unqualify(ast.expressions, ast.this)
    elif isinstance(ast, exp.Merge) and isinstance(ast.this, exp.Table):
        whens = ast.args.get("whens")
        for when in whens.expressions if isinstance(whens, exp.Whens) else []:
            then = when.args.get("then")
            if isinstance(then, exp.Update):
                _unqualify(then.expressions, ast.this)
    return ast


def _unqualify(assignments: list[exp.Expr], target: exp.Table) -> None:
    for eq in assignments:
        column = eq.this if isinstance(eq, exp.EQ) else None
        if not isinstance(column, exp.Column) or not column.table:
            continue
        if not _names_target(column, target):
            raise LocalEngineError(
                f"SQL compilation error: invalid identifier '{column.sql(dialect='snowflake')}'. "
                "SET names a column of the target table."
            )
        eq.set("this", exp.column(column.this.copy()))


def _names_target(column: exp.Column, target: exp.Table) -> bool:
    """Whether ``column``'s qualifier is the target: its alias, or (without one) its name as written."""
    qualifier = [p for p in (column.args.get("catalog"), column.args.get("db"), column.args.get("table")) if p]
    if target.alias:
        return len(qualifier) == 1 and _same(qualifier[0], target.args["alias"].this)
    written = [p for p in (target.args.get("catalog"), target.args.get("db"), target.this) if p]
    # t.col, s.t.col and d.s.t.col all name target d.s.t; the qualifier is a suffix of the written name
    return len(qualifier) <= len(written) and all(
        _same(q, w) for q, w in zip(reversed(qualifier), reversed(written), strict=False)
    )


def _same(a: exp.Expr, b: exp.Expr) -> bool:
    if not isinstance(a, exp.Identifier) or not isinstance(b, exp.Identifier):
        return False
    return _resolved(a) == _resolved(b)


def _resolved(ident: exp.Identifier) -> str:
    return str(ident.name) if ident.args.get("quoted") else str(ident.name).upper()
