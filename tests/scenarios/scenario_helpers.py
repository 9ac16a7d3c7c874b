"""What every scenario does: run a tutorial's statements one by one, and read a table's rows in order."""

from __future__ import annotations

from typing import Any

from moviecdc import LocalSession


def run(session: LocalSession, *statements: str) -> None:
    """Run a tutorial's statements one by one, as a user pastes them into a worksheet."""
    for statement in statements:
        session.sql(statement).collect()


def rows(session: LocalSession, query: str) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in session.sql(query).collect()]
