"""The clock: manual by default, strictly increasing statement stamps, CURRENT_TIMESTAMP() and friends."""

from __future__ import annotations

import doctest
import importlib
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from moviecdc.errors import LocalEngineError
from moviecdc.local import LocalSession
from moviecdc.local.core.clock import Clock

T0 = datetime(2026, 3, 1, 12, 0)
US = timedelta(microseconds=1)


@pytest.fixture
def session() -> Iterator[LocalSession]:
    with LocalSession(database="MOVIES", schema="PUBLIC", start=T0) as s:
        yield s


def test_manual_clock_stamps_strictly_increase_and_never_go_back() -> None:
    clock = Clock(T0)
    assert [clock.stamp() for _ in range(3)] == [T0, T0 + US, T0 + 2 * US]
    clock.advance_to(T0 + timedelta(seconds=5))
    assert clock.now() == T0 + timedelta(seconds=5)
    assert clock.stamp() == T0 + timedelta(seconds=5)
    clock.advance_to(T0)  # never backwards
    assert clock.now() == T0 + timedelta(seconds=5)
    clock.not_before(T0 + timedelta(hours=1))
    assert clock.now() == T0 + timedelta(hours=1)
    assert clock.stamp() == T0 + timedelta(hours=1) + US


def test_realtime_clock_runs_at_speed() -> None:
    real = [100.0]
    clock = Clock(T0, speed=60.0, monotonic=lambda: real[0])
    assert clock.realtime
    assert clock.now() == T0
    real[0] = 101.5
    assert clock.now() == T0 + timedelta(seconds=90)
    with pytest.raises(LocalEngineError, match=r"^advance\(\) drives the manual clock"):
        clock.advance_to(T0 + timedelta(hours=1))
    clock.not_before(T0 + timedelta(hours=1))
    assert clock.now() == T0 + timedelta(hours=1)


def test_speed_must_be_positive() -> None:
    with pytest.raises(LocalEngineError, match="speed must be a positive number"):
        Clock(T0, speed=0.0)


def test_current_timestamp_is_the_clock_as_utc_and_strictly_increases(session: LocalSession) -> None:
    first = session.sql("SELECT CURRENT_TIMESTAMP() AS A, CURRENT_TIMESTAMP() AS B, GETDATE() AS C").collect()[0]
    assert first.A == first.B == first.C == T0.replace(tzinfo=timezone.utc)  # one instant per statement
    second = session.sql("SELECT CURRENT_TIMESTAMP AS A, LOCALTIMESTAMP AS B").collect()[0]
    assert second.A == second.B == (T0 + US).replace(tzinfo=timezone.utc)
    ntz = session.sql("SELECT CAST(CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP()) AS TIMESTAMP_NTZ) AS A").collect()
    assert ntz[0].A == T0 + 2 * US
    session.advance(seconds=90)
    row = session.sql("SELECT SYSDATE() AS S, CURRENT_DATE() AS D, CURRENT_TIME() AS T").collect()[0]
    assert row.as_dict() == {"S": T0 + timedelta(seconds=90), "D": date(2026, 3, 1), "T": time(12, 1, 30)}


def test_current_timestamp_precision_and_column_name(session: LocalSession) -> None:
    session.advance(seconds=1.123456)
    row = session.sql("SELECT CURRENT_TIMESTAMP(3), CURRENT_TIMESTAMP()").collect()[0]
    assert row.as_dict() == {
        "CURRENT_TIMESTAMP(3)": (T0 + timedelta(seconds=1.123)).replace(tzinfo=timezone.utc),
        "CURRENT_TIMESTAMP()": (T0 + timedelta(seconds=1.123456)).replace(tzinfo=timezone.utc),
    }


def test_current_timestamp_in_dml_and_objects_created_at_clock_time(session: LocalSession) -> None:
    session.sql("CREATE TABLE T (ID INT, AT_TIME TIMESTAMP_NTZ)").collect()
    session.sql("CREATE STREAM S ON TABLE T").collect()
    session.advance(minutes=5)
    session.sql("INSERT INTO T SELECT 1, CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP())").collect()
    session.sql("INSERT INTO T VALUES (2, SYSDATE())").collect()
    rows = session.sql("SELECT ID, AT_TIME FROM T ORDER BY ID").collect()
    assert [tuple(r) for r in rows] == [(1, T0 + timedelta(minutes=5)), (2, T0 + timedelta(minutes=5) + US)]
    assert session.sql("SHOW STREAMS LIKE 'S'").collect()[0]["created_on"] == (T0 + US).replace(tzinfo=timezone.utc)


def test_advance_returns_the_new_time_and_only_moves_forward(session: LocalSession) -> None:
    assert session.now() == T0
    assert session.advance(seconds=30, minutes=1, hours=1) == T0 + timedelta(hours=1, minutes=1, seconds=30)
    assert session.now() == T0 + timedelta(hours=1, minutes=1, seconds=30)
    with pytest.raises(LocalEngineError, match=r"^advance\(\) moves time forward only"):
        session.advance(seconds=-1)


def test_advance_inside_a_transaction_is_refused(session: LocalSession) -> None:
    session.sql("BEGIN").collect()
    with pytest.raises(LocalEngineError, match=r"^advance\(\) inside an open transaction"):
        session.advance(seconds=1)


def test_start_defaults_to_the_wall_clock_and_accepts_aware_datetimes() -> None:
    before = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
    with LocalSession() as s:
        assert s.now().microsecond == 0
        assert before <= s.now() <= before + timedelta(seconds=5)
    paris = datetime(2026, 7, 1, 14, 0, tzinfo=ZoneInfo("Europe/Paris"))
    with LocalSession(start=paris) as s:
        assert s.now() == datetime(2026, 7, 1, 12, 0)


def test_speed_without_realtime_is_refused() -> None:
    with pytest.raises(LocalEngineError, match=r"speed applies to LocalSession\(realtime=True"):
        LocalSession(speed=60.0)


def test_closed_session_refuses_advance() -> None:
    session = LocalSession()
    session.close()
    session.close()  # harmless twice
    with pytest.raises(LocalEngineError, match="This LocalSession is closed"):
        session.advance(seconds=1)


@pytest.mark.parametrize(
    "module",
    [
        "moviecdc.local.core.clock",
        "moviecdc.local.tasks.schedule",
        "moviecdc.local.tasks.statements",
        "moviecdc.local.tasks.history",
        "moviecdc.local.session",
    ],
)
def test_docstring_examples_run(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0
    assert result.attempted > 0


def test_the_clock_ends_with_a_clear_error_not_an_overflow() -> None:
    """Near the end of datetime, advance() used to die in the scheduler's arithmetic (OverflowError: date value
    out of range). Snowflake recommends years up to 9999 for TIMESTAMP
    (https://docs.snowflake.com/en/sql-reference/data-types-datetime, "Note"); the engine's clock stops a year
    before the end, where it still has room to schedule ahead, and says so."""
    ends = r"start=9999-12-31 23:50:00: the local engine's clock goes up to 9999-01-01"
    with pytest.raises(LocalEngineError, match=ends):
        LocalSession(start=datetime(9999, 12, 31, 23, 50))
    late = datetime(9998, 12, 31, 23, 50)
    with LocalSession(database="MOVIES", schema="PUBLIC", start=late) as session:
        session.sql("CREATE TABLE T (ID INT)").collect()
        session.sql("CREATE TASK K SCHEDULE = '1 MINUTE' AS INSERT INTO T VALUES (1)").collect()
        session.sql("ALTER TASK K RESUME").collect()
        assert session.advance(minutes=10) == datetime(9999, 1, 1)
        with pytest.raises(LocalEngineError, match=r"advance\(seconds=60.*goes up to 9999-01-01 00:00:00 UTC"):
            session.advance(seconds=60)
        with pytest.raises(LocalEngineError, match=r"goes up to 9999-01-01"):
            session.advance(hours=1e15)  # beyond what a timedelta holds
        assert session.now() == datetime(9999, 1, 1)
        assert session.sql("SELECT COUNT(*) FROM T").collect()[0][0] == 10
