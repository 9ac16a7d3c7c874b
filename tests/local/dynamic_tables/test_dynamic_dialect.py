"""Dynamic-table DDL that real scripts write (issue 10).

https://docs.snowflake.com/en/sql-reference/sql/create-dynamic-table: WAREHOUSE names the warehouse that runs
the refreshes; scripts write it as an identifier or as a string (``WAREHOUSE = 'COMPUTE_WH'``), as for tasks.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from moviecdc.local import LocalSession


@pytest.fixture
def s() -> Iterator[LocalSession]:
    with LocalSession(database="DB", schema="PUBLIC", start=datetime(2026, 1, 1)) as session:
        session.sql("CREATE TABLE SRC (ID INT, TS INT, AMT INT)").collect()
        session.sql("INSERT INTO SRC VALUES (1, 1, 10), (1, 2, 20), (2, 1, 5)").collect()
        yield session


def test_warehouse_given_as_a_string(s: LocalSession) -> None:
    s.sql("CREATE DYNAMIC TABLE D TARGET_LAG = '1 minute' WAREHOUSE = 'COMPUTE_WH' AS SELECT ID FROM SRC").collect()
    shown = s.sql("SHOW DYNAMIC TABLES LIKE 'D'").collect()[0]
    assert shown.warehouse == "COMPUTE_WH"
    s.sql("ALTER DYNAMIC TABLE D SET WAREHOUSE = 'OTHER_WH'").collect()
    assert s.sql("SHOW DYNAMIC TABLES LIKE 'D'").collect()[0].warehouse == "OTHER_WH"


def test_select_star_exclude_with_windows_over_lateral_aliases(s: LocalSession) -> None:
    """The dynamic table answers what its SELECT answers, before and after a refresh."""
    query = (
        "SELECT * EXCLUDE (TS, AMT), TS AS T2, AMT AS A2, LAG(T2) OVER (PARTITION BY ID ORDER BY T2) AS PREV, "
        "A2 - LAG(A2) OVER (PARTITION BY ID ORDER BY T2) AS DELTA FROM SRC"
    )
    s.sql(f"CREATE DYNAMIC TABLE D TARGET_LAG = '1 minute' WAREHOUSE = COMPUTE_WH AS {query}").collect()
    assert [tuple(r) for r in s.sql("SELECT * FROM D ORDER BY ID, T2").collect()] == [
        (1, 1, 10, None, None), (1, 2, 20, 1, 10), (2, 1, 5, None, None),
    ]  # fmt: skip
    s.sql("INSERT INTO SRC VALUES (1, 3, 35)").collect()
    s.advance(minutes=2)
    expected = [tuple(r) for r in s.sql(f"{query} ORDER BY ID, T2").collect()]
    assert [tuple(r) for r in s.sql("SELECT * FROM D ORDER BY ID, T2").collect()] == expected
    assert expected[2] == (1, 3, 35, 2, 15)
