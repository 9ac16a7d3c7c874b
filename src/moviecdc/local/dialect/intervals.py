"""Interval constants with Snowflake's unit names and abbreviations: ``INTERVAL '1 MIN'``, ``'2 hrs, 3 mins'``.

https://docs.snowflake.com/en/sql-reference/data-types-datetime#interval-constants: an interval is one or more
``<integer> <unit>`` pairs separated by commas; the units and their abbreviations are those of the date and time
parts (https://docs.snowflake.com/en/sql-reference/functions-date-time#supported-date-and-time-parts). DuckDB
reads some abbreviations differently (``MIN`` is not minutes to it), so every unit is spelled out, and a
several-part interval becomes a sum of one-unit intervals.
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
