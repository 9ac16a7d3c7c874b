"""The pipeline's own task statements on LocalSession: deploy, the ingest task on the clock, status() reads."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from moviecdc import Pipeline, sql
from moviecdc.local import LocalSession
from moviecdc.status import HISTORY_LIMIT, exact, fields

T0 = datetime(2026, 1, 1, 9, 0)
MINUTE = timedelta(minutes=1)
RAW = '"MOVIES"."PUBLIC"."RAW_MOVIES_BOOKING"'
BRONZE = '"MOVIES"."PUBLIC"."MOVIES_BOOKING_CDC_EVENTS"'


@pytest.fixture
def deployed() -> Iterator[tuple[LocalSession, Pipeline]]:
    with LocalSession(start=T0) as session:
        pipeline = Pipeline(session)
        pipeline.deploy()
        yield session, pipeline


def utc(at: datetime) -> datetime:
    return at.replace(tzinfo=timezone.utc)


def test_the_exact_status_statements_answer_as_snowflake_does(deployed: tuple[LocalSession, Pipeline]) -> None:
    session, pipeline = deployed
    task = pipeline.config.name("ingest_task")
    show = str(sql.show("TASKS", task))
    assert show == 'SHOW TASKS LIKE \'INGEST_MOVIES_BOOKING_CDC_EVENTS\' IN SCHEMA "MOVIES"."PUBLIC"'
    shown = exact(session.sql(show).collect(), task)
    assert shown is not None
    assert {k: shown[k] for k in ("name", "schema_name", "state", "schedule", "warehouse")} == {
        "name": "INGEST_MOVIES_BOOKING_CDC_EVENTS",
        "schema_name": "PUBLIC",
        "state": "started",
        "schedule": "1 MINUTE",
        "warehouse": "COMPUTE_WH",
    }
    assert shown["condition"] == 'SYSTEM$STREAM_HAS_DATA(\'"MOVIES"."PUBLIC"."RAW_MOVIES_BOOKING_STREAM"\')'

    session.sql(f"INSERT INTO {RAW} VALUES ('X1', 'C1', 'M9', '2026-01-01 08:00:00', 'BOOKED', 2, 10.00)").collect()
    session.advance(minutes=2)
    history = str(sql.task_history(task, HISTORY_LIMIT))
    rows = [fields(r) for r in session.sql(history).collect()]
    assert rows == [
        {
            "name": "INGEST_MOVIES_BOOKING_CDC_EVENTS",
            "state": "SKIPPED",
            "scheduled_time": utc(T0 + 2 * MINUTE),
            "completed_time": rows[0]["completed_time"],
            "error_message": None,
        },
        {
            "name": "INGEST_MOVIES_BOOKING_CDC_EVENTS",
            "state": "SUCCEEDED",
            "scheduled_time": utc(T0 + MINUTE),
            "completed_time": rows[1]["completed_time"],
            "error_message": None,
        },
    ]
    assert utc(T0 + MINUTE) < rows[1]["completed_time"] < utc(T0 + MINUTE + timedelta(milliseconds=1))


def test_the_ingest_task_stamps_bronze_with_its_own_run_time(deployed: tuple[LocalSession, Pipeline]) -> None:
    session, _ = deployed
    session.sql(f"INSERT INTO {RAW} VALUES ('X1', 'C1', 'M9', '2026-01-01 08:00:00', 'BOOKED', 2, 10.00)").collect()
    session.advance(seconds=90)
    session.sql(f"UPDATE {RAW} SET STATUS = 'CANCELLED' WHERE BOOKING_ID = 'X1'").collect()
    session.advance(seconds=60)
    rows = session.sql(
        f'SELECT "STATUS", "CHANGE_TYPE", "IS_UPDATE", "CHANGE_TIMESTAMP" FROM {BRONZE} '
        'ORDER BY "CHANGE_TIMESTAMP", "CHANGE_TYPE"'
    ).collect()
    assert [tuple(r) for r in rows] == [
        ("BOOKED", "INSERT", False, T0 + MINUTE),
        ("BOOKED", "DELETE", True, T0 + 2 * MINUTE),
        ("CANCELLED", "INSERT", True, T0 + 2 * MINUTE),
    ]


def test_status_and_a_second_deploy_keep_the_task_started_with_its_history(
    deployed: tuple[LocalSession, Pipeline],
) -> None:
    session, pipeline = deployed
    session.advance(minutes=3)
    pipeline.deploy()  # suspends, alters, resumes: the schedule restarts from now, the history stays
    session.advance(minutes=1)
    status = pipeline.status()
    (task,) = status.tasks
    assert (task.exists, task.state, task.schedule) == (True, "started", "1 MINUTE")
    assert [(r.state, r.scheduled_time) for r in task.last_runs] == [
        ("SKIPPED", utc(T0 + 4 * MINUTE)),
        ("SKIPPED", utc(T0 + 3 * MINUTE)),
        ("SKIPPED", utc(T0 + 2 * MINUTE)),
        ("SKIPPED", utc(T0 + MINUTE)),
    ]
