"""SCD-1 from a stream with one MERGE (Perficient, "Snowflake Streams with Tasks", 2024-10-29)."""

from __future__ import annotations

from scenario_helpers import rows, run

from moviecdc import LocalSession

MERGE_SCD1 = """
MERGE INTO emp_hist t1
USING (SELECT * FROM s_emp WHERE NOT (METADATA$ACTION = 'DELETE' AND METADATA$ISUPDATE = TRUE)) t2
ON t1.emp_id = t2.emp_id
WHEN MATCHED AND t2.METADATA$ACTION = 'DELETE' AND t2.METADATA$ISUPDATE = FALSE THEN DELETE
WHEN MATCHED AND t2.METADATA$ACTION = 'INSERT' AND t2.METADATA$ISUPDATE = TRUE
    THEN UPDATE SET t1.emp_name = t2.emp_name, t1.location = t2.location
WHEN NOT MATCHED THEN INSERT (emp_id, emp_name, location) VALUES (t2.emp_id, t2.emp_name, t2.location)
"""


def test_the_history_table_follows_inserts_updates_and_deletes(session: LocalSession) -> None:
    run(
        session,
        "CREATE OR REPLACE TABLE emp (emp_id INT, emp_name VARCHAR, location VARCHAR)",
        "CREATE OR REPLACE TABLE emp_hist (emp_id INT, emp_name VARCHAR, location VARCHAR)",
        "CREATE OR REPLACE STREAM s_emp ON TABLE emp APPEND_ONLY = FALSE",
        "INSERT INTO emp VALUES (1, 'Asha', 'Pune'), (2, 'Bruno', 'Lisbon'), (3, 'Chen', 'Taipei')",
    )
    assert rows(session, 'SELECT emp_id, "METADATA$ACTION", "METADATA$ISUPDATE" FROM s_emp ORDER BY emp_id') == [
        (1, "INSERT", False),
        (2, "INSERT", False),
        (3, "INSERT", False),
    ]
    run(session, MERGE_SCD1)
    assert rows(session, "SELECT * FROM emp_hist ORDER BY emp_id") == rows(session, "SELECT * FROM emp ORDER BY emp_id")

    run(session, "DELETE FROM emp WHERE emp_id = 2", "UPDATE emp SET location = 'Hsinchu' WHERE emp_id = 3")
    # "I deleted one record and made an update in a row, but here in the stream, we could see two deleted
    # actions": the deleted row, and the old image of the updated one (plus the updated row's new image).
    assert rows(
        session,
        'SELECT emp_id, location, "METADATA$ACTION", "METADATA$ISUPDATE" FROM s_emp '
        'ORDER BY emp_id, "METADATA$ACTION"',
    ) == [(2, "Lisbon", "DELETE", False), (3, "Taipei", "DELETE", True), (3, "Hsinchu", "INSERT", True)]

    run(session, MERGE_SCD1)
    assert rows(session, "SELECT * FROM emp_hist ORDER BY emp_id") == [(1, "Asha", "Pune"), (3, "Chen", "Hsinchu")]
    assert rows(session, "SELECT COUNT(*) FROM s_emp") == [(0,)]  # the MERGE consumed the stream
