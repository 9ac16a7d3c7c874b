"""Snowflake object names inside the local engine: parse, resolve, render.

Snowflake folds an unquoted identifier to upper case and keeps a quoted one as written; fakesnow stores
objects in DuckDB under exactly that resolved spelling. Every name the engine keeps (stream and table
names in its catalog) is the resolved spelling, and every name it renders for DuckDB is quoted, so a
user-supplied name never reaches SQL text unquoted.

>>> parse_name('"MOVIES".public.s')
(Part(text='MOVIES', quoted=True), Part(text='public', quoted=False), Part(text='s', quoted=False))
>>> resolve(parse_name("s"), "MOVIES", "PUBLIC").display
'MOVIES.PUBLIC.S'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlglot import exp
from sqlglot.dialects.snowflake import Snowflake
from sqlglot.tokenizer_core import Token, TokenType

from moviecdc.errors import LocalEngineError

_UNQUOTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")
_TOKENIZER = Snowflake().tokenizer_class()


@dataclass(frozen=True)
class Part:
    """One identifier of a dotted name, as written."""

    text: str
    quoted: bool

    @property
    def resolved(self) -> str:
        """The spelling Snowflake stores: upper case unless quoted."""
        return self.text if self.quoted else self.text.upper()


@dataclass(frozen=True)
class ObjectName:
    """A fully resolved three-part name, e.g. ``MOVIES.PUBLIC.RAW_MOVIES_BOOKING``."""

    database: str
    schema: str
    name: str

    @property
    def display(self) -> str:
        """How Snowflake prints the name (quotes only where the name needs them)."""
        return ".".join(display_part(p) for p in (self.database, self.schema, self.name))

    @property
    def sql(self) -> str:
        """The name quoted for SQL text (DuckDB and Snowflake alike)."""
        return ".".join(quote(p) for p in (self.database, self.schema, self.name))

    def table(self, alias: exp.Identifier | None = None) -> exp.Table:
        """A sqlglot table node for this name, every part quoted."""
        node = exp.Table(
            this=exp.to_identifier(self.name, quoted=True),
            db=exp.to_identifier(self.schema, quoted=True),
            catalog=exp.to_identifier(self.database, quoted=True),
        )
        if alias is not None:
            node.set("alias", exp.TableAlias(this=alias.copy()))
        return node


def quote(identifier: str) -> str:
    """Quote one identifier, doubling embedded quotes."""
    return '"' + identifier.replace('"', '""') + '"'


def display_part(identifier: str) -> str:
    """Print a stored identifier the way Snowflake shows it in messages."""
    if _UNQUOTED.match(identifier) and identifier == identifier.upper():
        return identifier
    return quote(identifier)


def literal(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def parse_name(text: str) -> tuple[Part, ...]:
    """Split a dotted Snowflake name (``db.schema.obj``, parts optionally quoted)."""
    tokens = _TOKENIZER.tokenize(text)
    parts, rest = take_name(tokens, 0)
    if rest != len(tokens) or not parts:
        raise LocalEngineError(f"{text!r} is not an object name. Write it as name, schema.name or db.schema.name.")
    return parts


def take_name(tokens: list[Token], start: int) -> tuple[tuple[Part, ...], int]:
    """Read a dotted name from ``tokens[start:]``; return its parts and the index after it."""
    parts: list[Part] = []
    i = start
    while i < len(tokens):
        token = tokens[i]
        if token.token_type == TokenType.IDENTIFIER:
            parts.append(Part(token.text, quoted=True))
        elif _UNQUOTED.match(token.text):
            parts.append(Part(token.text, quoted=False))
        else:
            break
        i += 1
        if i < len(tokens) and tokens[i].token_type == TokenType.DOT and len(parts) < 3:
            i += 1
            continue
        break
    return tuple(parts), i


def resolve(parts: tuple[Part, ...], database: str | None, schema: str | None) -> ObjectName:
    """Qualify a one-, two- or three-part name against the current database and schema."""
    resolved = [p.resolved for p in parts]
    if len(resolved) == 3:
        return ObjectName(*resolved)
    if len(resolved) == 2:
        if database is None:
            raise LocalEngineError(
                "This session does not have a current database. Call 'USE DATABASE', or use a qualified name."
            )
        return ObjectName(database, resolved[0], resolved[1])
    if len(resolved) == 1:
        if database is None or schema is None:
            raise LocalEngineError(
                "This session does not have a current database or schema. "
                "Call 'USE SCHEMA db.schema', or use a qualified name."
            )
        return ObjectName(database, schema, resolved[0])
    raise LocalEngineError(f"{'.'.join(p.text for p in parts)!r} has too many parts; at most db.schema.name.")


def from_table(node: exp.Table, database: str | None, schema: str | None) -> ObjectName:
    """Resolve a sqlglot table reference."""
    parts = tuple(
        Part(ident.name, quoted=bool(ident.args.get("quoted")))
        for ident in (node.args.get("catalog"), node.args.get("db"), node.this)
        if isinstance(ident, exp.Identifier)
    )
    return resolve(parts, database, schema)
