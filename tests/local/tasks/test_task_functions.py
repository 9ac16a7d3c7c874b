"""Return values between tasks, SYSTEM$TASK_RUNTIME_INFO, SYSTEM$TASK_DEPENDENTS_ENABLE and TASK_DEPENDENTS.

Pages: https://docs.snowflake.com/en/sql-reference/functions/system_set_return_value (its example: a task sets
'The quick brown fox jumps over the lazy dog', its child inserts SYSTEM$GET_PREDECESSOR_RETURN_VALUE() into a
table; the argument may be a Scripting variable, SYSTEM$SET_RETURN_VALUE(:VARIABLE)),
https://docs.snowflake.com/en/sql-reference/functions/system_get_predecessor_return_value (name optional with one
predecessor, an ancestor matches, names are case sensitive, a name that matches no predecessor fails),
https://docs.snowflake.com/en/sql-reference/functions/task_history (RETURN_VALUE),
https://docs.snowflake.com/en/sql-reference/functions/system_task_runtime_info (fails outside a task run),
https://docs.snowflake.com/en/sql-reference/functions/system_task_dependents_enable and
https://docs.snowflake.com/en/sql-reference/functions/task_dependents (the task first, then its children; columns).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

import pytest

from moviecdc.errors import LocalEngineError
from moviecdc.local import LocalSession

T0 = datetime(2026, 1, 1, 9, 0)
FOX = "The quick brown fox jumps over the lazy dog"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@pytest.fixture
def session() -> Iterator[LocalSession]:
    with LocalSession(database="MOVIES", schema="PUBLIC", start=T0) as s:
        s.sql("CREATE TABLE RETURN_VALUES (STR VARCHAR)").collect()
        s.sql(f"CREATE TASK SET_RETURN_VALUE SCHEDULE = '1 MINUTE' AS CALL SYSTEM$SET_RETURN_VALUE('{FOX}')").collect()
        s.sql(
            "CREATE TASK GET_RETURN_VALUE AFTER SET_RETURN_VALUE "
            "AS INSERT INTO RETURN_VALUES VALUES (SYSTEM$GET_PREDECESSOR_RETURN_VALUE())"
        ).collect()
        yield s


def values(session: LocalSession) -> list[str | None]:
    return [r[0] for r in session.sql("SELECT STR FROM RETURN_VALUES").collect()]


def test_the_docs_example_passes_the_value_to_the_child(session: LocalSession) -> None:
    session.sql("SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('SET_RETURN_VALUE')").collect()
    session.advance(minutes=1)
    assert values(session) == [FOX]
    rows = session.sql(
        "SELECT NAME, RETURN_VALUE FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY("
        "SCHEDULED_TIME_RANGE_END => CURRENT_TIMESTAMP())) ORDER BY COMPLETED_TIME"
    ).collect()
    assert [tuple(r) for r in rows] == [("SET_RETURN_VALUE", FOX), ("GET_RETURN_VALUE", None)]


def test_a_scripting_body_sets_the_value_from_a_variable(session: LocalSession) -> None:
    session.sql(
        "CREATE OR REPLACE TASK SET_RETURN_VALUE SCHEDULE = '1 MINUTE' AS "
        "BEGIN LET v VARCHAR := 'from a block'; CALL SYSTEM$SET_RETURN_VALUE(:v); END"
    ).collect()
    session.sql("ALTER TASK GET_RETURN_VALUE RESUME").collect()
    session.sql("EXECUTE TASK SET_RETURN_VALUE").collect()
    assert values(session) == ["from a block"]


def test_an_ancestor_is_found_by_its_case_sensitive_name(session: LocalSession) -> None:
    session.sql(
        "CREATE TASK GRANDCHILD AFTER GET_RETURN_VALUE AS INSERT INTO RETURN_VALUES "
        "VALUES (SYSTEM$GET_PREDECESSOR_RETURN_VALUE('SET_RETURN_VALUE'))"
    ).collect()
    session.sql(
        "CREATE TASK WRONG_CASE AFTER GET_RETURN_VALUE AS INSERT INTO RETURN_VALUES "
        "VALUES (SYSTEM$GET_PREDECESSOR_RETURN_VALUE('set_return_value'))"
    ).collect()
    session.sql("SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('SET_RETURN_VALUE')").collect()
    session.sql("EXECUTE TASK SET_RETURN_VALUE").collect()
    assert values(session) == [FOX, FOX]
    failed = session.sql(
        "SELECT ERROR_MESSAGE FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY(TASK_NAME => 'WRONG_CASE')) "
        "WHERE STATE = 'FAILED'"
    ).collect()
    assert len(failed) == 1
    assert "no predecessor of task MOVIES.PUBLIC.WRONG_CASE is named set_return_value" in failed[0][0]


def test_runtime_info_in_a_task_run(session: LocalSession) -> None:
    session.sql(
        "CREATE TASK INFO AFTER SET_RETURN_VALUE AS INSERT INTO RETURN_VALUES "
        "SELECT SYSTEM$TASK_RUNTIME_INFO('CURRENT_TASK_NAME') UNION ALL "
        "SELECT SYSTEM$TASK_RUNTIME_INFO('CURRENT_ROOT_TASK_NAME') UNION ALL "
        "SELECT SYSTEM$TASK_RUNTIME_INFO('CURRENT_TASK_GRAPH_RUN_GROUP_ID') UNION ALL "
        "SELECT SYSTEM$TASK_RUNTIME_INFO('CURRENT_ROOT_TASK_UUID') UNION ALL "
        "SELECT SYSTEM$TASK_RUNTIME_INFO('CURRENT_TASK_GRAPH_ORIGINAL_SCHEDULED_TIMESTAMP') UNION ALL "
        "SELECT COALESCE(SYSTEM$TASK_RUNTIME_INFO('LAST_SUCCESSFUL_TASK_GRAPH_RUN_GROUP_ID'), 'none')"
    ).collect()
    session.sql("ALTER TASK INFO RESUME").collect()
    session.sql("ALTER TASK SET_RETURN_VALUE RESUME").collect()
    session.advance(minutes=2)
    first, second = values(session)[:6], values(session)[6:]
    assert first[:2] == ["MOVIES.PUBLIC.INFO", "MOVIES.PUBLIC.SET_RETURN_VALUE"]
    assert all(UUID.match(str(v)) for v in (first[2], first[3]))
    assert first[4] == "2026-01-01 09:01:00.000 +0000"
    assert first[5] == "none"
    assert second[2] != first[2]  # a new graph run group
    assert second[3] == first[3]  # the same root
    assert second[4] == "2026-01-01 09:02:00.000 +0000"
    assert second[5] == first[2]  # the previous run succeeded


def test_task_functions_fail_outside_a_task_run(session: LocalSession) -> None:
    for statement in (
        "SELECT SYSTEM$TASK_RUNTIME_INFO('CURRENT_TASK_NAME')",
        "SELECT SYSTEM$GET_PREDECESSOR_RETURN_VALUE()",
        "CALL SYSTEM$SET_RETURN_VALUE('x')",
    ):
        with pytest.raises(LocalEngineError, match="can only be called from a task run"):
            session.sql(statement).collect()


def test_task_dependents_enable_resumes_the_graph(session: LocalSession) -> None:
    session.sql("CREATE TASK FIN FINALIZE = SET_RETURN_VALUE AS SELECT 1").collect()
    row = session.sql("SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('MOVIES.PUBLIC.SET_RETURN_VALUE')").collect()[0]
    assert row[0] == "Statement executed successfully."
    states = {r["name"]: r["state"] for r in session.sql("SHOW TASKS").collect()}
    assert states == {"SET_RETURN_VALUE": "started", "GET_RETURN_VALUE": "started", "FIN": "started"}


def test_task_dependents_lists_the_task_then_its_children(session: LocalSession) -> None:
    session.sql("CREATE TASK GRANDCHILD AFTER GET_RETURN_VALUE AS SELECT 1").collect()
    query = (
        'SELECT "name", "schedule", "predecessors", "state" FROM TABLE(INFORMATION_SCHEMA.TASK_DEPENDENTS('
        "TASK_NAME => 'MOVIES.PUBLIC.SET_RETURN_VALUE', RECURSIVE => {}))"
    )
    assert [tuple(r) for r in session.sql(query.format("FALSE")).collect()] == [
        ("SET_RETURN_VALUE", "1 MINUTE", "[]", "suspended"),
        ("GET_RETURN_VALUE", None, '[\n  "MOVIES.PUBLIC.SET_RETURN_VALUE"\n]', "suspended"),
    ]
    assert [r[0] for r in session.sql(query.format("TRUE")).collect()] == [
        "SET_RETURN_VALUE", "GET_RETURN_VALUE", "GRANDCHILD",
    ]  # fmt: skip
    columns = session.sql(
        "SELECT * FROM TABLE(INFORMATION_SCHEMA.TASK_DEPENDENTS(TASK_NAME => 'SET_RETURN_VALUE'))"
    ).collect()[0]
    assert list(columns.as_dict()) == [
        "created_on", "name", "database_name", "schema_name", "owner", "comment", "warehouse", "schedule",
        "predecessors", "state", "definition", "condition",
    ]  # fmt: skip
