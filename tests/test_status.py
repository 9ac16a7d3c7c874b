"""Pipeline.status() and refresh() against a recording session that answers the way Snowflake does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from pytest_mock import MockerFixture
from snowflake.snowpark import Row

from moviecdc import DeployError, Pipeline

T0 = dt.datetime(2026, 11, 27, 10, 0)
Q = '"MOVIES"."PUBLIC".'


def answering(mocker: MockerFixture, answer: Callable[[str], list[Row]]) -> Any:
    session = mocker.Mock(spec=["sql"])

    def sql(text: str) -> Any:
        result = mocker.Mock(spec=["collect"])
        result.collect.side_effect = lambda: answer(text)
        return result

    session.sql.side_effect = sql
    return session


def snowflake_answers(text: str) -> list[Row]:
    if text.startswith("SHOW STREAMS"):
        return [Row(name="RAW_MOVIES_BOOKING_STREAM", schema_name="PUBLIC", stale="false", mode="DEFAULT")]
    if text.startswith("SELECT SYSTEM$STREAM_HAS_DATA"):
        return [Row(HAS_DATA=True)]
    if text.startswith("SHOW TASKS"):
        # LIKE's "_" is a wildcard: a look-alike name must be ignored.
        return [
            Row(name="INGEST_MOVIES_BOOKING_CDC_EVENTSX", schema_name="PUBLIC", state="suspended", schedule="1 MINUTE"),
            Row(name="INGEST_MOVIES_BOOKING_CDC_EVENTS", schema_name="PUBLIC", state="started", schedule="1 MINUTE"),
        ]
    if "TASK_HISTORY" in text:
        return [
            Row(
                NAME="INGEST_MOVIES_BOOKING_CDC_EVENTS",
                STATE="SUCCEEDED",
                SCHEDULED_TIME=T0,
                COMPLETED_TIME=T0 + dt.timedelta(seconds=3),
                ERROR_MESSAGE=None,
            ),
            Row(
                NAME="INGEST_MOVIES_BOOKING_CDC_EVENTS",
                STATE="SKIPPED",
                SCHEDULED_TIME=T0 - dt.timedelta(minutes=1),
                COMPLETED_TIME=T0 - dt.timedelta(minutes=1),
                ERROR_MESSAGE=None,
            ),
        ]
    if text.startswith("SHOW DYNAMIC TABLES"):
        name = text.split("LIKE '")[1].split("'", maxsplit=1)[0]
        lag = "DOWNSTREAM" if name == "MOVIES_BOOKING_FILTERED" else "2 minutes"
        return [
            Row(
                name=name,
                schema_name="PUBLIC",
                target_lag=lag,
                refresh_mode="INCREMENTAL",
                scheduling_state="RUNNING",
                data_timestamp=T0,
            )
        ]
    if "DYNAMIC_TABLE_REFRESH_HISTORY" in text:
        return [
            Row(
                NAME="X",
                STATE="SUCCEEDED",
                REFRESH_ACTION="INCREMENTAL",
                DATA_TIMESTAMP=T0,
                REFRESH_START_TIME=T0,
                REFRESH_END_TIME=T0 + dt.timedelta(seconds=2),
                STATE_MESSAGE=None,
            )
        ]
    if text.startswith('SELECT "REJECT_REASON"'):
        return [Row(REASON="movie_id is missing", ROWS=3), Row(REASON="ticket_count must be a positive number", ROWS=1)]
    raise AssertionError(f"unexpected statement: {text}")


def test_status_sends_read_only_statements_in_order(mocker: MockerFixture) -> None:
    session = answering(mocker, snowflake_answers)
    status = Pipeline(session).status()
    sent = [call.args[0] for call in session.sql.call_args_list]
    assert sent == [
        'SHOW STREAMS LIKE \'RAW_MOVIES_BOOKING_STREAM\' IN SCHEMA "MOVIES"."PUBLIC"',
        f'SELECT SYSTEM$STREAM_HAS_DATA(\'{Q}"RAW_MOVIES_BOOKING_STREAM"\') AS "HAS_DATA"',
        'SHOW TASKS LIKE \'INGEST_MOVIES_BOOKING_CDC_EVENTS\' IN SCHEMA "MOVIES"."PUBLIC"',
        'SELECT "NAME", "STATE", "SCHEDULED_TIME", "COMPLETED_TIME", "ERROR_MESSAGE" FROM TABLE("MOVIES".'
        "INFORMATION_SCHEMA.TASK_HISTORY(TASK_NAME => 'INGEST_MOVIES_BOOKING_CDC_EVENTS', RESULT_LIMIT => 5, "
        "SCHEDULED_TIME_RANGE_END => CURRENT_TIMESTAMP())) "
        'WHERE "STATE" <> \'SCHEDULED\' ORDER BY "SCHEDULED_TIME" DESC',
        *[
            stmt
            for table in ("MOVIES_BOOKING_FILTERED", "MOVIES_BOOKING_REJECTED", "MOVIES_BOOKING_INSIGHTS")
            for stmt in (
                f'SHOW DYNAMIC TABLES LIKE \'{table}\' IN SCHEMA "MOVIES"."PUBLIC"',
                'SELECT "NAME", "STATE", "REFRESH_ACTION", "DATA_TIMESTAMP", "REFRESH_START_TIME", '
                '"REFRESH_END_TIME", "STATE_MESSAGE" FROM TABLE("MOVIES".INFORMATION_SCHEMA.'
                f"DYNAMIC_TABLE_REFRESH_HISTORY(NAME => '{Q}\"{table}\"', RESULT_LIMIT => 5)) "
                'ORDER BY "REFRESH_START_TIME" DESC',
            )
        ],
        f'SELECT "REJECT_REASON" AS "REASON", COUNT(*) AS "ROWS" FROM {Q}"MOVIES_BOOKING_REJECTED" '
        'GROUP BY "REJECT_REASON" ORDER BY "ROWS" DESC, "REASON"',
    ]
    assert status.healthy
    assert status.stream.has_pending_changes
    assert not status.stream.stale
    assert [(t.name.name, t.state, [r.state for r in t.last_runs]) for t in status.tasks] == [
        ("INGEST_MOVIES_BOOKING_CDC_EVENTS", "started", ["SUCCEEDED", "SKIPPED"])
    ]
    assert [(d.name.name, d.target_lag, d.refresh_mode) for d in status.dynamic_tables] == [
        ("MOVIES_BOOKING_FILTERED", "DOWNSTREAM", "INCREMENTAL"),
        ("MOVIES_BOOKING_REJECTED", "2 minutes", "INCREMENTAL"),
        ("MOVIES_BOOKING_INSIGHTS", "2 minutes", "INCREMENTAL"),
    ]
    assert (status.rejected_rows, status.rejected_reasons) == (
        4,
        {"movie_id is missing": 3, "ticket_count must be a positive number": 1},
    )
    assert str(status).splitlines()[:2] == [
        "pipeline: healthy",
        f'  stream {Q}"RAW_MOVIES_BOOKING_STREAM": ok, default, changes pending',
    ]


def test_a_suspended_dynamic_table_is_not_healthy(mocker: MockerFixture) -> None:
    def answer(text: str) -> list[Row]:
        if text.startswith("SHOW DYNAMIC TABLES") and "INSIGHTS" in text:
            return [
                Row(
                    name="MOVIES_BOOKING_INSIGHTS",
                    schema_name="PUBLIC",
                    target_lag="2 minutes",
                    refresh_mode="INCREMENTAL",
                    scheduling_state="SUSPENDED",
                    data_timestamp=T0,
                )
            ]
        return snowflake_answers(text)

    status = Pipeline(answering(mocker, answer)).status()
    assert status.deployed
    assert not status.healthy
    assert str(status).splitlines()[0] == "pipeline: NEEDS ATTENTION"


def test_status_of_an_undeployed_pipeline(mocker: MockerFixture) -> None:
    session = answering(mocker, lambda text: [])
    status = Pipeline(session).status()
    assert not status.deployed
    assert not status.healthy
    assert str(status).splitlines()[1] == f'  stream {Q}"RAW_MOVIES_BOOKING_STREAM": MISSING (run deploy)'
    assert status.rejected_rows == 0


def refresh_answers(runs: list[list[Row]]) -> Callable[[str], list[Row]]:
    def answer(text: str) -> list[Row]:
        if "TASK_HISTORY" in text:
            return runs.pop(0) if len(runs) > 1 else runs[0]
        return [Row(status="Statement executed successfully.")]

    return answer


def run(state: str, minute: int, error: str | None = None) -> Row:
    at = T0 + dt.timedelta(minutes=minute)
    return Row(
        NAME="INGEST_MOVIES_BOOKING_CDC_EVENTS", STATE=state, SCHEDULED_TIME=at, COMPLETED_TIME=at, ERROR_MESSAGE=error
    )


def test_refresh_waits_for_the_task_run_then_refreshes(mocker: MockerFixture) -> None:
    old = run("SUCCEEDED", 0)
    session = answering(mocker, refresh_answers([[old], [run("EXECUTING", 1), old], [run("SUCCEEDED", 1), old]]))
    naps: list[float] = []
    report = Pipeline(session).refresh(sleep=naps.append, poll_interval=0.5)
    sent = [call.args[0] for call in session.sql.call_args_list]
    history = sent[0]
    assert "TASK_HISTORY" in history
    assert sent == [
        history,
        f'EXECUTE TASK {Q}"INGEST_MOVIES_BOOKING_CDC_EVENTS"',
        history,
        history,
        f'ALTER DYNAMIC TABLE {Q}"MOVIES_BOOKING_INSIGHTS" REFRESH',
        f'ALTER DYNAMIC TABLE {Q}"MOVIES_BOOKING_REJECTED" REFRESH',
    ]
    assert naps == [0.5]
    assert [s.statement.kind.value for s in report.steps] == [
        "EXECUTE TASK",
        "REFRESH DYNAMIC TABLE",
        "REFRESH DYNAMIC TABLE",
    ]


def test_refresh_reports_a_failed_run(mocker: MockerFixture) -> None:
    failed = run("FAILED", 1, "100038 (22018): Numeric value 'abc' is not recognized")
    session = answering(mocker, refresh_answers([[], [failed]]))
    with pytest.raises(DeployError, match=r"task .* failed: 100038 \(22018\): Numeric value 'abc' is not recognized"):
        Pipeline(session).refresh(sleep=lambda _: None)
    assert not any("ALTER DYNAMIC TABLE" in call.args[0] for call in session.sql.call_args_list)


def test_refresh_times_out(mocker: MockerFixture) -> None:
    session = answering(mocker, refresh_answers([[run("EXECUTING", 1)]]))
    with pytest.raises(DeployError, match=r"did not finish within 0s; check TASK_HISTORY"):
        Pipeline(session).refresh(timeout=0.0, sleep=lambda _: None)
