"""Conversions fakesnow gets wrong: VARIANT to text, and TO_TIMESTAMP / TO_TIMESTAMP_NTZ / _TZ / _LTZ.

**VARIANT → text.** Snowflake's cast of a VARIANT holding a string gives the string itself, without JSON's quotes
(https://docs.snowflake.com/en/user-guide/querying-semistructured, "Explicitly casting"), and so does storing a
VARIANT value in a VARCHAR column. DuckDB's JSON → VARCHAR cast keeps the JSON text (``"green"``).
:func:`convert` and :func:`assignments` turn ``CAST(<variant> AS VARCHAR)``, ``<variant>::STRING``, ``TO_VARCHAR``
/ ``TO_CHAR(<variant>)``, and a VARIANT value inserted or assigned (INSERT, UPDATE SET) into a text column, into
``json_extract_string(<variant>, '$')``: the string for a JSON string, the JSON text of an object or array,
the digits of a number, NULL for JSON null. A value counts as VARIANT when it is written as one
(``PARSE_JSON``, ``TO_VARIANT``, ``OBJECT_CONSTRUCT``, ``ARRAY_CONSTRUCT``, ``v:path``, ``GET``, ``GET_PATH``,
``v['key']``, ``::VARIANT``); a cast of a bare column to text goes through ``_moviecdc_text``, which DuckDB folds
to the plain cast unless the column is JSON, and so does a bare column of ``INSERT … SELECT`` stored into a text
column (the target's column types are cached until the next DDL).

**Timestamps** (https://docs.snowflake.com/en/sql-reference/functions/to_timestamp). ``TO_TIMESTAMP[_NTZ|_TZ|
_LTZ](x [, scale])`` and their ``TRY_`` forms become calls of the engine's own macros (:data:`MACROS`, created
in DuckDB's ``temp`` catalog, so they work with or without a current database):

- a number is seconds (``scale`` 0, the default) or 10^-scale seconds since the epoch, its fraction kept
  (to the microsecond: DuckDB's resolution);
- a string holding an integer is seconds, milliseconds, microseconds or nanoseconds by its magnitude (below
  31536000000, 31536000000000, 31536000000000000, or above);
- any other string, a date or a timestamp is converted as a timestamp; ``_NTZ`` drops a string's time-zone
  offset, ``_TZ`` / ``_LTZ`` honour it (the session time zone is UTC);
- a VARIANT is read as its string or number.

``TO_TIMESTAMP(string, format)`` keeps fakesnow's translation.

**Arrays built from rows** (https://docs.snowflake.com/en/sql-reference/functions/array_agg): ``ARRAY_AGG``
omits NULL inputs and returns an empty array for an empty input. fakesnow's reading of ``ARRAY_AGG(x) WITHIN
GROUP (ORDER BY …)`` lost sqlglot's NULL filter, and DuckDB's aggregate of nothing is NULL: :func:`arrays`
keeps the filter (``FILTER (WHERE x IS NOT NULL)``, emitted by sqlglot for an argument that names a column) and
wraps every ``ARRAY_AGG`` in ``COALESCE(…, '[]')``. ``ARRAY_COMPACT(a)``
(https://docs.snowflake.com/en/sql-reference/functions/array_compact: "missing and null values removed") goes to
the macro ``_moviecdc_array_compact``: sqlglot's ``LIST_FILTER`` does not accept a VARIANT array (a raw
binder error before).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlglot import exp

from moviecdc.errors import UnsupportedSqlError
from moviecdc.local.core.names import ObjectName
from moviecdc.local.dialect.errors import UNSUPPORTED_MARK

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine

# Numeric DuckDB types (typeof() names) a TO_TIMESTAMP argument is read as epoch seconds from.
_NUMERIC = (
    "'TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', "
    "'UHUGEINT', 'FLOAT', 'DOUBLE'"
)
_EPOCH_MICROS = """
CREATE OR REPLACE TEMP MACRO _moviecdc_epoch_micros(n, scale) AS (
    CAST(trunc(n * CAST(power(10, 6 - scale) AS DECIMAL(38, 9))) AS BIGINT)
)"""
_TEXT = """
CREATE OR REPLACE TEMP MACRO _moviecdc_text(val) AS (
    CASE WHEN typeof(val) = 'JSON' THEN json_extract_string(TRY_CAST(val AS JSON), '$') ELSE CAST(val AS VARCHAR) END
)"""
# '2024-01-02 03:04:05 +02:00': DuckDB reads an offset only when no space precedes it.
_STAMP_TEXT = """
CREATE OR REPLACE TEMP MACRO _moviecdc_stamp_text(val) AS (
    regexp_replace(trim(_moviecdc_text(val)), ' +([+-][0-9]{2}(:?[0-9]{2})?)$', '\\1')
)"""
_MICROS = """
CREATE OR REPLACE TEMP MACRO _moviecdc_micros(val, scale) AS (
    CASE
        WHEN typeof(val) LIKE 'DECIMAL%' OR typeof(val) IN ({numeric})
            THEN _moviecdc_epoch_micros(TRY_CAST(_moviecdc_text(val) AS DECIMAL(38, 9)), scale)
        WHEN regexp_full_match(trim(_moviecdc_text(val)), '-?[0-9]+')
            THEN _moviecdc_magnitude_micros(TRY_CAST(trim(_moviecdc_text(val)) AS DECIMAL(38, 0)))
        ELSE NULL
    END
)"""
_MAGNITUDE = """
CREATE OR REPLACE TEMP MACRO _moviecdc_magnitude_micros(n) AS (
    _moviecdc_epoch_micros(n, CASE
        WHEN n < 31536000000 THEN 0
        WHEN n < 31536000000000 THEN 3
        WHEN n < 31536000000000000 THEN 6
        ELSE 9
    END)
)"""
_NTZ = """
CREATE OR REPLACE TEMP MACRO _moviecdc_{try_}to_timestamp_ntz(val, scale) AS (
    CASE
        WHEN val IS NULL THEN NULL
        WHEN _moviecdc_micros(val, scale) IS NOT NULL THEN make_timestamp(_moviecdc_micros(val, scale))
        ELSE {cast}(_moviecdc_stamp_text(val) AS TIMESTAMP)
    END
)"""
# TIMESTAMP_TZ keeps each value's own offset in Snowflake; DuckDB's TIMESTAMPTZ keeps an instant only (shown in the
# session time zone, UTC). A text whose offset is not UTC would lose it: refused, not converted (module docstring).
_LOST_OFFSET = """
CREATE OR REPLACE TEMP MACRO _moviecdc_lost_offset(val) AS (
    regexp_matches(trim(_moviecdc_text(val)), '[+-][0-9]{2}:?[0-9]{2}$')
    AND NOT regexp_matches(trim(_moviecdc_text(val)), '[+-]00:?00$')
)"""
_TZ = """
CREATE OR REPLACE TEMP MACRO _moviecdc_{try_}to_timestamp_{kind}(val, scale) AS (
    CASE
        WHEN val IS NULL THEN NULL
        WHEN _moviecdc_micros(val, scale) IS NOT NULL
            THEN timezone('UTC', make_timestamp(_moviecdc_micros(val, scale)))
        {strict}ELSE {cast}(_moviecdc_stamp_text(val) AS TIMESTAMPTZ)
    END
)"""
_STRICT = (
    "WHEN _moviecdc_lost_offset(val) THEN error('" + UNSUPPORTED_MARK + "The local engine keeps TIMESTAMP_TZ values "
    "in UTC only: the offset written in ''' || trim(_moviecdc_text(val)) || ''' would be lost (DuckDB''s "
    "TIMESTAMPTZ has no per-value offset). Write the value in UTC, or convert it with TO_TIMESTAMP_LTZ (the "
    "session time zone is UTC) or TO_TIMESTAMP_NTZ.')\n        "
)

# TYPEOF (https://docs.snowflake.com/en/sql-reference/functions/typeof): the type of the value a VARIANT holds, in
# Snowflake's names. DuckDB's typeof() answers JSON for every VARIANT. A JSON number with a fraction is DECIMAL
# unless written with an exponent (DOUBLE); a JSON null is NULL_VALUE; SQL NULL stays NULL.
_TYPEOF = """
CREATE OR REPLACE TEMP MACRO _moviecdc_typeof(val) AS (
    CASE json_type(to_json(val))
        WHEN 'BIGINT' THEN 'INTEGER'
        WHEN 'UBIGINT' THEN 'INTEGER'
        WHEN 'DOUBLE' THEN
            CASE WHEN contains(lower(CAST(to_json(val) AS VARCHAR)), 'e') THEN 'DOUBLE' ELSE 'DECIMAL' END
        WHEN 'VARCHAR' THEN 'VARCHAR'
        WHEN 'BOOLEAN' THEN 'BOOLEAN'
        WHEN 'ARRAY' THEN 'ARRAY'
        WHEN 'OBJECT' THEN 'OBJECT'
        WHEN 'NULL' THEN 'NULL_VALUE'
    END
)"""


# ARRAY_COMPACT of a VARIANT array: SQL NULL and JSON null elements removed; NULL stays NULL.
_ARRAY_COMPACT = """
CREATE OR REPLACE TEMP MACRO _moviecdc_array_compact(a) AS (
    CASE WHEN a IS NULL THEN NULL ELSE CAST(to_json(list_filter(
        CAST(to_json(a) AS JSON[]), lambda e: e IS NOT NULL AND json_type(e) <> 'NULL'
    )) AS JSON) END
)"""


def _macros() -> list[str]:
    found = [_EPOCH_MICROS, _TEXT, _STAMP_TEXT, _MAGNITUDE, _MICROS.format(numeric=_NUMERIC), _TYPEOF, _ARRAY_COMPACT]
    found.append(_LOST_OFFSET)
    for try_, cast in (("", "CAST"), ("try_", "TRY_CAST")):
        found.append(_NTZ.format(try_=try_, cast=cast))
        found.append(_TZ.format(try_=try_, cast=cast, kind="tz", strict=_STRICT))
        found.append(_TZ.format(try_=try_, cast=cast, kind="ltz", strict=""))
    return found


MACROS = _macros()

# Snowflake function name → the engine's macro.
_FUNCTIONS = {
    "TO_TIMESTAMP": "_moviecdc_to_timestamp_ntz",
    "TO_TIMESTAMP_NTZ": "_moviecdc_to_timestamp_ntz",
    "TO_TIMESTAMP_TZ": "_moviecdc_to_timestamp_tz",
    "TO_TIMESTAMP_LTZ": "_moviecdc_to_timestamp_ltz",
    "TRY_TO_TIMESTAMP": "_moviecdc_try_to_timestamp_ntz",
    "TRY_TO_TIMESTAMP_NTZ": "_moviecdc_try_to_timestamp_ntz",
    "TRY_TO_TIMESTAMP_TZ": "_moviecdc_try_to_timestamp_tz",
    "TRY_TO_TIMESTAMP_LTZ": "_moviecdc_try_to_timestamp_ltz",
}
_VARIANT_NODES = (exp.ParseJSON, exp.ToVariant, exp.JSONExtract, exp.GetExtract, exp.Struct, exp.Array)
_VARIANT_TYPES = {exp.DataType.Type.VARIANT, exp.DataType.Type.OBJECT, exp.DataType.Type.ARRAY}
_TEXT_TYPES = set(exp.DataType.TEXT_TYPES)
_ZONED = {exp.DataType.Type.TIMESTAMPTZ, exp.DataType.Type.TIMESTAMPLTZ}
_OFFSET = re.compile(r"[+-](\d{2}):?(\d{2})$")
_TIMESTAMPS = {exp.DataType.Type.TIMESTAMP, exp.DataType.Type.TIMESTAMPNTZ, *_ZONED}
_VARIANT_META = "moviecdc_variant"
_VARIANT_FUNCTIONS = {"GET", "GET_PATH", "TRY_PARSE_JSON", "OBJECT_CONSTRUCT", "OBJECT_INSERT", "ARRAY_CONSTRUCT"}


def install(engine: Engine) -> None:
    """Create the engine's conversion macros on its connection (temporary: they are not stored)."""
    for sql in MACROS:
        engine.con.execute(sql)
    engine.translation_hooks.append(ordered_array_agg)


def _typeof(node: exp.Typeof) -> exp.Expr:
    call = exp.Anonymous(this="_moviecdc_typeof", expressions=[node.this])
    if isinstance(node.parent, exp.Select) and node.arg_key == "expressions":
        return exp.alias_(call, node.sql(dialect="snowflake"), quoted=True)  # Snowflake names it by its text
    return call


def convert(node: exp.Expr) -> exp.Expr | None:  # noqa: PLR0911, PLR0912 (one return per construct)
    if isinstance(node, exp.Cast) and node.to.this in _VARIANT_TYPES and isinstance(node.this, exp.Literal):
        # '<text>'::VARIANT is a VARIANT string; DuckDB would parse the text as JSON.
        return _json_string(node.this) if node.this.is_string else None
    if isinstance(node, exp.EQ | exp.NEQ):
        # VARIANT = 'text' compares as VARIANT: the text is a VARIANT string (DuckDB would parse it as JSON).
        for side, other in (("this", node.expression), ("expression", node.this)):
            value = node.args.get(side)
            if isinstance(value, exp.Literal) and value.is_string and is_variant(other):
                node.set(side, _json_string(value))
        return None
    if isinstance(node, exp.Cast) and node.to.this == exp.DataType.Type.TIMESTAMPTZ:
        return _zoned_cast(node)
    if isinstance(node, exp.Cast) and not isinstance(node, exp.TryCast) and node.to.this in _TEXT_TYPES:
        return _text_cast(node)
    if isinstance(node, exp.Typeof):
        return _typeof(node)
    if isinstance(node, exp.ToChar) and not node.args.get("format") and is_variant(node.this):
        return _variant_text(node.this)
    if isinstance(node, exp.UnixToTime) and not node.args.get("format"):
        # sqlglot's reading of TO_TIMESTAMP[_NTZ|_TZ|_LTZ](<number or integer string literal> [, scale])
        target = node.args.get("target_type")
        zoned = isinstance(target, exp.DataType) and target.this in _ZONED
        macro = "_moviecdc_to_timestamp_ltz" if zoned else "_moviecdc_to_timestamp_ntz"
        return _timestamp_call(macro, node.this, node.args.get("scale"))
    if isinstance(node, exp.TryCast) and node.to.this in _TIMESTAMPS:
        # sqlglot's reading of TRY_TO_TIMESTAMP[_…](<string literal>)
        macro = "_moviecdc_try_to_timestamp_ltz" if node.to.this in _ZONED else "_moviecdc_try_to_timestamp_ntz"
        return _timestamp_call(macro, node.this, None)
    if isinstance(node, exp.Anonymous):
        function = _FUNCTIONS.get(str(node.name).upper())
        args = node.expressions
        if function is None or not args or len(args) > 2:
            return None
        if len(args) == 2 and not (isinstance(args[1], exp.Literal) and not args[1].is_string):
            return None  # a format string: fakesnow's translation
        return _timestamp_call(function, args[0], args[1] if len(args) == 2 else None)
    return None


def _zoned_cast(node: exp.Cast) -> exp.Expr | None:
    """``x::TIMESTAMP_TZ``: a text literal with a non-UTC offset is refused now; any other non-literal value goes
    through the strict macro, which refuses such a text when the query runs (see the module docstring)."""
    value = node.this
    if isinstance(value, exp.Literal) and value.is_string:
        match = _OFFSET.search(str(value.this).strip())
        if match and (match.group(1), match.group(2)) != ("00", "00"):
            raise UnsupportedSqlError(
                f"The local engine keeps TIMESTAMP_TZ values in UTC only: the offset written in '{value.this}' would "
                "be lost (DuckDB's TIMESTAMPTZ has no per-value offset). Write the value in UTC, or convert it with "
                "TO_TIMESTAMP_LTZ (the session time zone is UTC) or TO_TIMESTAMP_NTZ."
            )
    if isinstance(node, exp.TryCast):  # sqlglot's reading of TRY_TO_TIMESTAMP_TZ(x)
        return _timestamp_call("_moviecdc_try_to_timestamp_tz", value, None)
    if isinstance(value, exp.Literal | exp.Null):
        return None  # no offset to lose: fakesnow's cast
    return _timestamp_call("_moviecdc_to_timestamp_tz", value, None)


def _timestamp_call(macro: str, value: exp.Expr, scale: exp.Expr | None) -> exp.Expr:
    return exp.Anonymous(this=macro, expressions=[value.copy(), scale.copy() if scale else exp.Literal.number(0)])


def is_variant(node: exp.Expr) -> bool:  # noqa: PLR0911 (one return per VARIANT form)
    """Is ``node`` written as a VARIANT value (see the module docstring)?"""
    if isinstance(node, exp.Paren):
        return is_variant(node.this)
    if isinstance(node, exp.Subquery) and isinstance(node.this, exp.Select) and len(node.this.expressions) == 1:
        return is_variant(_unalias(node.this.expressions[0]))
    if isinstance(node, _VARIANT_NODES):
        return True
    if isinstance(node, exp.Bracket):
        return is_variant(node.this) or isinstance(node.this, exp.Column)
    if isinstance(node, exp.Cast) and not isinstance(node, exp.TryCast):
        return node.to.this in _VARIANT_TYPES
    if node.meta.get(_VARIANT_META):
        return True
    return isinstance(node, exp.Anonymous) and str(node.name).upper() in _VARIANT_FUNCTIONS


def _json_string(literal: exp.Expr) -> exp.Expr:
    node = exp.Anonymous(this="to_json", expressions=[literal.copy()])
    node.meta[_VARIANT_META] = True
    return node


def _text_cast(node: exp.Cast) -> exp.Expr | None:
    if node.to.expressions:
        return None
    if is_variant(node.this):
        return _variant_text(node.this)
    if isinstance(node.this, exp.Column):
        # A column may be a VARIANT: the engine's macro reads a JSON string as its text, and DuckDB folds it to
        # the plain cast for a column of any other type (no cost).
        return _maybe_variant_text(node)
    return None


def _maybe_variant_text(cast: exp.Cast) -> exp.Expr:
    call = exp.Anonymous(this="_moviecdc_text", expressions=[cast.this.copy()])
    parent = cast.parent
    if isinstance(parent, exp.Select) and cast.arg_key == "expressions":
        # Keep the result column's name as it was: DuckDB names an unaliased expression after its text.
        return exp.alias_(call, exp.to_identifier(str(cast.sql(dialect="duckdb")), quoted=True))
    return call


def _variant_text(node: exp.Expr) -> exp.Expr:
    return exp.Anonymous(this="json_extract_string", expressions=[node.copy(), exp.Literal.string("$")])


# -- arrays built from rows ---------------------------------------------------------------------------------


def arrays(node: exp.Expr) -> exp.Expr | None:
    """``ARRAY_AGG`` gives ``[]`` for no input; ``ARRAY_COMPACT`` of a VARIANT array (see the module docstring).

    Both survive the statement's rendering as Snowflake text (the NULL filter of an ordered ARRAY_AGG does not:
    :func:`ordered_array_agg` adds it to the statement fakesnow parses).
    """
    if isinstance(node, exp.ArrayCompact):
        return exp.Anonymous(this="_moviecdc_array_compact", expressions=[node.this.copy()])
    aggregate = node.this if isinstance(node, exp.Window) else node
    if isinstance(aggregate, exp.WithinGroup):
        aggregate = aggregate.this
    if not isinstance(aggregate, exp.ArrayAgg) or isinstance(node.parent, exp.WithinGroup | exp.Window):
        return None  # not an ARRAY_AGG, or a part of one whose outer node is wrapped
    empty = exp.Cast(this=exp.Literal.string("[]"), to=exp.DataType.build("JSON"))
    call = exp.Coalesce(this=node.copy(), expressions=[empty])
    if isinstance(node.parent, exp.Select) and node.arg_key == "expressions":
        return exp.alias_(call, node.sql(dialect="snowflake"), quoted=True)  # Snowflake names it by its text
    return call


def ordered_array_agg(expression: exp.Expr, translate: Callable[[exp.Expr], exp.Expr]) -> exp.Expr:
    """A translation hook: ``ARRAY_AGG(x) WITHIN GROUP (ORDER BY …)`` → DuckDB's ``ARRAY_AGG(x ORDER BY …)``
    keeping the mark that makes sqlglot filter NULLs out (fakesnow's own rewrite of it dropped the mark)."""
    for node in list(expression.find_all(exp.WithinGroup)):
        agg, order = node.this, node.expression
        if isinstance(agg, exp.ArrayAgg) and isinstance(order, exp.Order) and node is not expression:
            ordered = exp.Order(this=agg.this, expressions=order.expressions)
            node.replace(exp.ArrayAgg(this=ordered, nulls_excluded=True))
    return translate(expression)


# -- a VARIANT stored into a text column ---------------------------------------------------------------------


def assignments(engine: Engine, ast: exp.Insert | exp.Update | exp.Merge) -> bool:  # noqa: PLR0912 (one branch per form)
    """Convert VARIANT values stored into text columns; True when the statement stores a VARIANT value at all
    (whether it needed converting depends on the table, so such a statement is never taken as plain)."""
    if isinstance(ast, exp.Merge):
        return _merge_assignments(engine, ast)
    if isinstance(ast, exp.Update):
        candidates = [e for e in ast.expressions if isinstance(e, exp.EQ) and is_variant(e.expression)]
        if not candidates:
            return False
        types = _column_types(engine, ast.this)
        for eq in candidates:
            column = eq.this
            if isinstance(column, exp.Column) and types.get(_ident(column.this)) in _TEXT_TYPES:
                eq.set("expression", _variant_text(eq.expression))
        return True
    source = ast.expression
    rows: list[list[exp.Expr]] = []
    if isinstance(source, exp.Select):
        rows = [source.expressions]
    elif isinstance(source, exp.Values):
        rows = [t.expressions for t in source.expressions if isinstance(t, exp.Tuple)]
    variant = any(is_variant(_unalias(e)) for row in rows for e in row)
    columns = isinstance(source, exp.Select) and any(isinstance(_unalias(e), exp.Column) for e in source.expressions)
    if not variant and not columns:
        return False
    target = ast.this
    names = [_ident(c) for c in target.expressions] if isinstance(target, exp.Schema) else None
    table = target.this if isinstance(target, exp.Schema) else target
    types = _column_types(engine, table)
    order = names if names is not None else list(types)
    found = variant
    for row in rows:
        for index, value in enumerate(row):
            inner = _unalias(value)
            if index >= len(order) or types.get(order[index]) not in _TEXT_TYPES:
                continue
            if is_variant(inner):
                inner.replace(_variant_text(inner))
            elif isinstance(inner, exp.Column):
                # A bare column may be a VARIANT: the macro reads a JSON string as its text, and DuckDB folds it to
                # the cast the INSERT makes anyway for a column of any other type.
                inner.replace(exp.Anonymous(this="_moviecdc_text", expressions=[inner.copy()]))
                found = True
    return found


def _merge_assignments(engine: Engine, ast: exp.Merge) -> bool:
    """MERGE's ``UPDATE SET col = <variant>`` and ``INSERT (cols) VALUES (<variant>, …)``."""
    whens = ast.args.get("whens")
    actions = [w.args.get("then") for w in (whens.expressions if isinstance(whens, exp.Whens) else [])]
    updates = [
        eq for a in actions if isinstance(a, exp.Update) for eq in a.expressions
        if isinstance(eq, exp.EQ) and is_variant(eq.expression)
    ]  # fmt: skip
    inserts = [
        a for a in actions if isinstance(a, exp.Insert) and isinstance(a.expression, exp.Tuple)
        and any(is_variant(v) for v in a.expression.expressions)
    ]  # fmt: skip
    if not updates and not inserts:
        return False
    types = _column_types(engine, ast.this)
    for eq in updates:
        if isinstance(eq.this, exp.Column) and types.get(_ident(eq.this.this)) in _TEXT_TYPES:
            eq.set("expression", _variant_text(eq.expression))
    for insert in inserts:
        columns = insert.this.expressions if isinstance(insert.this, exp.Tuple) else []
        order = [_ident(c.this) if isinstance(c, exp.Column) else _ident(c) for c in columns] or list(types)
        for index, value in enumerate(list(insert.expression.expressions)):
            if index < len(order) and is_variant(value) and types.get(order[index]) in _TEXT_TYPES:
                value.replace(_variant_text(value))
    return True


def _column_types(engine: Engine, table: exp.Expr) -> dict[str, exp.DType]:
    """The columns of a table (in order) with their types, or nothing when it cannot be resolved."""
    if not isinstance(table, exp.Table):
        return {}
    name: ObjectName | None = engine.resolve_table(table)
    if name is None:
        return {}
    # Cached until the engine drops its caches (after any DDL, a rollback or a failure).
    cache: dict[ObjectName, dict[str, exp.DType]] = engine.family_caches.setdefault("dialect.column_types", {})
    if name not in cache:
        cache[name] = _read_column_types(engine, name)
    return cache[name]


def _read_column_types(engine: Engine, name: ObjectName) -> dict[str, exp.DType]:
    rows = engine.con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? "
        "AND table_name = ? ORDER BY column_index",
        [name.database, name.schema, name.name],
    ).fetchall()
    found: dict[str, exp.DType] = {}
    for column, data_type in rows:
        try:
            found[str(column).upper()] = exp.DataType.build(str(data_type), dialect="duckdb").this
        except Exception:  # a DuckDB type sqlglot does not know: not text
            found[str(column).upper()] = exp.DataType.Type.UNKNOWN
    return found


def _unalias(node: exp.Expr) -> exp.Expr:
    return node.this if isinstance(node, exp.Alias) else node


def _ident(node: exp.Expr) -> str:
    return str(node.name).upper()
