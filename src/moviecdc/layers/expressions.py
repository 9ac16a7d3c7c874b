"""Schema declarations as expressions, in both forms: sqlglot (for DDL) and Snowpark (for DataFrames).

Each concept has its SQL and its Snowpark form side by side, so the two can be read against each other;
the parity tests run both on the same data.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import reduce

from snowflake.snowpark import Column as SpColumn
from snowflake.snowpark import functions as F
from snowflake.snowpark import types as T
from sqlglot import exp

from moviecdc import sql
from moviecdc.schema import Metric, Rule

# -- validation rules -----------------------------------------------------------------------------------------


def rule_fails_sql(rule: Rule) -> exp.Expression:
    """A condition true when a row fails ``rule`` (never NULL: NULL values fail explicitly)."""
    value = sql.column(rule.column)
    missing: exp.Expression = exp.Is(this=value.copy(), expression=exp.Null())
    if rule.check == "not_null":
        return missing
    if rule.check == "positive":
        bad: exp.Expression = exp.LTE(this=value, expression=exp.Literal.number(0))
    elif rule.check == "non_negative":
        bad = exp.LT(this=value, expression=exp.Literal.number(0))
    elif rule.check == "at_most":
        bad = exp.GT(this=value, expression=exp.Literal.number(str(rule.limit)))
    else:
        bad = exp.Not(this=exp.In(this=value, expressions=[sql.string(v) for v in rule.values]))
    return exp.Or(this=missing, expression=bad)


def rule_fails_column(rule: Rule) -> SpColumn:
    value = F.col(sql.quote_name(rule.column))
    missing = value.is_null()
    if rule.check == "not_null":
        return missing
    if rule.check == "positive":
        return missing | (value <= F.lit(0))
    if rule.check == "non_negative":
        return missing | (value < F.lit(0))
    if rule.check == "at_most":
        return missing | (value > F.lit(rule.limit))
    return missing | ~value.isin(*rule.values)


def reject_reason_sql(rules: Sequence[Rule], duplicate: exp.Expression, duplicate_reason: str) -> exp.Expression:
    """``CASE WHEN <fails rule 1> THEN '<reason 1>' ... WHEN <duplicate key> THEN ... END`` (NULL = valid)."""
    case = exp.Case()
    for rule in rules:
        case = case.when(rule_fails_sql(rule), sql.string(rule.reason), copy=False)
    return case.when(duplicate, sql.string(duplicate_reason), copy=False)


def reject_reason_column(rules: Sequence[Rule], duplicate: SpColumn, duplicate_reason: str) -> SpColumn:
    first, *rest = rules
    reason = F.when(rule_fails_column(first), F.lit(first.reason))
    for rule in rest:
        reason = reason.when(rule_fails_column(rule), F.lit(rule.reason))
    # Cast the whole CASE: Snowpark local testing types a CASE with a NULL branch as VARIANT and returns
    # '"reason"' (JSON-quoted) unless the result is cast to a string (checked with snowpark 1.56).
    return reason.when(duplicate, F.lit(duplicate_reason)).otherwise(F.lit(None)).cast(T.StringType())


# -- metrics --------------------------------------------------------------------------------------------------


def metric_sql(metric: Metric) -> exp.Expression:
    """The aggregate of ``metric``, cast to its declared type and aliased to its name."""
    condition: exp.Expression | None = None
    if metric.filter_column is not None:
        condition = exp.In(
            this=sql.column(metric.filter_column), expressions=[sql.string(v) for v in metric.filter_values]
        )
    if metric.aggregate == "max":
        value: exp.Expression = exp.Max(this=sql.column(metric.factors[0]))
    elif metric.aggregate == "count" and condition is None:
        value = exp.Count(this=exp.Star())
    else:
        counted: exp.Expression = (
            exp.Literal.number(1) if metric.aggregate == "count" else reduce(_times, _columns(metric.factors))
        )
        if condition is not None:
            counted = exp.Case().when(condition, counted, copy=False).else_(exp.Literal.number(0), copy=False)
        # Each term is cast to the metric's type before it is added: the sum is then exact NUMBER(38, s) on
        # every engine (fakesnow adds an uncast SUM argument as DOUBLE, which loses cents above 2^53).
        value = exp.Sum(this=exp.Cast(this=counted, to=sql.data_type(metric.type)))
    return exp.Alias(this=exp.Cast(this=value, to=sql.data_type(metric.type)), alias=sql.ident(metric.name))


def metric_column(metric: Metric) -> SpColumn:
    """The aggregate of ``metric``, aliased to its name, not yet cast to its declared type."""
    condition: SpColumn | None = None
    if metric.filter_column is not None:
        condition = F.col(sql.quote_name(metric.filter_column)).isin(*metric.filter_values)
    if metric.aggregate == "max":
        value = F.max(F.col(sql.quote_name(metric.factors[0])))
    elif metric.aggregate == "count" and condition is None:
        value = F.count(F.lit(1))
    else:
        counted = (
            F.lit(1)
            if metric.aggregate == "count"
            else reduce(lambda a, b: a * b, [F.col(sql.quote_name(f)) for f in metric.factors])
        )
        if condition is not None:
            # SUM(WHEN(c, x).OTHERWISE(0)), not SUM(IFF(c, x, 0)): Snowpark local testing evaluates the
            # IFF form to NaN (checked with snowflake-snowpark-python 1.56).
            counted = F.when(condition, counted).otherwise(F.lit(0))
        value = F.sum(counted)
    # Cast after aggregating (see GoldLayer.transform): Snowpark local testing rejects a cast around an
    # aggregate ("Aggregate expression Cast is not supported").
    return value.alias(sql.quote_name(metric.name))


def _columns(names: Sequence[str]) -> list[exp.Expression]:
    return [sql.column(name) for name in names]


def _times(left: exp.Expression, right: exp.Expression) -> exp.Expression:
    return exp.Mul(this=left, expression=right)


# -- types ----------------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"NUMBER\((\d+),\s*(\d+)\)")


def snowpark_type(type_text: str) -> T.DataType:
    """The Snowpark type of a column type declared in :mod:`moviecdc.schema`."""
    number = _NUMBER.fullmatch(type_text)
    if number is not None:
        return T.DecimalType(int(number.group(1)), int(number.group(2)))
    simple: dict[str, T.DataType] = {
        "VARCHAR": T.StringType(),
        "INT": T.LongType(),
        "BOOLEAN": T.BooleanType(),
        "TIMESTAMP_NTZ": T.TimestampType(T.TimestampTimeZone.NTZ),
    }
    if type_text not in simple:
        raise ValueError(f"no Snowpark type for {type_text!r}; add it to moviecdc.layers.expressions")
    return simple[type_text]
