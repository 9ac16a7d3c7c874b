"""ASOF JOIN … MATCH_CONDITION (issue 10: a raw parser error).

https://docs.snowflake.com/en/sql-reference/constructs/asof-join: each left row joins the closest right row that
satisfies MATCH_CONDITION and ON; a left row without a match keeps NULLs for the right columns.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from moviecdc.local import LocalSession


@pytest.fixture
def s() -> Iterator[LocalSession]:
    with LocalSession(database="DB", schema="PUBLIC") as session:
        session.sql("CREATE TABLE TRADES (SYM VARCHAR, T INT, PRICE INT)").collect()
        session.sql("CREATE TABLE QUOTES (SYM VARCHAR, T INT, BID INT)").collect()
        session.sql("INSERT INTO TRADES VALUES ('A', 5, 100), ('A', 1, 90), ('B', 3, 50)").collect()
        session.sql("INSERT INTO QUOTES VALUES ('A', 2, 99), ('A', 4, 101), ('B', 9, 1)").collect()
        yield session


def test_asof_join_takes_the_closest_earlier_row(s: LocalSession) -> None:
    rows = s.sql(
        "SELECT TR.SYM, TR.T, Q.BID FROM TRADES TR ASOF JOIN QUOTES Q "
        "MATCH_CONDITION (TR.T >= Q.T) ON TR.SYM = Q.SYM ORDER BY 1, 2"
    ).collect()
    assert [tuple(r) for r in rows] == [("A", 1, None), ("A", 5, 101), ("B", 3, None)]


def test_asof_join_without_on_and_the_other_direction(s: LocalSession) -> None:
    rows = s.sql(
        "SELECT TR.T, Q.T AS QT FROM TRADES TR ASOF JOIN QUOTES Q MATCH_CONDITION (TR.T <= Q.T) ORDER BY 1"
    ).collect()
    assert [tuple(r) for r in rows] == [(1, 2), (3, 4), (5, 9)]
