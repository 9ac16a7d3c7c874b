"""Statement ids, LAST_QUERY_ID and TABLE(RESULT_SCAN(…)) (src/moviecdc/local/history/queries.py).

Written from https://docs.snowflake.com/en/sql-reference/functions/last_query_id and
https://docs.snowflake.com/en/sql-reference/functions/result_scan.
"""

from __future__ import annotations

import re

import pytest

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local import LocalSession

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@pytest.fixture
def session(local_session: LocalSession) -> LocalSession:
    local_session.sql("CREATE DATABASE D").collect()
    local_session.sql("CREATE TABLE T (V INT)").collect()
    local_session.sql("INSERT INTO T VALUES (1), (2), (3)").collect()
    return local_session


def test_every_statement_gets_a_uuid_shaped_id_and_last_query_id_names_the_previous_one(session: LocalSession) -> None:
    first = session.sql("SELECT LAST_QUERY_ID() AS Q").collect()[0].Q
    second = session.sql("SELECT LAST_QUERY_ID() AS Q").collect()[0].Q
    assert UUID.match(first)
    assert UUID.match(second)
    assert first != second  # each names the statement before it, which differ
    # LAST_QUERY_ID(-2) is the one before the most recent; positive numbers count from the session's first query
    row = session.sql("SELECT LAST_QUERY_ID(-2) AS A, LAST_QUERY_ID(-1) AS B, LAST_QUERY_ID(1) AS C").collect()[0]
    ids = (row.A, row.B, row.C)
    # -2 is the first SELECT LAST_QUERY_ID(), whose id the second one answered; -1 the second; 1 CREATE DATABASE
    assert ids[0] == second
    assert UUID.match(ids[1])
    assert UUID.match(ids[2])
    assert len({first, second, ids[1], ids[2]}) == 4


def test_an_unaliased_call_is_named_after_its_text_and_a_missing_query_is_null(local_session: LocalSession) -> None:
    rows = local_session.sql("SELECT LAST_QUERY_ID(), LAST_QUERY_ID(5)").collect()
    assert rows[0].as_dict() == {"LAST_QUERY_ID()": None, "LAST_QUERY_ID(5)": None}


def test_result_scan_of_the_last_query_filters_its_rows(session: LocalSession) -> None:
    """The page's first example: the most recent query's result, filtered (`WHERE value > 1`)."""
    session.sql("SELECT V AS value FROM T ORDER BY V").collect()
    rows = session.sql("SELECT * FROM TABLE(RESULT_SCAN(LAST_QUERY_ID())) WHERE value > 1 ORDER BY value").collect()
    assert [r.as_dict() for r in rows] == [{"VALUE": 2}, {"VALUE": 3}]
    assert isinstance(rows[0].VALUE, int)


def test_result_scan_by_id_by_position_and_through_a_variable(session: LocalSession) -> None:
    session.sql("SELECT 'x' AS C1, 10 AS C2").collect()
    query_id = session.sql("SELECT LAST_QUERY_ID() AS Q").collect()[0].Q
    session.sql("SET QID = (SELECT LAST_QUERY_ID(-2))").collect()
    assert session.sql(f"SELECT C2 FROM TABLE(RESULT_SCAN('{query_id}'))").collect()[0].C2 == 10
    assert session.sql("SELECT C1 FROM TABLE(RESULT_SCAN($QID))").collect()[0].C1 == "x"
    # a position relative to the most recent query: -5 is the SELECT 'x' (then LAST_QUERY_ID, SET, two scans)
    assert session.sql("SELECT C1 FROM TABLE(RESULT_SCAN(-5)) AS R").collect()[0].C1 == "x"


def test_result_scan_of_show_output_uses_its_lower_case_names(session: LocalSession) -> None:
    session.sql("SHOW TABLES").collect()
    rows = session.sql('SELECT "name", "rows" FROM TABLE(RESULT_SCAN(LAST_QUERY_ID()))').collect()
    assert [r["name"] for r in rows] == ["T"]


def test_duplicate_column_names_get_a_numeric_suffix(session: LocalSession) -> None:
    """The page's "Example with duplicate column names"."""
    session.sql("CREATE TABLE EMPLOYEES (ID INT)").collect()
    session.sql("CREATE TABLE DEPENDENTS (ID INT, EMPLOYEE_ID INT)").collect()
    session.sql("INSERT INTO EMPLOYEES (ID) VALUES (11)").collect()
    session.sql("INSERT INTO DEPENDENTS (ID, EMPLOYEE_ID) VALUES (101, 11)").collect()
    session.sql(
        "SELECT * FROM EMPLOYEES INNER JOIN DEPENDENTS ON DEPENDENTS.EMPLOYEE_ID = EMPLOYEES.ID "
        "ORDER BY EMPLOYEES.ID, DEPENDENTS.ID"
    ).collect()
    rows = session.sql(
        "SELECT ID, ID_1, EMPLOYEE_ID FROM TABLE(RESULT_SCAN(LAST_QUERY_ID())) WHERE ID_1 = 101"
    ).collect()
    assert [r.as_dict() for r in rows] == [{"ID": 11, "ID_1": 101, "EMPLOYEE_ID": 11}]


def test_an_unknown_id_a_failed_statement_and_an_expired_result(session: LocalSession) -> None:
    with pytest.raises(LocalEngineError, match="Statement ce6687a4-331b-4a57-a061-02b2b0f0c17c not found"):
        session.sql("SELECT * FROM TABLE(RESULT_SCAN('ce6687a4-331b-4a57-a061-02b2b0f0c17c'))").collect()
    with pytest.raises(LocalEngineError):
        session.sql("SELECT * FROM NO_SUCH_TABLE").collect()
    with pytest.raises(LocalEngineError, match="failed"):
        session.sql("SELECT * FROM TABLE(RESULT_SCAN(LAST_QUERY_ID()))").collect()
    session.sql("SELECT 1 AS ONE").collect()
    query_id = session.sql("SELECT LAST_QUERY_ID() AS Q").collect()[0].Q
    session.advance(hours=24, seconds=1)  # Snowflake keeps results 24 hours
    with pytest.raises(LocalEngineError, match="not found"):
        session.sql(f"SELECT * FROM TABLE(RESULT_SCAN('{query_id}'))").collect()


def test_only_the_last_results_are_kept_and_an_older_one_is_refused_clearly(session: LocalSession) -> None:
    session.sql("SELECT 1 AS ONE").collect()
    query_id = session.sql("SELECT LAST_QUERY_ID() AS Q").collect()[0].Q
    for _ in range(70):
        session.sql("SELECT 2").collect()
    with pytest.raises(UnsupportedSqlError, match="last 64 statements"):
        session.sql(f"SELECT * FROM TABLE(RESULT_SCAN('{query_id}'))").collect()


def test_result_scan_outside_table_is_refused_clearly(session: LocalSession) -> None:
    with pytest.raises(UnsupportedSqlError, match="RESULT_SCAN"):
        session.sql("SELECT RESULT_SCAN(LAST_QUERY_ID())").collect()
