"""Reading a CREATE FUNCTION statement: its language, arguments, return type, handler and packages.

Types are shown as Snowflake shows them in a function's signature (:func:`type_class`: ``NUMBER``, ``VARCHAR``,
``FLOAT`` …; synonyms and precision do not make another signature,
https://docs.snowflake.com/en/developer-guide/udf-stored-procedure-arguments#overloading).
"""

from __future__ import annotations

from fakesnow.dialect import parse_one
from sqlglot import exp

from moviecdc.errors import UnsupportedSqlError
from moviecdc.local.core.names import ObjectName


def parse(text: str, what: str) -> exp.Expr:
    try:
        node = parse_one(text)
    except Exception as e:
        raise UnsupportedSqlError(f"The local engine cannot parse {what}: {e}") from e
    if node is None:
        raise UnsupportedSqlError(f"The local engine cannot parse {what}.")
    return node


def language(props: list[exp.Expr]) -> str:
    prop = next((p for p in props if isinstance(p, exp.LanguageProperty)), None)
    return str(prop.this.name if isinstance(prop.this, exp.Expr) else prop.this).upper() if prop else "SQL"


def property_text(props: list[exp.Expr], kind: type[exp.Expr]) -> str | None:
    prop = next((p for p in props if isinstance(p, kind)), None)
    return str(prop.this.name) if prop is not None and isinstance(prop.this, exp.Expr) else None


def packages(props: list[exp.Expr]) -> list[str] | None:
    for prop in props:
        if isinstance(prop, exp.Property) and str(prop.name).upper() in ("PACKAGES", "IMPORTS"):
            value = prop.args.get("value")
            if isinstance(value, exp.Paren):
                value = value.this
            items = value.expressions if isinstance(value, exp.Tuple) else [value]
            names = [str(item.this) for item in items if isinstance(item, exp.Literal)]
            if str(prop.name).upper() == "IMPORTS" and names:
                raise UnsupportedSqlError(
                    "IMPORTS (handler code from a stage) is not supported by the local engine; put the handler "
                    "code inline (AS $$ … $$)."
                )
            if str(prop.name).upper() == "PACKAGES":
                return names
    return None


def argument(arg: exp.Expr) -> tuple[str, exp.DataType]:
    if not isinstance(arg, exp.ColumnDef) or not isinstance(arg.args.get("kind"), exp.DataType):
        raise UnsupportedSqlError(f"The UDF argument {arg.sql(dialect='snowflake')} is not supported.")
    if arg.args.get("default") is not None or arg.args.get("constraints"):
        raise UnsupportedSqlError("UDF arguments with a DEFAULT value are not supported by the local engine.")
    return ident(arg.this), arg.args["kind"]


def return_kind(returns: exp.ReturnsProperty) -> exp.DataType:
    kind = returns.this
    if not isinstance(kind, exp.DataType):
        raise UnsupportedSqlError(f"RETURNS {kind.sql(dialect='snowflake')} is not supported by the local engine.")
    return kind


def returns_text(returns: exp.ReturnsProperty) -> str:
    kind = returns.this
    if isinstance(kind, exp.Schema):
        cols = ", ".join(f"{ident(c.this)} {snowflake_type(c.args['kind'])}" for c in kind.expressions)
        return f"TABLE ({cols})"
    return snowflake_type(kind)


TYPE_CLASSES = {
    "NUMBER": {exp.DataType.Type.DECIMAL, exp.DataType.Type.BIGDECIMAL, *exp.DataType.INTEGER_TYPES},
    "FLOAT": {exp.DataType.Type.FLOAT, exp.DataType.Type.DOUBLE},
    "VARCHAR": set(exp.DataType.TEXT_TYPES),
    "TIMESTAMP_NTZ": {exp.DataType.Type.TIMESTAMP, exp.DataType.Type.TIMESTAMPNTZ, exp.DataType.Type.DATETIME},
    "TIMESTAMP_TZ": {exp.DataType.Type.TIMESTAMPTZ},
    "TIMESTAMP_LTZ": {exp.DataType.Type.TIMESTAMPLTZ},
    "BINARY": {exp.DataType.Type.BINARY, exp.DataType.Type.VARBINARY},
}


def type_class(kind: exp.Expr) -> str:
    """The name Snowflake shows for a type in a function's signature: ``NUMBER``, ``VARCHAR``, ``FLOAT`` …
    (synonyms and precision do not make another signature)."""
    if isinstance(kind, exp.DataType):
        for label, members in TYPE_CLASSES.items():
            if kind.this in members:
                return label
        return str(kind.this.value)
    return str(kind.sql(dialect="snowflake")).upper()


def snowflake_type(kind: exp.Expr) -> str:
    return str(kind.sql(dialect="snowflake"))


def ident(node: exp.Expr) -> str:
    return str(node.name) if node.args.get("quoted") else str(node.name).upper()


def temp_name(table: exp.Table) -> ObjectName:
    return ObjectName("temp", "main", ident(table.this))
