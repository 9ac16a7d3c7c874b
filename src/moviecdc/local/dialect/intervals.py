"""Date arithmetic: interval constants with Snowflake's units (``INTERVAL '1 MIN'``, ``'2 hrs, 3 mins'``), and
the DATE results of ``DATE + INTERVAL`` and ``DATE_TRUNC``.

https://docs.snowflake.com/en/sql-reference/data-types-datetime#interval-constants: an interval is one or more
``<integer> <unit>`` pairs separated by commas; the units and their abbreviations are those of the date and time
parts (https://docs.snowflake.com/en/sql-reference/functions-date-time#supported-date-and-time-parts). DuckDB
reads some abbreviations differently (``MIN`` is not minutes to it), so every unit is spelled out, and a
several-part interval becomes a sum of one-unit intervals.

**A DATE stays a DATE.** ``DATE_TRUNC`` / ``TRUNC`` return "the same type as the input value"
(https://docs.snowflake.com/en/sql-reference/functions/date_trunc), and a DATE plus or minus an interval constant
whose parts are all date parts (years to days) is a DATE (interval-constants page above: ``TO_DATE(…) +
INTERVAL '1 year'`` is a date, ``+ INTERVAL '3 hours, 18 minutes'`` a timestamp). DuckDB answers a TIMESTAMP for
both. The expression goes to the engine's macro ``_moviecdc_as_date(input, result)`` (:data:`MACROS`), whose
overloads DuckDB picks by the input's type when it binds the query: a DATE input casts the result to DATE, any
other input leaves it as it is. No type inference, and nothing to pay at run time for a non-DATE input.
"""

from __future__ import annotations

import re

from sqlglot import exp

from moviecdc.errors import UnsupportedSqlError

_UNITS = {
    "YEAR": ("Y", "YY", "YYY", "YYYY", "YR", "YEARS", "YRS"),
    "QUARTER": ("Q", "QTR", "QTRS", "QUARTERS"),
    "MONTH": ("MM", "MON", "MONS", "MONTHS"),
    "WEEK": ("W", "WK", "WEEKOFYEAR", "WOY", "WY", "WEEKS"),
    "DAY": ("D", "DD", "DAYS", "DAYOFMONTH"),
    "HOUR": ("H", "HH", "HR", "HOURS", "HRS"),
    "MINUTE": ("M", "MI", "MIN", "MINUTES", "MINS"),
    "SECOND": ("S", "SEC", "SECONDS", "SECS"),
    "MILLISECOND": ("MS", "MSEC", "MILLISECONDS"),
    "MICROSECOND": ("US", "USEC", "MICROSECONDS"),
    "NANOSECOND": ("NS", "NSEC", "NANOSEC", "NSECOND", "NANOSECONDS", "NANOSECS", "NSECONDS"),
}
UNIT = {alias: unit for unit, aliases in _UNITS.items() for alias in (unit, *aliases)}
_PART = re.compile(r"^\s*([-+]?\d+)\s*([A-Za-z_]+)?\s*$")
_DATE_UNITS = {"YEAR", "QUARTER", "MONTH", "WEEK", "DAY"}
AS_DATE = "_moviecdc_as_date"
MACROS = (f"CREATE OR REPLACE TEMP MACRO {AS_DATE}(x DATE, r) AS CAST(r AS DATE), (x, r) AS r",)


def interval(node: exp.Expr) -> exp.Expr | None:
    """An Interval node with Snowflake units → DuckDB intervals (a sum for several parts); None if unchanged."""
    if not isinstance(node, exp.Interval) or not isinstance(node.this, exp.Literal):
        return None
    text = str(node.this.this)
    unit_node = node.args.get("unit")
    if unit_node is not None:
        text = f"{text} {unit_node.name}"
    parts = []
    for piece in text.split(","):
        match = _PART.match(piece)
        unit = UNIT.get((match.group(2) or "").upper()) if match else None
        if match is None or unit is None:
            raise UnsupportedSqlError(
                f"The interval constant INTERVAL '{text}' is not supported by the local engine; write "
                "'<integer> <unit>' parts such as '1 day, 3 hours'."
            )
        parts.append((match.group(1), unit))
    if len(parts) == 1 and unit_node is not None and unit_node.name.upper() == parts[0][1]:
        return None  # already spelled out
    terms: list[exp.Expr] = [_one(amount, unit) for amount, unit in parts]
    result = terms[0]
    for term in terms[1:]:
        result = exp.Add(this=result, expression=term)
    return exp.Paren(this=result) if len(terms) > 1 else result


def _one(amount: str, unit: str) -> exp.Expr:
    if unit == "NANOSECOND":
        if int(amount) % 1000:
            raise UnsupportedSqlError(
                "Intervals finer than a microsecond are not supported by the local engine (DuckDB's resolution)."
            )
        amount, unit = str(int(amount) // 1000), "MICROSECOND"
    return exp.Interval(this=exp.Literal.string(amount), unit=exp.var(unit))


def as_input_type(node: exp.Expr) -> exp.Expr | None:
    """``DATE_TRUNC(part, d)`` and ``d ± <interval of date parts>`` keep a DATE input's type; None if unchanged."""
    if isinstance(node, exp.DateTrunc | exp.TimestampTrunc):
        return _keep_date(node, node.this)
    if isinstance(node, exp.Add | exp.Sub) and _date_parts_only(node.expression):
        return _keep_date(node, node.this)
    if isinstance(node, exp.Add) and _date_parts_only(node.this):
        return _keep_date(node, node.expression)
    return None


def _date_parts_only(node: exp.Expr) -> bool:
    """Is ``node`` an interval constant (as :func:`interval` rewrote it) with date parts only?"""
    if isinstance(node, exp.Paren):
        return _date_parts_only(node.this)
    if isinstance(node, exp.Add):
        return _date_parts_only(node.this) and _date_parts_only(node.expression)
    if isinstance(node, exp.Interval):
        unit = node.args.get("unit")
        return unit is not None and UNIT.get(unit.name.upper()) in _DATE_UNITS
    return False


def _keep_date(node: exp.Expr, value: exp.Expr) -> exp.Expr:
    call = exp.Anonymous(this=AS_DATE, expressions=[value.copy(), node.copy()])
    if isinstance(node.parent, exp.Select) and node.arg_key == "expressions":
        # Snowflake names the column by its text (without this module's macro, for d + INTERVAL … + INTERVAL …)
        text = node.transform(_without_macro).sql(dialect="snowflake")
        return exp.alias_(call, text, quoted=True)
    return call


def _without_macro(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.Anonymous) and node.name == AS_DATE and len(node.expressions) == 2:
        result: exp.Expr = node.expressions[1]
        return result
    return node
