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


# TASK_HISTORY's columns (https://docs.snowflake.com/en/sql-reference/functions/task_history), in its order.
HISTORY_COLUMNS = (
    "QUERY_ID",
    "NAME",
    "DATABASE_NAME",
    "SCHEMA_NAME",
    "QUERY_TEXT",
    "CONDITION_TEXT",
    "STATE",
    "ERROR_CODE",
    "ERROR_MESSAGE",
    "SCHEDULED_TIME",
    "QUERY_START_TIME",
    "NEXT_SCHEDULED_TIME",
    "COMPLETED_TIME",
    "ROOT_TASK_ID",
    "GRAPH_VERSION",
    "RUN_ID",
    "RETURN_VALUE",
    "SCHEDULED_FROM",
)
TASK = "INGEST_MOVIES_BOOKING_CDC_EVENTS"


def history_row(
    state: str,
    minute: int,
    *,
    schema: str = "PUBLIC",
    error: str | None = None,
    scheduled_from: str = "SCHEDULE",
    name: str = TASK,
) -> dict[str, object]:
    """One TASK_HISTORY row as Snowflake documents it: a SCHEDULED run has no QUERY_ID, no start, no end; an
    EXECUTING run has a QUERY_ID and a start but no end."""
    at = T0 + dt.timedelta(minutes=minute)
    started = state != "SCHEDULED"
    ended = started and state != "EXECUTING"
    return {
        "QUERY_ID": f"01b-{schema}-{minute}-{scheduled_from[:1]}" if started else None,
        "NAME": name,
        "DATABASE_NAME": "MOVIES",
        "SCHEMA_NAME": schema,
        "QUERY_TEXT": "INSERT INTO ...",
        "CONDITION_TEXT": "SYSTEM$STREAM_HAS_DATA('...')",
        "STATE": state,
        "ERROR_CODE": "100038" if error else None,
        "ERROR_MESSAGE": error,
        "SCHEDULED_TIME": at,
        "QUERY_START_TIME": at + dt.timedelta(seconds=1) if started else None,
        "NEXT_SCHEDULED_TIME": at + dt.timedelta(minutes=1),
        "COMPLETED_TIME": at + dt.timedelta(seconds=3) if ended else None,
        "ROOT_TASK_ID": "01b-root",
        "GRAPH_VERSION": 1,
        "RUN_ID": minute,
        "RETURN_VALUE": None,
        "SCHEDULED_FROM": scheduled_from,
    }


def task_history(*rows: dict[str, object]) -> list[Row]:
    """The function's answer: every column, newest scheduled time first (the SCHEDULED row on top)."""
    ordered = sorted(rows, key=lambda r: r["SCHEDULED_TIME"], reverse=True)  # type: ignore[arg-type, return-value]
    return [Row(**{column: row[column] for column in HISTORY_COLUMNS}) for row in ordered]


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
        return task_history(
            history_row("SCHEDULED", 1),  # the next run: TASK_HISTORY may list it even with RANGE_END => now
            history_row("FAILED", 0, schema="STAGING", error="another schema's task of the same name"),
            history_row("SUCCEEDED", 0),
            history_row("SKIPPED", -1),
        )
    if text.startswith("SHOW DYNAMIC TABLES"):
        name = text.split("LIKE '")[1].split("'", maxsplit=1)[0]
        lag = "DOWNSTREAM" if name == "MOVIES_BOOKING_FILTERED" else "2 minutes"
        return [
            Row(
                name=name,
                schema_name="PUBLIC",
                target_lag=lag,
                refresh_mode="INCREMENTAL",
                scheduling_state="ACTIVE",  # what SHOW DYNAMIC TABLES says since the 2024_02 bundle
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


HISTORY = (
    'SELECT "NAME", "STATE", "SCHEDULED_TIME", "COMPLETED_TIME", "ERROR_MESSAGE" FROM TABLE("MOVIES".'
    "INFORMATION_SCHEMA.TASK_HISTORY(SCHEDULED_TIME_RANGE_END => CURRENT_TIMESTAMP(), "
    "TASK_NAME => 'INGEST_MOVIES_BOOKING_CDC_EVENTS', RESULT_LIMIT => 1000)) "
    "WHERE \"DATABASE_NAME\" = 'MOVIES' AND \"SCHEMA_NAME\" = 'PUBLIC' AND \"STATE\" <> 'SCHEDULED' "
    'ORDER BY "SCHEDULED_TIME" DESC LIMIT 5'
)
RUNS = HISTORY.replace('"ERROR_MESSAGE" FROM', '"ERROR_MESSAGE", "SCHEDULED_FROM" FROM')  # what refresh() reads


def test_status_sends_read_only_statements_in_order(mocker: MockerFixture) -> None:
    session = answering(mocker, snowflake_answers)
    status = Pipeline(session).status()
    sent = [call.args[0] for call in session.sql.call_args_list]
    assert sent == [
        'SHOW STREAMS LIKE \'RAW_MOVIES_BOOKING_STREAM\' IN SCHEMA "MOVIES"."PUBLIC"',
        f'SELECT SYSTEM$STREAM_HAS_DATA(\'{Q}"RAW_MOVIES_BOOKING_STREAM"\') AS "HAS_DATA"',
        'SHOW TASKS LIKE \'INGEST_MOVIES_BOOKING_CDC_EVENTS\' IN SCHEMA "MOVIES"."PUBLIC"',
        HISTORY,
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


def refresh_answers(runs: list[list[dict[str, object]]]) -> Callable[[str], list[Row]]:
    """TASK_HISTORY answers one after the other (the last one repeats), every other statement succeeds. Each
    answer also lists the next scheduled run, as TASK_HISTORY documents it."""

    def answer(text: str) -> list[Row]:
        if "TASK_HISTORY" in text:
            rows = runs.pop(0) if len(runs) > 1 else runs[0]
            return task_history(history_row("SCHEDULED", 5), *rows)
        return [Row(status="Statement executed successfully.")]

    return answer


def manual(state: str, minute: int, error: str | None = None) -> dict[str, object]:
    """A run started by EXECUTE TASK."""
    return history_row(state, minute, error=error, scheduled_from="EXECUTE TASK")


def test_refresh_waits_for_the_task_run_then_refreshes(mocker: MockerFixture) -> None:
    old = history_row("SUCCEEDED", 0)
    history = [[old], [manual("EXECUTING", 1), old], [manual("SUCCEEDED", 1), old]]
    session = answering(mocker, refresh_answers(history))
    naps: list[float] = []
    report = Pipeline(session).refresh(sleep=naps.append, poll_interval=0.5, timeout=5)
    sent = [call.args[0] for call in session.sql.call_args_list]
    assert sent == [
        RUNS,
        f'EXECUTE TASK {Q}"INGEST_MOVIES_BOOKING_CDC_EVENTS"',
        RUNS,
        RUNS,
        f'ALTER DYNAMIC TABLE {Q}"MOVIES_BOOKING_INSIGHTS" REFRESH',
        f'ALTER DYNAMIC TABLE {Q}"MOVIES_BOOKING_REJECTED" REFRESH',
    ]
    assert naps == [0.5]
    assert [s.statement.kind.value for s in report.steps] == [
        "EXECUTE TASK",
        "REFRESH DYNAMIC TABLE",
        "REFRESH DYNAMIC TABLE",
    ]


def test_refresh_does_not_take_a_scheduled_run_already_executing_for_its_own(mocker: MockerFixture) -> None:
    # The schedule's run of minute 1 was executing when EXECUTE TASK was sent. It finishes first: that used to
    # count as "the run refresh started", so Gold was refreshed before the requested run had moved anything.
    scheduled = history_row("EXECUTING", 1)
    history = [
        [scheduled],
        [manual("EXECUTING", 2), scheduled],
        [manual("EXECUTING", 2), history_row("SUCCEEDED", 1)],  # not ours: keep waiting
        [manual("SUCCEEDED", 2), history_row("SUCCEEDED", 1)],
    ]
    session = answering(mocker, refresh_answers(history))
    naps: list[float] = []
    Pipeline(session).refresh(sleep=naps.append, poll_interval=1.0, timeout=5)
    sent = [call.args[0] for call in session.sql.call_args_list]
    assert sent.count(RUNS) == 4
    assert naps == [1.0, 1.0]
    assert sent[-2:] == [
        f'ALTER DYNAMIC TABLE {Q}"MOVIES_BOOKING_INSIGHTS" REFRESH',
        f'ALTER DYNAMIC TABLE {Q}"MOVIES_BOOKING_REJECTED" REFRESH',
    ]


def test_refresh_also_waits_for_an_earlier_run_still_executing(mocker: MockerFixture) -> None:
    # Its run was skipped (or finished quickly) while the schedule's run, which holds the stream's changes, is
    # still executing: Gold is refreshed only once that run has committed.
    scheduled = history_row("EXECUTING", 1)
    history = [[scheduled], [manual("SKIPPED", 2), scheduled], [manual("SKIPPED", 2), history_row("SUCCEEDED", 1)]]
    session = answering(mocker, refresh_answers(history))
    naps: list[float] = []
    Pipeline(session).refresh(sleep=naps.append, poll_interval=1.0, timeout=5)
    assert naps == [1.0]


def test_refresh_reports_a_failed_run(mocker: MockerFixture) -> None:
    failed = manual("FAILED", 1, "100038 (22018): Numeric value 'abc' is not recognized")
    session = answering(mocker, refresh_answers([[], [failed]]))
    with pytest.raises(DeployError, match=r"task .* failed: 100038 \(22018\): Numeric value 'abc' is not recognized"):
        Pipeline(session).refresh(sleep=lambda _: None, timeout=5)
    assert not any("ALTER DYNAMIC TABLE" in call.args[0] for call in session.sql.call_args_list)


def test_refresh_times_out(mocker: MockerFixture) -> None:
    session = answering(mocker, refresh_answers([[manual("EXECUTING", 1)]]))
    with pytest.raises(DeployError, match=r"did not finish within 0s; check TASK_HISTORY"):
        Pipeline(session).refresh(timeout=0.0, sleep=lambda _: None)


def test_status_reads_task_history_as_snowflake_writes_it(mocker: MockerFixture) -> None:
    # The answer holds the next run (SCHEDULED, QUERY_ID NULL) on top and the same-named task of another schema;
    # neither is a run of this pipeline's task. The newest finished run decides: SUCCEEDED here.
    status = Pipeline(answering(mocker, snowflake_answers)).status()
    (task,) = status.tasks
    assert [(r.state, r.scheduled_time) for r in task.last_runs] == [
        ("SUCCEEDED", T0),
        ("SKIPPED", T0 - dt.timedelta(minutes=1)),
    ]
    assert status.healthy


def test_a_failed_last_run_makes_the_pipeline_unhealthy_even_with_a_scheduled_run_on_top(
    mocker: MockerFixture,
) -> None:
    # Before: the SCHEDULED row was taken for the last run, so a FAILED run never made the pipeline unhealthy.
    def answer(text: str) -> list[Row]:
        if "TASK_HISTORY" in text:
            return task_history(
                history_row("SCHEDULED", 2),
                history_row("EXECUTING", 1),  # not finished: does not decide
                history_row("FAILED", 0, error="100038 (22018): Numeric value 'abc' is not recognized"),
                history_row("SUCCEEDED", -1),
            )
        return snowflake_answers(text)

    status = Pipeline(answering(mocker, answer)).status()
    (task,) = status.tasks
    assert task.last_runs[0].state == "EXECUTING"
    assert task.last_finished is not None
    assert task.last_finished.state == "FAILED"
    assert not status.healthy


@pytest.mark.parametrize(("state", "healthy"), [("ACTIVE", True), ("RUNNING", True), ("SUSPENDED", False)])
def test_scheduling_state_as_snowflake_documents_it(mocker: MockerFixture, state: str, healthy: bool) -> None:
    # SHOW DYNAMIC TABLES says ACTIVE or SUSPENDED since the 2024_02 bundle (RUNNING before it).
    def answer(text: str) -> list[Row]:
        rows = snowflake_answers(text)
        if text.startswith("SHOW DYNAMIC TABLES"):
            return [Row(**{**rows[0].as_dict(), "scheduling_state": state})]
        return rows

    assert Pipeline(answering(mocker, answer)).status().healthy is healthy
