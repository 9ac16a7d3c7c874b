"""TASK_HISTORY as Snowflake writes it: the next scheduled run is a row of its own (state SCHEDULED, QUERY_ID NULL)
until SCHEDULED_TIME_RANGE_END cuts it off; a run that started has a QUERY_ID.
https://docs.snowflake.com/en/sql-reference/functions/task_history"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from moviecdc.local import LocalSession

T0 = datetime(2026, 5, 4, 9, 0)
HISTORY = "SELECT STATE, QUERY_ID, SCHEDULED_TIME, COMPLETED_TIME FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY({args}))"
UUID_SHAPED = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@pytest.fixture
def session() -> Iterator[LocalSession]:
    with LocalSession(database="D", schema="S", start=T0) as s:
        s.sql("CREATE TABLE T (ID INT)").collect()
        s.sql("CREATE STREAM ST ON TABLE T").collect()
        s.sql("CREATE TABLE SINK (ID INT)").collect()
        s.sql(
            "CREATE TASK K SCHEDULE = '5 MINUTE' WHEN SYSTEM$STREAM_HAS_DATA('ST') "
            "AS INSERT INTO SINK SELECT ID FROM ST"
        ).collect()
        yield s


def _utc(minutes: float) -> datetime:
    return (T0 + timedelta(minutes=minutes)).replace(tzinfo=timezone.utc)


def test_a_suspended_task_has_no_scheduled_run(session: LocalSession) -> None:
    assert session.sql(HISTORY.format(args="TASK_NAME => 'K'")).collect() == []


def test_the_next_run_is_listed_first_as_scheduled_with_no_query_id(session: LocalSession) -> None:
    session.sql("ALTER TASK K RESUME").collect()
    session.sql("INSERT INTO T VALUES (1)").collect()
    session.advance(minutes=5)  # one run that moves the row
    session.advance(minutes=5)  # one run skipped: nothing new
    rows = session.sql(HISTORY.format(args="TASK_NAME => 'K'") + " ORDER BY SCHEDULED_TIME DESC").collect()
    assert [(r["STATE"], r["SCHEDULED_TIME"]) for r in rows] == [
        ("SCHEDULED", _utc(15)),
        ("SKIPPED", _utc(10)),
        ("SUCCEEDED", _utc(5)),
    ]
    scheduled, skipped, succeeded = rows
    assert scheduled["QUERY_ID"] is None
    assert scheduled["COMPLETED_TIME"] is None
    assert skipped["QUERY_ID"] is None  # its body never started
    assert UUID_SHAPED.match(succeeded["QUERY_ID"])


def test_range_end_at_the_current_time_returns_past_runs_only(session: LocalSession) -> None:
    session.sql("ALTER TASK K RESUME").collect()
    session.advance(minutes=5)
    past = session.sql(
        HISTORY.format(args="TASK_NAME => 'K', SCHEDULED_TIME_RANGE_END => CURRENT_TIMESTAMP()")
    ).collect()
    assert [r["STATE"] for r in past] == ["SKIPPED"]


def test_the_documented_filter_keeps_runs_that_started(session: LocalSession) -> None:
    session.sql("ALTER TASK K RESUME").collect()
    session.sql("INSERT INTO T VALUES (1)").collect()
    session.advance(minutes=5)
    started = session.sql(HISTORY.format(args="") + " WHERE QUERY_ID IS NOT NULL").collect()
    assert [r["STATE"] for r in started] == ["SUCCEEDED"]


def test_query_ids_are_stable_and_distinct(session: LocalSession) -> None:
    session.sql("ALTER TASK K RESUME").collect()
    for value in (1, 2):
        session.sql(f"INSERT INTO T VALUES ({value})").collect()
        session.advance(minutes=5)
    query = HISTORY.format(args="") + " WHERE QUERY_ID IS NOT NULL ORDER BY SCHEDULED_TIME"
    first = [r["QUERY_ID"] for r in session.sql(query).collect()]
    assert len(first) == 2
    assert len(set(first)) == 2
    assert [r["QUERY_ID"] for r in session.sql(query).collect()] == first


def test_a_cron_run_beyond_eight_days_is_not_listed(session: LocalSession) -> None:
    session.sql("CREATE TASK YEARLY SCHEDULE = 'USING CRON 0 0 1 1 * UTC' AS SELECT 1").collect()
    session.sql("ALTER TASK YEARLY RESUME").collect()
    assert session.sql(HISTORY.format(args="TASK_NAME => 'YEARLY'")).collect() == []
