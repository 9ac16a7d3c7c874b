"""STALE and STALE_AFTER as SHOW STREAMS / DESCRIBE STREAM report them, and reading a stale stream.

Snowflake, Introduction to streams, "Data retention period and staleness"
(https://docs.snowflake.com/en/user-guide/streams-intro): a stream is stale when its offset is outside the
table's data retention period, which Snowflake extends for an unconsumed stream up to
MAX_DATA_EXTENSION_TIME_IN_DAYS (default 14 days); SHOW STREAMS (https://docs.snowflake.com/en/sql-reference/sql/show-streams)
reports STALE and STALE_AFTER.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from moviecdc.errors import LocalEngineError
from moviecdc.local import LocalSession

START = datetime(2026, 1, 1)
DAY = 86_400


@pytest.fixture
def session() -> LocalSession:
    s = LocalSession(database="MOVIES", schema="PUBLIC", start=START)
    s.sql("CREATE TABLE T (ID INT)").collect()
    s.sql("CREATE TABLE SINK (ID INT)").collect()
    s.sql("CREATE STREAM S ON TABLE T").collect()
    return s


def shown(session: LocalSession) -> tuple[object, ...]:
    """(stale, stale_after to the second, invalid_reason): each statement takes its own microsecond on the clock."""
    row = session.sql("SHOW STREAMS LIKE 'S'").collect()[0]
    return (row["stale"], row["stale_after"].replace(microsecond=0), row["invalid_reason"])


def test_stale_after_is_the_offset_plus_the_14_day_extension(session: LocalSession) -> None:
    assert shown(session) == ("false", datetime(2026, 1, 15, tzinfo=timezone.utc), "N/A")
    described = session.sql("DESCRIBE STREAM S").collect()[0]
    assert described["stale_after"].replace(microsecond=0) == datetime(2026, 1, 15, tzinfo=timezone.utc)


def test_consuming_moves_stale_after(session: LocalSession) -> None:
    session.advance(seconds=3 * DAY)
    session.sql("INSERT INTO T VALUES (1)").collect()
    session.sql("INSERT INTO SINK SELECT ID FROM S").collect()
    assert shown(session)[1] == datetime(2026, 1, 18, tzinfo=timezone.utc)


def test_a_dropped_table_makes_its_stream_stale_and_reading_it_fails(session: LocalSession) -> None:
    session.sql("DROP TABLE T").collect()
    assert shown(session)[0::2] == ("true", "Base table dropped or replaced")
    with pytest.raises(LocalEngineError, match=r"^Stream MOVIES\.PUBLIC\.S is stale \(Base table dropped"):
        session.sql("SELECT * FROM S").collect()


def test_the_clock_past_stale_after_does_not_make_a_stream_stale(session: LocalSession) -> None:
    """Emulated differently (docs/local_engine.md, streams item 3): STALE_AFTER is reported, not enforced."""
    session.sql("INSERT INTO T VALUES (1)").collect()
    session.advance(seconds=15 * DAY)
    assert shown(session)[0] == "false"
    assert session.sql("SELECT ID FROM S").collect()[0][0] == 1


def test_retention_and_max_extension_of_the_table(session: LocalSession) -> None:
    session.sql("ALTER TABLE T SET MAX_DATA_EXTENSION_TIME_IN_DAYS = 0").collect()
    assert shown(session)[1] == datetime(2026, 1, 2, tzinfo=timezone.utc)  # the 1-day default retention
    session.sql("ALTER TABLE T SET DATA_RETENTION_TIME_IN_DAYS = 30").collect()
    assert shown(session)[1] == datetime(2026, 1, 31, tzinfo=timezone.utc)
    session.sql("ALTER TABLE T UNSET DATA_RETENTION_TIME_IN_DAYS, MAX_DATA_EXTENSION_TIME_IN_DAYS").collect()
    assert shown(session)[1] == datetime(2026, 1, 15, tzinfo=timezone.utc)
