"""User-defined functions: ``CREATE FUNCTION``, ``DROP FUNCTION``, ``SHOW USER FUNCTIONS``, and calls to them.

A Snowflake UDF becomes a DuckDB macro of the same name in the same database and schema, so DuckDB's own name
resolution finds it, and it is stored (and reopens) with the database file:

- a SQL UDF (``RETURNS <type> AS 'expr'`` or ``AS 'SELECT …'``) is a scalar macro whose body is the expression
  translated by fakesnow, with every argument cast to its declared type and the result cast to the declared
  return type (Snowflake converts arguments and the result: "CREATE FUNCTION", Arguments and RETURNS);
- a SQL UDTF (``RETURNS TABLE (col type, …)``) is a table macro whose query renames and casts the body's columns
  by position to the declared ones; ``TABLE(f(…))`` in a FROM clause is unwrapped by :func:`rewriter`, as
  DuckDB calls a table macro without ``TABLE(…)``;
- a Python UDF with an inline handler is :mod:`.python_udfs`.

Every macro carries its Snowflake definition as a JSON comment (``COMMENT ON MACRO``): SHOW USER FUNCTIONS reads
it, and a reopened folder re-registers its Python handlers from it (:func:`on_open`).

Not emulated, refused with :class:`~moviecdc.errors.UnsupportedSqlError`: Java, JavaScript and Scala UDFs,
overloading (two functions of one name with different arguments), Python UDTFs, secure/external functions.

>>> from moviecdc.local import LocalSession
>>> with LocalSession(database="DB", schema="PUBLIC") as session:
...     _ = session.sql("CREATE FUNCTION AREA(R NUMBER(10,2)) RETURNS NUMBER(10,2) AS 'PI() * R * R'").collect()
...     session.sql("SELECT AREA(1) AS A").collect()
[Row(A=Decimal('3.14'))]
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

import pyarrow as pa
from sqlglot import exp
from sqlglot import parse_one as parse_duckdb

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local.core.names import ObjectName, display_part, from_table, literal, quote
from moviecdc.local.core.results import Result, from_records, status
from moviecdc.local.core.show_filters import parse_show
from moviecdc.local.functions import definitions
from moviecdc.local.functions import python as python_udfs

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine
    from moviecdc.local.core.router import Statement

# The JSON comment of a macro that is a Snowflake UDF starts with this key.
_MARK = '{"moviecdc_udf"'
_REFUSED = {
    "JAVA": "Java",
    "JAVASCRIPT": "JavaScript",
    "SCALA": "Scala",
}
# UDFs with a query body, by engine (see _query_udfs).
_REGISTRY: WeakKeyDictionary[Engine, dict[str, frozenset[str]]] = WeakKeyDictionary()
_QUERY = re.compile(r"^\s*(\(\s*)*(SELECT|WITH)\b", re.IGNORECASE)


@dataclass(frozen=True)
class UdfDef:
    """A UDF's Snowflake definition, as stored in its macro's comment."""

    moviecdc_udf: int
    language: str
    arguments: list[list[str]]  # [name, Snowflake type]
    returns: str  # the Snowflake return type, e.g. "NUMBER(10,2)" or "TABLE (A NUMBER, B VARCHAR)"
    is_table: bool
    body: str
    handler: str | None = None
    packages: list[str] | None = None
    created_on: str = ""

    @property
    def code(self) -> python_udfs.Code:
        return python_udfs.Code(self.body, self.handler, self.packages)

    @property
    def signature(self) -> str:
        """``(NUMBER, VARCHAR)``: the argument types, as DROP FUNCTION names them."""
        return (
            "("
            + ", ".join(definitions.type_class(exp.DataType.build(t, dialect="snowflake")) for _, t in self.arguments)
            + ")"
        )


# -- statements -------------------------------------------------------------------------------------------


def create(engine: Engine, statement: Statement) -> Result:
    """``CREATE [OR REPLACE] [TEMPORARY] FUNCTION [IF NOT EXISTS] name(args) RETURNS … [LANGUAGE …] AS …``.

    https://docs.snowflake.com/en/sql-reference/sql/create-function
    """
    ast = definitions.parse(statement.text, "CREATE FUNCTION")
    if not isinstance(ast, exp.Create) or not isinstance(ast.this, exp.UserDefinedFunction):
        raise UnsupportedSqlError(
            f"This form of CREATE FUNCTION is not supported by the local engine: {statement.text}"
        )
    properties = ast.args.get("properties")
    props = list(properties.expressions) if isinstance(properties, exp.Properties) else []
    language = _checked_language(props)
    temporary = any(isinstance(p, exp.TemporaryProperty) for p in props)
    table = ast.this.this
    if not isinstance(table, exp.Table):
        raise UnsupportedSqlError(f"CREATE FUNCTION without a function name: {statement.text}")
    name = definitions.temp_name(table) if temporary else from_table(table, engine.database, engine.schema)
    arguments = [definitions.argument(arg) for arg in ast.this.expressions]
    returns = next((p for p in props if isinstance(p, exp.ReturnsProperty)), None)
    if returns is None:
        raise LocalEngineError("SQL compilation error: CREATE FUNCTION needs RETURNS <type>.")
    body = ast.expression
    if not isinstance(body, exp.RawString | exp.Literal | exp.Heredoc):
        raise UnsupportedSqlError("CREATE FUNCTION without an inline body (AS '…' or AS $$…$$) is not supported.")
    definition = UdfDef(
        moviecdc_udf=1,
        language=language,
        arguments=[[arg_name, definitions.snowflake_type(kind)] for arg_name, kind in arguments],
        returns=definitions.returns_text(returns),
        is_table=bool(returns.args.get("is_table")),
        body=str(body.this),
        handler=definitions.property_text(props, exp.HandlerProperty),
        packages=definitions.packages(props),
        created_on=engine.now().isoformat(),
    )
    engine.implicit_commit()
    existing = _existing(engine, name)
    if existing is not None:
        if existing.signature != definition.signature:
            raise UnsupportedSqlError(
                f"Function {name.display} already exists with arguments {existing.signature}; overloading "
                f"(a second {name.name} with arguments {definition.signature}) is not supported by the local "
                "engine. Give the function another name."
            )
        if ast.args.get("exists"):
            return status(f"{display_part(name.name)} already exists, statement succeeded.")
        if not ast.args.get("replace"):
            raise LocalEngineError(f"SQL compilation error:\nObject '{name.display}' already exists.")
    macro_body = _macro_body(engine, name, definition, arguments, returns)
    params = ", ".join(quote(arg_name) for arg_name, _ in arguments)
    with engine.atomic():
        if existing is not None:
            # A scalar UDF replaced by a table one (or back) is another kind of macro: drop the old one.
            engine.con.execute(f"DROP MACRO {'TABLE ' if existing.is_table else ''}IF EXISTS {name.sql}")
        temp = "TEMP " if temporary else ""
        engine.con.execute(f"CREATE OR REPLACE {temp}MACRO {name.sql}({params}) AS {macro_body}")
        kind = "TABLE " if definition.is_table else ""
        engine.con.execute(f"COMMENT ON MACRO {kind}{name.sql} IS {literal(json.dumps(asdict(definition)))}")
    _remember(_query_udfs(engine), name, definition)
    return status(f"Function {display_part(name.name)} successfully created.")


def _checked_language(props: list[exp.Expr]) -> str:
    language = definitions.language(props)
    if language in _REFUSED:
        raise UnsupportedSqlError(
            f"{_REFUSED[language]} UDFs are not supported by the local engine (it runs SQL and Python UDFs only). "
            "Write the function in SQL or Python, or run it on Snowflake."
        )
    if language not in ("SQL", "PYTHON"):
        raise UnsupportedSqlError(f"LANGUAGE {language} UDFs are not supported by the local engine.")
    if any(isinstance(prop, exp.SecureProperty | exp.ExternalProperty) for prop in props):
        raise UnsupportedSqlError("SECURE and EXTERNAL functions are not supported by the local engine.")
    return language


def _macro_body(
    engine: Engine,
    name: ObjectName,
    definition: UdfDef,
    arguments: list[tuple[str, exp.DataType]],
    returns: exp.ReturnsProperty,
) -> str:
    if definition.language == "PYTHON":
        if definition.is_table:
            raise UnsupportedSqlError(
                "Python UDTFs (a handler class with process()) are not supported by the local engine; "
                "write the table function in SQL."
            )
        return python_udfs.register(engine, name, definition.code, arguments, definitions.return_kind(returns))
    if definition.is_table:
        return "TABLE " + _table_body(engine, definition.body, arguments, returns)
    return _scalar_body(engine, definition.body, arguments, definitions.return_kind(returns))


def drop(engine: Engine, statement: Statement) -> Result:
    """``DROP FUNCTION [IF EXISTS] name(arg types)``: https://docs.snowflake.com/en/sql-reference/sql/drop-function"""
    ast = definitions.parse(statement.text, "DROP FUNCTION")
    tables = ast.args.get("tables") if isinstance(ast, exp.Drop) else None
    table = tables[0] if tables and len(tables) == 1 else None
    if not isinstance(table, exp.Table):
        raise UnsupportedSqlError(f"This form of DROP FUNCTION is not supported by the local engine: {statement.text}")
    engine.implicit_commit()
    name = asked = from_table(table, engine.database, engine.schema)
    existing = _existing(engine, name)
    if existing is None:
        temp = definitions.temp_name(table)
        existing, name = _existing(engine, temp), temp
    if existing is None:
        if ast.args.get("exists"):
            return status("Drop statement executed successfully (function already dropped).")
        raise LocalEngineError(
            f"SQL compilation error:\nFunction '{asked.display}' does not exist or not authorized."
        )
    signature = "(" + ", ".join(definitions.type_class(kind) for kind in ast.expressions) + ")"
    if signature != existing.signature:
        raise LocalEngineError(
            f"SQL compilation error:\nFunction '{name.display}{signature}' does not exist or not authorized."
        )
    with engine.atomic():
        engine.con.execute(f"DROP MACRO {'TABLE ' if existing.is_table else ''}{name.sql}")
    if existing.language == "PYTHON":
        python_udfs.unregister(engine, name)
    _remember(_query_udfs(engine), name, None)
    return status(f"{display_part(name.name)} successfully dropped.")


_SHOW_COLUMNS = (
    "created_on", "name", "schema_name", "is_builtin", "is_aggregate", "is_ansi", "min_num_arguments",
    "max_num_arguments", "arguments", "description", "catalog_name", "is_table_function",
    "valid_for_clustering", "is_secure", "secrets", "external_access_integrations", "is_external_function",
    "language", "is_memoizable", "is_data_metric",
)  # fmt: skip


def show(engine: Engine, statement: Statement) -> Result:
    """``SHOW USER FUNCTIONS [LIKE …] [IN …]``: https://docs.snowflake.com/en/sql-reference/sql/show-user-functions"""
    spec = parse_show(engine, statement.text, ("USER", "FUNCTIONS"))
    rows: list[tuple[object, ...]] = []
    for name, udf in sorted(_all(engine), key=lambda item: (item[0].schema, item[0].name)):
        if not spec.matches(name):
            continue
        args = udf.signature
        returns = (
            udf.returns
            if udf.is_table
            else definitions.type_class(exp.DataType.build(udf.returns, dialect="snowflake"))
        )
        created = datetime.fromisoformat(udf.created_on).replace(tzinfo=timezone.utc)
        count = len(udf.arguments)
        rows.append((
            created, name.name, name.schema, "N", "N", "N", count, count,
            f"{name.name}{args} RETURN {returns}", "user-defined function", name.database,
            "Y" if udf.is_table else "N", "N", "N", None, None, "N", udf.language, "N", "N",
        ))  # fmt: skip
    if spec.limit is not None:
        rows = rows[: spec.limit]
    types = [pa.string()] * len(_SHOW_COLUMNS)
    types[0] = pa.timestamp("us", tz="UTC")
    types[6] = types[7] = pa.int64()
    return from_records(_SHOW_COLUMNS, rows, types)


# -- calls ----------------------------------------------------------------------------------------------


def rewriter(engine: Engine) -> Any:
    """``TABLE(f(…))`` of a user table function becomes ``f(…)`` (DuckDB's call of a table macro).

    DuckDB inlines a macro's query with each argument in place of its parameter, so an argument that names a
    column could bind to a table inside the function's query instead of the caller's: a call whose argument
    is an unqualified column, or a column qualified by a name the function's query also uses, is refused.
    The rewriter looks at the statement only while a UDF with a query body exists, so it costs nothing
    otherwise.
    """

    def rewrite(ast: exp.Expr) -> exp.Expr:
        queries = _query_udfs(engine)
        if not queries:
            return ast
        for call in list(ast.find_all(exp.Anonymous)):
            inner = queries.get(str(call.name).upper())
            if inner is None:
                continue
            _check_arguments(call, inner)
            parent = call.parent
            if isinstance(parent, exp.TableFromRows) and parent.this is call:
                alias = parent.args.get("alias")
                parent.replace(exp.Table(this=call.copy(), alias=alias.copy() if alias else None))
        return ast

    return rewrite


def _check_arguments(call: exp.Anonymous, inner: frozenset[str]) -> None:
    for column in (c for arg in call.expressions for c in arg.find_all(exp.Column)):
        qualifier = str(column.table).upper()
        if not qualifier or qualifier in inner:
            raise UnsupportedSqlError(
                f"The argument {column.sql(dialect='snowflake')} of {call.name}(…) is a column the local engine "
                "could bind to a table inside the function's query (it inlines the query). Qualify the column "
                "with a table alias the function does not use, e.g. FROM T AS O, TABLE(F(O.COL))."
            )


def on_open(engine: Engine) -> None:
    """Re-register the Python handlers of the UDFs a reopened folder holds."""
    if engine.path is None:
        return
    for name, udf in _all(engine):
        if udf.language == "PYTHON":
            python_udfs.reopen(engine, name, udf.code, [kind for _, kind in udf.arguments], udf.returns)


# -- building the macro -----------------------------------------------------------------------------------


def _scalar_body(engine: Engine, body: str, arguments: list[tuple[str, exp.DataType]], returns: exp.DataType) -> str:
    if _QUERY.match(body):
        value: exp.Expr = exp.Subquery(this=definitions.parse(body, "the UDF's body"))
    else:
        select = definitions.parse(f"SELECT {body}", "the UDF's body")
        if not isinstance(select, exp.Select) or len(select.expressions) != 1:
            raise LocalEngineError(f"SQL compilation error: a scalar UDF's body is one expression; got {body!r}.")
        value = select.expressions[0]
    value = _cast_arguments(value, arguments)
    translated = engine.transform(exp.select(exp.cast(value, returns.copy())))
    node = parse_duckdb(translated, dialect="duckdb")
    if not isinstance(node, exp.Select) or len(node.expressions) != 1:
        raise UnsupportedSqlError(f"The body of this UDF cannot be translated by the local engine: {body!r}.")
    result = node.expressions[0]
    result = result.this if isinstance(result, exp.Alias) else result
    return "(" + str(result.sql(dialect="duckdb")) + ")"


def _table_body(
    engine: Engine, body: str, arguments: list[tuple[str, exp.DataType]], returns: exp.ReturnsProperty
) -> str:
    schema = returns.this
    if not isinstance(schema, exp.Schema):
        raise UnsupportedSqlError("RETURNS TABLE () without columns is not supported by the local engine.")
    query = definitions.parse(body, "the UDTF's body")
    if not isinstance(query, exp.Query):
        raise LocalEngineError(f"SQL compilation error: a table function's body is a query; got {body!r}.")
    query = _cast_arguments(query, arguments)
    columns = [
        (definitions.ident(col.this), col.args["kind"]) for col in schema.expressions if isinstance(col, exp.ColumnDef)
    ]
    inner = [f"_C{i}" for i in range(1, len(columns) + 1)]
    alias = exp.TableAlias(
        this=exp.to_identifier("_MOVIECDC_UDTF", quoted=True),
        columns=[exp.to_identifier(c, quoted=True) for c in inner],
    )
    select = exp.select(
        *(
            exp.alias_(exp.cast(exp.column(c, quoted=True), kind.copy()), exp.to_identifier(col, quoted=True))
            for c, (col, kind) in zip(inner, columns, strict=True)
        )
    ).from_(exp.Subquery(this=query, alias=alias))
    return engine.transform(select)


def _cast_arguments(node: exp.Expr, arguments: list[tuple[str, exp.DataType]]) -> Any:
    """Each reference to an argument becomes the argument cast to its declared type."""
    types = dict(arguments)

    def cast(column: exp.Expr) -> exp.Expr:
        if isinstance(column, exp.Column) and not column.table and isinstance(column.this, exp.Identifier):
            name = definitions.ident(column.this)
            if name in types:
                return exp.cast(exp.column(name, quoted=True), types[name].copy())
        return column

    return node.transform(cast)


# -- the stored functions ---------------------------------------------------------------------------------


def _load(comment: Any) -> UdfDef | None:
    if not isinstance(comment, str) or not comment.startswith(_MARK):
        return None
    return UdfDef(**json.loads(comment))


def _existing(engine: Engine, name: ObjectName) -> UdfDef | None:
    rows = engine.con.execute(
        "SELECT comment FROM duckdb_functions() WHERE database_name = ? AND schema_name = ? AND function_name = ? "
        "AND function_type IN ('macro', 'table_macro')",
        [name.database, name.schema, name.name],
    ).fetchall()
    for (comment,) in rows:
        udf = _load(comment)
        if udf is not None:
            return udf
    if rows:
        raise UnsupportedSqlError(f"{name.display} is a function of the local engine itself; pick another name.")
    return None


def _all(engine: Engine) -> list[tuple[ObjectName, UdfDef]]:
    rows = engine.con.execute(
        "SELECT database_name, schema_name, function_name, comment FROM duckdb_functions() "
        "WHERE function_type IN ('macro', 'table_macro') AND starts_with(comment, ?)",
        [_MARK],
    ).fetchall()
    found = []
    for database, schema, function, comment in rows:
        udf = _load(comment)
        if udf is not None:
            found.append((ObjectName(database, schema, function), udf))
    return found


def _query_udfs(engine: Engine) -> dict[str, frozenset[str]]:
    """UDFs whose body is a query, by name, with the table names and aliases that query uses.

    Listing DuckDB's functions costs tens of milliseconds, so this registry is read once when a folder opens
    and kept up to date by CREATE and DROP FUNCTION; it is not dropped with the catalog caches. A name left
    behind by DROP SCHEMA only makes a call to it refused, never answered wrongly.
    """
    found = _REGISTRY.get(engine)
    if found is None:
        found = {}
        if engine.path is not None:  # an in-memory engine starts with no functions
            for name, udf in _all(engine):
                _remember(found, name, udf)
        _REGISTRY[engine] = found
    return found


def _remember(registry: dict[str, frozenset[str]], name: ObjectName, udf: UdfDef | None) -> None:
    registry.pop(name.name.upper(), None)
    if udf is not None and udf.language == "SQL" and (udf.is_table or _QUERY.match(udf.body)):
        names: set[str] = set()
        for node in definitions.parse(udf.body, "the UDF's body").find_all(exp.Table, exp.TableAlias):
            names.add(definitions.ident(node.this) if isinstance(node.this, exp.Identifier) else "")
        registry[name.name.upper()] = frozenset(names - {""})
