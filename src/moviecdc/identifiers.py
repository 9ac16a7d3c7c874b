"""Validate, normalise and quote Snowflake identifiers.

Snowflake folds an unquoted identifier to upper case (``movies`` is ``MOVIES``) and keeps a double-quoted
one exactly (``"movies"`` is another object). moviecdc resolves a name to that canonical form once, at
config time, and renders it *always* double-quoted, so what is created is exactly what was named and no
user string ever reaches SQL unquoted.

>>> normalise("raw_movies_booking")
'RAW_MOVIES_BOOKING'
>>> normalise('"Mixed Case"')
'Mixed Case'
>>> quote("RAW_MOVIES_BOOKING")
'"RAW_MOVIES_BOOKING"'
>>> QualifiedName("MOVIES", "PUBLIC", "T").sql
'"MOVIES"."PUBLIC"."T"'

See https://docs.snowflake.com/en/sql-reference/identifiers-syntax
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from moviecdc.errors import ConfigError

# Unquoted identifiers: start with a letter or underscore, then letters, digits, underscores or dollars.
_UNQUOTED = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
MAX_LENGTH = 255


def normalise(name: str) -> str:
    """Return the canonical (case-exact, unquoted) form of a Snowflake identifier.

    ``name`` is either an unquoted identifier, which is folded to upper case as Snowflake does, or one
    wrapped in double quotes, which is kept exactly. Anything else raises :class:`ConfigError`.
    """
    if not isinstance(name, str):
        raise ConfigError(f"an identifier must be a string, got {type(name).__name__}")
    if len(name) >= 2 and name.startswith('"') and name.endswith('"'):
        inner = name[1:-1]
        if not inner or '"' in inner or not inner.isprintable():
            raise ConfigError(
                f"invalid quoted identifier {name!r}: it must be non-empty, printable, and contain no "
                'double quote. Use a plain name such as MY_TABLE, or "My Table" for a case-sensitive one.'
            )
        canonical = inner
    elif _UNQUOTED.fullmatch(name):
        canonical = name.upper()
    else:
        raise ConfigError(
            f"invalid identifier {name!r}: use letters, digits, '_' and '$', starting with a letter or "
            "'_' (for example RAW_MOVIES_BOOKING), or wrap a case-sensitive name in double quotes (\"My Table\")."
        )
    if len(canonical) > MAX_LENGTH:
        raise ConfigError(f"identifier {name[:40]!r}... is longer than Snowflake's {MAX_LENGTH} characters")
    return canonical


def quote(canonical: str) -> str:
    """Render a canonical identifier as a double-quoted SQL identifier."""
    if '"' in canonical:  # unreachable for names that went through normalise()
        raise ConfigError(f"identifier {canonical!r} contains a double quote")
    return f'"{canonical}"'


@dataclass(frozen=True, order=True)
class QualifiedName:
    """A fully qualified object name, ``database.schema.name``, each part canonical."""

    database: str
    schema: str
    name: str

    @property
    def sql(self) -> str:
        """The name as SQL: every part quoted."""
        return ".".join(quote(part) for part in (self.database, self.schema, self.name))

    def __str__(self) -> str:
        return self.sql
