"""A bulk ``INSERT … VALUES`` of literals goes to DuckDB without a sqlglot tree per literal.

sqlglot builds a node for every literal of a ``VALUES`` list, fakesnow's rewrites walk all of them, and the
generator writes them out again unchanged: seconds for a few thousand rows, and hundreds of megabytes. For a
list of literal rows (strings, numbers, ``NULL``, ``TRUE``, ``FALSE``, a number possibly negated) this module
reads the rows with the plan lexer (:func:`moviecdc.local.ordinary.plans.tokens`), has the usual path translate
the statement with its first row only (target resolution, change capture's ``RETURNING``, fakesnow's
rewrites), and puts every row, as written, where that row is in the translation.

The result is the very text the usual path sends (it writes literals as they are written, the same way:
``NULL``, ``TRUE``, ``FALSE`` upper case, ``-`` before a negated number), so the types are those of the usual
path: DuckDB types a ``VALUES`` column by the common supertype of its literals, as Snowflake does ("1 and 2.5"
is a NUMBER(2,1) column), and the insert casts that to the target column (a date as a string into a DATE
column). It is taken only when the translation of the first row is that row verbatim, every column of the
target is of a plain type (numbers, text, BOOLEAN, DATE, TIME, timestamps: a VARIANT, OBJECT, ARRAY or BINARY
column can translate a literal into something else), and no literal is of a form the generator would respell
(``.5``, ``5.``, ``+5``). Otherwise the statement takes the usual path.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import duckdb

from moviecdc.local.core import catalog
from moviecdc.local.core.results import Result
from moviecdc.local.ordinary import plans

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine
    from moviecdc.local.core.names import ObjectName

# Statements with fewer rows take the plan cache (plans.py), which caches them by shape.
MIN_ROWS = 2
_VALUES = re.compile(r"\bVALUES\b", re.IGNORECASE)
# A literal the generator writes as it is written (``.5``, ``5.``, ``+5``, ``- 5`` are not taken).
_CELL_TEXT = r"'(?:[^'\\]|'')*'|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|(?i:NULL|TRUE|FALSE)(?![\w$])"
_CELL = re.compile(_CELL_TEXT)
_ROW = re.compile(rf"\s*\(\s*((?:{_CELL_TEXT})(?:\s*,\s*(?:{_CELL_TEXT}))*)\s*\)\s*")
_PLAIN_TYPE = re.compile(
    r"(BOOLEAN|TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|DECIMAL\(\d+,\d+\)"
    r"|DOUBLE|FLOAT|VARCHAR|DATE|TIME|TIMESTAMP|TIMESTAMP WITH TIME ZONE|TIMESTAMP_NS|TIMESTAMP_MS|TIMESTAMP_S)"
)


def run(engine: Engine, text: str) -> Result | None:
    """Run a bulk literal ``INSERT … VALUES``; None when ``text`` is not one (the usual path runs it)."""
    read = _read(text)
    if read is None:
        return None
    head, rows = read
    if len(rows) < MIN_ROWS:
        return None
    first = f"{head}VALUES {rows[0]}"
    try:
        translated = plans.translate(engine, first)
    except Exception:
        return None  # the usual path runs it and reports what is wrong with it
    if translated is None or translated.kind == plans.QUERY or translated.target is None:
        return None
    row = f"VALUES {rows[0]}"
    if translated.sql.count(row) != 1 or not _plain_columns(engine, translated.target):
        return None
    sql = translated.sql.replace(row, "VALUES " + ", ".join(rows))
    return plans.execute(engine, plans.Plan(translated.kind, (sql,), translated.tracked), ())


def _read(text: str) -> tuple[str, list[str]] | None:
    """(the text before ``VALUES``, each row as the generator writes it), or None when it is not literal rows."""
    values = _VALUES.search(text)
    if values is None or not _plain_head(text[: values.start()]):
        return None
    head = text[: values.start()]
    rows: list[str] = []
    position = values.end()
    width = None
    while True:
        row = _ROW.match(text, position)
        if row is None:
            return None
        cells = [_cell(c.group(0)) for c in _CELL.finditer(row.group(1))]
        if width is not None and len(cells) != width:
            return None  # Snowflake's error: the usual path reports it
        width = len(cells)
        rows.append("(" + ", ".join(cells) + ")")
        position = row.end()
        if position == len(text):
            return head, rows
        if text[position] != ",":
            return None
        position += 1


def _plain_head(head: str) -> bool:
    """``INSERT INTO t [(columns)]``: not OVERWRITE, not a multi-table INSERT, no query."""
    read = plans.tokens(head)
    if not read or read[0][1].upper() != "INSERT":
        return False
    words = {t.upper() for kind, t in read if kind == "word"}
    depth = sum(1 if t == "(" else -1 if t == ")" else 0 for kind, t in read if kind == "other")
    return depth == 0 and not words & {"OVERWRITE", "ALL", "FIRST", "SELECT", "VALUES"}


def _cell(text: str) -> str:
    return text.upper() if text[0].isalpha() else text


def _plain_columns(engine: Engine, name: ObjectName) -> bool:
    """Are all the target's columns of a type whose literals the translation passes through unchanged?"""
    try:
        columns = catalog.table_columns(engine.con, name)
    except duckdb.Error:
        return False
    return bool(columns) and all(_PLAIN_TYPE.fullmatch(str(column.type)) for column in columns)
