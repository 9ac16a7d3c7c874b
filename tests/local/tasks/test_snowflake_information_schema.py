"""SNOWFLAKE.INFORMATION_SCHEMA.TASK_HISTORY (issue 10: "Database 'SNOWFLAKE' does not exist").

https://docs.snowflake.com/en/sql-reference/functions/task_history: the table function of the Information Schema;
scripts call it through the SNOWFLAKE database's INFORMATION_SCHEMA, which every account has.
"""

from __future__ import annotations

from datetime import datetime

from moviecdc.local import LocalSession


def test_task_history_through_the_snowflake_database() -> None:
    with LocalSession(database="DB", schema="PUBLIC", start=datetime(2026, 1, 1)) as s:
        s.sql("CREATE TABLE LOG (N INT)").collect()
        s.sql("CREATE TASK T1 SCHEDULE = '1 MINUTE' AS INSERT INTO LOG VALUES (1)").collect()
        s.sql("ALTER TASK T1 RESUME").collect()
        s.advance(minutes=1)
        rows = s.sql(
            "SELECT NAME, STATE FROM TABLE(SNOWFLAKE.INFORMATION_SCHEMA.TASK_HISTORY("
            "SCHEDULED_TIME_RANGE_END => CURRENT_TIMESTAMP(), TASK_NAME => 'T1'))"
        ).collect()
        assert [tuple(r) for r in rows] == [("T1", "SUCCEEDED")]
