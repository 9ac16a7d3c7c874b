"""Statement results in the shape Snowpark returns them.

A :class:`Result` is what one executed statement produced: column names exactly as Snowflake reports them
and an Arrow table of values. :class:`LocalDataFrame` is what :meth:`LocalSession.sql` returns: like a
Snowpark ``DataFrame`` built by ``session.sql``, it is lazy, and every ``collect()`` runs the statement.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from snowflake.snowpark import Row

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]

SUCCESS = "Statement executed successfully."


@dataclass(frozen=True)
class Result:
    """The rows one statement produced."""

    table: pa.Table

    @property
    def columns(self) -> list[str]:
        return list(self.table.column_names)

    def rows(self) -> list[Row]:
        names = self.columns
        values = [_python_values(column) for column in self.table.columns]
        if len(set(names)) == len(names):
            return [Row(**dict(zip(names, row, strict=True))) for row in zip(*values, strict=True)]
        build = Row._builder.build(*names).to_row()
        return [build(*row) for row in zip(*values, strict=True)]

    def to_pandas(self) -> pd.DataFrame:
        return self.table.to_pandas()


def _python_values(column: pa.ChunkedArray) -> list[Any]:
    """A column's values as Snowpark returns them: ``NUMBER(p, 0)`` as ``int`` (the connector converts FIXED
    with scale 0 to int), other decimals as ``Decimal``."""
    values: list[Any] = column.to_pylist()
    if pa.types.is_decimal(column.type) and column.type.scale == 0:
        return [None if v is None else int(v) for v in values]
    return values


def status(message: str, column: str = "status") -> Result:
    """The one-row, one-column answer Snowflake gives to DDL, e.g. ``Table T successfully created.``"""
    return Result(pa.table({column: pa.array([message], pa.string())}))


def counts(**named: int) -> Result:
    """The one-row answer of DML, e.g. ``number of rows inserted``; keys use ``_`` for spaces, and
    ``multi_joined`` stands for Snowflake's ``multi-joined`` (``number of multi-joined rows updated``)."""
    return Result(pa.table({_column(name): pa.array([value], pa.int64()) for name, value in named.items()}))


def _column(key: str) -> str:
    return key.replace("multi_joined", "multi-joined").replace("_", " ")


def from_records(columns: Sequence[str], records: Sequence[Sequence[Any]], types: Sequence[pa.DataType]) -> Result:
    """A result built from Python rows (SHOW and DESCRIBE answers)."""
    arrays = [pa.array([r[i] for r in records], t) for i, t in enumerate(types)]
    return Result(pa.table(dict(zip(columns, arrays, strict=True))))


class LocalDataFrame:
    """The lazy result of :meth:`LocalSession.sql`; ``collect()`` and ``to_pandas()`` run the statement.

    >>> from moviecdc.local import LocalSession
    >>> with LocalSession() as session:
    ...     session.sql("SELECT 1 AS ONE").collect()
    [Row(ONE=1)]
    """

    def __init__(self, run: Callable[[], Result], text: str) -> None:
        self._run = run
        self.text = text

    def collect(self) -> list[Row]:
        """Run the statement and return its rows, like Snowpark's ``DataFrame.collect``."""
        return self._run().rows()

    def to_pandas(self) -> pd.DataFrame:
        """Run the statement and return its rows as a pandas DataFrame."""
        return self._run().to_pandas()

    def __repr__(self) -> str:
        return f"LocalDataFrame({self.text!r})"
