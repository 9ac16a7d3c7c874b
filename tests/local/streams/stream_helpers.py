"""Helpers shared by the local-engine tests."""

from __future__ import annotations

from moviecdc.local import LocalSession


def delta(session: LocalSession, stream: str = "S") -> list[tuple[object, ...]]:
    """A stream's rows without ROW_ID, sorted: (ID, VAL, ACTION, ISUPDATE)."""
    rows = session.sql(f'SELECT ID, VAL, "METADATA$ACTION", "METADATA$ISUPDATE" FROM {stream}').collect()
    return sorted((tuple(r) for r in rows), key=repr)


def consume(session: LocalSession, stream: str = "S") -> list[tuple[object, ...]]:
    """Move a stream's rows into SINK (advancing it) and return them like :func:`delta`."""
    session.sql("DELETE FROM SINK").collect()
    session.sql(
        f'INSERT INTO SINK SELECT ID, VAL, "METADATA$ACTION", "METADATA$ISUPDATE", "METADATA$ROW_ID" FROM {stream}'
    ).collect()
    rows = session.sql("SELECT ID, VAL, ACTION, ISUPDATE FROM SINK").collect()
    return sorted((tuple(r) for r in rows), key=repr)
