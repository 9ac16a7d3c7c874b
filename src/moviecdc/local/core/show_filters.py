"""The filter clauses every ``SHOW <objects>`` statement shares, parsed once for streams, tasks and dynamic tables.

``SHOW [TERSE] <objects> [LIKE '…'] [IN ACCOUNT | DATABASE [db] | [SCHEMA] [[db.]s]] [STARTS WITH '…']
[<extra clause>] [LIMIT n]``: without ``IN`` the scope is the current schema, else the current database, else
the account, as in Snowflake.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local.core.names import ObjectName, Part, display_part, take_name
from moviecdc.local.core.tokens import Tokens, like_pattern

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine


@dataclass(frozen=True)
class ShowFilter:
    scope: str  # ACCOUNT | DATABASE | SCHEMA
    database: str | None
    schema: str | None
    like: re.Pattern[str] | None
    starts_with: str | None
    limit: int | None
    terse: bool = False
    extra: bool = False  # the statement's own extra clause was given (e.g. SHOW TASKS … ROOT ONLY)

    def matches(self, name: ObjectName) -> bool:
        return (
            (self.scope == "ACCOUNT" or name.database == self.database)
            and (self.scope != "SCHEMA" or name.schema == self.schema)
            and (self.like is None or self.like.fullmatch(name.name) is not None)
            and (self.starts_with is None or name.name.startswith(self.starts_with))
        )


def parse_show(engine: Engine, text: str, objects: tuple[str, ...], extra: tuple[str, ...] = ()) -> ShowFilter:
    """Parse ``SHOW [TERSE] <objects> …``; ``extra`` is a clause of these objects' own, after STARTS WITH."""
    t = Tokens(text)
    t.expect("SHOW")
    terse = t.accept("TERSE")
    for word in objects:
        t.expect(word)
    like = like_pattern(t.value().text) if t.accept("LIKE") else None
    database, schema = engine.database, engine.schema
    scope = "SCHEMA" if schema else "DATABASE" if database else "ACCOUNT"
    if t.accept("IN"):
        if t.accept("ACCOUNT"):
            scope = "ACCOUNT"
        else:
            scope = "DATABASE" if t.accept("DATABASE") else "SCHEMA"
            if scope == "SCHEMA":
                t.accept("SCHEMA")
            parts: tuple[Part, ...] = ()
            if not (t.done or t.peek("STARTS") or t.peek("LIMIT") or (extra and t.peek(extra[0]))):
                parts, t.i = take_name(t.tokens, t.i)
            if scope == "DATABASE" and parts:
                database = parts[-1].resolved
            elif parts:
                schema = parts[-1].resolved
                database = parts[0].resolved if len(parts) == 2 else database
    starts = t.value().text if t.accept("STARTS", "WITH") else None
    found_extra = bool(extra) and t.accept(*extra)
    limit = int(t.value().text) if t.accept("LIMIT") else None
    if not t.done:
        raise UnsupportedSqlError(f"SHOW {' '.join(objects)} clause {t.rest()!r} is not supported by the local engine.")
    if scope != "ACCOUNT" and database is None:
        raise LocalEngineError("This session does not have a current database. Call 'USE DATABASE', or use IN ACCOUNT.")
    if scope != "ACCOUNT" and database is not None:
        _check_exists(engine, database, schema if scope == "SCHEMA" else None)
    return ShowFilter(scope, database, schema, like, starts, limit, terse, found_extra)


def _check_exists(engine: Engine, database: str, schema: str | None) -> None:
    """Snowflake's error for ``SHOW … IN DATABASE d`` / ``IN SCHEMA d.s`` of a container that does not exist: an
    empty answer would say "no objects there", which is not what Snowflake says."""
    databases = engine.con.execute(
        "SELECT 1 FROM duckdb_databases() WHERE database_name = ? AND NOT internal", [database]
    ).fetchall()
    if not databases:
        raise LocalEngineError(
            f"002003 (02000): SQL compilation error:\nDatabase '{display_part(database)}' does not exist or not "
            "authorized."
        )
    if schema is None:
        return
    stored = "_fs_information_schema" if schema == "INFORMATION_SCHEMA" else schema
    if not engine.con.execute(
        "SELECT 1 FROM duckdb_schemas() WHERE database_name = ? AND schema_name = ?", [database, stored]
    ).fetchall():
        raise LocalEngineError(
            f"002003 (02000): SQL compilation error:\nSchema '{display_part(database)}.{display_part(schema)}' "
            "does not exist or not authorized."
        )
