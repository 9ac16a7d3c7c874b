"""The clauses account DDL shares: ``IF [NOT] EXISTS``, one-part names, ``KEY = value`` property lists."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlglot.tokenizer_core import TokenType

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local.core.names import display_part, take_name
from moviecdc.local.core.tokens import Tokens, like_pattern


@dataclass(frozen=True)
class Value:
    """A property's value: its text (a string literal without its quotes) and whether it was a string."""

    text: str
    string: bool = False

    @property
    def upper(self) -> str:
        return self.text.upper()

    def flag(self) -> bool:
        return self.upper in ("TRUE", "YES", "ON", "1")


def account_name(t: Tokens) -> str:
    """A one-part name of an account-level object (warehouse, role, user), as Snowflake stores it."""
    parts, t.i = take_name(t.tokens, t.i)
    if len(parts) != 1:
        raise LocalEngineError("Syntax error: expected the name of an account object (one identifier).")
    return parts[0].resolved


def if_not_exists(t: Tokens) -> bool:
    return t.accept("IF", "NOT", "EXISTS")


def if_exists(t: Tokens) -> bool:
    return t.accept("IF", "EXISTS")


def value(t: Tokens) -> Value:
    """One value: a string, a number, a word, or a parenthesised list (kept as its text)."""
    if t.done:
        raise LocalEngineError("Syntax error: expected a value.")
    token = t.tokens[t.i]
    if token.token_type == TokenType.L_PAREN:
        depth, start = 0, t.i
        while not t.done:
            kind = t.tokens[t.i].token_type
            depth += 1 if kind == TokenType.L_PAREN else -1 if kind == TokenType.R_PAREN else 0
            t.i += 1
            if depth == 0:
                break
        return Value(" ".join(tok.text for tok in t.tokens[start : t.i]))
    t.i += 1
    if token.token_type == TokenType.DASH and not t.done:  # a negative number
        t.i += 1
        return Value("-" + t.tokens[t.i - 1].text)
    return Value(token.text, string=token.token_type == TokenType.STRING)


def properties(t: Tokens, stop: tuple[str, ...] = ()) -> dict[str, Value]:
    """``KEY = value [,] KEY = value …`` up to the end of the statement or a word of ``stop``."""
    found: dict[str, Value] = {}
    while not t.done and not any(t.peek(word) for word in stop):
        if t.tokens[t.i].token_type == TokenType.COMMA:
            t.i += 1
            continue
        key = t.value().text.upper()
        if key == "TAG":
            raise UnsupportedSqlError(
                "TAG on account objects is not supported by the local engine (tags are recorded only by CREATE TAG)."
            )
        if not t.accept("="):
            raise LocalEngineError(f"Syntax error: expected = after {key}.")
        found[key] = value(t)
    return found


def created(kind: str, name: str) -> str:
    return f"{kind} {display_part(name)} successfully created."


def already_exists(name: str) -> str:
    return f"{display_part(name)} already exists, statement succeeded."


def dropped(name: str) -> str:
    return f"{display_part(name)} successfully dropped."


def already_dropped(name: str) -> str:
    return f"Drop statement executed successfully ({display_part(name)} already dropped)."


def object_exists(name: str) -> LocalEngineError:
    return LocalEngineError(f"002002 (42710): SQL compilation error:\nObject '{display_part(name)}' already exists.")


def does_not_exist(kind: str, name: str, *, dotted: bool = False) -> LocalEngineError:
    """Snowflake's error for a missing object; ``dotted``: ``name`` is already a displayed qualified name."""
    shown = name if dotted else display_part(name)
    return LocalEngineError(
        f"002003 (02000): SQL compilation error:\n{kind} '{shown}' does not exist or not authorized."
    )


@dataclass(frozen=True)
class AccountShow:
    """The clauses of ``SHOW [TERSE] <account objects> [LIKE '…'] [STARTS WITH '…'] [LIMIT n]``."""

    terse: bool
    like: re.Pattern[str] | None
    starts_with: str | None
    limit: int | None

    def select(self, names: list[str]) -> list[int]:
        """The positions of ``names`` (already in output order) that the filters keep."""
        kept = [
            i
            for i, name in enumerate(names)
            if (self.like is None or self.like.fullmatch(name))
            and (self.starts_with is None or name.startswith(self.starts_with))
        ]
        return kept if self.limit is None else kept[: self.limit]


def parse_account_show(text: str, objects: tuple[str, ...]) -> AccountShow:
    t = Tokens(text)
    t.expect("SHOW")
    terse = t.accept("TERSE")
    t.expect(*objects)
    like = like_pattern(t.value().text) if t.accept("LIKE") else None
    starts = t.value().text if t.accept("STARTS", "WITH") else None
    limit = int(t.value().text) if t.accept("LIMIT") else None
    if not t.done:
        raise UnsupportedSqlError(f"SHOW {' '.join(objects)} clause {t.rest()!r} is not supported by the local engine.")
    return AccountShow(terse, like, starts, limit)


@dataclass(frozen=True)
class Target:
    """The account object an ALTER or DROP names; ``missing`` when IF EXISTS named one that does not exist (the
    statement then succeeds doing nothing, as in Snowflake)."""

    name: str
    missing: bool


def target(t: Tokens, verb: str, kind: str, exists: Callable[[str], bool]) -> Target:
    """Read ``<verb> <kind> [IF EXISTS] name``; Snowflake's does-not-exist error for a missing object without IF
    EXISTS."""
    t.expect(verb, kind)
    quiet = if_exists(t)
    name = account_name(t)
    if exists(name):
        return Target(name, missing=False)
    if quiet:
        return Target(name, missing=True)
    raise does_not_exist(kind.title(), name)
