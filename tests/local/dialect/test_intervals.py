"""Interval constants with Snowflake's unit abbreviations (issue 10: INTERVAL '1 MIN' was one second)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import pytest

from moviecdc.errors import UnsupportedSqlError
from moviecdc.local import LocalSession

INTERVALS = "https://docs.snowflake.com/en/sql-reference/data-types-datetime#interval-constants"
PARTS = "https://docs.snowflake.com/en/sql-reference/functions-date-time#supported-date-and-time-parts"


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
    """INTERVALS: an interval added to a date."""
    row = s.sql("SELECT TO_DATE('2024-01-31') + INTERVAL '1 mon' AS D").collect()[0]
    assert row.D in (datetime(2024, 2, 29), date(2024, 2, 29))


def test_an_interval_that_is_no_interval_is_refused(s: LocalSession) -> None:
    with pytest.raises(UnsupportedSqlError, match="interval constant"):
        s.sql("SELECT CURRENT_TIMESTAMP() + INTERVAL '1 fortnight'").collect()
