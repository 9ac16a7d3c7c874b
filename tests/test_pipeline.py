"""Pipeline against a recording session: the exact, ordered statements it sends, and how it fails.

These tests pin the plan, so they deploy with ``check=False``; the preflight that ``deploy()`` runs first by
default has its own tests (tests/test_preflight.py).
"""

from __future__ import annotations

from typing import Any

import pytest
from pytest_mock import MockerFixture
from snowflake.snowpark import Row
from snowflake.snowpark.exceptions import SnowparkSQLException

from moviecdc import DeployError, Pipeline, PipelineConfig, SessionError, StatementKind


@pytest.fixture
def session(mocker: MockerFixture) -> Any:
    """Stands in for the Snowflake network boundary: records every statement, answers like Snowflake."""
    recording = mocker.Mock(spec=["sql"])
    recording.sql.return_value.collect.return_value = [Row(status="Statement executed successfully.")]
    return recording


def sent(session: Any) -> list[str]:
    return [call.args[0] for call in session.sql.call_args_list]


def test_deploy_sends_the_plan_in_order(session: Any) -> None:
    pipeline = Pipeline(session)
    report = pipeline.deploy(check=False)
    assert sent(session) == [s.sql for s in pipeline.plan()]
    assert report.statements == pipeline.plan()
    assert [step.message for step in report.steps] == ["Statement executed successfully."] * 12
    assert str(report).splitlines()[0].startswith("deploy: 12 statements in ")


def test_second_deploy_sends_the_same_idempotent_statements(session: Any) -> None:
    pipeline = Pipeline(session)
    pipeline.deploy(check=False)
    first = sent(session)
    pipeline.deploy(check=False)
    assert sent(session) == first + first
    assert not any("OR REPLACE" in text or text.startswith("DROP TABLE") for text in first)


def test_tasks_are_suspended_before_altered_and_resumed_last(session: Any) -> None:
    Pipeline(session, PipelineConfig(gold_refresh="task")).deploy(check=False)
    texts = sent(session)
    ingest = '"MOVIES"."PUBLIC"."INGEST_MOVIES_BOOKING_CDC_EVENTS"'
    refresh = '"MOVIES"."PUBLIC"."REFRESH_MOVIES_BOOKING_INSIGHTS"'
    assert texts.index(f"ALTER TASK IF EXISTS {ingest} SUSPEND") < texts.index(
        next(t for t in texts if t.startswith(f"CREATE OR ALTER TASK {ingest}"))
    )
    assert texts[-2:] == [f"ALTER TASK {refresh} RESUME", f"ALTER TASK {ingest} RESUME"]
    refresh_task = next(t for t in texts if t.startswith(f"CREATE OR ALTER TASK {refresh}"))
    assert refresh_task.endswith('\nAS\nALTER DYNAMIC TABLE "MOVIES"."PUBLIC"."MOVIES_BOOKING_INSIGHTS" REFRESH')
    gold = next(t for t in texts if 'DYNAMIC TABLE "MOVIES"."PUBLIC"."MOVIES_BOOKING_INSIGHTS"' in t)
    assert "  TARGET_LAG = DOWNSTREAM\n" in gold


def test_teardown_keeps_data_by_default(session: Any) -> None:
    Pipeline(session).teardown()
    assert sent(session) == [
        'ALTER TASK IF EXISTS "MOVIES"."PUBLIC"."INGEST_MOVIES_BOOKING_CDC_EVENTS" SUSPEND',
        'ALTER TASK IF EXISTS "MOVIES"."PUBLIC"."REFRESH_MOVIES_BOOKING_INSIGHTS" SUSPEND',
        'DROP TASK IF EXISTS "MOVIES"."PUBLIC"."REFRESH_MOVIES_BOOKING_INSIGHTS"',
        'DROP DYNAMIC TABLE IF EXISTS "MOVIES"."PUBLIC"."MOVIES_BOOKING_INSIGHTS"',
        'DROP DYNAMIC TABLE IF EXISTS "MOVIES"."PUBLIC"."MOVIES_BOOKING_REJECTED"',
        'DROP DYNAMIC TABLE IF EXISTS "MOVIES"."PUBLIC"."MOVIES_BOOKING_FILTERED"',
        'DROP TASK IF EXISTS "MOVIES"."PUBLIC"."INGEST_MOVIES_BOOKING_CDC_EVENTS"',
    ]


def test_teardown_drop_data_drops_bronze_stream_and_raw_last(session: Any) -> None:
    Pipeline(session).teardown(drop_data=True)
    assert sent(session)[-3:] == [
        'DROP TABLE IF EXISTS "MOVIES"."PUBLIC"."MOVIES_BOOKING_CDC_EVENTS"',
        'DROP STREAM IF EXISTS "MOVIES"."PUBLIC"."RAW_MOVIES_BOOKING_STREAM"',
        'DROP TABLE IF EXISTS "MOVIES"."PUBLIC"."RAW_MOVIES_BOOKING"',
    ]


def test_failure_mid_deploy_names_the_statement_and_stops(session: Any) -> None:
    error = SnowparkSQLException("002003 (02000): SQL compilation error:\nWarehouse 'COMPUTE_WH' does not exist.")
    answers = [session.sql.return_value] * 6 + [error]
    session.sql.side_effect = answers
    with pytest.raises(DeployError) as caught:
        Pipeline(session).deploy(check=False)
    message = str(caught.value)
    assert message.startswith(
        'deploy failed at step 7 of 12 (CREATE TASK "MOVIES"."PUBLIC"."INGEST_MOVIES_BOOKING_CDC_EVENTS"): '
        "002003 (02000): SQL compilation error:\nStatement:\nCREATE OR ALTER TASK "
    )
    assert message.endswith("Steps 1 to 6 were applied. Fix the cause and run deploy again: every step is idempotent.")
    assert caught.value.statement is not None
    assert caught.value.statement.kind is StatementKind.CREATE_TASK
    assert isinstance(caught.value.__cause__, SnowparkSQLException)
    assert session.sql.call_count == 7


def test_progress_callback_sees_every_step(session: Any) -> None:
    seen: list[tuple[int, int, str]] = []
    Pipeline(session).deploy(progress=lambda n, total, st: seen.append((n, total, st.kind.value)), check=False)
    assert [s[0] for s in seen] == list(range(1, 13))
    assert {s[1] for s in seen} == {12}


def test_plan_sends_nothing(session: Any) -> None:
    Pipeline(session).plan()
    assert session.sql.call_count == 0


def test_snowpark_local_testing_session_is_refused(snowpark_local: Any) -> None:
    with pytest.raises(SessionError, match=r"cannot run SQL.*Use moviecdc.LocalSession\(\)"):
        Pipeline(snowpark_local)


def test_no_session_is_a_clear_error() -> None:
    with pytest.raises(SessionError, match=r"this Pipeline has no session; pass one"):
        Pipeline(None).deploy()
