"""Reading a statement's clauses from sqlglot's tokens, for the statements fakesnow parses only as commands.

``CREATE STREAM``, ``CREATE TASK``, ``CREATE DYNAMIC TABLE`` and every ``SHOW`` are read clause by clause with
:class:`Tokens`; any clause a family does not emulate is refused by name rather than ignored.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlglot.tokenizer_core import Token

from moviecdc.errors import LocalEngineError
from moviecdc.local.core.names import _TOKENIZER, ObjectName, take_name

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine


class Tokens:
    """A cursor over sqlglot tokens with the few reads a DDL clause needs."""

    def __init__(self, text: str) -> None:
        self.tokens: list[Token] = _TOKENIZER.tokenize(text)
        self.i = 0

    def peek(self, *words: str) -> bool:
        end = self.i + len(words)
        if end > len(self.tokens):
            return False
        return all(t.text.upper() == w for t, w in zip(self.tokens[self.i : end], words, strict=True))

    def accept(self, *words: str) -> bool:
        if self.peek(*words):
            self.i += len(words)
            return True
        return False

    def expect(self, *words: str) -> None:
        if not self.accept(*words):
            found = self.tokens[self.i].text if self.i < len(self.tokens) else "end of statement"
            raise LocalEngineError(f"Syntax error: expected {' '.join(words)}, found {found!r}.")

    def name(self, engine: Engine) -> ObjectName:
        parts, self.i = take_name(self.tokens, self.i)
        if not parts:
            raise LocalEngineError("Syntax error: expected an object name.")
        return engine.resolve(parts)

    def value(self) -> Token:
        if self.i >= len(self.tokens):
            raise LocalEngineError("Syntax error: expected a value.")
        self.i += 1
        return self.tokens[self.i - 1]

    @property
    def done(self) -> bool:
        return self.i >= len(self.tokens)

    def rest(self) -> str:
        return " ".join(t.text for t in self.tokens[self.i :])


def like_pattern(pattern: str) -> re.Pattern[str]:
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.compile(regex, re.IGNORECASE | re.DOTALL)
