"""Tasks on LocalSession: DDL and SHOW, WHEN, failures and auto-suspend, EXECUTE TASK, task graphs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local import LocalSession

T0 = datetime(2026, 1, 1, 9, 0)
MINUTE = timedelta(minutes=1)


@pytest.fixture
def session() -> Iterator[LocalSession]:
    """MOVIES.PUBLIC with table T (ID, VAL), stream S on it, SINK for what a task moves, LOG for task runs."""
    with LocalSession(database="MOVIES", schema="PUBLIC", start=T0) as s:
        s.sql("CREATE TABLE T (ID INT, VAL VARCHAR)").collect()
        s.sql("CREATE STREAM S ON TABLE T").collect()
        s.sql("CREATE TABLE SINK (ID INT, NUM INT, RAN_AT TIMESTAMP_NTZ)").collect()
        s.sql("CREATE TABLE LOG (TASK VARCHAR, RAN_AT TIMESTAMP_NTZ)").collect()
        yield s


def one(session: LocalSession, text: str) -> Any:
    rows = session.sql(text).collect()
    assert len(rows) == 1
    return rows[0][0]


def history(session: LocalSession, task: str | None = None) -> list[tuple[str, str, datetime, str | None]]:
    """(NAME, STATE, SCHEDULED_TIME as naive UTC, ERROR_MESSAGE), most recent first."""
    # Past runs only: the next scheduled run of a started task is a row of its own (state SCHEDULED).
    args = "SCHEDULED_TIME_RANGE_END => CURRENT_TIMESTAMP()" + (f", TASK_NAME => '{task}'" if task else "")
    rows = session.sql(
        f"SELECT NAME, STATE, SCHEDULED_TIME, ERROR_MESSAGE FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY({args}))"
    ).collect()
    return [(r[0], r[1], r[2].astimezone(timezone.utc).replace(tzinfo=None), r[3]) for r in rows]


def shown(session: LocalSession, task: str) -> dict[str, Any]:
    rows = session.sql(f"SHOW TASKS LIKE '{task}'").collect()
    assert len(rows) == 1
    return rows[0].as_dict()


def logging_task(session: LocalSession, name: str, extra: str = "", *, schedule: str = "1 MINUTE") -> None:
    clause = f"SCHEDULE = '{schedule}' " if schedule else ""
    session.sql(
        f"CREATE TASK {name} WAREHOUSE = COMPUTE_WH {clause}{extra} "
        f"AS INSERT INTO LOG SELECT '{name}', CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP())"
    ).collect()


# -- DDL and SHOW -----------------------------------------------------------------------------------------


def test_create_task_is_suspended_and_shown_as_snowflake_does(session: LocalSession) -> None:
    rows = session.sql(
        "CREATE TASK INGEST WAREHOUSE = \"COMPUTE_WH\" SCHEDULE = '1 MINUTE' SUSPEND_TASK_AFTER_NUM_FAILURES = 3 "
        "COMMENT = 'moves S' WHEN SYSTEM$STREAM_HAS_DATA('S') AS INSERT INTO SINK SELECT ID, 1, NULL FROM S"
    ).collect()
    assert [r.as_dict() for r in rows] == [{"status": "Task INGEST successfully created."}]
    row = shown(session, "INGEST")
    assert {k: row[k] for k in row if k not in ("id",)} == {
        "created_on": T0.replace(microsecond=4, tzinfo=timezone.utc),
        "name": "INGEST",
        "database_name": "MOVIES",
        "schema_name": "PUBLIC",
        "owner": "SYSADMIN",
        "comment": "moves S",
        "warehouse": "COMPUTE_WH",
        "schedule": "1 MINUTE",
        "predecessors": "[]",
        "state": "suspended",
        "definition": "INSERT INTO SINK SELECT ID, 1, NULL FROM S",
        "condition": "SYSTEM$STREAM_HAS_DATA('S')",
        "allow_overlapping_execution": "false",
        "error_integration": "null",
        "last_committed_on": T0.replace(microsecond=4, tzinfo=timezone.utc),
        "last_suspended_on": None,
        "owner_role_type": "ROLE",
        "config": None,
        "budget": None,
        "task_relations": '{"Predecessors": []}',
        "last_suspended_reason": None,
    }


def test_show_tasks_scope_like_terse_and_describe(session: LocalSession) -> None:
    logging_task(session, "A_TASK")
    logging_task(session, "AXTASK")
    session.sql("CREATE SCHEMA OTHER").collect()  # also makes OTHER current
    session.sql("CREATE TASK MOVIES.OTHER.A_TASK AS SELECT 1").collect()
    names = lambda text: [(r["schema_name"], r["name"]) for r in session.sql(text).collect()]  # noqa: E731
    assert names("SHOW TASKS IN SCHEMA MOVIES.PUBLIC") == [("PUBLIC", "AXTASK"), ("PUBLIC", "A_TASK")]
    # LIKE is case-insensitive and "_" is a wildcard (status() keeps only the exact name).
    assert names("SHOW TASKS LIKE 'a_task' IN SCHEMA \"MOVIES\".\"PUBLIC\"") == [
        ("PUBLIC", "AXTASK"), ("PUBLIC", "A_TASK")
    ]  # fmt: skip
    assert names("SHOW TASKS LIKE 'A_TASK' IN DATABASE MOVIES") == [
        ("OTHER", "A_TASK"), ("PUBLIC", "AXTASK"), ("PUBLIC", "A_TASK")
    ]  # fmt: skip
    assert names("SHOW TASKS") == [("OTHER", "A_TASK")]
    assert names("SHOW TASKS IN ACCOUNT STARTS WITH 'AX'") == [("PUBLIC", "AXTASK")]
    assert names("SHOW TASKS IN ACCOUNT LIMIT 1") == [("OTHER", "A_TASK")]
    terse = session.sql("SHOW TERSE TASKS IN ACCOUNT").collect()
    assert list(terse[0].as_dict()) == ["created_on", "name", "kind", "database_name", "schema_name", "schedule"]
    assert session.sql("DESCRIBE TASK MOVIES.PUBLIC.AXTASK").collect()[0]["schedule"] == "1 MINUTE"


def test_create_existing_if_not_exists_and_or_replace(session: LocalSession) -> None:
    logging_task(session, "K")
    with pytest.raises(LocalEngineError, match=r"^SQL compilation error: Object 'MOVIES.PUBLIC.K' already exists\."):
        logging_task(session, "K")
    assert one(session, "CREATE TASK IF NOT EXISTS K AS SELECT 1") == "K already exists, statement succeeded."
    first_id = shown(session, "K")["id"]
    session.sql("ALTER TASK K RESUME").collect()
    assert one(session, "CREATE OR REPLACE TASK K AS SELECT 2") == "Task K successfully created."
    row = shown(session, "K")
    assert (row["state"], row["definition"], row["schedule"]) == ("suspended", "SELECT 2", None)
    assert row["id"] != first_id


def test_create_or_alter_on_a_started_task_is_refused_and_keeps_state_when_suspended(session: LocalSession) -> None:
    logging_task(session, "K")
    created = shown(session, "K")
    session.sql("ALTER TASK K RESUME").collect()
    with pytest.raises(LocalEngineError) as info:
        session.sql("CREATE OR ALTER TASK K SCHEDULE = '5 MINUTES' AS SELECT 1").collect()
    assert str(info.value).splitlines()[0] == (
        "Cannot alter task MOVIES.PUBLIC.K: it is started. You must suspend a task before you can alter it. "
        "Run ALTER TASK MOVIES.PUBLIC.K SUSPEND, then CREATE OR ALTER TASK, then ALTER TASK … RESUME."
    )
    session.advance(seconds=60)
    session.sql("ALTER TASK K SUSPEND").collect()
    altered = one(session, "CREATE OR ALTER TASK K SCHEDULE = '5 MINUTES' AS SELECT 1")
    assert altered == "Statement executed successfully."
    row = shown(session, "K")
    assert (row["id"], row["created_on"], row["state"], row["schedule"], row["definition"]) == (
        created["id"], created["created_on"], "suspended", "5 MINUTES", "SELECT 1"
    )  # fmt: skip
    assert row["last_committed_on"] > created["last_committed_on"]
    assert [h[1] for h in history(session, "K")] == ["SUCCEEDED"]


def test_create_or_alter_creates_a_missing_task(session: LocalSession) -> None:
    assert one(session, "CREATE OR ALTER TASK NEW_ONE SCHEDULE = '10 SECONDS' AS SELECT 1") == (
        "Task NEW_ONE successfully created."
    )
    assert shown(session, "NEW_ONE")["state"] == "suspended"


def test_resume_suspend_and_missing_tasks(session: LocalSession) -> None:
    logging_task(session, "K")
    assert one(session, "ALTER TASK K RESUME") == "Statement executed successfully."
    assert shown(session, "K")["state"] == "started"
    session.advance(seconds=30)
    assert one(session, "ALTER TASK K SUSPEND") == "Statement executed successfully."
    row = shown(session, "K")
    assert (row["state"], row["last_suspended_reason"]) == ("suspended", "USER_SUSPENDED")
    assert row["last_suspended_on"] == (T0 + timedelta(seconds=30)).replace(tzinfo=timezone.utc)
    assert one(session, "ALTER TASK IF EXISTS NOPE SUSPEND") == "Statement executed successfully."
    with pytest.raises(LocalEngineError, match=r"^SQL compilation error: Task 'MOVIES.PUBLIC.NOPE' does not exist"):
        session.sql("ALTER TASK NOPE RESUME").collect()


def test_drop_task(session: LocalSession) -> None:
    logging_task(session, "K")
    session.sql("EXECUTE TASK K").collect()
    assert one(session, "DROP TASK K") == "K successfully dropped."
    assert session.sql("SHOW TASKS LIKE 'K'").collect() == []
    assert one(session, "DROP TASK IF EXISTS K") == "Drop statement executed successfully (K already dropped)."
    with pytest.raises(LocalEngineError, match="does not exist or not authorized"):
        session.sql("DROP TASK K").collect()
    assert [h[1] for h in history(session, "K")] == ["SUCCEEDED"]  # Snowflake keeps a dropped task's history


def test_drop_schema_drops_its_tasks(session: LocalSession) -> None:
    session.sql("CREATE SCHEMA GONE").collect()
    session.sql("CREATE TASK MOVIES.GONE.K AS SELECT 1").collect()
    session.sql("DROP SCHEMA MOVIES.GONE").collect()
    session.sql("CREATE SCHEMA MOVIES.GONE").collect()
    assert session.sql("SHOW TASKS IN SCHEMA MOVIES.GONE").collect() == []


@pytest.mark.parametrize(
    ("statement", "error", "message"),
    [
        (
            # a finalizer runs when its root's graph run ends: no schedule of its own
            # (https://docs.snowflake.com/en/user-guide/tasks-graphs, "Finalizer task")
            "CREATE TASK X SCHEDULE = '1 MINUTE' FINALIZE = R AS SELECT 1",
            LocalEngineError,
            "Finalizer task MOVIES.PUBLIC.X cannot have a SCHEDULE or AFTER: it runs when the graph run of "
            "MOVIES.PUBLIC.R finishes.",
        ),
        (
            # a session parameter on a task follows the session's rule: the engine runs in UTC only
            "CREATE TASK X SCHEDULE = '1 MINUTE' TIMEZONE = 'America/New_York' AS SELECT 1",
            UnsupportedSqlError,
            "Session parameter TIMEZONE = 'America/New_York' on a task is not supported by the local engine: it runs "
            "with TIMEZONE = 'UTC' only.",
        ),
        (
            "CREATE TASK X WHEN SYSTEM$STREAM_HAS_DATA('S') AS SELECT 1",
            UnsupportedSqlError,
            "Task MOVIES.PUBLIC.X has a WHEN clause but no SCHEDULE and no AFTER: a triggered task. Triggered tasks "
            "are not emulated by the local engine; give the task a SCHEDULE.",
        ),
        (
            "CREATE TASK X SCHEDULE = 'every minute' AS SELECT 1",
            LocalEngineError,
            "Invalid SCHEDULE 'every minute'. Write '<n> SECONDS', '<n> MINUTES', '<n> HOURS' or "
            "'USING CRON <expression> <time zone>'.",
        ),
        (
            "CREATE TASK X SCHEDULE = 'USING CRON 0 9 * * * Mars/Olympus' AS SELECT 1",
            LocalEngineError,
            "Invalid SCHEDULE 'USING CRON 0 9 * * * Mars/Olympus': unknown time zone 'Mars/Olympus'.",
        ),
        (
            "CREATE TASK X SCHEDULE = '1 MINUTE'",
            LocalEngineError,
            "Syntax error: CREATE TASK needs AS <statement> at the end.",
        ),
        (
            "EXECUTE TASK NOPE",
            LocalEngineError,
            "SQL compilation error: Task 'MOVIES.PUBLIC.NOPE' does not exist or not authorized.",
        ),
    ],
)
def test_task_statements_refused_with_the_reason(
    session: LocalSession, statement: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as info:
        session.sql(statement).collect()
    assert str(info.value) == f"{message}\n  Statement: {statement}"


def test_stored_properties_are_accepted(session: LocalSession) -> None:
    session.sql(
        "CREATE TASK X USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE = 'XSMALL' SCHEDULE = 'USING CRON 0 9 * * * UTC' "
        "ALLOW_OVERLAPPING_EXECUTION = TRUE USER_TASK_TIMEOUT_MS = 60000 LOG_LEVEL = 'INFO' "
        'CONFIG = $${"env": "dev"}$$ AS SELECT 1'
    ).collect()
    row = shown(session, "X")
    assert (row["warehouse"], row["allow_overlapping_execution"], row["config"]) == (None, "true", '{"env": "dev"}')


# -- runs: EXECUTE TASK, WHEN, failures ------------------------------------------------------------------


def test_execute_task_runs_to_completion_before_returning(session: LocalSession) -> None:
    logging_task(session, "K")
    assert one(session, "EXECUTE TASK K") == "Statement executed successfully."
    assert session.sql("SELECT TASK FROM LOG").collect()[0][0] == "K"
    rows = session.sql(
        "SELECT STATE, SCHEDULED_FROM, QUERY_TEXT, DATABASE_NAME, SCHEMA_NAME, ERROR_CODE, QUERY_START_TIME < "
        "COMPLETED_TIME FROM TABLE(MOVIES.INFORMATION_SCHEMA.TASK_HISTORY("
        "SCHEDULED_TIME_RANGE_END => CURRENT_TIMESTAMP(), TASK_NAME => 'k'))"
    ).collect()
    assert [tuple(r) for r in rows] == [
        (
            "SUCCEEDED", "EXECUTE TASK", "INSERT INTO LOG SELECT 'K', CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP())",
            "MOVIES", "PUBLIC", None, True,
        )
    ]  # fmt: skip
    assert shown(session, "K")["state"] == "suspended"  # executing a suspended task does not resume it


def test_execute_task_inside_a_transaction_is_refused(session: LocalSession) -> None:
    logging_task(session, "K")
    session.sql("BEGIN").collect()
    with pytest.raises(LocalEngineError, match=r"^EXECUTE TASK inside an open transaction"):
        session.sql("EXECUTE TASK K").collect()


def test_when_false_skips_without_running_the_body(session: LocalSession) -> None:
    logging_task(session, "K", "WHEN SYSTEM$STREAM_HAS_DATA('S')")
    session.sql("ALTER TASK K RESUME").collect()
    session.advance(seconds=60)
    assert history(session, "K") == [("K", "SKIPPED", T0 + MINUTE, None)]
    assert one(session, "SELECT COUNT(*) FROM LOG") == 0
    skipped = session.sql("SELECT QUERY_START_TIME FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY("
        "SCHEDULED_TIME_RANGE_END => CURRENT_TIMESTAMP()))").collect()
    assert skipped[0][0] is None
    session.sql("INSERT INTO T VALUES (1, 'a')").collect()
    session.advance(seconds=60)
    assert [h[1:3] for h in history(session, "K")] == [("SUCCEEDED", T0 + 2 * MINUTE), ("SKIPPED", T0 + MINUTE)]
    assert one(session, "SELECT COUNT(*) FROM LOG") == 1


def failing_ingest(session: LocalSession, suspend_after: int) -> None:
    """A task whose body fails while T holds a non-numeric VAL."""
    session.sql(
        f"CREATE TASK INGEST SCHEDULE = '1 MINUTE' SUSPEND_TASK_AFTER_NUM_FAILURES = {suspend_after} "
        "WHEN SYSTEM$STREAM_HAS_DATA('S') "
        "AS INSERT INTO SINK SELECT ID, CAST(VAL AS INT), CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP()) FROM S"
    ).collect()
    session.sql("ALTER TASK INGEST RESUME").collect()


def test_a_failed_run_is_recorded_leaves_the_stream_and_target_and_the_next_run_retries(
    session: LocalSession,
) -> None:
    failing_ingest(session, suspend_after=10)
    session.sql("INSERT INTO T VALUES (1, '7'), (2, 'abc')").collect()
    session.advance(seconds=120)
    runs = history(session, "INGEST")
    assert [r[1:3] for r in runs] == [("FAILED", T0 + 2 * MINUTE), ("FAILED", T0 + MINUTE)]
    assert runs[0][3] is not None
    assert "abc" in runs[0][3]
    code = one(session, "SELECT ERROR_CODE FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY("
        "SCHEDULED_TIME_RANGE_END => CURRENT_TIMESTAMP(), RESULT_LIMIT => 1))")
    assert code is None or code.isdigit()
    assert one(session, "SELECT COUNT(*) FROM SINK") == 0
    assert sorted(tuple(r) for r in session.sql("SELECT ID, VAL FROM S").collect()) == [(1, "7"), (2, "abc")]
    session.sql("UPDATE T SET VAL = '8' WHERE ID = 2").collect()
    session.advance(seconds=60)
    assert history(session, "INGEST")[0][1:3] == ("SUCCEEDED", T0 + 3 * MINUTE)
    assert sorted(tuple(r) for r in session.sql("SELECT ID, NUM, RAN_AT FROM SINK").collect()) == [
        (1, 7, T0 + 3 * MINUTE),
        (2, 8, T0 + 3 * MINUTE),
    ]
    assert session.sql("SELECT * FROM S").collect() == []
    assert shown(session, "INGEST")["state"] == "started"


def test_consecutive_failures_auto_suspend(session: LocalSession) -> None:
    failing_ingest(session, suspend_after=3)
    session.sql("INSERT INTO T VALUES (2, 'abc')").collect()
    session.advance(minutes=10)
    assert [r[1:3] for r in history(session, "INGEST")] == [
        ("FAILED_AND_AUTO_SUSPENDED", T0 + 3 * MINUTE),
        ("FAILED", T0 + 2 * MINUTE),
        ("FAILED", T0 + MINUTE),
    ]
    row = shown(session, "INGEST")
    assert (row["state"], row["last_suspended_reason"]) == ("suspended", "SUSPENDED_DUE_TO_ERRORS")
    assert row["last_suspended_on"] is not None
    assert row["last_suspended_on"].replace(tzinfo=None) > T0 + 3 * MINUTE
    error_only = session.sql(
        "SELECT STATE FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY("
        "SCHEDULED_TIME_RANGE_END => CURRENT_TIMESTAMP(), ERROR_ONLY => TRUE, RESULT_LIMIT => 2))"
    ).collect()
    assert [r[0] for r in error_only] == ["FAILED_AND_AUTO_SUSPENDED", "FAILED"]
    # Resuming starts counting again.
    session.sql("ALTER TASK INGEST RESUME").collect()
    session.advance(minutes=2)
    assert [r[1] for r in history(session, "INGEST")][:2] == ["FAILED", "FAILED"]
    assert shown(session, "INGEST")["state"] == "started"


def test_a_success_resets_the_failure_count(session: LocalSession) -> None:
    failing_ingest(session, suspend_after=3)
    session.sql("INSERT INTO T VALUES (2, 'abc')").collect()
    session.advance(minutes=2)
    session.sql("UPDATE T SET VAL = '2'").collect()
    session.advance(minutes=1)
    session.sql("INSERT INTO T VALUES (3, 'x')").collect()
    session.advance(minutes=2)
    assert [r[1] for r in history(session, "INGEST")] == ["FAILED", "FAILED", "SUCCEEDED", "FAILED", "FAILED"]
    assert shown(session, "INGEST")["state"] == "started"


def test_zero_never_auto_suspends(session: LocalSession) -> None:
    failing_ingest(session, suspend_after=0)
    session.sql("INSERT INTO T VALUES (2, 'abc')").collect()
    session.advance(minutes=12)
    assert {r[1] for r in history(session, "INGEST")} == {"FAILED"}
    assert len(history(session, "INGEST")) == 12


# -- task graphs -----------------------------------------------------------------------------------------


def graph(session: LocalSession) -> None:
    """ROOT (every minute) → A, B → C (after A and B)."""
    logging_task(session, "ROOT")
    logging_task(session, "A", "AFTER ROOT", schedule="")
    logging_task(session, "B", "AFTER ROOT", schedule="")
    logging_task(session, "C", "AFTER A, B", schedule="")


def test_a_graph_runs_children_after_all_their_predecessors(session: LocalSession) -> None:
    graph(session)
    for task in ("C", "B", "A", "ROOT"):  # children first, as Snowflake asks
        session.sql(f"ALTER TASK {task} RESUME").collect()
    session.advance(seconds=60)
    order = [r[0] for r in session.sql("SELECT TASK FROM LOG ORDER BY RAN_AT").collect()]
    assert order == ["ROOT", "A", "B", "C"]
    runs = session.sql(
        "SELECT NAME, RUN_ID, ROOT_TASK_ID FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY("
        "SCHEDULED_TIME_RANGE_END => CURRENT_TIMESTAMP())) ORDER BY QUERY_START_TIME"
    ).collect()
    assert [r[0] for r in runs] == ["ROOT", "A", "B", "C"]
    assert len({(r[1], r[2]) for r in runs}) == 1
    assert runs[0][1] == int(T0.replace(tzinfo=timezone.utc).timestamp() * 1000) + 60_000
    assert shown(session, "C")["predecessors"] == '[\n  "MOVIES.PUBLIC.A",\n  "MOVIES.PUBLIC.B"\n]'


def test_a_child_does_not_run_when_a_predecessor_failed_or_is_suspended(session: LocalSession) -> None:
    graph(session)
    session.sql("ALTER TASK A SUSPEND").collect()
    session.sql(
        "CREATE OR ALTER TASK A AFTER ROOT AS INSERT INTO LOG SELECT CAST('not a time' AS TIMESTAMP_NTZ), NULL"
    ).collect()
    for task in ("C", "B", "A", "ROOT"):
        session.sql(f"ALTER TASK {task} RESUME").collect()
    session.advance(seconds=60)
    outcomes = sorted((r[0], r[1]) for r in history(session))
    assert outcomes == [("A", "FAILED"), ("B", "SUCCEEDED"), ("ROOT", "SUCCEEDED")]
    session.sql("ALTER TASK ROOT SUSPEND").collect()
    session.sql("ALTER TASK A SUSPEND").collect()
    session.sql("EXECUTE TASK ROOT").collect()
    assert [(r[0], r[1]) for r in history(session)][:2] == [("B", "SUCCEEDED"), ("ROOT", "SUCCEEDED")]


def test_graph_rules(session: LocalSession) -> None:
    graph(session)
    session.sql("ALTER TASK ROOT RESUME").collect()
    with pytest.raises(LocalEngineError) as info:
        session.sql("ALTER TASK A RESUME").collect()
    assert str(info.value).splitlines()[0] == (
        "Unable to update graph with root task MOVIES.PUBLIC.ROOT since that root task is not suspended. "
        "Run ALTER TASK MOVIES.PUBLIC.ROOT SUSPEND first."
    )
    with pytest.raises(LocalEngineError, match=r"Unable to update graph with root task MOVIES\.PUBLIC\.ROOT"):
        logging_task(session, "D", "AFTER C", schedule="")
    with pytest.raises(LocalEngineError, match=r"^Cannot execute task MOVIES\.PUBLIC\.C: EXECUTE TASK runs a"):
        session.sql("EXECUTE TASK C").collect()
    session.sql("ALTER TASK ROOT SUSPEND").collect()
    with pytest.raises(LocalEngineError, match=r"^Task MOVIES.PUBLIC.ROOT would be its own predecessor"):
        session.sql("CREATE OR ALTER TASK ROOT AFTER C AS SELECT 1").collect()
    with pytest.raises(LocalEngineError, match=r"^Task MOVIES.PUBLIC.X has both a SCHEDULE and AFTER"):
        session.sql("CREATE TASK X SCHEDULE = '1 MINUTE' AFTER ROOT AS SELECT 1").collect()
    with pytest.raises(LocalEngineError, match=r"^SQL compilation error: Task 'MOVIES.PUBLIC.NOPE' \(in AFTER\)"):
        session.sql("CREATE TASK X AFTER NOPE AS SELECT 1").collect()


def test_dropping_a_predecessor_makes_an_orphan_a_suspended_root(session: LocalSession) -> None:
    graph(session)
    session.sql("ALTER TASK B RESUME").collect()
    session.sql("DROP TASK ROOT").collect()
    rows = {r["name"]: r for r in (x.as_dict() for x in session.sql("SHOW TASKS").collect())}
    assert (rows["B"]["predecessors"], rows["B"]["state"], rows["B"]["last_suspended_reason"]) == (
        "[]", "suspended", "CHILD_BECAME_ROOT"
    )  # fmt: skip
    assert rows["C"]["predecessors"] == '[\n  "MOVIES.PUBLIC.A",\n  "MOVIES.PUBLIC.B"\n]'


# -- TASK_HISTORY ----------------------------------------------------------------------------------------


def test_task_history_columns_filters_and_limits(session: LocalSession) -> None:
    logging_task(session, "K")
    logging_task(session, "OTHER")
    session.sql("ALTER TASK K RESUME").collect()
    session.sql("ALTER TASK OTHER RESUME").collect()
    session.advance(minutes=3)
    rows = session.sql("SELECT * FROM TABLE(MOVIES.INFORMATION_SCHEMA.TASK_HISTORY("
        "SCHEDULED_TIME_RANGE_END => CURRENT_TIMESTAMP(), TASK_NAME => 'K'))").collect()
    assert list(rows[0].as_dict()) == [
        "QUERY_ID", "NAME", "DATABASE_NAME", "SCHEMA_NAME", "QUERY_TEXT", "CONDITION_TEXT", "STATE", "ERROR_CODE",
        "ERROR_MESSAGE", "SCHEDULED_TIME", "QUERY_START_TIME", "NEXT_SCHEDULED_TIME", "COMPLETED_TIME",
        "ROOT_TASK_ID", "GRAPH_VERSION", "RUN_ID", "RETURN_VALUE", "SCHEDULED_FROM", "ATTEMPT_NUMBER",
    ]  # fmt: skip
    assert [r["SCHEDULED_TIME"].replace(tzinfo=None) for r in rows] == [T0 + 3 * MINUTE, T0 + 2 * MINUTE, T0 + MINUTE]
    assert {r["SCHEDULED_FROM"] for r in rows} == {"SCHEDULE"}
    assert len(history(session)) == 6
    limited = session.sql("SELECT NAME FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY("
        "SCHEDULED_TIME_RANGE_END => CURRENT_TIMESTAMP(), RESULT_LIMIT => 3)) h").collect()
    assert len(limited) == 3
    ranged = session.sql(
        "SELECT NAME, SCHEDULED_TIME FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY("
        "SCHEDULED_TIME_RANGE_START => DATEADD('second', -90, CURRENT_TIMESTAMP()), "
        "SCHEDULED_TIME_RANGE_END => DATEADD('second', -30, CURRENT_TIMESTAMP()))) ORDER BY NAME"
    ).collect()
    assert [(r[0], r[1].replace(tzinfo=None)) for r in ranged] == [("K", T0 + 2 * MINUTE), ("OTHER", T0 + 2 * MINUTE)]


def test_task_history_is_account_wide_and_checks_its_arguments(session: LocalSession) -> None:
    session.sql("CREATE DATABASE SALES").collect()  # with its PUBLIC schema, as in Snowflake
    session.sql("USE SCHEMA MOVIES.PUBLIC").collect()
    session.sql("CREATE TASK SALES.PUBLIC.S_TASK AS SELECT 1").collect()
    session.sql("EXECUTE TASK SALES.PUBLIC.S_TASK").collect()
    logging_task(session, "M_TASK", schedule="")
    session.sql("EXECUTE TASK M_TASK").collect()
    names = session.sql("SELECT NAME, DATABASE_NAME FROM TABLE(MOVIES.INFORMATION_SCHEMA.TASK_HISTORY("
        "SCHEDULED_TIME_RANGE_END => CURRENT_TIMESTAMP()))").collect()
    assert [tuple(r) for r in names] == [("M_TASK", "MOVIES"), ("S_TASK", "SALES")]
    for call, message in [
        ("TASK_HISTORY(RESULT_LIMIT => 0)", "TASK_HISTORY: RESULT_LIMIT must be a whole number from 1 to 10000."),
        ("TASK_HISTORY('K')", "TASK_HISTORY takes named arguments, e.g. TASK_HISTORY(TASK_NAME => 'MY_TASK')."),
        ("TASK_HISTORY(FOO => 1)", "TASK_HISTORY argument FOO is not supported by the local engine."),
    ]:
        with pytest.raises(LocalEngineError) as info:
            session.sql(f"SELECT * FROM TABLE(INFORMATION_SCHEMA.{call})").collect()
        assert str(info.value).splitlines()[0] == message
    with pytest.raises(LocalEngineError, match=r"^Database 'NOPE' does not exist or not authorized\."):
        session.sql("SELECT * FROM TABLE(NOPE.INFORMATION_SCHEMA.TASK_HISTORY())").collect()
