"""Stored procedures: ``CREATE [OR REPLACE] PROCEDURE``, ``CALL``, ``DROP PROCEDURE``, ``SHOW PROCEDURES``.

A procedure is kept in its database's catalog (:mod:`.procedure_catalog`), so it persists with a path and
survives reopening, like a table. ``LANGUAGE SQL`` bodies
are Snowflake Scripting blocks run by :mod:`.interpreter`; ``LANGUAGE PYTHON`` handlers run in-process
(:mod:`.python`); Java, JavaScript and Scala are refused at CREATE.
(https://docs.snowflake.com/en/sql-reference/sql/create-procedure, .../sql/call, .../sql/drop-procedure)

``CALL`` answers one row whose one column is named after the procedure, holding the value cast to its
``RETURNS`` type, or the rows of ``RETURNS TABLE(...)``. ``EXECUTE AS CALLER|OWNER`` is recorded (SHOW
PROCEDURES) and has no other effect: the local engine has one user.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyarrow as pa

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local.core.names import ObjectName, display_part
from moviecdc.local.core.results import Result, from_records, status
from moviecdc.local.core.show_filters import parse_show
from moviecdc.local.scripting import procedure_catalog, python
from moviecdc.local.scripting.blocks import answer
from moviecdc.local.scripting.clauses import Clauses, base_type, source_text, type_text
from moviecdc.local.scripting.expressions import Expressions
from moviecdc.local.scripting.interpreter import Interpreter
from moviecdc.local.scripting.lexer import DOLLAR, QUOTED, STRING, WORD, script_tokens, string_value
from moviecdc.local.scripting.nodes import Text
from moviecdc.local.scripting.procedure_catalog import Argument, Procedure
from moviecdc.local.scripting.state import Scope, Variable
from moviecdc.local.scripting.syntax import parse_block, parse_expression_list

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine
    from moviecdc.local.core.router import Statement

_REFUSED_LANGUAGES = {"JAVA": "Java", "JAVASCRIPT": "JavaScript", "SCALA": "Scala"}
_FLAGS = {  # clauses that change nothing the local engine can observe; accepted and recorded
    "VOLATILE", "IMMUTABLE", "STRICT", "SECURE", "COPY", "GRANTS",
}  # fmt: skip


# -- CREATE -----------------------------------------------------------------------------------------


def create(engine: Engine, statement: Statement) -> Result:
    spec, or_replace, if_not_exists = _parse_create(engine, statement.text)
    engine.implicit_commit()
    name = spec.name
    if not engine.con.execute(
        "SELECT 1 FROM duckdb_schemas() WHERE database_name = ? AND schema_name = ?", [name.database, name.schema]
    ).fetchall():
        raise LocalEngineError(f"Schema '{name.database}.{name.schema}' does not exist or not authorized.")
    with engine.atomic():
        procedure_catalog.ensure(engine, name.database)
        engine.invalidate()  # the catalog table may be new
        existing = procedure_catalog.find_exact(engine, name, spec.signature)
        if existing is not None:
            if if_not_exists:
                return status(f"{display_part(name.name)} already exists, statement succeeded.")
            if not or_replace:
                raise LocalEngineError(f"SQL compilation error: Object '{name.display}' already exists.")
            procedure_catalog.delete(engine, existing)
        procedure_catalog.insert(engine, spec)
    # Snowflake answers CREATE PROCEDURE with the text it uses for functions (the docs' examples show it).
    return status(f"Function {display_part(name.name)} successfully created.")


def _parse_create(engine: Engine, text: str) -> tuple[Procedure, bool, bool]:  # noqa: PLR0912, PLR0915
    tokens = script_tokens(text)
    cur = Clauses(tokens)
    cur.expect("CREATE")
    or_replace = if_not_exists = False
    properties: dict[str, str] = {}
    if cur.at("OR"):
        cur.next()
        cur.expect("REPLACE")
        or_replace = True
    while cur.at("SECURE", "TEMPORARY", "TEMP"):
        word = cur.next().upper
        if word != "SECURE":
            raise UnsupportedSqlError(f"CREATE {word} PROCEDURE is not supported by the local engine.")
        properties["SECURE"] = "true"
    cur.expect("PROCEDURE")
    if cur.at("IF"):
        cur.next()
        cur.expect("NOT")
        cur.expect("EXISTS")
        if_not_exists = True
    name = engine.resolve(cur.name_parts())
    cur.expect("(")
    args: list[Argument] = []
    for part in parse_expression_list(cur.until_close()):
        words = part.tokens
        if len(words) < 2:
            raise LocalEngineError(
                f"SQL compilation error: argument '{source_text(text, words)}' needs a name and a type."
            )
        arg_name = words[0].text[1:-1] if words[0].kind == QUOTED else words[0].text.upper()
        rest = list(words[1:])
        default = None
        for index, token in enumerate(rest):
            if token.is_word("DEFAULT"):
                default = source_text(text, tuple(rest[index + 1 :]))
                rest = rest[:index]
                break
        args.append(Argument(arg_name, type_text(text, tuple(rest)), default))
    cur.expect("RETURNS")
    if cur.at("TABLE"):
        cur.next()
        cur.expect("(")
        columns = cur.until_close()
        returns = f"TABLE({source_text(text, columns.tokens)})"
    else:
        returns = type_text(text, cur.type_tokens())
    language, execute_as, handler, comment, body = "SQL", "OWNER", None, None, None
    while cur.more():
        token = cur.next()
        word = token.upper
        if word == "NOT" and cur.at("NULL"):
            cur.next()
            properties["NOT NULL"] = "true"
        elif word == "NULL":
            pass
        elif word == "LANGUAGE":
            language = cur.next().upper
        elif word == "RETURNS" and cur.at("NULL"):  # RETURNS NULL ON NULL INPUT
            for expected in ("NULL", "ON", "NULL", "INPUT"):
                cur.expect(expected)
            properties["NULL HANDLING"] = "RETURNS NULL ON NULL INPUT"
        elif word == "CALLED":
            for expected in ("ON", "NULL", "INPUT"):
                cur.expect(expected)
        elif word in _FLAGS:
            properties[word] = "true"
        elif word == "EXECUTE":
            cur.expect("AS")
            execute_as = cur.next().upper
            if execute_as == "RESTRICTED":
                execute_as = "RESTRICTED " + cur.expect("CALLER").upper
            if execute_as not in ("CALLER", "OWNER", "RESTRICTED CALLER"):
                raise LocalEngineError(f"SQL compilation error: EXECUTE AS {execute_as} is not CALLER or OWNER.")
        elif word in ("RUNTIME_VERSION", "HANDLER", "COMMENT", "PACKAGES", "IMPORTS", "EXTERNAL_ACCESS_INTEGRATIONS",
                      "SECRETS", "ARTIFACT_REPOSITORY", "TARGET_PATH", "LOG_LEVEL", "TRACE_LEVEL"):  # fmt: skip
            cur.expect("=")
            if cur.peek().text == "(":
                cur.next()
                value = source_text(text, cur.until_close().tokens)
                properties[word] = f"({value})"
            else:
                value_token = cur.next()
                value = string_value(value_token) if value_token.kind in (STRING, DOLLAR) else value_token.text
                properties[word] = value
            if word == "HANDLER":
                handler = value
            elif word == "COMMENT":
                comment = value
        elif word == "AS":
            rest = cur.rest()
            if len(rest) == 1 and rest[0].kind in (STRING, DOLLAR):
                body = string_value(rest[0])
            else:  # AS BEGIN … END without $$ (Snowsight's form)
                body = text[rest[0].start :] if rest else ""
            break
        else:
            raise UnsupportedSqlError(
                f"CREATE PROCEDURE clause {token.text} is not supported by the local engine. Remove it."
            )
    if language in _REFUSED_LANGUAGES:
        label = _REFUSED_LANGUAGES[language]
        raise UnsupportedSqlError(
            f"{label} stored procedures are not supported by the local engine (it runs no {label} runtime). "
            "Write the procedure in LANGUAGE SQL (Snowflake Scripting) or LANGUAGE PYTHON."
        )
    if language not in ("SQL", "PYTHON"):
        raise UnsupportedSqlError(f"LANGUAGE {language} procedures are not supported by the local engine.")
    if body is None:
        raise UnsupportedSqlError(
            "A procedure without an inline body (AS '…' or AS $$ … $$), e.g. a handler in a staged file "
            "(IMPORTS), is not supported by the local engine. Put the code inline."
        )
    if language == "SQL":
        parse_block(body)  # a syntax error fails CREATE, as Snowflake compiles the body
    else:
        python.check(body, handler, properties)
    spec = Procedure(name, tuple(args), returns, language, execute_as, body, engine.now(), handler, properties, comment)
    return spec, or_replace, if_not_exists


# -- CALL -------------------------------------------------------------------------------------------


def call(engine: Engine, statement: Statement) -> Result:  # noqa: PLR0912 - argument forms
    """``CALL name(args)`` (also ``CALL name(arg => value, …)``)."""
    tokens = script_tokens(statement.text)
    cur = Clauses(tokens)
    cur.expect("CALL")
    parts = cur.name_parts()
    cur.expect("(")
    inner = cur.until_close()
    if cur.more():
        if cur.at("INTO"):
            raise LocalEngineError("SQL compilation error: CALL … INTO :variable is valid inside a block only.")
        raise LocalEngineError(f"SQL compilation error: unexpected '{cur.peek().text}' after CALL's arguments.")
    name = engine.resolve(parts)
    given = parse_expression_list(inner)
    named: dict[str, Text] = {}
    positional: list[Text] = []
    for given_arg in given:
        words = given_arg.tokens
        if len(words) >= 3 and words[1].text == "=>" and words[0].kind == WORD:
            named[words[0].text.upper()] = Text(words[2:])
        else:
            positional.append(given_arg)
    procedure = _resolve_call(engine, name, len(positional) + len(named))
    values: dict[str, Any] = {}
    given_values = Expressions(engine, statement.text, {})
    scope_values = Scope(None)
    for index, arg in enumerate(procedure.args):
        if index < len(positional):
            expression: Text | None = positional[index]
        else:
            expression = named.get(arg.name)
        if expression is not None:
            values[arg.name] = given_values.evaluate(expression, scope_values)
        elif arg.default is not None:
            values[arg.name] = Expressions(engine, arg.default, {}).evaluate(
                Text(tuple(script_tokens(arg.default))), scope_values
            )
        else:
            raise LocalEngineError(f"SQL compilation error: argument '{arg.name}' of {name.display} has no value.")
    arguments = {a.name: Variable(given_values.coerce(values[a.name], a.type, 0), a.type) for a in procedure.args}
    if procedure.language == "PYTHON":
        value = python.run(
            engine, procedure.body, procedure.handler or "", [arguments[a.name].value for a in procedure.args]
        )
    else:
        value = Interpreter(engine, procedure.body).run(parse_block(procedure.body), arguments)
    returns_table = procedure.returns.startswith("TABLE(")
    if returns_table and not isinstance(value, Result):
        raise LocalEngineError(f"Procedure {name.display} RETURNS TABLE but returned a value; RETURN TABLE(resultset).")
    return answer(engine, value, procedure.name.name, None if returns_table else procedure.returns)


def _resolve_call(engine: Engine, name: ObjectName, count: int) -> Procedure:
    candidates = [p for p in procedure_catalog.load(engine).values() if p.name == name]
    fitting = [p for p in candidates if sum(1 for a in p.args if a.default is None) <= count <= len(p.args)]
    if len(fitting) > 1:
        exact = [p for p in fitting if len(p.args) == count]
        fitting = exact if len(exact) == 1 else fitting
    if len(fitting) == 1:
        return fitting[0]
    if len(fitting) > 1:
        raise UnsupportedSqlError(
            f"Choosing among overloads of {name.display} with {count} arguments by their types is not supported by "
            "the local engine. Give the overloads different names."
        )
    if candidates:
        raise LocalEngineError(
            f"SQL compilation error: Invalid argument types for function '{name.name}': no overload takes {count} "
            "arguments."
        )
    raise LocalEngineError(
        f"SQL compilation error: Unknown user-defined function {name.display}."
    )  # Snowflake's text for an unknown procedure (docs do not give it; its error for functions)


# -- DROP / SHOW --------------------------------------------------------------------------------------


def drop(engine: Engine, statement: Statement) -> Result:
    """``DROP PROCEDURE [IF EXISTS] name(type, …)``."""
    cur = Clauses(script_tokens(statement.text))
    cur.expect("DROP")
    cur.expect("PROCEDURE")
    if_exists = False
    if cur.at("IF"):
        cur.next()
        cur.expect("EXISTS")
        if_exists = True
    name = engine.resolve(cur.name_parts())
    signature: tuple[str, ...] | None = None
    if cur.more() and cur.peek().text == "(":
        cur.next()
        signature = tuple(
            base_type(type_text(statement.text, p.tokens)) for p in parse_expression_list(cur.until_close())
        )
    engine.implicit_commit()
    found = [
        p
        for p in procedure_catalog.load(engine).values()
        if p.name == name and (signature is None or p.signature == signature)
    ]
    if len(found) != 1:
        if not found and if_exists:
            return status("Drop statement executed successfully (PROCEDURE already dropped).")
        if found:
            raise LocalEngineError(f"SQL compilation error: DROP PROCEDURE {name.display} needs its argument types.")
        raise LocalEngineError(f"SQL compilation error: Procedure '{name.display}' does not exist or not authorized.")
    with engine.atomic():
        procedure_catalog.delete(engine, found[0])
    return status(f"{display_part(name.name)} successfully dropped.")


def show(engine: Engine, statement: Statement) -> Result:
    """``SHOW [USER] PROCEDURES [LIKE …] [IN …] [STARTS WITH …] [LIMIT n]``: user procedures (Snowflake also
    lists built-in ones in SHOW PROCEDURES)."""
    words = (
        ("USER", "PROCEDURES") if statement.keywords.startswith(("SHOW USER", "SHOW TERSE USER")) else ("PROCEDURES",)
    )
    where = parse_show(engine, statement.text, words)
    rows = sorted(procedure_catalog.load(engine).values(), key=lambda p: (p.name.database, p.name.schema, p.name.name))
    rows = [p for p in rows if where.matches(p.name)][: where.limit]
    columns = ("created_on", "name", "schema_name", "is_builtin", "is_aggregate", "is_ansi", "min_num_arguments",
               "max_num_arguments", "arguments", "description", "catalog_name", "is_table_function",
               "valid_for_clustering", "is_secure", "language", "execute_as")  # fmt: skip
    types = (pa.timestamp("us"), pa.string(), pa.string(), pa.string(), pa.string(), pa.string(), pa.int64(),
             pa.int64(), pa.string(), pa.string(), pa.string(), pa.string(), pa.string(), pa.string(), pa.string(),
             pa.string())  # fmt: skip
    records = [
        (
            p.created_on,
            p.name.name,
            p.name.schema,
            "N",
            "N",
            "N",
            sum(1 for a in p.args if a.default is None),
            len(p.args),
            p.arguments_text,
            p.comment or "user-defined procedure",
            p.name.database,
            "Y" if p.returns.startswith("TABLE(") else "N",
            "N",
            "Y" if "SECURE" in p.properties else "N",
            p.language,
            p.execute_as,
        )
        for p in rows
    ]
    return from_records(columns, records, types)
