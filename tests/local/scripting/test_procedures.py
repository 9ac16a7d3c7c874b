"""Stored procedures: CREATE PROCEDURE (SQL and Python), CALL, DROP, SHOW, persistence across a reopen.

https://docs.snowflake.com/en/sql-reference/sql/create-procedure, https://docs.snowflake.com/en/sql-reference/sql/call,
https://docs.snowflake.com/en/developer-guide/stored-procedure/stored-procedures-snowflake-scripting.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local import LocalSession

ADD_ROWS = """CREATE OR REPLACE PROCEDURE add_rows(n INT, label VARCHAR)
RETURNS NUMBER(10, 2)
LANGUAGE SQL
EXECUTE AS CALLER
AS
$$
BEGIN
  FOR i IN 1 TO n DO
    INSERT INTO T VALUES (:i, :label);
  END FOR;
  RETURN n * 1.5;
END;
$$"""


@pytest.fixture
def s() -> Iterator[LocalSession]:
    with LocalSession(database="MOVIES", schema="PUBLIC") as session:
        session.sql("CREATE TABLE T (ID INT, VAL VARCHAR)").collect()
        yield session


def rows(session: LocalSession, sql: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in session.sql(sql).collect()]


def test_create_and_call_a_sql_procedure(s: LocalSession) -> None:
    """Before: a parser error. CALL answers one column named after the procedure, cast to RETURNS."""
    assert rows(s, ADD_ROWS) == [("Function ADD_ROWS successfully created.",)]
    result = s.sql("CALL add_rows(2, 'x')").collect()
    assert [tuple(r) for r in result] == [(Decimal("3.00"),)]
    assert list(result[0].as_dict()) == ["ADD_ROWS"]
    assert rows(s, "SELECT ID, VAL FROM T ORDER BY ID") == [(1, "x"), (2, "x")]


def test_named_arguments_defaults_and_returns_table(s: LocalSession) -> None:
    s.sql(
        "CREATE PROCEDURE pick(lo INT, hi INT DEFAULT 100) RETURNS TABLE(ID INT) LANGUAGE SQL AS "
        "$$ DECLARE res RESULTSET DEFAULT (SELECT ID FROM T WHERE ID BETWEEN :lo AND :hi ORDER BY ID); "
        "BEGIN RETURN TABLE(res); END $$"
    ).collect()
    s.sql("INSERT INTO T VALUES (1, 'a'), (5, 'b'), (200, 'c')").collect()
    assert rows(s, "CALL pick(2)") == [(5,)]
    assert rows(s, "CALL pick(hi => 300, lo => 0)") == [(1,), (5,), (200,)]


def test_create_existing_if_not_exists_drop_and_show(s: LocalSession) -> None:
    """https://docs.snowflake.com/en/sql-reference/sql/drop-procedure, .../show-procedures"""
    s.sql(ADD_ROWS).collect()
    with pytest.raises(LocalEngineError, match="already exists"):
        s.sql(ADD_ROWS.replace("OR REPLACE ", "")).collect()
    assert rows(s, ADD_ROWS.replace("OR REPLACE PROCEDURE", "PROCEDURE IF NOT EXISTS")) == [
        ("ADD_ROWS already exists, statement succeeded.",)
    ]
    shown = s.sql("SHOW PROCEDURES").collect()
    assert [(r["name"], r["arguments"], r["execute_as"]) for r in shown] == [
        ("ADD_ROWS", "ADD_ROWS(NUMBER, VARCHAR) RETURN NUMBER(10, 2)", "CALLER")
    ]
    assert rows(s, "DROP PROCEDURE add_rows(INT, VARCHAR)") == [("ADD_ROWS successfully dropped.",)]
    with pytest.raises(LocalEngineError, match="Unknown user-defined function"):
        s.sql("CALL add_rows(1, 'x')").collect()


def test_procedures_persist_with_a_path(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    with LocalSession(folder, database="MOVIES", schema="PUBLIC") as s:
        s.sql("CREATE TABLE T (ID INT, VAL VARCHAR)").collect()
        s.sql(ADD_ROWS).collect()
    with LocalSession(folder, database="MOVIES", schema="PUBLIC") as s:
        assert rows(s, "CALL add_rows(1, 'again')") == [(Decimal("1.50"),)]
        assert rows(s, "SELECT ID, VAL FROM T") == [(1, "again")]


def test_a_failing_procedure_fails_the_call(s: LocalSession) -> None:
    s.sql(
        "CREATE PROCEDURE bad() RETURNS INT LANGUAGE SQL AS $$ BEGIN INSERT INTO T VALUES (1, 'kept'); "
        "SELECT * FROM NOPE; RETURN 1; END $$"
    ).collect()
    with pytest.raises(LocalEngineError, match="Uncaught exception of type 'STATEMENT_ERROR'"):
        s.sql("CALL bad()").collect()
    assert rows(s, "SELECT ID FROM T") == [(1,)]


def test_python_procedure_runs_in_process_with_session_sql(s: LocalSession) -> None:
    """https://docs.snowflake.com/en/developer-guide/stored-procedure/python/procedure-python-overview: the
    handler gets the session first, then the arguments."""
    s.sql(
        "CREATE PROCEDURE py_count(tag VARCHAR) RETURNS VARCHAR LANGUAGE PYTHON RUNTIME_VERSION = '3.11' "
        "PACKAGES = ('snowflake-snowpark-python') HANDLER = 'run' AS $$\n"
        "def run(session, tag):\n"
        "    session.sql(\"INSERT INTO T VALUES (1, 'py')\").collect()\n"
        "    n = session.sql('SELECT COUNT(*) AS N FROM T').collect()[0]['N']\n"
        "    return f'{tag}:{n}'\n"
        "$$"
    ).collect()
    assert rows(s, "CALL py_count('t')") == [("t:1",)]


def test_python_procedure_using_more_than_sql_is_refused_naming_it(s: LocalSession) -> None:
    s.sql(
        "CREATE PROCEDURE py_table() RETURNS INT LANGUAGE PYTHON RUNTIME_VERSION = '3.11' "
        "PACKAGES = ('snowflake-snowpark-python') HANDLER = 'run' AS $$\n"
        "def run(session):\n"
        "    return session.table('T').count()\n"
        "$$"
    ).collect()
    with pytest.raises(UnsupportedSqlError, match=r"session\.table"):
        s.sql("CALL py_table()").collect()


@pytest.mark.parametrize(("language", "label"), [("JAVASCRIPT", "JavaScript"), ("JAVA", "Java"), ("SCALA", "Scala")])
def test_java_javascript_scala_procedures_are_refused_at_create(s: LocalSession, language: str, label: str) -> None:
    with pytest.raises(UnsupportedSqlError, match=f"{label} stored procedures are not supported"):
        s.sql(f"CREATE PROCEDURE p() RETURNS INT LANGUAGE {language} AS $$ return 1; $$").collect()
    assert rows(s, "SHOW PROCEDURES") == []


@pytest.mark.parametrize(
    "statement",
    ["ALTER PROCEDURE add_rows(INT, VARCHAR) SET COMMENT = 'x'", "DESCRIBE PROCEDURE add_rows(INT, VARCHAR)"],
)
def test_procedure_statements_not_emulated_are_refused(s: LocalSession, statement: str) -> None:
    with pytest.raises(UnsupportedSqlError):
        s.sql(statement).collect()


def test_drop_schema_drops_its_procedures(s: LocalSession) -> None:
    """https://docs.snowflake.com/en/sql-reference/sql/drop-schema: dropping a schema drops what it contains."""
    s.sql("CREATE SCHEMA OTHER").collect()
    s.sql("CREATE PROCEDURE OTHER.P() RETURNS INT LANGUAGE SQL AS $$ BEGIN RETURN 1; END $$").collect()
    assert rows(s, "CALL OTHER.P()") == [(1,)]
    s.sql("DROP SCHEMA OTHER").collect()
    s.sql("CREATE SCHEMA OTHER").collect()
    with pytest.raises(LocalEngineError, match="Unknown user-defined function"):
        s.sql("CALL OTHER.P()").collect()


def test_show_procedures_filters_like_and_scope(s: LocalSession) -> None:
    """https://docs.snowflake.com/en/sql-reference/sql/show-procedures: LIKE, IN, STARTS WITH, LIMIT."""
    s.sql("CREATE SCHEMA OTHER").collect()
    for name in ("MOVIES.PUBLIC.LOAD_A", "MOVIES.PUBLIC.LOAD_B", "MOVIES.OTHER.CLEAN"):
        s.sql(f"CREATE PROCEDURE {name}() RETURNS INT LANGUAGE SQL AS $$ BEGIN RETURN 1; END $$").collect()
    s.sql("USE SCHEMA MOVIES.PUBLIC").collect()

    def names(statement: str) -> list[str]:
        return [r["name"] for r in s.sql(statement).collect()]

    assert names("SHOW PROCEDURES") == ["LOAD_A", "LOAD_B"]
    assert names("SHOW USER PROCEDURES LIKE '%_b'") == ["LOAD_B"]
    assert names("SHOW PROCEDURES IN DATABASE MOVIES") == ["CLEAN", "LOAD_A", "LOAD_B"]
    assert names("SHOW PROCEDURES IN SCHEMA OTHER") == ["CLEAN"]
    assert names("SHOW PROCEDURES IN ACCOUNT LIMIT 1") == ["CLEAN"]
