"""The net change a stream returns, computed from a table's change log.

Snowflake documents a standard stream as the *net* change per row between the stream's offset and now:

=============================  =====================================================================
row at the offset → now         what the stream returns
=============================  =====================================================================
absent → present                INSERT with the current values, ISUPDATE FALSE
present → absent                DELETE with the values at the offset, ISUPDATE FALSE
present → present (updated)     DELETE (values at the offset) + INSERT (current values), ISUPDATE TRUE
absent → absent                 nothing (inserted, then deleted)
=============================  =====================================================================

The change log holds one event per row per changing statement (an update is an old image followed by a
new image), ordered by ``SEQ``. For each row among the events in ``(offset, snapshot]``: the row was
present at the offset exactly when its first event removes an image, and is present now exactly when its
last event adds one; the first event carries the values at the offset and the last one the current values.
So the whole computation reads only the events after the offset: O(rows changed), not O(table).
"""

from __future__ import annotations

from moviecdc.local.core.catalog import INSERT, ROW_ID, StreamDef, TrackedTable
from moviecdc.local.core.names import literal, quote

ACTION = "METADATA$ACTION"
ISUPDATE = "METADATA$ISUPDATE"
ROW_ID_COLUMN = "METADATA$ROW_ID"


def row_id_sql(tracked: TrackedTable, column: str) -> str:
    """METADATA$ROW_ID: an opaque string, unique across tables, fixed for the life of a row."""
    prefix = literal(f"{tracked.name.database}:{tracked.uid}:")
    return f"md5({prefix} || CAST({column} AS VARCHAR))"


def events_sql(stream: StreamDef, tracked: TrackedTable, snapshot: int) -> str:
    """The stream's pending events; rows of a SHOW_INITIAL_ROWS stream come first as inserts."""
    cols = tracked.quoted_columns
    rid = quote(ROW_ID)
    events = (
        f"SELECT {rid} AS RID, ACTION % 2 AS ADDS, ACTION, SEQ * 2 + ACTION % 2 AS ORD, {cols} "
        f"FROM {tracked.log.sql} WHERE SEQ > {int(stream.offset)} AND SEQ <= {int(snapshot)}"
    )
    if stream.initial_pending:
        events += f" UNION ALL SELECT {rid}, 1, {INSERT}, -1, {cols} FROM {stream.initial.sql}"
    return events


def delta_sql(stream: StreamDef, tracked: TrackedTable, snapshot: int) -> str:
    """A DuckDB query returning what ``SELECT * FROM stream`` returns in Snowflake."""
    cols = tracked.quoted_columns
    rid = row_id_sql(tracked, "RID")
    events = events_sql(stream, tracked, snapshot)
    if stream.mode == "APPEND_ONLY":
        # Append-only streams return every row inserted since the offset, whatever happened to it later.
        return (
            f"SELECT {cols}, 'INSERT' AS {quote(ACTION)}, FALSE AS {quote(ISUPDATE)}, {rid} AS {quote(ROW_ID_COLUMN)} "
            f"FROM ({events}) AS E WHERE ACTION = {INSERT}"
        )
    # Rows whose only pending event is their insert (the bulk of an ingest) skip the per-row step; the others
    # get their first and last event from a grouped aggregate joined back (a window over them cost ten times).
    return (
        f"WITH E AS ({events}), "
        f"X AS (SELECT DISTINCT RID FROM E WHERE ACTION <> {INSERT}), "
        # ORD's parity is ADDS (ORD = SEQ * 2 + ADDS; -1 for an initial row, which adds): no arg_min needed.
        "G AS (SELECT RID, min(ORD) AS FIRST_ORD, max(ORD) AS LAST_ORD FROM E SEMI JOIN X USING (RID) GROUP BY RID), "
        "B AS (SELECT * FROM E JOIN G USING (RID)) "
        f"SELECT {cols}, 'INSERT' AS {quote(ACTION)}, FALSE AS {quote(ISUPDATE)}, {rid} AS {quote(ROW_ID_COLUMN)} "
        f"FROM E ANTI JOIN X USING (RID) WHERE ACTION = {INSERT} "
        f"UNION ALL SELECT {cols}, 'DELETE', LAST_ORD % 2 <> 0, {rid} FROM B WHERE ORD = FIRST_ORD AND ADDS = 0 "
        f"UNION ALL SELECT {cols}, 'INSERT', FIRST_ORD % 2 = 0, {rid} FROM B WHERE ORD = LAST_ORD AND ADDS = 1"
    )


def has_data_sql(stream: StreamDef, tracked: TrackedTable, snapshot: int) -> str:
    """Is :func:`delta_sql` non-empty? Exact, without building the rows (no window, no ROW_ID, no values).

    A row yields a DELETE exactly when its first pending event removes an image (it was present at the
    offset) and an INSERT exactly when its last one adds an image (it is present now); only rows inserted
    and deleted again yield nothing. An append-only stream has data when an insert is pending.
    """
    events = events_sql(stream, tracked, snapshot)
    if stream.mode == "APPEND_ONLY":
        return f"SELECT EXISTS (SELECT 1 FROM ({events}) AS E WHERE ACTION = {INSERT})"
    return (
        f"SELECT EXISTS (SELECT 1 FROM ({events}) AS E GROUP BY RID "
        "HAVING arg_min(ADDS, ORD) = 0 OR arg_max(ADDS, ORD) = 1)"
    )
