"""Stored procedures: ``CREATE [OR REPLACE] PROCEDURE``, ``CALL``, ``DROP PROCEDURE``, ``SHOW PROCEDURES``.

A procedure is kept in its database's catalog, ``_MOVIECDC.PROCEDURES`` (one row per signature: name and
argument types), so it persists with a path and survives reopening, like a table. ``LANGUAGE SQL`` bodies
are Snowflake Scripting blocks run by :mod:`.interpreter`; ``LANGUAGE PYTHON`` handlers run in-process
(:mod:`.python`); Java, JavaScript and Scala are refused at CREATE.
(https://docs.snowflake.com/en/sql-reference/sql/create-procedure, .../sql/call, .../sql/drop-procedure)

``CALL`` answers one row whose one column is named after the procedure, holding the value cast to its
``RETURNS`` type, or the rows of ``RETURNS TABLE(...)``. ``EXECUTE AS CALLER|OWNER`` is recorded (SHOW
PROCEDURES) and has no other effect: the local engine has one user.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local.core import catalog
from moviecdc.local.core.catalog import HIDDEN_SCHEMA, hidden
from moviecdc.local.core.names import ObjectName, Part, display_part, quote
from moviecdc.local.core.results import Result, from_records, status
from moviecdc.local.core.show_filters import parse_show
from moviecdc.local.scripting import python
from moviecdc.local.scripting.blocks import answer
from moviecdc.local.scripting.interpreter import Interpreter, Variable
from moviecdc.local.scripting.lexer import DOLLAR, OP, QUOTED, STRING, WORD, Token, script_tokens, string_value
from moviecdc.local.scripting.syntax import Text, parse_block, parse_expression_list

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine
    from moviecdc.local.core.router import Statement

_DDL = (
    "CREATE TABLE IF NOT EXISTS {db}.{h}.PROCEDURES ("
    "SCHEMA_NAME VARCHAR NOT NULL, NAME VARCHAR NOT NULL, ARGS VARCHAR NOT NULL, RETURNS VARCHAR NOT NULL, "
    "LANGUAGE VARCHAR NOT NULL, EXECUTE_AS VARCHAR NOT NULL, HANDLER VARCHAR, BODY VARCHAR NOT NULL, "
    "PROPERTIES VARCHAR NOT NULL, COMMENT VARCHAR, CREATED_ON TIMESTAMP NOT NULL)"
)
_COLUMNS = "SCHEMA_NAME, NAME, ARGS, RETURNS, LANGUAGE, EXECUTE_AS, HANDLER, BODY, PROPERTIES, COMMENT, CREATED_ON"
_CACHE = "procedures"
_REFUSED_LANGUAGES = {"JAVA": "Java", "JAVASCRIPT": "JavaScript", "SCALA": "Scala"}
_FLAGS = {  # clauses that change nothing the local engine can observe; accepted and recorded
    "VOLATILE", "IMMUTABLE", "STRICT", "SECURE", "COPY", "GRANTS",
}  # fmt: skip


@dataclass(frozen=True)
class Argument:
    name: str
    type: str
    default: str | None = None  # the default's SQL text


@dataclass(frozen=True)
class Procedure:
    name: ObjectName
    args: tuple[Argument, ...]
    returns: str  # a type, or TABLE(...)
    language: str
    execute_as: str
    body: str
    created_on: datetime
    handler: str | None = None
    properties: dict[str, str] = field(default_factory=dict, compare=False)
    comment: str | None = None

    @property
    def signature(self) -> tuple[str, ...]:
        return tuple(_base_type(a.type) for a in self.args)

    @property
    def arguments_text(self) -> str:
        """As SHOW PROCEDURES prints it: ``NAME(NUMBER, VARCHAR) RETURN VARCHAR``."""
        return f"{self.name.name}({', '.join(self.signature)}) RETURN {self.returns}"


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
        catalog.ensure(engine.con, name.database)
        engine.con.execute(_DDL.format(db=quote(name.database), h=quote(HIDDEN_SCHEMA)))
        engine.invalidate()  # the catalog table may be new
        existing = _find_exact(engine, name, spec.signature)
        if existing is not None:
            if if_not_exists:
                return status(f"{display_part(name.name)} already exists, statement succeeded.")
            if not or_replace:
                raise LocalEngineError(f"SQL compilation error: Object '{name.display}' already exists.")
            _delete(engine, existing)
        _insert(engine, spec)
    # Snowflake answers CREATE PROCEDURE with the text it uses for functions (the docs' examples show it).
    return status(f"Function {display_part(name.name)} successfully created.")


def _parse_create(engine: Engine, text: str) -> tuple[Procedure, bool, bool]:  # noqa: PLR0912, PLR0915
    tokens = script_tokens(text)
    cur = _Cursor(tokens)
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
            raise LocalEngineError(f"SQL compilation error: argument '{_text(text, words)}' needs a name and a type.")
        arg_name = words[0].text[1:-1] if words[0].kind == QUOTED else words[0].text.upper()
        rest = list(words[1:])
        default = None
        for index, token in enumerate(rest):
            if token.is_word("DEFAULT"):
                default = _text(text, tuple(rest[index + 1 :]))
                rest = rest[:index]
                break
        args.append(Argument(arg_name, _type_text(text, tuple(rest)), default))
    cur.expect("RETURNS")
    if cur.at("TABLE"):
        cur.next()
        cur.expect("(")
        columns = cur.until_close()
        returns = f"TABLE({_text(text, columns.tokens)})"
    else:
        returns = _type_text(text, cur.type_tokens())
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
                value = _text(text, cur.until_close().tokens)
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
    cur = _Cursor(tokens)
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
    interpreter = Interpreter(engine, statement.text)
    scope_values = interpreter.new_scope()
    for index, arg in enumerate(procedure.args):
        if index < len(positional):
            expression: Text | None = positional[index]
        else:
            expression = named.get(arg.name)
        if expression is not None:
            values[arg.name] = interpreter.evaluate(expression, scope_values)
        elif arg.default is not None:
            values[arg.name] = Interpreter(engine, arg.default).evaluate(
                Text(tuple(script_tokens(arg.default))), scope_values
            )
        else:
            raise LocalEngineError(f"SQL compilation error: argument '{arg.name}' of {name.display} has no value.")
    arguments = {a.name: Variable(interpreter.coerce(values[a.name], a.type, 0), a.type) for a in procedure.args}
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
    candidates = [p for p in load(engine).values() if p.name == name]
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
    cur = _Cursor(script_tokens(statement.text))
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
            _base_type(_type_text(statement.text, p.tokens)) for p in parse_expression_list(cur.until_close())
        )
    engine.implicit_commit()
    found = [p for p in load(engine).values() if p.name == name and (signature is None or p.signature == signature)]
    if len(found) != 1:
        if not found and if_exists:
            return status("Drop statement executed successfully (PROCEDURE already dropped).")
        if found:
            raise LocalEngineError(f"SQL compilation error: DROP PROCEDURE {name.display} needs its argument types.")
        raise LocalEngineError(f"SQL compilation error: Procedure '{name.display}' does not exist or not authorized.")
    with engine.atomic():
        _delete(engine, found[0])
    return status(f"{display_part(name.name)} successfully dropped.")


def show(engine: Engine, statement: Statement) -> Result:
    """``SHOW [USER] PROCEDURES [LIKE …] [IN …] [STARTS WITH …] [LIMIT n]``: user procedures (Snowflake also
    lists built-in ones in SHOW PROCEDURES)."""
    words = (
        ("USER", "PROCEDURES") if statement.keywords.startswith(("SHOW USER", "SHOW TERSE USER")) else ("PROCEDURES",)
    )
    where = parse_show(engine, statement.text, words)
    rows = sorted(load(engine).values(), key=lambda p: (p.name.database, p.name.schema, p.name.name))
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


def forget_schema(engine: Engine, statement: Statement) -> None:
    """After ``DROP SCHEMA`` succeeded: its procedures go with it (a schema created again starts empty)."""
    cur = _Cursor(script_tokens(statement.text))
    cur.expect("DROP")
    cur.expect("SCHEMA")
    if cur.at("IF"):
        cur.next()
        cur.expect("EXISTS")
    parts = cur.name_parts()
    database = parts[0].resolved if len(parts) == 2 else engine.database
    if database is None or database not in engine.holders("PROCEDURES"):
        return
    with engine.atomic():
        engine.family_caches.pop(_CACHE, None)
        table = hidden(database, "PROCEDURES").sql
        engine.con.execute(f"DELETE FROM {table} WHERE SCHEMA_NAME = ?", [parts[-1].resolved])


# -- the catalog --------------------------------------------------------------------------------------


def load(engine: Engine) -> dict[tuple[ObjectName, tuple[str, ...]], Procedure]:
    """Every procedure of every attached database, by name and signature (cached until DDL)."""
    cached: dict[tuple[ObjectName, tuple[str, ...]], Procedure] | None = engine.family_caches.get(_CACHE)
    if cached is None:
        cached = {}
        for db in engine.holders("PROCEDURES"):
            for row in engine.con.execute(
                f"SELECT {_COLUMNS} FROM {hidden(db, 'PROCEDURES').sql} WHERE SCHEMA_NAME IN "
                "(SELECT schema_name FROM duckdb_schemas() WHERE database_name = ?)",
                [db],
            ).fetchall():
                procedure = _from_row(db, row)
                cached[(procedure.name, procedure.signature)] = procedure
        engine.family_caches[_CACHE] = cached
    return cached


def _from_row(db: str, r: tuple[Any, ...]) -> Procedure:
    args = tuple(Argument(a[0], a[1], a[2]) for a in json.loads(r[2]))
    return Procedure(ObjectName(db, r[0], r[1]), args, r[3], r[4], r[5], r[7], r[10], r[6], json.loads(r[8]), r[9])


def _find_exact(engine: Engine, name: ObjectName, signature: tuple[str, ...]) -> Procedure | None:
    return load(engine).get((name, signature))


def _insert(engine: Engine, p: Procedure) -> None:
    engine.family_caches.pop(_CACHE, None)
    engine.con.execute(
        f"INSERT INTO {hidden(p.name.database, 'PROCEDURES').sql} ({_COLUMNS}) VALUES ({', '.join('?' * 11)})",
        [p.name.schema, p.name.name, json.dumps([[a.name, a.type, a.default] for a in p.args]), p.returns,
         p.language, p.execute_as, p.handler, p.body, json.dumps(p.properties, sort_keys=True), p.comment,
         p.created_on],
    )  # fmt: skip


def _delete(engine: Engine, p: Procedure) -> None:
    engine.family_caches.pop(_CACHE, None)
    engine.con.execute(
        f"DELETE FROM {hidden(p.name.database, 'PROCEDURES').sql} WHERE SCHEMA_NAME = ? AND NAME = ? AND ARGS = ?",
        [p.name.schema, p.name.name, json.dumps([[a.name, a.type, a.default] for a in p.args])],
    )


# -- tokens -------------------------------------------------------------------------------------------


_SYNONYMS = {"INT": "NUMBER", "INTEGER": "NUMBER", "BIGINT": "NUMBER", "SMALLINT": "NUMBER", "TINYINT": "NUMBER",
             "BYTEINT": "NUMBER", "DECIMAL": "NUMBER", "NUMERIC": "NUMBER", "STRING": "VARCHAR", "TEXT": "VARCHAR",
             "CHAR": "VARCHAR", "CHARACTER": "VARCHAR", "DOUBLE": "FLOAT", "REAL": "FLOAT", "FLOAT4": "FLOAT",
             "FLOAT8": "FLOAT", "DATETIME": "TIMESTAMP_NTZ", "TIMESTAMP": "TIMESTAMP_NTZ"}  # fmt: skip


def _base_type(type_: str) -> str:
    """A type as a signature compares it: ``NUMBER(10,2)`` and ``INT`` are both ``NUMBER``."""
    base = type_.split("(", maxsplit=1)[0].strip().upper()
    return _SYNONYMS.get(base, base)


def _text(source: str, tokens: tuple[Token, ...] | list[Token]) -> str:
    return source[tokens[0].start : tokens[-1].end] if tokens else ""


def _type_text(source: str, tokens: tuple[Token, ...] | list[Token]) -> str:
    return " ".join(_text(source, tokens).upper().split())


class _Cursor:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0

    def more(self) -> bool:
        while self.pos < len(self.tokens) and self.tokens[self.pos].text == ";":
            self.pos += 1
        return self.pos < len(self.tokens)

    def peek(self) -> Token:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else Token(OP, "", 0, 0)

    def next(self) -> Token:
        if self.pos >= len(self.tokens):
            raise LocalEngineError("SQL compilation error: unexpected end of the statement.")
        self.pos += 1
        return self.tokens[self.pos - 1]

    def at(self, *words: str) -> bool:
        return self.peek().is_word(*words)

    def expect(self, word: str) -> Token:
        token = self.next()
        if not (token.is_word(word) or token.text == word):
            raise LocalEngineError(f"SQL compilation error: expected {word}, found '{token.text}'.")
        return token

    def name_parts(self) -> tuple[Part, ...]:
        parts: list[Part] = []
        while True:
            token = self.next()
            if token.kind == WORD:
                parts.append(Part(token.text, quoted=False))
            elif token.kind == QUOTED:
                parts.append(Part(token.text[1:-1].replace('""', '"'), quoted=True))
            else:
                raise LocalEngineError(f"SQL compilation error: expected a name, found '{token.text}'.")
            if self.peek().text != ".":
                return tuple(parts)
            self.next()

    def until_close(self) -> Text:
        """The tokens up to the ``)`` closing an already consumed ``(``; consumes the ``)``."""
        start, depth = self.pos, 1
        while self.pos < len(self.tokens):
            token = self.tokens[self.pos]
            depth += 1 if token.text == "(" else -1 if token.text == ")" else 0
            if depth == 0:
                self.pos += 1
                return Text(tuple(self.tokens[start : self.pos - 1]))
            self.pos += 1
        raise LocalEngineError("SQL compilation error: missing ')'.")

    def type_tokens(self) -> list[Token]:
        start = self.pos
        if self.more():
            self.next()
        if self.peek().text == "(":
            self.next()
            self.until_close()
        return self.tokens[start : self.pos]

    def rest(self) -> list[Token]:
        rest = [t for t in self.tokens[self.pos :] if t.text != ";"]
        self.pos = len(self.tokens)
        return rest
