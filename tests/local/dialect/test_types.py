"""Column and cast types Snowflake accepts that DuckDB spells differently (issue 10: raw DuckDB errors)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from moviecdc.local import LocalSession

NUMERIC_TYPES = "https://docs.snowflake.com/en/sql-reference/data-types-numeric#float-float4-float8"
CREATE_TABLE = "https://docs.snowflake.com/en/sql-reference/sql/create-table"


@pytest.fixture
def s() -> Iterator[LocalSession]:
    with LocalSession(database="DB", schema="PUBLIC") as session:
        yield session


def test_float_with_a_precision_is_a_float(s: LocalSession) -> None:
    """NUMERIC_TYPES: FLOAT is a 64-bit double whatever precision is written; FLOAT(10) in a column and in a
    cast is accepted and stores a Python float."""
    s.sql("CREATE TABLE F (X FLOAT(10), Y DOUBLE)").collect()
    s.sql("INSERT INTO F VALUES (1.25, 2)").collect()
    row = s.sql("SELECT X, Y, '3.5'::FLOAT(10) AS Z FROM F").collect()[0]
    assert (row.X, row.Y, row.Z) == (1.25, 2.0, 3.5)
    assert all(isinstance(v, float) for v in row)


@pytest.mark.parametrize(
    "identity",
    ["AUTOINCREMENT START 10 INCREMENT 5", "IDENTITY(10, 5)", "AUTOINCREMENT START = 10 INCREMENT = 5"],
)
def test_autoincrement_and_identity_forms(s: LocalSession, identity: str) -> None:
    """CREATE_TABLE: AUTOINCREMENT | IDENTITY with (start, step) or START … INCREMENT …; the column numbers rows
    from the start by the step."""
    s.sql(f"CREATE TABLE A (ID INT {identity}, V VARCHAR)").collect()
    s.sql("INSERT INTO A (V) VALUES ('x'), ('y')").collect()
    assert [tuple(r) for r in s.sql("SELECT ID, V FROM A ORDER BY ID").collect()] == [(10, "x"), (15, "y")]
