"""Helpers shared by the dynamic-table tests."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from moviecdc.local import LocalSession
from moviecdc.local.core.engine import quiet
from moviecdc.local.dynamic_tables.statements import next_due, run_due


def rows(session: LocalSession, text: str) -> list[tuple[Any, ...]]:
    """The rows of a query as tuples, in the order the query gives them."""
    return [tuple(r) for r in session.sql(text).collect()]


def due(session: LocalSession) -> datetime | None:
    engine = session._engine
    with engine.lock:
        return next_due(engine)


def run_at(session: LocalSession, instant: datetime) -> None:
    """What the scheduler does at ``instant``: move the clock there, stamp the work, run what is due."""
    engine = session._engine
    with engine.lock, quiet():
        engine.clock.advance_to(instant)
        engine.begin_statement()
        run_due(engine, instant)


def history(session: LocalSession, name: str) -> list[tuple[str, str | None, str]]:
    """(STATE, REFRESH_ACTION, REFRESH_TRIGGER) of a table's refreshes, oldest first."""
    return [
        (r[0], r[1], r[2])
        for r in rows(
            session,
            "SELECT STATE, REFRESH_ACTION, REFRESH_TRIGGER FROM TABLE(INFORMATION_SCHEMA."
            f"DYNAMIC_TABLE_REFRESH_HISTORY(NAME => '{name}')) ORDER BY DATA_TIMESTAMP, REFRESH_START_TIME",
        )
    ]


def shown(session: LocalSession, name: str) -> dict[str, Any]:
    """SHOW DYNAMIC TABLES' row for ``name`` as a dict."""
    found = [r.as_dict() for r in session.sql(f"SHOW DYNAMIC TABLES LIKE '{name}'").collect()]
    assert len(found) == 1, found
    return found[0]


def utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc)
