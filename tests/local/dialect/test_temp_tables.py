"""CREATE TEMPORARY TABLE with a qualified name (issue 10: "TEMPORARY table names can *only* use the "temp"
catalog").

https://docs.snowflake.com/en/user-guide/tables-temp-transient: a temporary table lives in the named schema for
the session; it is used by its qualified or its bare name.
"""

from __future__ import annotations

from moviecdc.local import LocalSession


def test_qualified_temporary_table() -> None:
    with LocalSession(database="DB", schema="PUBLIC") as s:
        s.sql("CREATE TEMPORARY TABLE DB.PUBLIC.SCRATCH (X INT)").collect()
        s.sql("INSERT INTO DB.PUBLIC.SCRATCH VALUES (1)").collect()
        s.sql("INSERT INTO PUBLIC.SCRATCH VALUES (2)").collect()
        s.sql("INSERT INTO SCRATCH VALUES (3)").collect()
        assert [r.X for r in s.sql("SELECT X FROM DB.PUBLIC.SCRATCH ORDER BY X").collect()] == [1, 2, 3]
        s.sql("DROP TABLE DB.PUBLIC.SCRATCH").collect()
    with LocalSession(database="DB", schema="PUBLIC") as other:
        assert other.sql("SHOW TABLES LIKE 'SCRATCH'").collect() == []
