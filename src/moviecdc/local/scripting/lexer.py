"""The words of a Snowflake Scripting block: a small lexer that knows strings, comments and ``$$ … $$``.

Scripting needs its own view of a block's text: which ``;`` end a statement, where ``END IF`` is, which
``:name`` is a variable (not ``v:field`` or ``::TYPE``). Each token keeps its place in the text, so a SQL
statement inside a block is sent on as the user wrote it (its comments too), with only its variables bound.

The (ctx) work adds a statement splitter for ``LocalSession.sql``; :func:`script_tokens` is this package's own
and is named apart so the two can be unified later (the splitter must treat a whole block as one statement).

>>> [t.text for t in script_tokens("IF (x > 0) THEN y := 'a;b'; END IF; -- done")]
['IF', '(', 'x', '>', '0', ')', 'THEN', 'y', ':=', "'a;b'", ';', 'END', 'IF', ';']
"""

from __future__ import annotations

from dataclasses import dataclass

from moviecdc.errors import LocalEngineError

WORD, QUOTED, STRING, DOLLAR, NUMBER, OP = "word", "quoted", "string", "dollar", "number", "op"

_TWO = (":=", "::", "<=", ">=", "<>", "!=", "||", "=>", "->")


@dataclass(frozen=True)
class Token:
    """One token: its kind, its text as written, and where it starts and ends in the source."""

    kind: str
    text: str
    start: int
    end: int

    @property
    def upper(self) -> str:
        """The keyword spelling (upper case) of a word; other tokens as written."""
        return self.text.upper() if self.kind == WORD else self.text

    def is_word(self, *words: str) -> bool:
        return self.kind == WORD and self.text.upper() in words


def script_tokens(text: str) -> list[Token]:  # noqa: PLR0912 - one branch per token kind
    """Tokens of ``text``, comments dropped. Raises ``LocalEngineError`` on an unterminated string."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif text.startswith("--", i) or text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif text.startswith("$$", i):
            j = text.find("$$", i + 2)
            if j < 0:
                raise LocalEngineError(f"SQL compilation error: unterminated $$ string at position {i}.")
            tokens.append(Token(DOLLAR, text[i : j + 2], i, j + 2))
            i = j + 2
        elif c in "'\"":
            j = _end_of_quoted(text, i)
            tokens.append(Token(STRING if c == "'" else QUOTED, text[i:j], i, j))
            i = j
        elif c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
            j = i
            while j < n and (text[j].isdigit() or text[j] == "."):
                j += 1
            if j < n and text[j] in "eE" and j + 1 < n and (text[j + 1].isdigit() or text[j + 1] in "+-"):
                j += 2
                while j < n and text[j].isdigit():
                    j += 1
            tokens.append(Token(NUMBER, text[i:j], i, j))
            i = j
        elif c.isalpha() or c == "_":
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] in "_$"):
                j += 1
            tokens.append(Token(WORD, text[i:j], i, j))
            i = j
        else:
            two = text[i : i + 2]
            width = 2 if two in _TWO else 1
            tokens.append(Token(OP, text[i : i + width], i, i + width))
            i += width
    return tokens


def _end_of_quoted(text: str, start: int) -> int:
    quote = text[start]
    i = start + 1
    while i < len(text):
        if text[i] == "\\" and quote == "'":
            i += 2
            continue
        if text[i] == quote:
            if text.startswith(quote * 2, i):
                i += 2
                continue
            return i + 1
        i += 1
    raise LocalEngineError(f"SQL compilation error: unterminated quoted text at position {start}.")


def string_value(token: Token) -> str:
    """The value of a ``'…'`` or ``$$…$$`` token (Snowflake's escapes: ``''`` and backslash sequences)."""
    if token.kind == DOLLAR:
        return token.text[2:-2]
    body = token.text[1:-1]
    out: list[str] = []
    i = 0
    escapes = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "b": "\b", "f": "\f"}
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            out.append(escapes.get(body[i + 1], body[i + 1]))
            i += 2
        elif c == "'" and body.startswith("''", i):
            out.append("'")
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def line_and_position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and 0-based column of ``offset`` (how Snowflake places an uncaught exception)."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1)
