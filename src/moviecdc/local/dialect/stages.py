"""``LIST @stage`` (``LS``): the stage's name is resolved first, so a missing current database or schema is
Snowflake's error rather than an internal one; fakesnow lists the files.

https://docs.snowflake.com/en/sql-reference/sql/list: the stage is ``@[namespace.]stage[/path]``, ``@~`` (the
user's stage) or ``@%table`` (a table's stage); the last two are not emulated.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local.core.names import parse_name

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine
    from moviecdc.local.core.results import Result
    from moviecdc.local.core.router import Statement

_STAGE = re.compile(r"^\s*(?:LIST|LS)\s+@(\S+)", re.IGNORECASE)


def list_stage(engine: Engine, statement: Statement) -> Result:
    match = _STAGE.match(statement.text)
    if match is None:
        raise LocalEngineError(f"SQL compilation error: LIST needs a stage, e.g. LIST @my_stage: {statement.text}")
    location = match.group(1)
    if location.startswith(("~", "%")):
        raise UnsupportedSqlError(
            "User stages (@~) and table stages (@%table) are not supported by the local engine; create a named "
            "stage (CREATE STAGE) and list that."
        )
    name = location.split("/", 1)[0]
    parts = parse_name(name)
    if len(parts) < 3 and engine.database is None:
        raise LocalEngineError(
            "SQL compilation error: This session does not have a current database. Call 'USE DATABASE', or use a "
            "qualified name."
        )
    if len(parts) < 2 and engine.schema is None:
        raise LocalEngineError(
            "SQL compilation error: This session does not have a current schema. Call 'USE SCHEMA', or use a "
            "qualified name."
        )
    return engine.fakesnow(statement.text)
