"""ALTER TASK in every documented form: SET / UNSET of properties and session parameters, MODIFY AS / WHEN,
REMOVE WHEN, ADD / REMOVE AFTER, and what is refused.

Written from https://docs.snowflake.com/en/sql-reference/sql/alter-task (syntax, the REMOVE AFTER rule "If the
former child task becomes a root task, it is suspended"), https://docs.snowflake.com/en/sql-reference/sql/create-task
(the properties and their defaults: SUSPEND_TASK_AFTER_NUM_FAILURES 10), https://docs.snowflake.com/en/user-guide/
tasks-graphs (only the root has a schedule; the root is suspended while its graph changes) and
https://docs.snowflake.com/release-notes/bcr-bundles/2026_06/bcr-2363 (before that bundle, ALTER TASK on a resumed
task fails: suspend, alter, resume).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local import LocalSession

T0 = datetime(2026, 1, 1, 9, 0)
OK = "Statement executed successfully."


@pytest.fixture
def session() -> Iterator[LocalSession]:
    with LocalSession(database="MOVIES", schema="PUBLIC", start=T0) as s:
        s.sql("CREATE TABLE LOG (N INT, RAN_AT TIMESTAMP_NTZ)").collect()
        s.sql(
            "CREATE TASK K WAREHOUSE = COMPUTE_WH SCHEDULE = '1 MINUTE' AS INSERT INTO LOG VALUES (1, SYSDATE())"
        ).collect()
        yield s


def run(session: LocalSession, text: str) -> str:
    rows = session.sql(text).collect()
    assert len(rows) == 1
    return str(rows[0][0])


def shown(session: LocalSession, task: str = "K") -> dict[str, Any]:
    rows = session.sql(f"SHOW TASKS LIKE '{task}'").collect()
    assert len(rows) == 1
    return rows[0].as_dict()


def described(session: LocalSession, task: str = "K") -> dict[str, Any]:
    rows = session.sql(f"DESCRIBE TASK {task}").collect()
    assert len(rows) == 1
    return rows[0].as_dict()


def log(session: LocalSession) -> list[tuple[int, datetime]]:
    return [(r[0], r[1]) for r in session.sql("SELECT N, RAN_AT FROM LOG ORDER BY RAN_AT, N").collect()]


# -- SET / UNSET -----------------------------------------------------------------------------------------------


def test_set_every_property_shows_in_show_and_describe(session: LocalSession) -> None:
    assert (
        run(
            session,
            "ALTER TASK K SET WAREHOUSE = OTHER_WH SCHEDULE = 'USING CRON 0 9 * * * UTC' "
            'CONFIG = $${"env": "prod"}$$ ALLOW_OVERLAPPING_EXECUTION = TRUE USER_TASK_TIMEOUT_MS = 60000 '
            "SUSPEND_TASK_AFTER_NUM_FAILURES = 3 ERROR_INTEGRATION = MY_NOTIFY COMMENT = 'nightly' "
            "USER_TASK_MINIMUM_TRIGGER_INTERVAL_IN_SECONDS = 30 TARGET_COMPLETION_INTERVAL = '10 MINUTES' "
            "TASK_AUTO_RETRY_ATTEMPTS = 0 LOG_LEVEL = 'INFO' QUERY_TAG = 'nightly-load'",
        )
        == OK
    )
    for row in (shown(session), described(session)):
        picked = {
            k: row[k]
            for k in ("warehouse", "schedule", "config", "allow_overlapping_execution", "error_integration", "comment")
        }
        assert picked == {
            "warehouse": "OTHER_WH",
            "schedule": "USING CRON 0 9 * * * UTC",
            "config": '{"env": "prod"}',
            "allow_overlapping_execution": "true",
            "error_integration": "MY_NOTIFY",
            "comment": "nightly",
        }


def test_unset_puts_the_defaults_back(session: LocalSession) -> None:
    session.sql("ALTER TASK K SET COMMENT = 'x' ALLOW_OVERLAPPING_EXECUTION = TRUE CONFIG = '{}'").collect()
    assert run(session, "ALTER TASK K UNSET COMMENT, ALLOW_OVERLAPPING_EXECUTION, CONFIG, WAREHOUSE") == OK
    row = shown(session)
    assert (row["comment"], row["allow_overlapping_execution"], row["config"], row["warehouse"]) == (
        None,
        "false",
        None,
        None,
    )


def test_serverless_size_replaces_the_warehouse(session: LocalSession) -> None:
    session.sql("ALTER TASK K SET USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE = 'XSMALL'").collect()
    assert shown(session)["warehouse"] is None
    with pytest.raises(LocalEngineError, match="either WAREHOUSE or USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE"):
        session.sql("ALTER TASK K SET WAREHOUSE = W USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE = 'XSMALL'").collect()


def test_a_new_schedule_changes_when_the_task_runs(session: LocalSession) -> None:
    session.sql("ALTER TASK K SET SCHEDULE = '5 MINUTES'").collect()
    session.sql("ALTER TASK K RESUME").collect()
    session.advance(minutes=10)
    assert [t for _, t in log(session)] == [datetime(2026, 1, 1, 9, 5), datetime(2026, 1, 1, 9, 10)]


def test_altering_a_started_task_fails_until_it_is_suspended(session: LocalSession) -> None:
    session.sql("ALTER TASK K RESUME").collect()
    with pytest.raises(LocalEngineError, match="You must suspend a task before you can alter it"):
        session.sql("ALTER TASK K SET SCHEDULE = '5 MINUTES'").collect()
    assert shown(session)["schedule"] == "1 MINUTE"
    session.sql("ALTER TASK K SUSPEND").collect()
    session.sql("ALTER TASK K SET SCHEDULE = '5 MINUTES'").collect()
    assert shown(session)["schedule"] == "5 MINUTES"


def test_suspend_after_num_failures_set_by_alter_is_honoured(session: LocalSession) -> None:
    session.sql("ALTER TASK K MODIFY AS INSERT INTO LOG SELECT 1 / 0, SYSDATE()").collect()
    session.sql("ALTER TASK K SET SUSPEND_TASK_AFTER_NUM_FAILURES = 2").collect()
    session.sql("ALTER TASK K RESUME").collect()
    session.advance(minutes=5)
    states = session.sql(
        "SELECT STATE FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY(SCHEDULED_TIME_RANGE_END => CURRENT_TIMESTAMP())) "
        "ORDER BY SCHEDULED_TIME"
    ).collect()
    assert [r[0] for r in states] == ["FAILED", "FAILED_AND_AUTO_SUSPENDED"]
    assert (shown(session)["state"], shown(session)["last_suspended_reason"]) == (
        "suspended",
        "SUSPENDED_DUE_TO_ERRORS",
    )


def test_unset_suspend_after_num_failures_is_ten_again(session: LocalSession) -> None:
    session.sql("ALTER TASK K SET SUSPEND_TASK_AFTER_NUM_FAILURES = 1").collect()
    session.sql("ALTER TASK K UNSET SUSPEND_TASK_AFTER_NUM_FAILURES").collect()
    session.sql("ALTER TASK K MODIFY AS INSERT INTO LOG SELECT 1 / 0, SYSDATE()").collect()
    session.sql("ALTER TASK K RESUME").collect()
    session.advance(minutes=9)
    assert shown(session)["state"] == "started"
    session.advance(minutes=1)
    assert shown(session)["state"] == "suspended"


def test_session_parameters_follow_the_session_rule(session: LocalSession) -> None:
    assert run(session, "ALTER TASK K SET TIMEZONE = 'UTC', QUERY_TAG = 'x'") == OK
    assert run(session, "ALTER TASK K UNSET TIMEZONE, QUERY_TAG") == OK
    with pytest.raises(UnsupportedSqlError, match="TIMEZONE = 'Europe/Paris' on a task"):
        session.sql("ALTER TASK K SET TIMEZONE = 'Europe/Paris'").collect()


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("ALTER TASK K SET TAG COST = 'x'", "Object tags are not emulated"),
        ("ALTER TASK K UNSET TAG COST", "Object tags are not emulated"),
        ("ALTER TASK K SET CONTACT STEWARD = ME", "Contacts are not emulated"),
        ("ALTER TASK K SET EXECUTE AS USER BOB", "EXECUTE AS USER is not emulated"),
        ("ALTER TASK K SET TASK_AUTO_RETRY_ATTEMPTS = 2", r"TASK_AUTO_RETRY_ATTEMPTS > 0"),
        ("ALTER TASK K SET NO_SUCH_THING = 1", "NO_SUCH_THING is not supported"),
        ("ALTER TASK IF EXISTS MISSING SET TAG COST = 'x'", "Object tags are not emulated"),
    ],
)
def test_what_is_not_emulated_is_refused(session: LocalSession, statement: str, message: str) -> None:
    with pytest.raises(UnsupportedSqlError, match=message):
        session.sql(statement).collect()


def test_if_exists_on_a_missing_task_succeeds(session: LocalSession) -> None:
    assert run(session, "ALTER TASK IF EXISTS MISSING SET COMMENT = 'x'") == OK
    with pytest.raises(LocalEngineError, match=r"Task 'MOVIES.PUBLIC.MISSING' does not exist or not authorized"):
        session.sql("ALTER TASK MISSING SET COMMENT = 'x'").collect()


def test_bad_values_are_snowflake_errors(session: LocalSession) -> None:
    for statement in (
        "ALTER TASK K SET SCHEDULE = 'every minute'",
        "ALTER TASK K SET SUSPEND_TASK_AFTER_NUM_FAILURES = 'many'",
        "ALTER TASK K SET ALLOW_OVERLAPPING_EXECUTION = 'perhaps'",
        "ALTER TASK K FLY AWAY",
    ):
        with pytest.raises(LocalEngineError) as info:
            session.sql(statement).collect()
        assert not isinstance(info.value, UnsupportedSqlError)


# -- MODIFY AS / MODIFY WHEN / REMOVE WHEN ------------------------------------------------------------------------


def test_modify_as_changes_what_the_task_runs(session: LocalSession) -> None:
    assert run(session, "ALTER TASK K MODIFY AS INSERT INTO LOG VALUES (2, SYSDATE())") == OK
    assert shown(session)["definition"] == "INSERT INTO LOG VALUES (2, SYSDATE())"
    session.sql("EXECUTE TASK K").collect()
    assert [n for n, _ in log(session)] == [2]


def test_modify_when_and_remove_when(session: LocalSession) -> None:
    assert run(session, "ALTER TASK K MODIFY WHEN 1 = 2") == OK
    assert shown(session)["condition"] == "1 = 2"
    session.sql("ALTER TASK K RESUME").collect()
    session.advance(minutes=1)
    assert log(session) == []
    session.sql("ALTER TASK K SUSPEND").collect()
    assert run(session, "ALTER TASK K REMOVE WHEN") == OK
    assert shown(session)["condition"] is None
    session.sql("ALTER TASK K RESUME").collect()
    session.advance(minutes=1)
    assert [n for n, _ in log(session)] == [1]


# -- ADD AFTER / REMOVE AFTER ------------------------------------------------------------------------------------


def test_add_after_makes_a_child_that_runs_after_its_root(session: LocalSession) -> None:
    session.sql("CREATE TASK C AS INSERT INTO LOG VALUES (2, SYSDATE())").collect()
    assert run(session, "ALTER TASK C ADD AFTER K") == OK
    assert shown(session, "C")["predecessors"] == '[\n  "MOVIES.PUBLIC.K"\n]'
    session.sql("ALTER TASK C RESUME").collect()
    session.sql("ALTER TASK K RESUME").collect()
    session.advance(minutes=1)
    assert [n for n, _ in log(session)] == [1, 2]


def test_add_after_refuses_a_task_with_a_schedule(session: LocalSession) -> None:
    session.sql("CREATE TASK C SCHEDULE = '5 MINUTES' AS SELECT 1").collect()
    with pytest.raises(LocalEngineError, match="only the root task of a graph has a schedule"):
        session.sql("ALTER TASK C ADD AFTER K").collect()


def test_graph_changes_need_the_root_suspended(session: LocalSession) -> None:
    session.sql("CREATE TASK C AS SELECT 1").collect()
    session.sql("ALTER TASK K RESUME").collect()
    with pytest.raises(LocalEngineError, match=r"Unable to update graph with root task MOVIES.PUBLIC.K since"):
        session.sql("ALTER TASK C ADD AFTER K").collect()
    session.sql("ALTER TASK K SUSPEND").collect()
    session.sql("ALTER TASK C ADD AFTER K").collect()
    session.sql("ALTER TASK K RESUME").collect()
    for statement in (
        "ALTER TASK C REMOVE AFTER K",
        "ALTER TASK C SET COMMENT = 'x'",
        "ALTER TASK C MODIFY AS SELECT 2",
    ):
        with pytest.raises(LocalEngineError, match=r"Unable to update graph with root task MOVIES.PUBLIC.K"):
            session.sql(statement).collect()


def test_remove_after_leaves_a_suspended_root(session: LocalSession) -> None:
    session.sql("CREATE TASK C AFTER K AS SELECT 1").collect()
    session.sql("ALTER TASK C RESUME").collect()
    assert run(session, "ALTER TASK C REMOVE AFTER K") == OK
    row = shown(session, "C")
    assert (row["predecessors"], row["state"], row["last_suspended_reason"]) == ("[]", "suspended", "CHILD_BECAME_ROOT")
    with pytest.raises(LocalEngineError, match=r"is not a predecessor of task MOVIES.PUBLIC.C"):
        session.sql("ALTER TASK C REMOVE AFTER K").collect()


def test_add_after_refuses_a_cycle(session: LocalSession) -> None:
    session.sql("CREATE TASK C AFTER K AS SELECT 1").collect()
    session.sql("ALTER TASK K UNSET SCHEDULE").collect()
    with pytest.raises(LocalEngineError, match="cycle"):
        session.sql("ALTER TASK K ADD AFTER C").collect()


# -- every documented form: it works, or it is refused by name ---------------------------------------------------

_EVERY_FORM = [
    ("ALTER TASK K RESUME", True),
    ("ALTER TASK K SUSPEND", True),
    ("ALTER TASK C REMOVE AFTER K", True),
    ("ALTER TASK C ADD AFTER K", True),
    ("ALTER TASK K SET WAREHOUSE = W2", True),
    ("ALTER TASK K SET USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE = 'XSMALL'", True),
    ("ALTER TASK K SET SCHEDULE = '2 HOURS'", True),
    ("ALTER TASK K SET SCHEDULE = 'USING CRON 0 9 * * * UTC'", True),
    ('ALTER TASK K SET CONFIG = $${"a": 1}$$', True),
    ("ALTER TASK K SET ALLOW_OVERLAPPING_EXECUTION = FALSE", True),
    ("ALTER TASK K SET USER_TASK_TIMEOUT_MS = 1000", True),
    ("ALTER TASK K SET SUSPEND_TASK_AFTER_NUM_FAILURES = 0", True),
    ("ALTER TASK K SET ERROR_INTEGRATION = N1", True),
    ("ALTER TASK K SET SUCCESS_INTEGRATION = N2", True),
    ("ALTER TASK K SET LOG_LEVEL = 'WARN'", True),
    ("ALTER TASK K SET COMMENT = 'c'", True),
    ("ALTER TASK K SET QUERY_TAG = 'q', STATEMENT_TIMEOUT_IN_SECONDS = 60", True),
    ("ALTER TASK K SET TASK_AUTO_RETRY_ATTEMPTS = 0", True),
    ("ALTER TASK K SET TASK_AUTO_RETRY_ATTEMPTS = 3", False),
    ("ALTER TASK K SET USER_TASK_MINIMUM_TRIGGER_INTERVAL_IN_SECONDS = 15", True),
    ("ALTER TASK K SET TARGET_COMPLETION_INTERVAL = '5 MINUTES'", True),
    ("ALTER TASK K SET SERVERLESS_TASK_MIN_STATEMENT_SIZE = 'SMALL'", True),
    ("ALTER TASK K SET SERVERLESS_TASK_MAX_STATEMENT_SIZE = 'LARGE'", True),
    ("ALTER TASK K SET CONTACT SUPPORT = ME", False),
    ("ALTER TASK K SET EXECUTE AS USER BOB", False),
    (
        "ALTER TASK K UNSET WAREHOUSE, SCHEDULE, CONFIG, ALLOW_OVERLAPPING_EXECUTION, USER_TASK_TIMEOUT_MS, "
        "SUSPEND_TASK_AFTER_NUM_FAILURES, LOG_LEVEL, COMMENT, QUERY_TAG, TARGET_COMPLETION_INTERVAL, "
        "SERVERLESS_TASK_MIN_STATEMENT_SIZE, SERVERLESS_TASK_MAX_STATEMENT_SIZE",
        True,
    ),
    ("ALTER TASK K SET TAG COST = 'x'", False),
    ("ALTER TASK K UNSET TAG COST", False),
    ("ALTER TASK F SET FINALIZE = K", True),
    ("ALTER TASK F UNSET FINALIZE", True),
    ("ALTER TASK K MODIFY AS SELECT 2", True),
    ("ALTER TASK K MODIFY WHEN 1 = 1", True),
    ("ALTER TASK K REMOVE WHEN", True),
]


@pytest.mark.parametrize(("statement", "works"), _EVERY_FORM)
def test_every_documented_form_works_or_is_refused_by_name(session: LocalSession, statement: str, works: bool) -> None:
    """https://docs.snowflake.com/en/sql-reference/sql/alter-task, Syntax: each form, on a task that allows it."""
    session.sql("CREATE TASK C AFTER K AS SELECT 1").collect()
    session.sql("CREATE TASK F AS SELECT 1").collect()
    if statement.endswith("SUSPEND"):
        session.sql("ALTER TASK K RESUME").collect()
    if "ADD AFTER" in statement:
        session.sql("ALTER TASK C REMOVE AFTER K").collect()
    before = {r["name"]: r.as_dict() for r in session.sql("SHOW TASKS").collect()}
    if works:
        assert run(session, statement) == OK
        after = {r["name"]: r.as_dict() for r in session.sql("SHOW TASKS").collect()}
        shown_change = after != before
        assert shown_change or any(
            word in statement
            for word in ("TIMEOUT", "INTEGRATION", "LOG_LEVEL", "QUERY_TAG", "RETRY", "INTERVAL", "STATEMENT_SIZE")
        )  # those are stored, and SHOW TASKS has no column for them
    else:
        with pytest.raises(UnsupportedSqlError):
            session.sql(statement).collect()
