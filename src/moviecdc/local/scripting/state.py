"""What a running block holds: its scopes of variables, cursors, declared exceptions, and the signals that carry
an exception, a BREAK/CONTINUE or a RETURN through the statements between where it happens and where it lands.

Exception names as Snowflake Scripting has them
(https://docs.snowflake.com/en/developer-guide/snowflake-scripting/exceptions): a failed SQL statement is a
``STATEMENT_ERROR``, a failed expression an ``EXPRESSION_ERROR``; ``OTHER`` in a handler catches any.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from moviecdc.local.scripting.nodes import Text

STATEMENT_ERROR, EXPRESSION_ERROR, OTHER = "STATEMENT_ERROR", "EXPRESSION_ERROR", "OTHER"
USER_SQLSTATE = "P0001"  # SQLSTATE of a user-declared exception (docs: exceptions, "SQLSTATE")


class ScriptError(Exception):
    """An exception inside a block: a failed statement or expression, or a user exception (RAISE)."""

    def __init__(self, name: str, code: int | None, message: str, state: str | None, where: int) -> None:
        super().__init__(message)
        self.name, self.code, self.message, self.state, self.where = name, code, message, state, where


class JumpSignal(Exception):  # noqa: N818 - control flow, not an error
    """BREAK or CONTINUE on its way to its loop."""

    def __init__(self, kind: str, label: str | None) -> None:
        super().__init__(kind)
        self.kind, self.label = kind, label


class ReturnSignal(Exception):  # noqa: N818 - control flow, not an error
    """RETURN on its way to the top of the block."""

    def __init__(self, value: Any) -> None:
        super().__init__("RETURN")
        self.value = value


@dataclass
class Cursor:
    query: Text | None  # None: over a RESULTSET
    resultset: str | None = None
    rows: list[Any] | None = None
    position: int = 0


@dataclass
class Variable:
    value: Any
    type: str | None = None  # the declared type, upper case, for the CAST of each assignment


@dataclass
class Scope:
    parent: Scope | None
    variables: dict[str, Variable] = field(default_factory=dict)
    exceptions: dict[str, tuple[int, str]] = field(default_factory=dict)

    def find(self, name: str) -> Variable | None:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.variables:
                return scope.variables[name]
            scope = scope.parent
        return None

    def exception(self, name: str) -> tuple[int, str] | None:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.exceptions:
                return scope.exceptions[name]
            scope = scope.parent
        return None
