"""``CREATE TEMPORARY TABLE db.schema.t``: a temporary table with a qualified name.

Snowflake creates a temporary table in the named schema, visible to its session only
(https://docs.snowflake.com/en/sql-reference/sql/create-table, TEMPORARY). DuckDB keeps temporary tables in its
own ``temp`` catalog and refuses another qualifier, so the qualifier is dropped when the table is created, the
name is remembered for the session, and a later reference by its qualified name (``db.s.t`` or ``s.t``) is
rewritten to the bare name, which DuckDB resolves to the temporary table first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from sqlglot import exp

from moviecdc.errors import UnsupportedSqlError
from moviecdc.local.core.names import ObjectName

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine

# The qualified temporary tables of each engine's session.
_TEMPS: WeakKeyDictionary[Engine, set[ObjectName]] = WeakKeyDictionary()


def names(engine: Engine) -> set[ObjectName]:
    return _TEMPS.setdefault(engine, set())


def create(engine: Engine, ast: exp.Expr) -> bool:
    """Strip the qualifier of ``CREATE TEMPORARY TABLE db.s.t`` (and remember it); True when it did."""
    if not (isinstance(ast, exp.Create) and str(ast.args.get("kind") or "").upper() == "TABLE"):
        return False
    properties = ast.args.get("properties")
    if not isinstance(properties, exp.Properties):
        return False
    if not any(isinstance(p, exp.TemporaryProperty) for p in properties.expressions):
        return False
    target = ast.this.this if isinstance(ast.this, exp.Schema) else ast.this
    if not isinstance(target, exp.Table) or not (target.args.get("db") or target.args.get("catalog")):
        return False
    name = engine.resolve_table(target)
    if name is None:
        shown = target.sql(dialect="snowflake")
        raise UnsupportedSqlError(f"CREATE TEMPORARY TABLE {shown}: the name cannot be resolved.")
    names(engine).add(name)
    target.set("db", None)
    target.set("catalog", None)
    target.set("this", exp.to_identifier(name.name, quoted=True))
    return True


def reference(engine: Engine, temps: set[ObjectName], node: exp.Expr) -> exp.Expr | None:
    """A qualified reference to a remembered temporary table → its bare name."""
    if not isinstance(node, exp.Table) or not (node.args.get("db") or node.args.get("catalog")):
        return None
    name = engine.resolve_table(node)
    if name is None or name not in temps:
        return None
    bare = node.copy()
    bare.set("db", None)
    bare.set("catalog", None)
    bare.set("this", exp.to_identifier(name.name, quoted=True))
    return bare
