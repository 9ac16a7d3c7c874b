"""Interval constants with Snowflake's unit abbreviations (issue 10: INTERVAL '1 MIN' was one second)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import pytest

from moviecdc.errors import UnsupportedSqlError
from moviecdc.local import LocalSession

INTERVALS = "https://docs.snowflake.com/en/sql-reference/data-types-datetime#interval-constants"
PARTS = "https://docs.snowflake.com/en/sql-reference/functions-date-time#supported-date-and-time-parts"
DATE_TRUNC = "https://docs.snowflake.com/en/sql-reference/functions/date_trunc"


@pytest.fixture
def s() -> Iterator[LocalSession]:
    with LocalSession(database="DB", schema="PUBLIC") as session:
        yield session


@pytest.mark.parametrize(
    ("interval", "expected"),
    [
        ("1 MIN", datetime(2024, 1, 1, 10, 1)),
        ("90 SECS", datetime(2024, 1, 1, 10, 1, 30)),
        ("2 hrs, 3 mins", datetime(2024, 1, 1, 12, 3)),
        ("1 d", datetime(2024, 1, 2, 10, 0)),
        ("1 y, 1 mon, 1 w", datetime(2025, 2, 8, 10, 0)),
        ("1500 ms", datetime(2024, 1, 1, 10, 0, 1, 500000)),
        ("1 minute", datetime(2024, 1, 1, 10, 1)),
    ],
)
def test_interval_units_and_abbreviations(s: LocalSession, interval: str, expected: datetime) -> None:
    """INTERVALS / PARTS: '<n> <unit>' parts separated by commas, with the date/time parts' abbreviations."""
    row = s.sql(f"SELECT '2024-01-01 10:00'::TIMESTAMP_NTZ + INTERVAL '{interval}' AS T").collect()[0]
    assert expected == row.T


def test_interval_on_a_date(s: LocalSession) -> None:
    """INTERVALS: a date plus an interval of date parts is a date; with a time part, a timestamp."""
    row = s.sql(
        "SELECT TO_DATE('2024-01-31') + INTERVAL '1 mon' AS D, "
        "TO_DATE('2024-01-31') - INTERVAL '1 year, 2 days' AS E, "
        "TO_DATE('2024-01-31') + INTERVAL '1 day, 3 hours' AS T, "
        "TO_DATE('2024-01-31') + INTERVAL '1 d' + INTERVAL '1 w' AS W"
    ).collect()[0]
    expected = (date(2024, 2, 29), date(2023, 1, 29), datetime(2024, 2, 1, 3, 0), date(2024, 2, 8))
    assert expected == (row.D, row.E, row.T, row.W)
    assert [type(v) for v in row] == [date, date, datetime, date]


def test_interval_on_a_date_column_and_a_timestamp_column(s: LocalSession) -> None:
    """INTERVALS: the result type follows the operand: a DATE column stays DATE, a TIMESTAMP_NTZ stays one."""
    s.sql("CREATE TABLE T (D DATE, TS TIMESTAMP_NTZ)").collect()
    s.sql("INSERT INTO T VALUES ('2024-05-17', '2024-05-17 10:11')").collect()
    row = s.sql("SELECT D + INTERVAL '1 year' AS D, TS + INTERVAL '1 day' AS TS FROM T").collect()[0]
    assert (date(2025, 5, 17), datetime(2024, 5, 18, 10, 11)) == (row.D, row.TS)
    assert [type(v) for v in row] == [date, datetime]


@pytest.mark.parametrize(
    ("part", "expected"),
    [("YEAR", date(2024, 1, 1)), ("QUARTER", date(2024, 4, 1)), ("MONTH", date(2024, 5, 1)),
     ("WEEK", date(2024, 5, 13)), ("DAY", date(2024, 5, 17)), ("HOUR", date(2024, 5, 17))],
)  # fmt: skip
def test_date_trunc_of_a_date_is_a_date(s: LocalSession, part: str, expected: date) -> None:
    """DATE_TRUNC: "The returned value is the same type as the input value" (WEEK_START 0: weeks start Monday)."""
    s.sql("CREATE TABLE T (D DATE)").collect()
    s.sql("INSERT INTO T VALUES ('2024-05-17')").collect()
    sql = f"SELECT DATE_TRUNC('{part}', D) AS A, TRUNC(D, '{part}') AS B, DATE_TRUNC({part}, D) AS C FROM T"
    row = s.sql(sql).collect()[0]
    assert (expected, expected, expected) == (row.A, row.B, row.C)
    assert [type(v) for v in row] == [date, date, date]


def test_date_trunc_of_a_timestamp_is_a_timestamp(s: LocalSession) -> None:
    """DATE_TRUNC: a TIMESTAMP_NTZ input gives a TIMESTAMP_NTZ."""
    row = s.sql("SELECT DATE_TRUNC('MONTH', '2024-05-17 10:11'::TIMESTAMP_NTZ) AS M").collect()[0]
    assert datetime(2024, 5, 1) == row.M
    assert type(row.M) is datetime


def test_an_interval_that_is_no_interval_is_refused(s: LocalSession) -> None:
    with pytest.raises(UnsupportedSqlError, match="interval constant"):
        s.sql("SELECT CURRENT_TIMESTAMP() + INTERVAL '1 fortnight'").collect()
