"""Stream staleness: STALE and STALE_AFTER, and the error of reading a stale stream.

Snowflake (https://docs.snowflake.com/en/user-guide/streams-intro, Data retention period and staleness): a stream
becomes stale when its offset falls outside the data retention period of its source table; when that period is
under 14 days and the stream has not been consumed, Snowflake extends it up to ``MAX_DATA_EXTENSION_TIME_IN_DAYS``
(default 14). So the engine reports ``STALE_AFTER`` = the instant the offset last moved (creation, or the commit of
the last consuming DML) + max(``DATA_RETENTION_TIME_IN_DAYS`` (default 1), ``MAX_DATA_EXTENSION_TIME_IN_DAYS``
(default 14)) days, the table's own values when ``ALTER TABLE … SET`` recorded them (:mod:`.alter`).

The engine *reports* ``STALE_AFTER`` but does not make a stream stale when its clock passes it: the change log
keeps every change (nothing is purged by retention), and the engine does not record when each change was made,
so it cannot tell a stream whose offset version was superseded before ``STALE_AFTER`` (stale in Snowflake) from
one whose table sat unchanged until after it (not stale: that version stayed current). Making every stream with
pending changes stale past ``STALE_AFTER`` broke a pipeline reopened after its clock jumped forward
(tests/local/test_reopen.py). A stream whose table was dropped or replaced is stale, as before.
Account-, database- and schema-level values of the two parameters are not read.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from moviecdc.local.core.catalog import HIDDEN_SCHEMA, StreamDef, hidden
from moviecdc.local.streams import alter

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine

DEFAULT_RETENTION_DAYS = 1
DEFAULT_MAX_EXTENSION_DAYS = 14


def _days(engine: Engine, stream: StreamDef, key: str, default: int) -> int:
    if key == "DATA_RETENTION_TIME_IN_DAYS":
        # the one record of a table's retention is _MOVIECDC.RETENTION, which dialect/constraints.py writes for
        # CREATE TABLE and ALTER TABLE … SET | UNSET (time travel reads the same row)
        table = stream.table
        if table.database in engine.holders("RETENTION"):
            rows = engine.con.execute(
                f"SELECT DAYS FROM {hidden(table.database, 'RETENTION').sql} WHERE SCHEMA_NAME = ? AND TABLE_NAME = ?",
                [table.schema, table.name],
            ).fetchall()
            if rows:
                return int(rows[0][0])
    value = alter.parameter(engine, stream.table, key)
    return int(value) if value is not None else default


def stale_after(engine: Engine, stream: StreamDef) -> datetime | None:
    """When the stream becomes (or became) stale if not consumed; None for the engine's internal streams."""
    start = stream.offset_time or stream.created_on
    if start is None or stream.name.schema == HIDDEN_SCHEMA:
        return None
    retention = _days(engine, stream, "DATA_RETENTION_TIME_IN_DAYS", DEFAULT_RETENTION_DAYS)
    extension = _days(engine, stream, "MAX_DATA_EXTENSION_TIME_IN_DAYS", DEFAULT_MAX_EXTENSION_DAYS)
    return start + timedelta(days=max(retention, extension))


def is_stale(engine: Engine, stream: StreamDef) -> bool:
    """Stale: its table was dropped or replaced (see the module's docstring for the clock)."""
    return stream.stale


def reason(engine: Engine, stream: StreamDef) -> str:
    return stream.invalid_reason or "Base table dropped or replaced"
