"""ASOF JOIN … MATCH_CONDITION (issue 10: a raw parser error).

https://docs.snowflake.com/en/sql-reference/constructs/asof-join: each left row joins the closest right row that
satisfies MATCH_CONDITION and ON; a left row without a match keeps NULLs for the right columns.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from moviecdc.errors import UnsupportedSqlError
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


FLATTEN = "https://docs.snowflake.com/en/sql-reference/functions/flatten"


def test_flatten_outer_keeps_one_row_of_nulls_for_empty_input(s: LocalSession) -> None:
    """FLATTEN: OUTER => TRUE gives exactly one row for a zero-row expansion, NULL in KEY, INDEX and VALUE (and
    THIS, for an empty compound); without OUTER the input row is omitted."""
    source = (
        "SELECT 1 AS ID, PARSE_JSON('[]') AS J UNION ALL SELECT 2, PARSE_JSON('[7, 8]') "
        "UNION ALL SELECT 3, PARSE_JSON('{}') UNION ALL SELECT 4, NULL"
    )
    rows = s.sql(
        f"SELECT S.ID, F.KEY, F.INDEX, F.VALUE, F.THIS FROM ({source}) S, "
        "LATERAL FLATTEN(INPUT => S.J, OUTER => TRUE) F ORDER BY S.ID, F.INDEX"
    ).collect()
    expected = [(1, None, None, None, None), (2, None, 0, "7", "[7,8]"), (2, None, 1, "8", "[7,8]"),
                (3, None, None, None, None), (4, None, None, None, None)]  # fmt: skip
    assert expected == [tuple(r) for r in rows]
    rows = s.sql(f"SELECT S.ID FROM ({source}) S, LATERAL FLATTEN(INPUT => S.J, OUTER => FALSE) F").collect()
    assert [tuple(r) for r in rows] == [(2,), (2,)]
    rows = s.sql("SELECT F.VALUE FROM TABLE(FLATTEN(INPUT => PARSE_JSON('[]'), OUTER => TRUE)) F").collect()
    assert [tuple(r) for r in rows] == [(None,)]


@pytest.mark.parametrize("option", ["PATH => 'a'", "RECURSIVE => TRUE", "MODE => 'ARRAY'"])
def test_flatten_options_the_engine_does_not_emulate_are_refused(s: LocalSession, option: str) -> None:
    """FLATTEN's PATH, RECURSIVE and MODE were silently ignored; now UnsupportedSqlError (the defaults pass)."""
    with pytest.raises(UnsupportedSqlError, match="FLATTEN"):
        s.sql(f"SELECT F.VALUE FROM TABLE(FLATTEN(INPUT => PARSE_JSON('{{\"a\": [1]}}'), {option})) F").collect()
    rows = s.sql(
        "SELECT F.VALUE FROM TABLE(FLATTEN(INPUT => PARSE_JSON('[1]'), PATH => '', RECURSIVE => FALSE, "
        "MODE => 'BOTH')) F"
    ).collect()
    assert [tuple(r) for r in rows] == [("1",)]
