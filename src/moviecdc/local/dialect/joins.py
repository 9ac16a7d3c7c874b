"""``ASOF JOIN … MATCH_CONDITION (…) ON …``: Snowflake's ASOF join in DuckDB's spelling.

https://docs.snowflake.com/en/sql-reference/constructs/asof-join: each left row is joined with the closest
right row that satisfies MATCH_CONDITION (a comparison ``>=``, ``>``, ``<=`` or ``<`` of a left and a right
column) and the optional ON equalities. DuckDB's ASOF JOIN takes the same comparison as one conjunct of its ON
clause, with the same meaning (the closest match; no match: NULLs, as in Snowflake's LEFT OUTER semantics).
"""

from __future__ import annotations

from sqlglot import exp

from moviecdc.errors import UnsupportedSqlError

_COMPARISONS = (exp.GTE, exp.GT, exp.LTE, exp.LT)


def asof(node: exp.Expr) -> exp.Expr | None:
    """Move MATCH_CONDITION into ON; a left outer ASOF join as Snowflake's returns every left row."""
    if not isinstance(node, exp.Join):
        return None
    condition = node.args.get("match_condition")
    if condition is None:
        return None
    if not isinstance(condition, _COMPARISONS):
        raise UnsupportedSqlError(
            "ASOF JOIN's MATCH_CONDITION must compare two columns with >=, >, <= or <; "
            f"got {condition.sql(dialect='snowflake')}."
        )
    joined = node.copy()
    joined.set("match_condition", None)
    on = joined.args.get("on")
    joined.set("on", exp.and_(on.copy(), condition.copy()) if on is not None else condition.copy())
    # Snowflake's ASOF JOIN keeps left rows without a match (their right columns are NULL): DuckDB's LEFT ASOF.
    joined.set("side", "LEFT")
    return joined
