"""The session's context as Snowflake keeps it: CREATE DATABASE / SCHEMA, USE in every form, the session's
``database=`` / ``schema=``, CURRENT_DATABASE() / CURRENT_SCHEMA(), and a task's own context.

Pages: CREATE DATABASE https://docs.snowflake.com/en/sql-reference/sql/create-database (usage notes: creating a
database makes it current, "equivalent to using the USE DATABASE command", and creates PUBLIC and
INFORMATION_SCHEMA); USE DATABASE https://docs.snowflake.com/en/sql-reference/sql/use-database ("USE DATABASE
automatically specifies PUBLIC as the current schema, unless the PUBLIC schema doesn't exist"); USE SCHEMA
https://docs.snowflake.com/en/sql-reference/sql/use-schema (``USE [SCHEMA] [db.]name``; SCHEMA optional when the
name is qualified); CREATE SCHEMA https://docs.snowflake.com/en/sql-reference/sql/create-schema (a new schema
becomes current); CURRENT_DATABASE https://docs.snowflake.com/en/sql-reference/functions/current_database and
CURRENT_SCHEMA https://docs.snowflake.com/en/sql-reference/functions/current_schema (the database / schema in
use; in a view's definition, the view's own).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from snowflake.snowpark import Row

from moviecdc.errors import LocalEngineError
from moviecdc.local import LocalSession

CONTEXT = "SELECT CURRENT_DATABASE(), CURRENT_SCHEMA()"
# Snowflake's answer to USE of a database or schema that does not exist (error 002043, SQLSTATE 02000).
MISSING = "002043 (02000): SQL compilation error:\nObject does not exist, or operation cannot be performed."


@pytest.fixture
def session() -> Iterator[LocalSession]:
    with LocalSession() as s:
        yield s


def context(session: LocalSession) -> tuple[str | None, str | None]:
    row = session.sql(CONTEXT).collect()[0]
    assert (session.get_current_database(), session.get_current_schema()) == tuple(row)
    return row[0], row[1]


def test_no_context_is_null_not_duckdbs_memory(session: LocalSession) -> None:
    assert session.sql(CONTEXT).collect() == [Row(**{"current_database()": None, "current_schema()": None})]
    with pytest.raises(LocalEngineError, match="does not have a current database"):
        session.sql("CREATE TABLE T (A INT)").collect()


def test_create_database_makes_it_current_with_public_and_information_schema(session: LocalSession) -> None:
    assert session.sql("CREATE DATABASE SALES").collect() == [Row(status="Database SALES successfully created.")]
    assert context(session) == ("SALES", "PUBLIC")
    session.sql("CREATE TABLE ORDERS (ID INT)").collect()
    where = "SELECT TABLE_SCHEMA, TABLE_NAME FROM SALES.INFORMATION_SCHEMA.TABLES"
    assert session.sql(where).collect() == [Row(TABLE_SCHEMA="PUBLIC", TABLE_NAME="ORDERS")]
    schemas = session.sql("SELECT SCHEMA_NAME FROM SALES.INFORMATION_SCHEMA.SCHEMATA ORDER BY 1").collect()
    assert schemas == [Row(SCHEMA_NAME="INFORMATION_SCHEMA"), Row(SCHEMA_NAME="PUBLIC")]
    # a second database moves the context again; IF NOT EXISTS of an existing one creates nothing and stays
    session.sql("CREATE TRANSIENT DATABASE OTHER").collect()
    assert context(session) == ("OTHER", "PUBLIC")
    assert session.sql("CREATE DATABASE IF NOT EXISTS SALES").collect() == [
        Row(status="SALES already exists, statement succeeded.")
    ]
    assert context(session) == ("OTHER", "PUBLIC")
    with pytest.raises(LocalEngineError, match=r"^002002 \(42710\): SQL compilation error:\nObject 'SALES' already"):
        session.sql("CREATE DATABASE SALES").collect()
    with pytest.raises(LocalEngineError, match=r"^002002 \(42710\): SQL compilation error:\nObject 'PUBLIC' already"):
        session.sql("CREATE SCHEMA SALES.PUBLIC").collect()


def test_create_schema_makes_it_current(session: LocalSession) -> None:
    session.sql("CREATE DATABASE SALES").collect()
    session.sql("CREATE SCHEMA STAGING").collect()
    assert context(session) == ("SALES", "STAGING")
    session.sql("CREATE TABLE T (ID INT)").collect()
    assert session.sql("SELECT COUNT(*) AS N FROM SALES.STAGING.T").collect() == [Row(N=0)]


def test_use_in_every_form(session: LocalSession) -> None:
    session.sql("CREATE DATABASE A").collect()
    session.sql("CREATE SCHEMA A.S1").collect()
    session.sql("CREATE DATABASE B").collect()
    done = [Row(status="Statement executed successfully.")]
    assert session.sql("USE A").collect() == done
    assert context(session) == ("A", "PUBLIC")
    assert session.sql("USE SCHEMA S1").collect() == done
    assert context(session) == ("A", "S1")
    assert session.sql("USE DATABASE B").collect() == done
    assert context(session) == ("B", "PUBLIC")
    assert session.sql("USE SCHEMA A.S1").collect() == done
    assert context(session) == ("A", "S1")
    assert session.sql("use b.public").collect() == done
    assert context(session) == ("B", "PUBLIC")
    assert session.sql('USE "A"."S1";').collect() == done
    assert context(session) == ("A", "S1")


def test_use_database_without_public_leaves_no_current_schema(session: LocalSession) -> None:
    session.sql("CREATE DATABASE A").collect()
    session.sql("DROP SCHEMA A.PUBLIC").collect()
    assert context(session) == ("A", None)  # the current schema was dropped
    session.sql("CREATE DATABASE B").collect()
    session.sql("USE DATABASE A").collect()
    assert context(session) == ("A", None)
    with pytest.raises(LocalEngineError, match="does not have a current schema"):
        session.sql("CREATE TABLE T (ID INT)").collect()


def test_dropping_a_schema_of_the_same_name_elsewhere_keeps_the_context(session: LocalSession) -> None:
    session.sql("CREATE DATABASE A").collect()
    session.sql("CREATE DATABASE B").collect()
    session.sql("USE A.PUBLIC").collect()
    session.sql("DROP SCHEMA B.PUBLIC").collect()
    assert context(session) == ("A", "PUBLIC")


@pytest.mark.parametrize(
    "statement",
    ["USE NOPE", "USE DATABASE NOPE", "USE SCHEMA NOPE", "USE SCHEMA A.NOPE", "USE NOPE.PUBLIC", "USE A.main"],
)
def test_use_of_a_missing_object_is_snowflakes_error_and_keeps_the_context(
    session: LocalSession, statement: str
) -> None:
    session.sql("CREATE DATABASE A").collect()
    with pytest.raises(LocalEngineError) as info:
        session.sql(statement).collect()
    assert str(info.value) == f"{MISSING}\n  Statement: {statement}"
    assert context(session) == ("A", "PUBLIC")


def test_use_schema_without_a_current_database(session: LocalSession) -> None:
    with pytest.raises(LocalEngineError, match=r"^090105 \(22000\): Cannot perform USE\. This session does not have"):
        session.sql("USE SCHEMA PUBLIC").collect()


def test_use_role_and_warehouse_are_not_context() -> None:
    with LocalSession(database="A") as session:
        session.sql("USE ROLE SYSADMIN").collect()
        session.sql("USE WAREHOUSE COMPUTE_WH").collect()
        assert context(session) == ("A", "PUBLIC")


def test_session_arguments() -> None:
    with LocalSession(database="SALES") as s:
        assert context(s) == ("SALES", "PUBLIC")
    with LocalSession(database="SALES", schema="STAGING") as s:
        assert context(s) == ("SALES", "STAGING")
        s.sql("USE SCHEMA SALES.PUBLIC").collect()  # PUBLIC exists beside the named schema
    with pytest.raises(LocalEngineError, match=r"LocalSession\(schema=\.\.\.\) needs database=\.\.\. too"):
        LocalSession(schema="PUBLIC")


def test_current_schema_in_a_view_is_the_views(session: LocalSession) -> None:
    session.sql("CREATE DATABASE A").collect()
    session.sql("CREATE SCHEMA A.REPORTS").collect()
    session.sql("CREATE VIEW WHERE_AM_I AS SELECT CURRENT_DATABASE() AS D, CURRENT_SCHEMA() AS S").collect()
    session.sql("CREATE DATABASE B").collect()
    assert session.sql("SELECT * FROM A.REPORTS.WHERE_AM_I").collect() == [Row(D="A", S="REPORTS")]


def test_a_task_runs_in_its_own_database_and_schema() -> None:
    """The task's unqualified names resolve in the task's schema, not in the caller's (which may have none)."""
    with LocalSession(database="A", schema="JOBS") as session:
        session.sql("CREATE TABLE LOG (DB VARCHAR, SCH VARCHAR, TS TIMESTAMP_NTZ)").collect()
        session.sql(
            "CREATE TASK T AS INSERT INTO LOG SELECT CURRENT_DATABASE(), CURRENT_SCHEMA(), "
            "CAST('2026-01-01 10:00' AS TIMESTAMP_NTZ)"
        ).collect()
        session.sql("CREATE DATABASE B").collect()
        session.sql("CREATE TABLE LOG (X INT)").collect()  # a LOG the task must not write
        session.sql("EXECUTE TASK A.JOBS.T").collect()
        state = session.sql("SELECT STATE, ERROR_MESSAGE FROM TABLE(A.INFORMATION_SCHEMA.TASK_HISTORY())").collect()
        assert [tuple(r) for r in state] == [("SUCCEEDED", None)]
        assert context(session) == ("B", "PUBLIC")  # the caller's context is back
        rows = session.sql("SELECT DB, SCH, TS FROM A.JOBS.LOG").collect()
        assert [tuple(r)[:2] for r in rows] == [("A", "JOBS")]
        assert session.sql("SELECT COUNT(*) AS N FROM B.PUBLIC.LOG").collect() == [Row(N=0)]


def test_drop_database(tmp_path: Path) -> None:
    """DROP DATABASE https://docs.snowflake.com/en/sql-reference/sql/drop-database: the database goes with what
    it holds (here its file too); dropping the current one leaves no current database (the docs do not say;
    nothing is left to be current). Before, fakesnow answered with a raw DuckDB parser error."""
    with LocalSession(tmp_path) as session:
        session.sql("CREATE DATABASE X").collect()
        session.sql("CREATE TABLE T (A INT)").collect()
        session.sql("CREATE STREAM S ON TABLE T").collect()
        session.sql("CREATE DATABASE Y").collect()
        assert session.sql("DROP DATABASE X").collect() == [Row(status="X successfully dropped.")]
        assert context(session) == ("Y", "PUBLIC")
        assert session.sql("DROP DATABASE Y CASCADE").collect() == [Row(status="Y successfully dropped.")]
        assert context(session) == (None, None)
        assert session.sql("DROP DATABASE IF EXISTS Y").collect() == [
            Row(status="Drop statement executed successfully (Y already dropped).")
        ]
        with pytest.raises(LocalEngineError) as info:
            session.sql("DROP DATABASE Y").collect()
        assert str(info.value).splitlines()[:2] == [
            "002003 (02000): SQL compilation error:",
            "Database 'Y' does not exist or not authorized.",
        ]
        session.sql("CREATE DATABASE X").collect()  # a new, empty X
        assert session.sql("SELECT COUNT(*) AS N FROM X.INFORMATION_SCHEMA.TABLES").collect() == [Row(N=0)]
        assert session.sql("SHOW STREAMS IN ACCOUNT").collect() == []
    assert sorted(p.name for p in tmp_path.glob("*.db")) == ["X.db"]


def test_create_or_replace_schema_replaces_it_and_makes_it_current(session: LocalSession) -> None:
    """CREATE SCHEMA https://docs.snowflake.com/en/sql-reference/sql/create-schema: OR REPLACE drops the old schema
    with its objects; the new, empty one becomes current. Before, DuckDB's "Dependency Error" came back."""
    session.sql("CREATE DATABASE D").collect()
    session.sql('CREATE SCHEMA "low"').collect()
    session.sql("CREATE TABLE T (A INT)").collect()
    session.sql("CREATE STREAM S ON TABLE T").collect()
    session.sql("CREATE TASK K AS SELECT 1").collect()
    session.sql("USE SCHEMA PUBLIC").collect()
    assert session.sql('CREATE OR REPLACE SCHEMA "low"').collect() == [Row(status="Schema low successfully created.")]
    assert context(session) == ("D", "low")
    tables = "SELECT COUNT(*) AS N FROM D.INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'low'"
    assert session.sql(tables).collect() == [Row(N=0)]
    assert session.sql("SHOW STREAMS IN ACCOUNT").collect() == []
    assert session.sql("SHOW TASKS IN ACCOUNT").collect() == []
