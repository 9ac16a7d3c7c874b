"""Session variables (``SET v = …`` then ``$v``) in statements the engine runs itself.

fakesnow substitutes ``$name`` in the text of the statements it runs, but DML on a table with a stream is run
by the engine (:mod:`moviecdc.local.streams.capture`) from the parsed statement, so ``$v`` reached DuckDB as an
unbound parameter. Here every ``$name`` of a parsed statement becomes the variable's value, as Snowflake
substitutes it (https://docs.snowflake.com/en/sql-reference/session-variables); an unset variable is
Snowflake's error. Positional ``$1`` (stage file columns) is left alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fakesnow.dialect import parse_one
from sqlglot import exp

from moviecdc.errors import LocalEngineError

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine


def inline(engine: Engine, node: exp.Expr) -> exp.Expr | None:
    """The value of ``$name``, or None when ``node`` is not a session variable reference."""
    if not isinstance(node, exp.Parameter) or not isinstance(node.this, exp.Var):
        return None
    name = str(node.this.name)
    for key, value in engine.session_variables.items():
        if key.upper() == name.upper():
            select = parse_one(f"SELECT {value}")
            if isinstance(select, exp.Select) and len(select.expressions) == 1:
                value_node: exp.Expr = select.expressions[0].copy()
                return value_node
    raise LocalEngineError(f"SQL compilation error:\nSession variable '${name.upper()}' does not exist")
