"""advance() records idle time in bulk (issue 13): the history it leaves is the minute-by-minute one, row for row.

Snowflake records a run whose WHEN is FALSE as SKIPPED and a refresh that finds nothing new as NO_DATA
(https://docs.snowflake.com/en/sql-reference/functions/task_history,
https://docs.snowflake.com/en/sql-reference/functions/dynamic_table_refresh_history); the engine must leave the
same rows whether it ran every idle minute or skipped over them (moviecdc.local.scheduler, "idle time").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from moviecdc.local import LocalSession, scheduler

START = datetime(2026, 3, 1, 9, 0)

SETUP = (
    "CREATE TABLE SRC (K VARCHAR, N INT)",
    "CREATE TABLE STILL (K VARCHAR, N INT)",
    "INSERT INTO STILL VALUES ('s', 1)",
    "CREATE TABLE SINK (K VARCHAR, N INT)",
    "CREATE STREAM SRC_S ON TABLE SRC",
    "CREATE TASK INGEST SCHEDULE = '1 MINUTE' WHEN SYSTEM$STREAM_HAS_DATA('SRC_S') "
    "AS INSERT INTO SINK SELECT K, N FROM SRC_S",
    "CREATE TASK BROKEN SCHEDULE = '10 MINUTES' AS INSERT INTO NO_SUCH_TABLE VALUES (1)",
    "CREATE TASK IDLE_TOO SCHEDULE = '15 MINUTES' WHEN NOT SYSTEM$STREAM_HAS_DATA('SRC_S') = FALSE "
    "AS INSERT INTO SINK VALUES ('x', 0)",
    "CREATE DYNAMIC TABLE TOTALS TARGET_LAG = '2 minutes' WAREHOUSE = WH "
    "AS SELECT K, COUNT(*) AS C, SUM(N) AS S FROM SINK GROUP BY K",
    "CREATE DYNAMIC TABLE QUIET TARGET_LAG = '3 minutes' WAREHOUSE = WH AS SELECT K, N FROM STILL",
    "ALTER TASK INGEST RESUME",
    "ALTER TASK BROKEN RESUME",
    "ALTER TASK IDLE_TOO RESUME",
)

# (minutes to advance, then a statement or None)
SCENARIO: tuple[tuple[int, str | None], ...] = (
    (50, "INSERT INTO SRC VALUES ('a', 1), ('b', 2)"),
    (7, "INSERT INTO SRC VALUES ('a', 3)"),
    (40, "ALTER TASK INGEST SUSPEND"),
    (1, "INSERT INTO SRC VALUES ('c', 4)"),
    (30, "ALTER TASK INGEST RESUME"),
    (60, None),
)


def _run(step: Callable[[LocalSession, int], None]) -> LocalSession:
    session = LocalSession(database="DB", schema="PUBLIC", start=START)
    for statement in SETUP:
        session.sql(statement).collect()
    for minutes, statement in SCENARIO:
        step(session, minutes)
        if statement is not None:
            session.sql(statement).collect()
    return session


def _minute_by_minute(session: LocalSession, minutes: int) -> None:
    for _ in range(minutes):
        session.advance(minutes=1)


def _at_once(session: LocalSession, minutes: int) -> None:
    session.advance(minutes=minutes)


def _rows(session: LocalSession, query: str) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in session.sql(query).collect()]


QUERIES = (
    # every stored column, in a total order
    "SELECT * FROM DB._MOVIECDC.TASK_HISTORY ORDER BY SCHEDULED_TIME, COMPLETED_TIME, NAME",
    "SELECT * FROM DB._MOVIECDC.DYNAMIC_TABLE_REFRESHES ORDER BY REFRESH_ID",
    # and as the table functions answer
    "SELECT * FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY(RESULT_LIMIT => 10000))",
    "SELECT * FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY("
    "DATA_TIMESTAMP_START => '2026-03-01 00:00:00'::TIMESTAMP_LTZ, RESULT_LIMIT => 10000))",
    "SELECT * FROM TOTALS ORDER BY K",
    "SELECT * FROM SINK ORDER BY K, N",
    "SHOW TASKS",
)


@pytest.fixture(scope="module")
def both() -> tuple[LocalSession, LocalSession]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scheduler, "SKIP_IDLE", False)
        reference = _run(_minute_by_minute)
    stretches: list[bool] = []
    skip_idle = scheduler._skip_idle

    def counted(*args: Any) -> bool:
        stretches.append(skip_idle(*args))
        return stretches[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scheduler, "_skip_idle", counted)
        skipped = _run(_at_once)
    assert sum(stretches) >= 5  # the idle stretches were recorded in bulk, not run
    return reference, skipped


@pytest.mark.parametrize("query", QUERIES)
def test_a_skipped_advance_leaves_the_minute_by_minute_history(
    both: tuple[LocalSession, LocalSession], query: str
) -> None:
    reference, skipped = both
    expected = _rows(reference, query)
    assert expected  # the scenario produced something to compare
    assert _rows(skipped, query) == expected


def test_the_scenario_covers_skipped_runs_failures_and_no_data(both: tuple[LocalSession, LocalSession]) -> None:
    _, skipped = both
    states = dict(_rows(skipped, "SELECT NAME || '/' || STATE, COUNT(*) FROM DB._MOVIECDC.TASK_HISTORY GROUP BY 1"))
    assert states["INGEST/SKIPPED"] > 100
    assert states["INGEST/SUCCEEDED"] == 3
    assert states["BROKEN/FAILED"] == 9
    assert states["BROKEN/FAILED_AND_AUTO_SUSPENDED"] == 1
    assert states["IDLE_TOO/SKIPPED"] >= 10  # another WHEN: evaluated by running it, every time
    actions = dict(
        _rows(
            skipped,
            "SELECT NAME || '/' || REFRESH_ACTION, COUNT(*) FROM DB._MOVIECDC.DYNAMIC_TABLE_REFRESHES GROUP BY 1",
        )
    )
    assert actions["QUIET/NO_DATA"] > 50
    assert actions["TOTALS/INCREMENTAL"] >= 3
