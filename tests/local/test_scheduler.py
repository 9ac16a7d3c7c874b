"""Schedules, advance() ordering (tasks before refreshes at equal instants), cron, and real-time mode."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from itertools import pairwise
from typing import Any

import pytest

from moviecdc.errors import LocalEngineError
from moviecdc.local import LocalSession
from moviecdc.local.core.engine import Engine
from moviecdc.local.dynamic_tables import statements as dynamic_tables
from moviecdc.local.tasks.schedule import Schedule

T0 = datetime(2026, 1, 1, 9, 0)
MINUTE = timedelta(minutes=1)


@pytest.fixture
def session() -> Iterator[LocalSession]:
    with LocalSession(database="MOVIES", schema="PUBLIC", start=T0) as s:
        s.sql("CREATE TABLE LOG (TASK VARCHAR, RAN_AT TIMESTAMP_NTZ)").collect()
        yield s


def log_task(session: LocalSession, name: str, schedule: str, *, resume: bool = True) -> None:
    session.sql(
        f"CREATE TASK {name} SCHEDULE = '{schedule}' "
        f"AS INSERT INTO LOG SELECT '{name}', CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP())"
    ).collect()
    if resume:
        session.sql(f"ALTER TASK {name} RESUME").collect()


def logged(session: LocalSession) -> list[tuple[str, datetime]]:
    return [(r[0], r[1]) for r in session.sql("SELECT TASK, RAN_AT FROM LOG ORDER BY RAN_AT").collect()]


def scheduled(session: LocalSession, task: str) -> list[datetime]:
    rows = session.sql(
        "SELECT SCHEDULED_TIME FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY("
        f"SCHEDULED_TIME_RANGE_END => CURRENT_TIMESTAMP(), TASK_NAME => '{task}')) "
        "ORDER BY SCHEDULED_TIME"
    ).collect()
    return [r[0].astimezone(timezone.utc).replace(tzinfo=None) for r in rows]


# -- schedules -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1 MINUTE", 60), ("5 minutes", 300), ("10 SECONDS", 10), ("1 SECOND", 1), ("2 HOURS", 7200), ("3 M", 180)],
)
def test_interval_schedules(text: str, seconds: int) -> None:
    schedule = Schedule.parse(text)
    assert schedule.first_run(resumed=T0) == T0 + timedelta(seconds=seconds)
    assert schedule.run_after(T0) == T0 + timedelta(seconds=seconds)


def test_cron_schedules_follow_their_time_zone_across_daylight_saving() -> None:
    schedule = Schedule.parse("USING CRON 0 9 * * * America/New_York")
    first = schedule.first_run(resumed=datetime(2026, 3, 7, 0, 0))
    assert first == datetime(2026, 3, 7, 14, 0)  # EST: UTC-5
    assert schedule.run_after(first) == datetime(2026, 3, 8, 13, 0)  # EDT from 8 March 2026: UTC-4
    every_five = Schedule.parse("USING CRON */5 * * * * UTC")
    assert every_five.first_run(resumed=datetime(2026, 1, 1, 9, 5)) == datetime(2026, 1, 1, 9, 10)
    assert every_five.first_run(resumed=datetime(2026, 1, 1, 9, 4, 59)) == datetime(2026, 1, 1, 9, 5)


def test_catch_up_keeps_an_interval_phase_and_takes_the_next_cron_fire() -> None:
    assert Schedule.parse("1 MINUTE").catch_up(T0, T0 + timedelta(seconds=150)) == T0 + 3 * MINUTE
    assert Schedule.parse("1 MINUTE").catch_up(T0 + MINUTE, T0) == T0 + MINUTE
    cron = Schedule.parse("USING CRON 0 * * * * UTC")
    assert cron.catch_up(T0, T0 + timedelta(hours=5, minutes=1)) == T0 + timedelta(hours=6)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0 MINUTES", "Invalid SCHEDULE '0 MINUTES': the interval must be at least 1."),
        ("USING CRON 0 9 * * UTC", "Invalid SCHEDULE 'USING CRON 0 9 * * UTC': a cron expression has five fields"),
        ("USING CRON 0 99 * * * UTC", "Invalid SCHEDULE 'USING CRON 0 99 * * * UTC': a cron expression has five"),
        ("1 DAY", "Invalid SCHEDULE '1 DAY'. Write '<n> SECONDS'"),
    ],
)
def test_invalid_schedules(text: str, message: str) -> None:
    with pytest.raises(LocalEngineError) as info:
        Schedule.parse(text)
    assert str(info.value).startswith(message)


# -- advance() -------------------------------------------------------------------------------------------


def test_a_jump_runs_every_due_instant_in_order_each_at_its_own_time(session: LocalSession) -> None:
    log_task(session, "TICK", "1 MINUTE")
    session.advance(minutes=5, seconds=30)
    expected = [T0 + k * MINUTE for k in range(1, 6)]
    assert logged(session) == [("TICK", at) for at in expected]
    assert scheduled(session, "TICK") == expected
    session.advance(seconds=30)
    assert scheduled(session, "TICK")[-1] == T0 + 6 * MINUTE


def test_the_interval_counts_from_resume(session: LocalSession) -> None:
    log_task(session, "TICK", "1 MINUTE", resume=False)
    session.advance(seconds=30)
    session.sql("ALTER TASK TICK RESUME").collect()
    session.advance(seconds=100)
    assert scheduled(session, "TICK") == [T0 + timedelta(seconds=90)]
    session.sql("ALTER TASK TICK SUSPEND").collect()
    session.advance(minutes=5)
    assert len(scheduled(session, "TICK")) == 1


def test_tasks_due_at_the_same_instant_run_in_name_order_with_distinct_timestamps(session: LocalSession) -> None:
    log_task(session, "B", "1 MINUTE", resume=False)
    log_task(session, "A", "1 MINUTE", resume=False)
    session.sql("ALTER TASK B RESUME").collect()  # same clock instant for both: the phase is the clock's
    session.sql("ALTER TASK A RESUME").collect()
    session.advance(minutes=1)
    rows = logged(session)
    assert [r[0] for r in rows] == ["A", "B"]
    assert rows[0][1] == T0 + MINUTE
    assert rows[0][1] < rows[1][1] < T0 + MINUTE + timedelta(milliseconds=1)
    assert scheduled(session, "A") == scheduled(session, "B") == [T0 + MINUTE]


def test_cron_task(session: LocalSession) -> None:
    session.advance(minutes=2)
    log_task(session, "CRON", "USING CRON */5 * * * * UTC")
    session.advance(minutes=10)
    assert scheduled(session, "CRON") == [T0 + 5 * MINUTE, T0 + 10 * MINUTE]


class FakeRefreshes:
    """Stands in for the dynamic-table scheduling functions: a refresh due every ``lag`` that counts LOG rows."""

    def __init__(self, first: datetime, lag: timedelta) -> None:
        self.due: datetime | None = first
        self.lag = lag
        self.calls: list[tuple[datetime, datetime, int]] = []

    def next_due(self, engine: Engine) -> datetime | None:
        return self.due

    def run_due(self, engine: Engine, now: datetime) -> None:
        count = engine.run("SELECT COUNT(*) FROM MOVIES.PUBLIC.LOG").table.column(0)[0].as_py()
        self.calls.append((now, engine.now(), count))
        self.due = now + self.lag


@pytest.fixture
def refreshes(monkeypatch: pytest.MonkeyPatch) -> FakeRefreshes:
    fake = FakeRefreshes(T0 + 2 * MINUTE, 2 * MINUTE)
    monkeypatch.setattr(dynamic_tables, "next_due", fake.next_due)
    monkeypatch.setattr(dynamic_tables, "run_due", fake.run_due)
    return fake


def test_refreshes_run_in_time_order_after_tasks_of_the_same_instant(
    session: LocalSession, refreshes: FakeRefreshes
) -> None:
    log_task(session, "INGEST", "1 MINUTE")
    session.advance(minutes=5)
    # At 9:02 and 9:04 the ingest of that same instant is already there: 2 and 4 rows.
    assert [(now, count) for now, _, count in refreshes.calls] == [(T0 + 2 * MINUTE, 2), (T0 + 4 * MINUTE, 4)]
    assert all(now <= stamp < now + timedelta(milliseconds=1) for now, stamp, _ in refreshes.calls)
    assert session.now() == T0 + 5 * MINUTE


def test_an_overdue_refresh_runs_at_the_current_time(session: LocalSession, refreshes: FakeRefreshes) -> None:
    session.sql("BEGIN").collect()  # nothing runs while a transaction is open...
    session.sql("COMMIT").collect()
    refreshes.due = T0 - MINUTE
    session.advance(seconds=1)
    assert refreshes.calls[0][0] == T0 - MINUTE
    assert refreshes.calls[0][1] >= T0


def test_a_refresh_that_stays_due_is_reported_not_looped(
    session: LocalSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dynamic_tables, "next_due", lambda engine: T0)
    monkeypatch.setattr(dynamic_tables, "run_due", lambda engine, now: None)
    with pytest.raises(LocalEngineError, match=r"^Internal error of the local engine: refresh work due at"):
        session.advance(seconds=1)


# -- real time -------------------------------------------------------------------------------------------


def wait_for(predicate: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not reached within {timeout}s of real time")
        time.sleep(0.02)


def runs(session: LocalSession, task: str) -> list[datetime]:
    return scheduled(session, task)


def scheduler_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "moviecdc-scheduler"]


@pytest.mark.slow
def test_realtime_runs_a_one_minute_task_about_once_a_real_second() -> None:
    with LocalSession(database="MOVIES", schema="PUBLIC", start=T0, realtime=True, speed=60.0) as s:
        assert s.realtime
        assert len(scheduler_threads()) == 1
        s.sql("CREATE TABLE LOG (TASK VARCHAR, RAN_AT TIMESTAMP_NTZ)").collect()
        before = s.now()
        log_task(s, "TICK", "1 MINUTE")
        after = s.now()
        wait_for(lambda: len(runs(s, "TICK")) >= 3)
        seen = runs(s, "TICK")
        resumed = seen[0] - MINUTE
        elapsed = s.now() - resumed
        # Each run is exactly one simulated minute after the previous one, the first one minute after RESUME.
        assert [b - a for a, b in pairwise(seen)] == [MINUTE] * (len(seen) - 1)
        assert before <= resumed <= after
        # Every instant that fell due has run (one tick of slack): about one run per real second at speed 60.
        assert elapsed // MINUTE - 1 <= len(seen) <= elapsed // MINUTE + 1
        # In real time a run starts within a tick of its instant (50 ms real = 3 s simulated at speed 60).
        assert all(at <= ran < at + timedelta(seconds=30) for at, (_, ran) in zip(seen, logged(s), strict=False))
        with pytest.raises(LocalEngineError, match=r"^advance\(\) drives the manual clock"):
            s.advance(seconds=1)
    assert scheduler_threads() == []


@pytest.mark.slow
def test_realtime_statements_and_scheduled_runs_never_interleave() -> None:
    with LocalSession(database="MOVIES", schema="PUBLIC", start=T0, realtime=True, speed=120.0) as s:
        s.sql("CREATE TABLE T (ID INT)").collect()
        s.sql("CREATE STREAM S ON TABLE T").collect()
        s.sql("CREATE TABLE SINK (ID INT, AT_TIME TIMESTAMP_NTZ)").collect()
        s.sql(
            "CREATE TASK INGEST SCHEDULE = '1 MINUTE' WHEN SYSTEM$STREAM_HAS_DATA('S') "
            "AS INSERT INTO SINK SELECT ID, CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP()) FROM S"
        ).collect()
        s.sql("ALTER TASK INGEST RESUME").collect()
        for i in range(90):
            s.sql(f"INSERT INTO T VALUES ({i})").collect()
            if i % 30 == 0:
                s.sql("BEGIN").collect()
                s.sql(f"INSERT INTO T VALUES ({1000 + i})").collect()
                s.sql("COMMIT").collect()
        wait_for(lambda: s.sql("SELECT SYSTEM$STREAM_HAS_DATA('S') AS H").collect()[0][0] is False)
        ids = [r[0] for r in s.sql("SELECT ID FROM SINK").collect()]
        assert sorted(ids) == sorted([*range(90), 1000, 1030, 1060])
        states = s.sql("SELECT DISTINCT STATE FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY("
            "SCHEDULED_TIME_RANGE_END => CURRENT_TIMESTAMP()))").collect()
        assert {r[0] for r in states} <= {"SUCCEEDED", "SKIPPED"}


def test_realtime_scheduler_errors_surface_on_the_next_statement(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(engine: Engine) -> datetime:
        raise RuntimeError("boom")

    monkeypatch.setattr(dynamic_tables, "next_due", boom)
    with LocalSession(realtime=True, speed=60.0) as s:
        wait_for(lambda: not scheduler_threads())
        with pytest.raises(LocalEngineError, match=r"^The real-time scheduler of this LocalSession stopped .*boom"):
            s.sql("SELECT 1").collect()
