"""LIST @stage without a current database or schema (issue 10: "Internal error … AssertionError").

https://docs.snowflake.com/en/sql-reference/sql/list: an unqualified stage name is resolved in the current
schema; without one, Snowflake asks for USE SCHEMA or a qualified name.
"""

from __future__ import annotations

import pytest

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local import LocalSession


def test_list_without_a_current_schema_says_what_to_do() -> None:
    with LocalSession() as s, pytest.raises(LocalEngineError, match=r"does not have a current database\. Call 'USE"):
        s.sql("LIST @STG").collect()


def test_list_of_a_named_stage() -> None:
    with LocalSession(database="DB", schema="PUBLIC") as s:
        s.sql("CREATE STAGE STG").collect()
        assert s.sql("LIST @STG").collect() == []
        assert s.sql("LIST @DB.PUBLIC.STG").collect() == []
        with pytest.raises(UnsupportedSqlError, match="User stages"):
            s.sql("LIST @~").collect()
