"""Route one statement to the function that runs it.

Statements fakesnow cannot parse (``CREATE STREAM``, ``CREATE TASK``, ``CREATE DYNAMIC TABLE``, every ``SHOW``
of ours …) are recognised by their leading keywords; everything else is an ordinary statement, parsed with
fakesnow's Snowflake dialect. The table of routes itself is :mod:`moviecdc.local.routes`: one line per
statement kind, read top to bottom, the first match wins.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from moviecdc.errors import UnsupportedSqlError
from moviecdc.local.core.script import one_statement

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine
    from moviecdc.local.core.results import Result

_COMMENT = re.compile(r"^\s*(--[^\n]*\n|/\*.*?\*/|\s)*", re.DOTALL)
_WORD = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")


@dataclass(frozen=True)
class Statement:
    """One statement as the user wrote it (trailing ``;`` removed) and its leading keywords; a text of several
    statements is refused (Snowflake's error 000008)."""

    text: str
    keywords: str

    @classmethod
    def of(cls, text: str) -> Statement:
        body = _COMMENT.sub("", text, count=1).strip()
        while body.endswith(";"):
            body = body[:-1].rstrip()
        one_statement(body)  # one statement per request, as Snowflake (see core/script.py)
        words = []
        for match in _WORD.finditer(body[:200]):
            words.append(match.group(0).upper())
            if len(words) == 6:
                break
        return cls(body, " ".join(words))


Handler = Callable[["Engine", Statement], "Result"]


@dataclass(frozen=True)
class Route:
    """Statements whose leading keywords match ``pattern`` (a regex over upper-case words) go to ``handler``."""

    pattern: str
    handler: Handler


class Router:
    """An ordered table of routes; the first whose pattern matches runs, else ``fallback``."""

    def __init__(self, routes: Iterable[Route], fallback: Handler) -> None:
        self._rules: list[tuple[re.Pattern[str], Handler]] = []
        self._fallback = fallback
        for route in routes:
            self.register(route.pattern, route.handler)

    def register(self, pattern: str, handler: Handler) -> None:
        """Add a route after the existing ones (an extension point for a user's own statement family)."""
        self._rules.append((re.compile(rf"^(?:{pattern})\b"), handler))

    def handler_for(self, statement: Statement) -> Handler:
        for pattern, handler in self._rules:
            if pattern.match(statement.keywords):
                return handler
        return self._fallback


def unsupported(feature: str, hint: str) -> Handler:
    """A handler that refuses a statement kind with a clear message."""

    def refuse(engine: Engine, statement: Statement) -> Result:
        raise UnsupportedSqlError(f"{feature} is not supported by the local engine. {hint}")

    return refuse
