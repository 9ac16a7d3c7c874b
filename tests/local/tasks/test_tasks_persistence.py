"""With a path, tasks, their state and history survive a restart, and a started task carries on."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from moviecdc.local import LocalSession

T0 = datetime(2026, 1, 1, 9, 0)
MINUTE = timedelta(minutes=1)
HISTORY = (
    "SELECT NAME, STATE, SCHEDULED_TIME, COMPLETED_TIME, ERROR_MESSAGE "
    "FROM TABLE(MOVIES.INFORMATION_SCHEMA.TASK_HISTORY("
    "SCHEDULED_TIME_RANGE_END => CURRENT_TIMESTAMP())) ORDER BY SCHEDULED_TIME"
)


def open_session(path: Path, start: datetime = T0) -> LocalSession:
    return LocalSession(path, database="MOVIES", schema="PUBLIC", start=start)


def history(session: LocalSession) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in session.sql(HISTORY).collect()]


def tasks(session: LocalSession) -> dict[str, tuple[Any, ...]]:
    rows = session.sql("SHOW TASKS").collect()
    return {r["name"]: (r["state"], r["schedule"], r["condition"], r["last_suspended_reason"]) for r in rows}


def build(session: LocalSession) -> None:
    session.sql("CREATE TABLE T (ID INT, VAL VARCHAR)").collect()
    session.sql("CREATE STREAM S ON TABLE T").collect()
    session.sql("CREATE TABLE SINK (ID INT, NUM INT)").collect()
    session.sql(
        "CREATE TASK INGEST SCHEDULE = '1 MINUTE' SUSPEND_TASK_AFTER_NUM_FAILURES = 2 "
        "WHEN SYSTEM$STREAM_HAS_DATA('S') AS INSERT INTO SINK SELECT ID, CAST(VAL AS INT) FROM S"
    ).collect()
    session.sql("CREATE TASK IDLE SCHEDULE = '5 MINUTES' AS SELECT 1").collect()
    session.sql("ALTER TASK INGEST RESUME").collect()


def test_definitions_state_and_history_survive_and_a_started_task_carries_on(tmp_path: Path) -> None:
    path = tmp_path / "moviecdc.duckdb"
    with open_session(path) as s:
        build(s)
        s.sql("INSERT INTO T VALUES (1, '1')").collect()
        s.advance(minutes=2, seconds=30)
        before_tasks, before_history = tasks(s), history(s)
    assert [(h[1], h[2]) for h in before_history] == [
        ("SUCCEEDED", (T0 + MINUTE).replace(tzinfo=timezone.utc)),
        ("SKIPPED", (T0 + 2 * MINUTE).replace(tzinfo=timezone.utc)),
    ]
    with open_session(path) as s:  # same start: the clock resumes after the latest recorded time
        assert s.now() > T0 + 2 * MINUTE
        assert tasks(s) == before_tasks
        assert tasks(s)["INGEST"][0] == "started"
        assert history(s) == before_history
        s.sql("INSERT INTO T VALUES (2, '2')").collect()
        s.advance(seconds=60)
        assert [h[1:3] for h in history(s)][-1] == ("SUCCEEDED", (T0 + 3 * MINUTE).replace(tzinfo=timezone.utc))
        assert sorted(tuple(r) for r in s.sql("SELECT ID, NUM FROM SINK").collect()) == [(1, 1), (2, 2)]


def test_the_failure_count_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "db"
    with open_session(path) as s:
        build(s)
        s.sql("INSERT INTO T VALUES (1, 'abc')").collect()
        s.advance(minutes=1)
        assert [h[1] for h in history(s)] == ["FAILED"]
    with open_session(path) as s:
        s.advance(minutes=1)
        assert [h[1] for h in history(s)] == ["FAILED", "FAILED_AND_AUTO_SUSPENDED"]
        assert tasks(s)["INGEST"][0::3] == ("suspended", "SUSPENDED_DUE_TO_ERRORS")
        assert s.sql("SELECT ID FROM S").collect()[0][0] == 1  # still unconsumed


def test_time_that_passed_while_closed_is_not_replayed(tmp_path: Path) -> None:
    path = tmp_path / "db"
    with open_session(path) as s:
        build(s)
        s.sql("INSERT INTO T VALUES (1, '1')").collect()
        s.advance(minutes=1)
    later = T0 + timedelta(days=1, seconds=30)
    with open_session(path, start=later) as s:
        assert s.now() == later
        s.sql("INSERT INTO T VALUES (2, '2')").collect()
        s.advance(minutes=1)
        runs = history(s)
        # No backlog of 1,440 missed runs: the schedule resumes on its phase from now.
        assert [(h[1], h[2].replace(tzinfo=None)) for h in runs] == [
            ("SUCCEEDED", T0 + MINUTE),
            ("SUCCEEDED", T0 + timedelta(days=1, minutes=1)),
        ]


# A child that writes rows while the real-time scheduler moves them with a task, until it is killed.
_CHILD = """
import sys
from moviecdc.local import LocalSession

session = LocalSession(sys.argv[1], database="MOVIES", schema="PUBLIC", realtime=True, speed=600.0)
session.sql("CREATE TABLE IF NOT EXISTS T (ID INT)").collect()
session.sql("CREATE STREAM IF NOT EXISTS S ON TABLE T").collect()
session.sql("CREATE TABLE IF NOT EXISTS SINK (ID INT, RAN_AT TIMESTAMP_NTZ)").collect()
session.sql(
    "CREATE TASK IF NOT EXISTS INGEST SCHEDULE = '1 MINUTE' WHEN SYSTEM$STREAM_HAS_DATA('S') "
    "AS INSERT INTO SINK SELECT ID, CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP()) FROM S"
).collect()
session.sql("ALTER TASK INGEST RESUME").collect()
next_id = session.sql("SELECT COALESCE(MAX(ID), 0) + 1 FROM T").collect()[0][0]
print("ready", flush=True)
while True:
    session.sql(f"INSERT INTO T VALUES ({next_id})").collect()
    next_id += 1
"""


@pytest.mark.slow
def test_sigkill_during_task_runs_keeps_history_and_data_in_step(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    rng = random.Random(20261127)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    for _ in range(3):
        with subprocess.Popen([sys.executable, "-c", _CHILD, str(folder)], env=env, stdout=subprocess.PIPE) as child:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == b"ready"
            time.sleep(rng.uniform(0.5, 2.0))
            child.send_signal(signal.SIGKILL)
    with open_session(folder) as s:
        written = {r[0] for r in s.sql("SELECT ID FROM T").collect()}
        moved = [r[0] for r in s.sql("SELECT ID FROM SINK").collect()]
        pending = {r[0] for r in s.sql("SELECT ID FROM S").collect()}
        assert len(moved) == len(set(moved))  # nothing moved twice
        assert set(moved) | pending == written  # nothing lost
        assert not set(moved) & pending
        # Every committed run left exactly its rows, stamped with its own start time, and vice versa.
        stamps = {r[0] for r in s.sql("SELECT DISTINCT RAN_AT FROM SINK").collect()}
        succeeded = s.sql(
            "SELECT QUERY_START_TIME FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY("
            "SCHEDULED_TIME_RANGE_END => CURRENT_TIMESTAMP(), RESULT_LIMIT => 10000)) "
            "WHERE STATE = 'SUCCEEDED'"
        ).collect()
        assert {r[0].replace(tzinfo=None) for r in succeeded} == stamps
        assert len(stamps) >= 3
