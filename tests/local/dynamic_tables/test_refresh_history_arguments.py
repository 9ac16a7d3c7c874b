"""DYNAMIC_TABLE_REFRESH_HISTORY's range defaults, NAME_PREFIX and retention, and TASK_HISTORY's retention.

https://docs.snowflake.com/en/sql-reference/functions/dynamic_table_refresh_history: "returns all refreshes that
are in progress as well as all refreshes that have a DATA_TIMESTAMP within 7 days of the current time"; without
a range, the past day; "If a start version is not specified, the range starts 1 day prior to the start of
DATA_TIMESTAMP_END"; NAME_PREFIX is "case-insensitive".
https://docs.snowflake.com/en/sql-reference/functions/task_history: "This function can return all executions run
in the past seven days or the next scheduled execution within the next eight days."
"""

from __future__ import annotations

from datetime import datetime

import pytest

from moviecdc.local import LocalSession

START = datetime(2026, 3, 1, 0, 0)
HISTORY = "SELECT DATA_TIMESTAMP FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY({args})) ORDER BY 1"


@pytest.fixture(scope="module")
def session() -> LocalSession:
    s = LocalSession(database="DB", schema="PUBLIC", start=START)
    s.sql("CREATE TABLE SRC (K INT)").collect()
    s.sql("CREATE STREAM SRC_S ON TABLE SRC").collect()
    s.sql("CREATE TABLE SINK (K INT)").collect()
    s.sql(
        "CREATE TASK HOURLY SCHEDULE = '60 MINUTES' WHEN SYSTEM$STREAM_HAS_DATA('SRC_S') "
        "AS INSERT INTO SINK SELECT K FROM SRC_S"
    ).collect()
    s.sql("ALTER TASK HOURLY RESUME").collect()
    s.sql("CREATE DYNAMIC TABLE HOURS TARGET_LAG = '60 minutes' WAREHOUSE = WH AS SELECT K FROM SRC").collect()
    s.advance(hours=24 * 10)  # ten idle days: 240 SKIPPED runs and 240 NO_DATA refreshes were recorded
    return s


def _times(session: LocalSession, args: str) -> list[datetime]:
    return [row[0].replace(tzinfo=None) for row in session.sql(HISTORY.format(args=args)).collect()]


def test_without_a_range_the_past_day(session: LocalSession) -> None:
    # Hourly refreshes at hh:00:00.000002 (the task's run took the two stamps before); the query's own stamp is a
    # little after 2026-03-11 00:00, so the refresh of 2026-03-10 00:00 is just outside the past day.
    times = _times(session, "")
    assert times[0] == datetime(2026, 3, 10, 1, 0, 0, 2)
    assert times[-1] == datetime(2026, 3, 11, 0, 0, 0, 2)
    assert len(times) == 24


def test_an_end_alone_starts_the_range_a_day_before_it(session: LocalSession) -> None:
    times = _times(session, "DATA_TIMESTAMP_END => '2026-03-08 12:00:00'::TIMESTAMP_LTZ")
    assert times[0] == datetime(2026, 3, 7, 12, 0, 0, 2)
    assert times[-1] == datetime(2026, 3, 8, 11, 0, 0, 2)
    assert len(times) == 24


def test_refreshes_older_than_seven_days_are_not_returned(session: LocalSession) -> None:
    times = _times(session, "DATA_TIMESTAMP_START => '2026-01-01 00:00:00'::TIMESTAMP_LTZ, RESULT_LIMIT => 10000")
    assert times[0] == datetime(2026, 3, 4, 1, 0, 0, 2)  # now is just after 2026-03-11 00:00
    assert len(times) == 7 * 24


def test_name_prefix_is_case_insensitive(session: LocalSession) -> None:
    upper = _times(session, "NAME_PREFIX => 'DB.PUBLIC.HO'")
    assert upper
    assert _times(session, "NAME_PREFIX => 'db.public.ho'") == upper


def test_task_history_returns_the_past_seven_days(session: LocalSession) -> None:
    rows = session.sql(
        "SELECT MIN(SCHEDULED_TIME), COUNT(*) FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY("
        "SCHEDULED_TIME_RANGE_END => CURRENT_TIMESTAMP(), RESULT_LIMIT => 10000))"
    ).collect()
    assert rows[0][0].replace(tzinfo=None) == datetime(2026, 3, 4, 1, 0)
    assert rows[0][1] == 7 * 24


def test_history_older_than_the_window_is_deleted(session: LocalSession) -> None:
    """The engine keeps at most a day beyond the 7-day window (scheduler.trim_history runs once a simulated day)."""
    session.advance(hours=25)
    oldest_run = session.sql("SELECT MIN(SCHEDULED_TIME) FROM DB._MOVIECDC.TASK_HISTORY").collect()[0][0]
    oldest_refresh = session.sql("SELECT MIN(DATA_TIMESTAMP) FROM DB._MOVIECDC.DYNAMIC_TABLE_REFRESHES").collect()[0][0]
    assert oldest_run >= datetime(2026, 3, 5, 0, 0)
    assert oldest_refresh >= datetime(2026, 3, 5, 0, 0)
