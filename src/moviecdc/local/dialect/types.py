"""Column and cast types Snowflake accepts and DuckDB spells differently.

- ``FLOAT(p)`` / ``DOUBLE(p)`` / ``REAL(p)``: Snowflake's FLOAT takes an optional precision that it ignores ("FLOAT,
  FLOAT4, FLOAT8 … Snowflake uses double-precision (64 bit) IEEE 754 floating-point numbers",
  https://docs.snowflake.com/en/sql-reference/data-types-numeric#float-float4-float8); DuckDB's DOUBLE refuses a
  parameter, so it is dropped.
- ``AUTOINCREMENT | IDENTITY START = n INCREMENT = m``: the ``=`` form of
  https://docs.snowflake.com/en/sql-reference/sql/create-table (``START num INCREMENT num``, ``(start, step)``
  and ``START = num INCREMENT = num`` are the same) is rewritten to the form sqlglot parses, before parsing.
"""

from __future__ import annotations

import re

from sqlglot import exp

_FLOATS = {exp.DataType.Type.DOUBLE, exp.DataType.Type.FLOAT}
# `AUTOINCREMENT START = 1 INCREMENT = 1` (also IDENTITY, and either order of the two options).
_IDENTITY_EQUALS = re.compile(r"\b(START|INCREMENT)\s*=\s*(?=[-+]?\d)", re.IGNORECASE)
_IDENTITY = re.compile(r"\b(AUTOINCREMENT|AUTO_INCREMENT|IDENTITY)\b", re.IGNORECASE)


def float_precision(node: exp.Expr) -> exp.Expr | None:
    """``FLOAT(10)`` → ``FLOAT``: the precision does not change Snowflake's type."""
    if isinstance(node, exp.DataType) and node.this in _FLOATS and node.expressions:
        return exp.DataType(this=node.this)
    return None


def identity_text(text: str) -> str:
    """``… AUTOINCREMENT START = 1 INCREMENT = 1`` → ``… AUTOINCREMENT START 1 INCREMENT 1`` (text, pre-parse).

    Only a CREATE or ALTER TABLE statement that names AUTOINCREMENT or IDENTITY is looked at.
    """
    if _IDENTITY.search(text) is None:
        return text
    return _IDENTITY_EQUALS.sub(lambda m: f"{m.group(1)} ", text)
