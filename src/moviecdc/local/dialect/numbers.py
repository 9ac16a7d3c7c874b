"""Exact NUMBER arithmetic with Snowflake's result types, on DuckDB, around fakesnow's translation.

Snowflake's fixed-point arithmetic is exact to 38 digits, and its result types follow documented rules
("Scale and precision in arithmetic operations",
https://docs.snowflake.com/en/sql-reference/operators-arithmetic#scale-and-precision-in-arithmetic-operations).
fakesnow 0.12 evaluates ``SUM``, ``AVG`` (and the other numeric aggregates) on ``TRY_CAST(x AS DOUBLE)``, so
``SUM`` of NUMBER(10, 2) values 1.10 and 2.20 gives 3.3000000000000003, and DuckDB divides numbers in DOUBLE.
This module wraps fakesnow's translation (an engine translation hook, cached with the translation):

- ``SUM(x)``: the argument goes to the temporary macro ``_MOVIECDC_SUM_ARG`` instead of DOUBLE, whose overloads
  DuckDB picks by the argument's type at bind time: an integer becomes ``DECIMAL(38, 0)`` (so the sum is
  NUMBER(38, 0), exact, and a sum beyond 38 digits is an overflow error, as in Snowflake), a DECIMAL(p, s) stays
  (DuckDB's sum of it is DECIMAL(38, s), Snowflake's NUMBER(38, s)), a FLOAT stays FLOAT, and a string or
  boolean is still ``TRY_CAST … AS DOUBLE`` (fakesnow's implicit conversion). No type inference is needed.
- ``a / b`` and ``AVG(x)`` of fixed-point values: Snowflake's result scale is
  ``max(S1, min(S1 + 6, 12))`` (the numerator's scale S1); DuckDB has no exact decimal division, so the
  operands' scales are inferred (sqlglot's scope-aware type annotation, with Snowflake's rules for literals and
  arithmetic, over the column types DuckDB reports) to choose the result's scale, and the macro
  ``_MOVIECDC_QUOTIENT`` computes the quotient in 128-bit integers from the operands' actual DuckDB scales,
  rounded half away from zero; division by zero raises Snowflake's "Division by zero". ``AVG(x)`` is
  ``SUM(x) / COUNT(x)`` with the same rule. When a type cannot be inferred (an expression the annotator does
  not know), fakesnow's DOUBLE evaluation stays.

``+``, ``-``, ``*``, ``MIN``, ``MAX`` and ``COUNT`` need nothing: DuckDB's decimal arithmetic is exact (its
product keeps S1 + S2 digits where Snowflake keeps ``min(S1 + S2, max(S1, S2, 12))``: the same value, more
digits, only when S1 + S2 > 12).

>>> from moviecdc.local import LocalSession
>>> with LocalSession(database="D", schema="PUBLIC") as session:
...     _ = session.sql("CREATE TABLE T (P NUMBER(10, 2), N INT)").collect()
...     _ = session.sql("INSERT INTO T VALUES (1.10, 2), (2.20, 5)").collect()
...     session.sql("SELECT SUM(P) AS S, SUM(N) AS C, AVG(N) AS A, SUM(P) / 3 AS D FROM T").collect()
[Row(S=Decimal('3.30'), C=7, A=Decimal('3.500000'), D=Decimal('1.10000000'))]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlglot import exp
from sqlglot.dialects.snowflake import Snowflake
from sqlglot.optimizer.annotate_types import TypeAnnotator, annotate_types
from sqlglot.optimizer.qualify import qualify
from sqlglot.schema import MappingSchema

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine

SUM_ARG = "_MOVIECDC_SUM_ARG"
DIV = "_MOVIECDC_DIV"
POW10 = "_MOVIECDC_POW10"
SCALE = "_MOVIECDC_SCALE"
QUOTIENT = "_MOVIECDC_QUOTIENT"
UNITS = "_MOVIECDC_UNITS"
MAX_DIGITS = 38
_MARK = "moviecdc_number"  # meta key: the index of a Div / Avg / Sum node of the statement being translated
_EXACT = "moviecdc_exact"  # meta key: the Division that a marked Div / Avg node becomes

_POWERS = ", ".join(f"{10**k}::HUGEINT" for k in range(MAX_DIGITS + 1))
# Each macro names its arguments as few times as it can: DuckDB expands a macro by substitution, so a quotient of
# quotients (AVG(a / b)) repeats the inner one as often as the outer macro names its operand.
MACROS = (
    # A string or boolean is converted as fakesnow converts it; an integer becomes NUMBER(38, 0); any other
    # type (DECIMAL, DOUBLE) is summed as it is. DuckDB picks the overload by the argument's type.
    f"CREATE OR REPLACE TEMP MACRO {SUM_ARG}"
    "(x VARCHAR) AS TRY_CAST(x AS DOUBLE), (x BOOLEAN) AS TRY_CAST(x AS DOUBLE), "
    "(x BIGINT) AS CAST(x AS DECIMAL(38, 0)), (x UBIGINT) AS CAST(x AS DECIMAL(38, 0)), "
    "(x HUGEINT) AS CAST(x AS DECIMAL(38, 0)), (x UHUGEINT) AS CAST(x AS DECIMAL(38, 0)), (x) AS x",
    # n / d for 128-bit integers, rounded half away from zero (one 128-bit division); a zero divisor is
    # Snowflake's error "Division by zero".
    f"CREATE OR REPLACE TEMP MACRO {DIV}(n, d) AS CASE WHEN d = 0 THEN error('Division by zero') "
    "ELSE sign(n) * sign(d) * ((2 * abs(n) + abs(d)) // (2 * abs(d))) END",
    # 10^k as a 128-bit integer, exact (power() is a DOUBLE).
    f"CREATE OR REPLACE TEMP MACRO {POW10}(k) AS list_extract([{_POWERS}], k + 1)",
    # The scale of x's DuckDB type (a constant: typeof is folded when the query is bound); 0 for integers.
    f"CREATE OR REPLACE TEMP MACRO {SCALE}(x) AS "
    "coalesce(TRY_CAST(nullif(regexp_extract(typeof(x), '^DECIMAL\\(\\d+,(\\d+)\\)$', 1), '') AS INTEGER), 0)",
    # A decimal or integer as the 128-bit integer of its digits (DuckDB prints a DECIMAL with all its scale's
    # digits: -0.05 is '-0.05', so -5), whatever its scale.
    f"CREATE OR REPLACE TEMP MACRO {UNITS}(x) AS CAST(replace(CAST(x AS VARCHAR), '.', '') AS HUGEINT)",
    # a / b * 10^s rounded half away from zero, as a 128-bit integer, from the scales the operands' DuckDB types
    # actually have (the inferred types only choose s). A DOUBLE operand (the inference was wrong) falls back to
    # DOUBLE arithmetic; the choice is a constant once the query is bound.
    f"CREATE OR REPLACE TEMP MACRO {QUOTIENT}(a, b, s) AS CASE "
    "WHEN typeof(a) IN ('DOUBLE', 'FLOAT') OR typeof(b) IN ('DOUBLE', 'FLOAT') "
    "THEN CAST(round(a / b * power(10, s)) AS HUGEINT) "
    f"ELSE {DIV}({UNITS}(a) * {POW10}(greatest(s - {SCALE}(a) + {SCALE}(b), 0)), "
    f"{UNITS}(b) * {POW10}(greatest({SCALE}(a) - {SCALE}(b) - s, 0))) END",
)


def install(engine: Engine) -> None:
    """Create the macros on the engine's connection and wrap its translation (called by LocalSession)."""
    for sql in MACROS:
        engine.con.execute(sql)

    def hook(expression: exp.Expr, translate: Callable[[exp.Expr], exp.Expr]) -> exp.Expr:
        return exact(engine, expression, translate)

    engine.translation_hooks.append(hook)


# -- Snowflake's fixed-point types ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Fixed:
    """NUMBER(precision, scale), described by its leading digits and scale as the docs do."""

    leading: int
    scale: int

    @property
    def datatype(self) -> exp.DataType:
        precision = min(MAX_DIGITS, max(self.leading + self.scale, self.scale, 1))
        return exp.DataType.build(f"DECIMAL({precision}, {min(self.scale, MAX_DIGITS - 1)})")


def division_scale(numerator_scale: int) -> int:
    """Snowflake's scale of a quotient (and of AVG): ``max(S1, min(S1 + 6, 12))``.

    >>> [division_scale(s) for s in (0, 2, 6, 8, 12, 15)]
    [6, 8, 12, 12, 12, 15]
    """
    return max(numerator_scale, min(numerator_scale + 6, 12))


def fixed(datatype: exp.DataType | None) -> Fixed | None:
    """The fixed-point type ``datatype`` is, or None (FLOAT, text, unknown)."""
    if datatype is None:
        return None
    if datatype.this in exp.DataType.INTEGER_TYPES:
        return Fixed(MAX_DIGITS, 0)
    if datatype.this in (exp.DType.DECIMAL, exp.DType.BIGDECIMAL):
        params = [p.this for p in datatype.expressions if isinstance(p, exp.DataTypeParam)]
        try:
            values = [int(p.name) for p in params]
        except ValueError:
            return None
        precision = values[0] if values else MAX_DIGITS
        scale = values[1] if len(values) > 1 else 0
        return Fixed(max(precision - scale, 0), scale)
    return None


def _floating(datatype: exp.DataType | None) -> bool:
    return datatype is not None and datatype.this in exp.DataType.REAL_TYPES and fixed(datatype) is None


# -- type annotation with Snowflake's rules --------------------------------------------------------------------


def _set(annotator: TypeAnnotator, node: exp.Expr, result: Fixed | exp.DType | None, default: Any) -> exp.Expr:
    if result is None:
        return default(annotator, node)  # type: ignore[no-any-return]
    annotator._set_type(node, result.datatype if isinstance(result, Fixed) else result)
    return node


def _binary_rule(rule: Callable[[Fixed, Fixed], Fixed]) -> Callable[[TypeAnnotator, exp.Expr], exp.Expr]:
    def annotate(annotator: TypeAnnotator, node: exp.Expr) -> exp.Expr:
        left, right = node.args.get("this"), node.args.get("expression")
        lt = left.type if isinstance(left, exp.Expr) else None
        rt = right.type if isinstance(right, exp.Expr) else None
        a, b = fixed(lt), fixed(rt)
        if a is not None and b is not None:
            result: Fixed | exp.DType | None = rule(a, b)
        elif (a is not None or _floating(lt)) and (b is not None or _floating(rt)):
            result = exp.DType.DOUBLE
        else:
            result = None
        return _set(annotator, node, result, lambda an, n: an._annotate_binary(n))

    return annotate


def _add(a: Fixed, b: Fixed) -> Fixed:
    return Fixed(max(a.leading, b.leading) + 1, max(a.scale, b.scale))


def _mul(a: Fixed, b: Fixed) -> Fixed:
    return Fixed(a.leading + b.leading, min(a.scale + b.scale, max(a.scale, b.scale, 12)))


def _div(a: Fixed, b: Fixed) -> Fixed:
    return Fixed(a.leading + b.scale, division_scale(a.scale))


def _literal(annotator: TypeAnnotator, node: exp.Expr) -> exp.Expr:
    assert isinstance(node, exp.Literal)
    text = str(node.this)
    if node.is_string or "e" in text.lower():
        return annotator._annotate_literal(node)
    whole, _, fraction = text.partition(".")
    return _set(annotator, node, Fixed(len(whole.lstrip("-+")) or 1, len(fraction)), None)


def _aggregate(rule: Callable[[Fixed], Fixed]) -> Callable[[TypeAnnotator, exp.Expr], exp.Expr]:
    def annotate(annotator: TypeAnnotator, node: exp.Expr) -> exp.Expr:
        argument = node.this
        argument_type = argument.type if isinstance(argument, exp.Expr) else None
        a = fixed(argument_type)
        result: Fixed | exp.DType | None = rule(a) if a is not None else None
        if result is None and _floating(argument_type):
            result = exp.DType.DOUBLE
        return _set(annotator, node, result, lambda an, n: an._annotate_by_args(n, "this"))

    return annotate


_METADATA: dict[type[exp.Expr], dict[str, Any]] = {
    **Snowflake.EXPRESSION_METADATA,
    exp.Literal: {"annotator": _literal},
    exp.Add: {"annotator": _binary_rule(_add)},
    exp.Sub: {"annotator": _binary_rule(_add)},
    exp.Mul: {"annotator": _binary_rule(_mul)},
    exp.Div: {"annotator": _binary_rule(_div)},
    exp.Sum: {"annotator": _aggregate(lambda a: Fixed(MAX_DIGITS - a.scale, a.scale))},
    exp.Avg: {"annotator": _aggregate(lambda a: Fixed(MAX_DIGITS - division_scale(a.scale), division_scale(a.scale)))},
    exp.Count: {"returns": exp.DataType.build("DECIMAL(18, 0)")},
}


# -- the rewrite ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Division:
    """How to compute one quotient exactly: the operands' scales and the result's."""

    numerator_scale: int
    denominator_scale: int
    scale: int


def exact(engine: Engine, expression: exp.Expr, translate: Callable[[exp.Expr], exp.Expr]) -> exp.Expr:
    """fakesnow's translation of ``expression``, with exact SUM, AVG and division (see the module docstring)."""
    marked = [node for node in expression.find_all(exp.Sum, exp.Avg, exp.Div) if _eligible(node)]
    if not marked:
        return translate(expression)
    for index, node in enumerate(marked):
        node.meta[_MARK] = index
    if any(isinstance(node, (exp.Avg, exp.Div)) for node in marked):
        for index, division in _divisions(engine, expression).items():
            marked[index].meta[_EXACT] = division
    translated = translate(expression)
    # Innermost first: an AVG(a / b) copies its argument, which must already be exact.
    for node in reversed(list(translated.find_all(exp.Sum, exp.Avg, exp.Div, bfs=False))):
        if node.meta.get(_MARK) is None:
            continue
        if isinstance(node, exp.Sum):
            _sum(node)
        elif isinstance(node.meta.get(_EXACT), Division):
            _exact_division(node, node.meta[_EXACT])
    for node in marked:
        node.meta.pop(_MARK, None)
        node.meta.pop(_EXACT, None)
    return translated


def _eligible(node: exp.Expr) -> bool:
    if isinstance(node, exp.Div):
        return not node.args.get("typed") and not node.args.get("safe")
    argument = node.this
    # fakesnow leaves a cast argument alone (SUM(x::FLOAT) is a FLOAT sum).
    if isinstance(argument, exp.Distinct):
        return len(argument.expressions) == 1 and not isinstance(argument.expressions[0], (exp.Cast, exp.TryCast))
    return not isinstance(argument, (exp.Cast, exp.TryCast))


def _fakesnow_argument(node: exp.Expr) -> exp.Expr | None:
    """The argument fakesnow wrapped in ``TRY_CAST(… AS DOUBLE)`` (``DISTINCT x`` included: fakesnow renders
    ``TRY_CAST(DISTINCT x AS DOUBLE)``, which DuckDB cannot parse), or None when it did not wrap it."""
    argument = node.this
    if isinstance(argument, exp.TryCast) and argument.to.this == exp.DType.DOUBLE:
        inner = argument.this
        return inner if isinstance(inner, exp.Expr) else None
    return None


def _sum_argument(argument: exp.Expr) -> exp.Expr:
    if isinstance(argument, exp.Distinct):
        return exp.Distinct(expressions=[_sum_argument(argument.expressions[0])])
    inner = list(argument.find_all(exp.AggFunc))
    if inner:
        # SUM(SUM(x)) OVER (…): DuckDB binds a macro before the aggregates in its argument, so it cannot pick an
        # overload by their type. Sums, counts and averages are numbers already: summed as they are.
        if all(isinstance(a, (exp.Sum, exp.Count, exp.Avg)) for a in inner):
            return argument
        return exp.TryCast(this=argument, to=exp.DataType.build("DOUBLE"))
    return exp.Anonymous(this=SUM_ARG, expressions=[argument])


def _count_argument(argument: exp.Expr) -> exp.Expr:
    return exp.Count(this=argument)


def _sum(node: exp.Expr) -> None:
    argument = _fakesnow_argument(node)
    if argument is not None:
        node.set("this", _sum_argument(argument))


def _exact_division(node: exp.Expr, division: Division) -> None:
    if isinstance(node, exp.Div):
        numerator, denominator = node.this, node.expression
        quotient = _quotient(numerator, denominator, division)
        if isinstance(node.parent, exp.Select) and node.arg_key == "expressions":
            # An unaliased column keeps the name DuckDB gives the plain division.
            quotient = exp.alias_(quotient, f"({node.sql(dialect='duckdb')})", quoted=True)
        node.replace(quotient)
        return
    argument = _fakesnow_argument(node)
    if argument is None:
        return
    total: exp.Expr = exp.Sum(this=_sum_argument(argument.copy()))
    count: exp.Expr = _count_argument(argument.copy())
    target = node
    window = node.parent
    if isinstance(window, exp.Window) and window.this is node:
        total_window = window.copy()
        total_window.set("this", exp.Sum(this=_sum_argument(argument.copy())))
        count_window = window.copy()
        count_window.set("this", _count_argument(argument.copy()))
        total, count, target = total_window, count_window, window
    target.replace(_quotient(total, count, division))


def _quotient(numerator: exp.Expr, denominator: exp.Expr, division: Division) -> exp.Expr:
    """``numerator / denominator`` at Snowflake's scale, exact (see ``QUOTIENT``: computed from the operands'
    actual DuckDB scales, so an inferred operand type that differs from DuckDB's changes no digit)."""
    units = exp.Anonymous(this=QUOTIENT, expressions=[numerator, denominator, exp.Literal.number(division.scale)])
    units_decimal = exp.cast(units, exp.DataType.build("DECIMAL(38, 0)"))
    if division.scale == 0:
        return exp.paren(units_decimal, copy=False)
    step = exp.cast(
        exp.Literal.string("0." + "0" * (division.scale - 1) + "1"),
        exp.DataType.build(f"DECIMAL({division.scale + 1}, {division.scale})"),
    )
    return exp.paren(exp.Mul(this=units_decimal, expression=step), copy=False)


def _divisions(engine: Engine, expression: exp.Expr) -> dict[int, Division]:
    """The marked Div / Avg nodes of ``expression`` whose operands are fixed-point, by mark."""
    try:
        copy = _typable(expression.copy())
        schema = _schema(engine, copy)
        qualified = qualify(
            copy,
            schema=schema,
            catalog=engine.database,
            db=engine.schema,
            dialect="snowflake",
            validate_qualify_columns=False,
            quote_identifiers=False,
            identify=False,
        )
        annotate_types(qualified, schema=schema, expression_metadata=_METADATA, dialect="snowflake")
    except Exception:  # a query sqlglot cannot qualify or type keeps fakesnow's evaluation
        return {}
    result: dict[int, Division] = {}
    for node in qualified.find_all(exp.Div, exp.Avg):
        mark = node.meta.get(_MARK)
        if mark is None:
            continue
        if isinstance(node, exp.Div):
            a, b = fixed(node.this.type), fixed(node.expression.type)
            if a is not None and b is not None:
                result[mark] = Division(a.scale, b.scale, division_scale(a.scale))
        else:
            a = fixed(node.this.type)
            if a is not None:
                result[mark] = Division(a.scale, 0, division_scale(a.scale))
    return result


def _typable(expression: exp.Expr) -> exp.Expr:
    """A query with the same expressions in scope, for statements sqlglot's scopes do not cover: an UPDATE's
    ``SET`` values and ``WHERE`` become ``SELECT <values> FROM <target>, <FROM tables> WHERE …``."""
    if not isinstance(expression, exp.Update) or not isinstance(expression.this, exp.Table):
        return expression
    values = [e.expression for e in expression.expressions if isinstance(e, exp.EQ)]
    select = exp.select(*values).from_(expression.this)
    source = expression.args.get("from_")
    if isinstance(source, exp.From):
        select = select.join(source.this, join_type="CROSS")
    where = expression.args.get("where")
    if isinstance(where, exp.Where):
        select = select.where(where.this)
    return select


def _schema(engine: Engine, expression: exp.Expr) -> MappingSchema:
    """The columns and DuckDB types of the tables ``expression`` names, as a sqlglot schema."""
    names = {name for node in expression.find_all(exp.Table) if (name := engine.resolve_table(node)) is not None}
    mapping: dict[str, object] = {}
    if names:
        wanted = [(n.database, n.schema, n.name) for n in names]
        for database, schema, table, column, datatype in _columns(engine, wanted):
            tables = mapping.setdefault(database, {})
            assert isinstance(tables, dict)
            tables.setdefault(schema, {}).setdefault(table, {})[column] = datatype
    return MappingSchema(mapping, dialect="duckdb", normalize=False)


def _columns(engine: Engine, wanted: list[tuple[str, str, str]]) -> list[tuple[str, str, str, str, str]]:
    condition = " OR ".join("(database_name = ? AND schema_name = ? AND table_name = ?)" for _ in wanted)
    params = [part for name in wanted for part in name]
    rows = engine.con.execute(
        "SELECT database_name, schema_name, table_name, column_name, data_type FROM duckdb_columns() "
        f"WHERE {condition}",
        params,
    ).fetchall()
    return [tuple(str(v) for v in row) for row in rows]  # type: ignore[misc]
