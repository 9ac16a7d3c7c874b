"""`Statement`: one step of a plan: what kind of step, which object, and its SQL text."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from moviecdc.identifiers import QualifiedName


class StatementKind(str, Enum):
    CREATE_DATABASE = "CREATE DATABASE"
    CREATE_SCHEMA = "CREATE SCHEMA"
    CREATE_TABLE = "CREATE TABLE"
    CREATE_STREAM = "CREATE STREAM"
    CREATE_DYNAMIC_TABLE = "CREATE DYNAMIC TABLE"
    CREATE_TASK = "CREATE TASK"
    SUSPEND_TASK = "SUSPEND TASK"
    RESUME_TASK = "RESUME TASK"
    EXECUTE_TASK = "EXECUTE TASK"
    REFRESH_DYNAMIC_TABLE = "REFRESH DYNAMIC TABLE"
    DROP_TASK = "DROP TASK"
    DROP_DYNAMIC_TABLE = "DROP DYNAMIC TABLE"
    DROP_STREAM = "DROP STREAM"
    DROP_TABLE = "DROP TABLE"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Statement:
    """One SQL statement of a plan. ``str(statement)`` is its SQL text.

    ``target`` is the object it acts on: a :class:`QualifiedName`, or the database / schema name for
    CREATE DATABASE / SCHEMA.
    """

    kind: StatementKind
    target: QualifiedName | str
    sql: str

    def __str__(self) -> str:
        return self.sql

    @property
    def summary(self) -> str:
        """A one-line description, e.g. ``CREATE STREAM "MOVIES"."PUBLIC"."RAW_MOVIES_BOOKING_STREAM"``."""
        return f"{self.kind} {self.target}"
