"""A stream and a task keep a target table in step with its source (Kipi.bi, "Change Data Capture (CDC)
using Streams and Tasks")."""

from __future__ import annotations

from scenario_helpers import rows, run

from moviecdc import LocalSession

CREATE_TASK = """
CREATE OR REPLACE TASK merge_customers
  WAREHOUSE = COMPUTE_WH
  SCHEDULE = '1 MINUTE'
  WHEN SYSTEM$STREAM_HAS_DATA('customers_stream')
AS
MERGE INTO customers_target t
USING customers_stream s
ON t.id = s.id
WHEN MATCHED AND s.METADATA$ACTION = 'DELETE' AND NOT s.METADATA$ISUPDATE THEN DELETE
WHEN MATCHED AND s.METADATA$ACTION = 'INSERT' AND s.METADATA$ISUPDATE THEN
    UPDATE SET t.name = s.name, t.city = s.city
WHEN NOT MATCHED AND s.METADATA$ACTION = 'INSERT' THEN INSERT (id, name, city) VALUES (s.id, s.name, s.city)
"""


def test_a_resumed_task_merges_every_change_into_the_target(session: LocalSession) -> None:
    run(
        session,
        "CREATE OR REPLACE TABLE customers_source (id INT, name VARCHAR, city VARCHAR)",
        "CREATE OR REPLACE TABLE customers_target (id INT, name VARCHAR, city VARCHAR)",
        "CREATE OR REPLACE STREAM customers_stream ON TABLE customers_source",
        CREATE_TASK,
        "INSERT INTO customers_source VALUES (1, 'Ines', 'Porto'), (2, 'Jonas', 'Riga'), (3, 'Kemal', 'Izmir')",
    )
    session.advance(minutes=3)
    # Created suspended: nothing ran.
    assert rows(session, "SELECT COUNT(*) FROM customers_target") == [(0,)]

    run(session, "ALTER TASK merge_customers RESUME")
    session.advance(minutes=1)
    assert rows(session, "SELECT * FROM customers_target ORDER BY id") == [
        (1, "Ines", "Porto"),
        (2, "Jonas", "Riga"),
        (3, "Kemal", "Izmir"),
    ]

    run(
        session,
        "UPDATE customers_source SET city = 'Braga' WHERE id = 1",
        "DELETE FROM customers_source WHERE id = 2",
        "INSERT INTO customers_source VALUES (4, 'Lena', 'Graz')",
    )
    session.advance(minutes=1)
    assert rows(session, "SELECT * FROM customers_target ORDER BY id") == rows(
        session, "SELECT * FROM customers_source ORDER BY id"
    )

    session.advance(minutes=1)  # nothing new: WHEN is false, the run is skipped
    states = rows(
        session,
        "SELECT STATE FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY(TASK_NAME => 'MERGE_CUSTOMERS')) "
        "WHERE QUERY_ID IS NOT NULL OR STATE <> 'SCHEDULED' ORDER BY SCHEDULED_TIME",
    )
    assert [s for (s,) in states] == ["SUCCEEDED", "SUCCEEDED", "SKIPPED"]
