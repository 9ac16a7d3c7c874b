"""Joins fakesnow translates wrongly: ``ASOF JOIN … MATCH_CONDITION (…)``, and ``LATERAL FLATTEN``'s options.

**ASOF JOIN … MATCH_CONDITION (…) ON …**: Snowflake's ASOF join in DuckDB's spelling.

https://docs.snowflake.com/en/sql-reference/constructs/asof-join: each left row is joined with the closest
right row that satisfies MATCH_CONDITION (a comparison ``>=``, ``>``, ``<=`` or ``<`` of a left and a right
column) and the optional ON equalities. DuckDB's ASOF JOIN takes the same comparison as one conjunct of its ON
clause, with the same meaning (the closest match; no match: NULLs, as in Snowflake's LEFT OUTER semantics).

**FLATTEN's options** (https://docs.snowflake.com/en/sql-reference/functions/flatten). fakesnow reads only
``INPUT`` and drops every other argument, so ``OUTER => TRUE`` lost the row of an empty input and ``PATH``,
``RECURSIVE`` and ``MODE`` were silently ignored. ``OUTER => TRUE`` goes to the engine's table macro
``_moviecdc_flatten_outer`` (:data:`MACROS`): fakesnow's rows, plus, for an input that expands to no row (an
empty array or object, or NULL), exactly one row "with NULL in the KEY, INDEX, and VALUE columns"; its THIS is
NULL too ("a zero-row expansion of an empty compound displays NULL in the THIS output column"), its PATH the
empty path ``''`` and its SEQ the input's (the docs show neither). A non-empty ``PATH``, ``RECURSIVE => TRUE``
and a ``MODE`` other than ``'BOTH'`` raise :class:`~moviecdc.errors.UnsupportedSqlError` (flatten
``INPUT => v:path`` instead of ``PATH``).
"""

from __future__ import annotations

from sqlglot import exp

from moviecdc.errors import UnsupportedSqlError

_COMPARISONS = (exp.GTE, exp.GT, exp.LTE, exp.LT)
FLATTEN_OUTER = "_moviecdc_flatten_outer"
_EMPTY = (
    "input IS NULL OR (json_type(TO_JSON(input)) = 'ARRAY' AND json_array_length(TO_JSON(input)) = 0) "
    "OR (json_type(TO_JSON(input)) = 'OBJECT' AND len(json_keys(TO_JSON(input))) = 0)"
)
MACROS = (
    f"CREATE OR REPLACE TEMP MACRO {FLATTEN_OUTER}(input) AS TABLE "
    "SELECT * FROM _fs_flatten(input) UNION ALL "
    "SELECT hash(TO_JSON(input))::UBIGINT AS SEQ, NULL::VARCHAR AS KEY, '' AS PATH, NULL::BIGINT AS INDEX, "
    f"NULL::JSON AS VALUE, NULL::JSON AS THIS WHERE {_EMPTY}",
)


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


def flatten(node: exp.Expr) -> exp.Expr | None:
    """``[LATERAL] FLATTEN(INPUT => x, OUTER => TRUE)`` → the engine's outer flatten; other options refused."""
    if not isinstance(node, exp.Lateral | exp.TableFromRows) or not isinstance(node.this, exp.Explode):
        return None
    explode = node.this
    outer = False
    arguments = [explode.this, *explode.expressions]
    for argument in arguments[1:]:
        if not isinstance(argument, exp.Kwarg):
            raise UnsupportedSqlError("FLATTEN's optional arguments must be named (PATH => …, OUTER => …).")
        name, value = argument.this.name.upper(), argument.expression
        text = value.sql(dialect="snowflake").upper()
        if name == "OUTER" and isinstance(value, exp.Boolean):
            outer = bool(value.this)
        elif (name, text) in {("PATH", "''"), ("RECURSIVE", "FALSE"), ("MODE", "'BOTH'")}:
            continue  # the default
        else:
            raise UnsupportedSqlError(
                f"FLATTEN(… {name} => {value.sql(dialect='snowflake')}) is not supported by the local engine; "
                "only INPUT and OUTER are (for PATH, flatten INPUT => <variant>:<path> instead)."
            )
    if not outer:
        if explode.expressions:
            explode.set("expressions", [])  # the defaults, which fakesnow does not read
            return node
        return None
    value = explode.this.expression if isinstance(explode.this, exp.Kwarg) else explode.this
    call = exp.Anonymous(this=FLATTEN_OUTER, expressions=[value.copy()])
    return exp.Table(this=call, alias=node.args.get("alias"))
