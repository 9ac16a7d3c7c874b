"""Existing rows through SHOW_INITIAL_ROWS, merged by a daily cron task (Hinz Infotech, "Snowflake Streams
and Tasks")."""

from __future__ import annotations

from decimal import Decimal

from scenario_helpers import rows, run

from moviecdc import LocalSession

CREATE_TASK = """
CREATE OR REPLACE TASK orders_etl_task
  WAREHOUSE = compute_wh
  SCHEDULE = 'USING CRON 0 5 * * * UTC'
AS
MERGE INTO analytics.orders a
USING (SELECT * FROM raw.orders_stream) s
ON a.id = s.id
WHEN MATCHED THEN UPDATE SET a.amount = s.amount
WHEN NOT MATCHED THEN INSERT (id, amount, order_date) VALUES (s.id, s.amount, s.order_date)
"""


def test_rows_already_there_and_new_ones_arrive_at_five(session: LocalSession) -> None:
    run(
        session,
        "CREATE SCHEMA raw",
        "CREATE SCHEMA analytics",
        "CREATE TABLE raw.orders (id INT, amount NUMBER(10, 2), order_date DATE)",
        "INSERT INTO raw.orders VALUES (1, 12.50, '2026-03-01'), (2, 7.25, '2026-03-01')",
        "CREATE TABLE analytics.orders (id INT, amount NUMBER(10, 2), order_date DATE)",
        "CREATE OR REPLACE STREAM raw.orders_stream ON TABLE raw.orders SHOW_INITIAL_ROWS = TRUE",
        CREATE_TASK,
        "ALTER TASK orders_etl_task RESUME",
        "INSERT INTO raw.orders VALUES (3, 30.00, '2026-03-02')",
    )
    session.advance(minutes=59)  # 04:59: not yet
    assert rows(session, "SELECT COUNT(*) FROM analytics.orders") == [(0,)]
    session.advance(minutes=1)  # 05:00
    assert rows(session, "SELECT id, amount FROM analytics.orders ORDER BY id") == [
        (1, Decimal("12.50")),
        (2, Decimal("7.25")),
        (3, Decimal("30.00")),
    ]

    # Beyond the article: an UPDATE reaches the stream as a DELETE/INSERT pair of one row, so the article's MERGE
    # (no filter on METADATA$ACTION) matches target row 2 twice. Snowflake refuses that by default ("Duplicate row
    # detected during DML action", ERROR_ON_NONDETERMINISTIC_MERGE, https://docs.snowflake.com/en/sql-reference/sql/merge):
    # the 5 AM run fails, the target keeps its value and the stream keeps the change for a fixed MERGE.
    run(session, "UPDATE raw.orders SET amount = 8.00 WHERE id = 2")
    session.advance(hours=24)
    last = rows(
        session,
        "SELECT STATE, ERROR_MESSAGE FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY("
        "SCHEDULED_TIME_RANGE_END => CURRENT_TIMESTAMP())) ORDER BY SCHEDULED_TIME DESC LIMIT 1",
    )
    assert last[0][0] == "FAILED"
    assert last[0][1].startswith("Duplicate row detected during DML action")
    assert rows(session, "SELECT amount FROM analytics.orders WHERE id = 2") == [(Decimal("7.25"),)]
    assert rows(session, "SELECT COUNT(*) FROM raw.orders_stream") == [(2,)]
