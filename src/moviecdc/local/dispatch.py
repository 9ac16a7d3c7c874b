"""Route one statement to the code that runs it.

Statements fakesnow cannot parse (``CREATE STREAM``, ``SHOW STREAMS``, ``DESCRIBE STREAM``, later
``CREATE TASK`` and ``CREATE DYNAMIC TABLE``) are recognised by their leading keywords and go to a handler
registered for them; everything else is parsed with fakesnow's Snowflake dialect and runs through
:func:`moviecdc.local.statements.run_parsed`. Adding a statement family is one ``register`` call::

    dispatcher.register(r"CREATE (OR (REPLACE|ALTER) )?TASK", tasks.create)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from moviecdc.errors import UnsupportedSqlError

if TYPE_CHECKING:
    from moviecdc.local.engine import Engine
    from moviecdc.local.results import Result

_COMMENT = re.compile(r"^\s*(--[^\n]*\n|/\*.*?\*/|\s)*", re.DOTALL)
_WORD = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")


@dataclass(frozen=True)
class Statement:
    """One statement as the user wrote it (trailing ``;`` removed) and its leading keywords."""

    text: str
    keywords: str

    @classmethod
    def of(cls, text: str) -> Statement:
        body = _COMMENT.sub("", text, count=1).strip()
        while body.endswith(";"):
            body = body[:-1].rstrip()
        words = []
        for match in _WORD.finditer(body[:200]):
            words.append(match.group(0).upper())
            if len(words) == 6:
                break
        return cls(body, " ".join(words))


Handler = Callable[["Engine", Statement], "Result"]


class Dispatcher:
    """An ordered list of (leading-keyword pattern, handler); the first match runs."""

    def __init__(self, fallback: Handler) -> None:
        self._rules: list[tuple[re.Pattern[str], Handler]] = []
        self._fallback = fallback

    def register(self, pattern: str, handler: Handler) -> None:
        """Send statements whose leading keywords match ``pattern`` (a regex, upper case) to ``handler``."""
        self._rules.append((re.compile(rf"^(?:{pattern})\b"), handler))

    def handler_for(self, statement: Statement) -> Handler:
        for pattern, handler in self._rules:
            if pattern.match(statement.keywords):
                return handler
        return self._fallback


def unsupported(feature: str, hint: str) -> Handler:
    """A handler that refuses a statement family with a clear message."""

    def refuse(engine: Engine, statement: Statement) -> Result:
        raise UnsupportedSqlError(f"{feature} is not supported by the local engine. {hint}")

    return refuse
