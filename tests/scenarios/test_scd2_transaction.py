"""SCD-2 from a stream in one transaction (Perficient, "Snowflake Streams with Tasks", "Query for SCD2")."""

from __future__ import annotations

from datetime import datetime

from scenario_helpers import rows, run

from moviecdc import LocalSession

CLOSE_OLD_VERSIONS = """
UPDATE empl_hist t1
SET t1.end_date = CURRENT_TIMESTAMP()::TIMESTAMP_NTZ
FROM (SELECT emp_id FROM s_empl WHERE METADATA$ACTION = 'DELETE') t2
WHERE t1.emp_id = t2.emp_id AND t1.end_date IS NULL
"""
ADD_NEW_VERSIONS = """
INSERT INTO empl_hist (emp_id, emp_name, location, start_date, end_date)
SELECT emp_id, emp_name, location, CURRENT_TIMESTAMP()::TIMESTAMP_NTZ, NULL
FROM s_empl WHERE METADATA$ACTION = 'INSERT'
"""


def test_both_statements_of_the_transaction_see_the_same_changes(session: LocalSession) -> None:
    run(
        session,
        "CREATE TABLE empl (emp_id INT, emp_name VARCHAR, location VARCHAR)",
        "CREATE TABLE empl_hist (emp_id INT, emp_name VARCHAR, location VARCHAR, "
        "start_date TIMESTAMP_NTZ, end_date TIMESTAMP_NTZ)",
        "CREATE STREAM s_empl ON TABLE empl",
        "INSERT INTO empl VALUES (10, 'Dara', 'Oslo'), (11, 'Eli', 'Quito')",
        "BEGIN",
        CLOSE_OLD_VERSIONS,
        ADD_NEW_VERSIONS,
        "COMMIT",
    )
    first = rows(session, "SELECT emp_id, location, end_date FROM empl_hist ORDER BY emp_id")
    assert first == [(10, "Oslo", None), (11, "Quito", None)]

    session.advance(minutes=5)
    run(
        session,
        "UPDATE empl SET location = 'Bergen' WHERE emp_id = 10",
        "BEGIN",
        CLOSE_OLD_VERSIONS,
        ADD_NEW_VERSIONS,  # reads the same stream rows as the UPDATE before it (repeatable read)
        "COMMIT",
    )
    history = rows(session, "SELECT emp_id, location, end_date IS NULL FROM empl_hist ORDER BY emp_id, start_date")
    assert history == [(10, "Oslo", False), (10, "Bergen", True), (11, "Quito", True)]
    closed = rows(session, "SELECT end_date FROM empl_hist WHERE emp_id = 10 AND location = 'Oslo'")
    assert closed[0][0] >= datetime(2026, 3, 2, 4, 5)
    assert rows(session, "SELECT COUNT(*) FROM s_empl") == [(0,)]
