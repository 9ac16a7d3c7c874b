"""Reading the clauses of ``CREATE PROCEDURE``, ``CALL`` and ``DROP PROCEDURE`` from :mod:`.lexer` tokens (sqlglot
parses none of them), and the type names a procedure's signature compares."""

from __future__ import annotations

from moviecdc.errors import LocalEngineError
from moviecdc.local.core.names import Part
from moviecdc.local.scripting.lexer import OP, QUOTED, WORD, Token
from moviecdc.local.scripting.nodes import Text

_SYNONYMS = {"INT": "NUMBER", "INTEGER": "NUMBER", "BIGINT": "NUMBER", "SMALLINT": "NUMBER", "TINYINT": "NUMBER",
             "BYTEINT": "NUMBER", "DECIMAL": "NUMBER", "NUMERIC": "NUMBER", "STRING": "VARCHAR", "TEXT": "VARCHAR",
             "CHAR": "VARCHAR", "CHARACTER": "VARCHAR", "DOUBLE": "FLOAT", "REAL": "FLOAT", "FLOAT4": "FLOAT",
             "FLOAT8": "FLOAT", "DATETIME": "TIMESTAMP_NTZ", "TIMESTAMP": "TIMESTAMP_NTZ"}  # fmt: skip


def base_type(type_: str) -> str:
    """A type as a signature compares it: ``NUMBER(10,2)`` and ``INT`` are both ``NUMBER``."""
    base = type_.split("(", maxsplit=1)[0].strip().upper()
    return _SYNONYMS.get(base, base)


def source_text(source: str, tokens: tuple[Token, ...] | list[Token]) -> str:
    return source[tokens[0].start : tokens[-1].end] if tokens else ""


def type_text(source: str, tokens: tuple[Token, ...] | list[Token]) -> str:
    return " ".join(source_text(source, tokens).upper().split())


class Clauses:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0

    def more(self) -> bool:
        while self.pos < len(self.tokens) and self.tokens[self.pos].text == ";":
            self.pos += 1
        return self.pos < len(self.tokens)

    def peek(self) -> Token:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else Token(OP, "", 0, 0)

    def next(self) -> Token:
        if self.pos >= len(self.tokens):
            raise LocalEngineError("SQL compilation error: unexpected end of the statement.")
        self.pos += 1
        return self.tokens[self.pos - 1]

    def at(self, *words: str) -> bool:
        return self.peek().is_word(*words)

    def expect(self, word: str) -> Token:
        token = self.next()
        if not (token.is_word(word) or token.text == word):
            raise LocalEngineError(f"SQL compilation error: expected {word}, found '{token.text}'.")
        return token

    def name_parts(self) -> tuple[Part, ...]:
        parts: list[Part] = []
        while True:
            token = self.next()
            if token.kind == WORD:
                parts.append(Part(token.text, quoted=False))
            elif token.kind == QUOTED:
                parts.append(Part(token.text[1:-1].replace('""', '"'), quoted=True))
            else:
                raise LocalEngineError(f"SQL compilation error: expected a name, found '{token.text}'.")
            if self.peek().text != ".":
                return tuple(parts)
            self.next()

    def until_close(self) -> Text:
        """The tokens up to the ``)`` closing an already consumed ``(``; consumes the ``)``."""
        start, depth = self.pos, 1
        while self.pos < len(self.tokens):
            token = self.tokens[self.pos]
            depth += 1 if token.text == "(" else -1 if token.text == ")" else 0
            if depth == 0:
                self.pos += 1
                return Text(tuple(self.tokens[start : self.pos - 1]))
            self.pos += 1
        raise LocalEngineError("SQL compilation error: missing ')'.")

    def type_tokens(self) -> list[Token]:
        start = self.pos
        if self.more():
            self.next()
        if self.peek().text == "(":
            self.next()
            self.until_close()
        return self.tokens[start : self.pos]

    def rest(self) -> list[Token]:
        rest = [t for t in self.tokens[self.pos :] if t.text != ";"]
        self.pos = len(self.tokens)
        return rest
