"""Stored procedures in the engine's catalog: ``_MOVIECDC.PROCEDURES`` of the procedure's database, one row per
signature (name and argument types), so a procedure persists with a path and survives reopening, like a table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from moviecdc.local.core import catalog
from moviecdc.local.core.catalog import HIDDEN_SCHEMA, hidden
from moviecdc.local.core.names import ObjectName, quote
from moviecdc.local.scripting.clauses import Clauses, base_type
from moviecdc.local.scripting.lexer import script_tokens

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
        return tuple(base_type(a.type) for a in self.args)

    @property
    def arguments_text(self) -> str:
        """As SHOW PROCEDURES prints it: ``NAME(NUMBER, VARCHAR) RETURN VARCHAR``."""
        return f"{self.name.name}({', '.join(self.signature)}) RETURN {self.returns}"


def ensure(engine: Engine, database: str) -> None:
    """Create ``database``'s engine catalog and procedure table if missing (idempotent)."""
    catalog.ensure(engine.con, database)
    engine.con.execute(_DDL.format(db=quote(database), h=quote(HIDDEN_SCHEMA)))


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


def find_exact(engine: Engine, name: ObjectName, signature: tuple[str, ...]) -> Procedure | None:
    return load(engine).get((name, signature))


def insert(engine: Engine, p: Procedure) -> None:
    engine.family_caches.pop(_CACHE, None)
    engine.con.execute(
        f"INSERT INTO {hidden(p.name.database, 'PROCEDURES').sql} ({_COLUMNS}) VALUES ({', '.join('?' * 11)})",
        [p.name.schema, p.name.name, json.dumps([[a.name, a.type, a.default] for a in p.args]), p.returns,
         p.language, p.execute_as, p.handler, p.body, json.dumps(p.properties, sort_keys=True), p.comment,
         p.created_on],
    )  # fmt: skip


def delete(engine: Engine, p: Procedure) -> None:
    engine.family_caches.pop(_CACHE, None)
    engine.con.execute(
        f"DELETE FROM {hidden(p.name.database, 'PROCEDURES').sql} WHERE SCHEMA_NAME = ? AND NAME = ? AND ARGS = ?",
        [p.name.schema, p.name.name, json.dumps([[a.name, a.type, a.default] for a in p.args])],
    )


def forget_schema(engine: Engine, statement: Statement) -> None:
    """After ``DROP SCHEMA`` succeeded: its procedures go with it (a schema created again starts empty)."""
    cur = Clauses(script_tokens(statement.text))
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
