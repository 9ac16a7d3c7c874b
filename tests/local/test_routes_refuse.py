"""No silent no-op: every statement kind the router knows, sent in a form the engine cannot run, raises.

A statement the engine routes (``moviecdc.local.routes.ROUTES``) is either run as Snowflake runs it or refused.
The worst failure is the third outcome: a statement that reports success and does nothing. This module sends, for
every route, a form that Snowflake itself rejects (an object that does not exist, a clause with a bad value, a
duplicate name) or that the engine cannot emulate, and checks that each raises a moviecdc error that reads as
Snowflake's or as an UnsupportedSqlError, never a raw DuckDB error and never success.

A new route without a case here fails :func:`test_every_route_has_an_unrunnable_case`: add its case.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from moviecdc.errors import LocalEngineError
from moviecdc.local import LocalSession
from moviecdc.local.routes import ROUTES

# route pattern -> statements of that kind that must raise (run against the fixture below)
UNRUNNABLE: dict[str, list[str]] = {
    # session context
    r"USE (?!(ROLE|WAREHOUSE|SECONDARY)\b)": ["USE DATABASE NOPE", "USE SCHEMA MOVIES.NOPE"],
    r"CREATE (OR REPLACE )?(TRANSIENT )?DATABASE(?! ROLE)": ["CREATE DATABASE MOVIES"],
    r"DROP DATABASE(?! ROLE)": ["DROP DATABASE NOPE"],
    r"SHOW (TERSE )?(SCHEMAS|DATABASES)": ["SHOW SCHEMAS IN DATABASE NOPE"],
    # streams
    r"CREATE (OR REPLACE )?STREAM": ["CREATE STREAM S2 ON TABLE NOPE", "CREATE STREAM S ON TABLE T"],
    r"DROP STREAM": ["DROP STREAM NOPE"],
    r"SHOW (TERSE )?STREAMS": ["SHOW STREAMS IN DATABASE NOPE", "SHOW STREAMS IN SCHEMA MOVIES.NOPE"],
    r"DESC(RIBE)? STREAM": ["DESCRIBE STREAM NOPE"],
    r"ALTER STREAM": ["ALTER STREAM NOPE SET COMMENT = 'x'"],
    # Snowflake Scripting
    r"BEGIN (?!(TRANSACTION|WORK|NAME)\b)": ["BEGIN SELECT * FROM NOPE; END"],
    r"DECLARE": ["DECLARE x INTEGER DEFAULT 0; BEGIN RETURN 1 / x; END"],
    r"EXECUTE IMMEDIATE": ["EXECUTE IMMEDIATE 'SELECT * FROM NOPE'"],
    r"CREATE (OR REPLACE )?((SECURE|TEMPORARY|TEMP) )*PROCEDURE": [
        "CREATE PROCEDURE P() RETURNS INT LANGUAGE JAVASCRIPT AS $$ return 1; $$",
    ],
    r"CALL": ["CALL NOPE()"],
    r"DROP PROCEDURE": ["DROP PROCEDURE NOPE()"],
    r"SHOW (TERSE )?(USER )?PROCEDURES": ["SHOW PROCEDURES IN DATABASE NOPE"],
    r"ALTER PROCEDURE": ["ALTER PROCEDURE NOPE() SET COMMENT = 'x'"],
    r"DESC(RIBE)? PROCEDURE": ["DESCRIBE PROCEDURE NOPE()"],
    # transactions
    r"BEGIN|START TRANSACTION|COMMIT|ROLLBACK": ["COMMIT AND CHAIN", "ROLLBACK TO SAVEPOINT X"],
    # tasks
    r"CREATE (OR (REPLACE|ALTER) )?TASK": ["CREATE TASK K2 SCHEDULE = 'every minute' AS SELECT 1"],
    r"ALTER TASK": ["ALTER TASK NOPE RESUME"],
    r"DROP TASK": ["DROP TASK NOPE"],
    r"(CALL|SELECT) SYSTEM\$SET_RETURN_VALUE": ["SELECT SYSTEM$SET_RETURN_VALUE('outside a task run')"],
    r"SELECT SYSTEM\$TASK_DEPENDENTS_ENABLE": ["SELECT SYSTEM$TASK_DEPENDENTS_ENABLE('NOPE')"],
    r"EXECUTE TASK": ["EXECUTE TASK NOPE"],
    r"SHOW (TERSE )?TASKS": ["SHOW TASKS IN SCHEMA MOVIES.NOPE"],
    r"DESC(RIBE)? TASK": ["DESCRIBE TASK NOPE"],
    r"DROP SCHEMA": ["DROP SCHEMA NOPE"],
    # dynamic tables
    r"CREATE (OR (REPLACE|ALTER) )?(TRANSIENT )?DYNAMIC TABLE": [
        "CREATE DYNAMIC TABLE D2 TARGET_LAG = '1 minute' WAREHOUSE = W AS SELECT * FROM NOPE",
        "CREATE DYNAMIC TABLE D3 TARGET_LAG = 'soon' WAREHOUSE = W AS SELECT * FROM T",
    ],
    r"ALTER DYNAMIC TABLE": ["ALTER DYNAMIC TABLE NOPE REFRESH"],
    r"DROP DYNAMIC TABLE": ["DROP DYNAMIC TABLE NOPE"],
    r"SHOW DYNAMIC TABLES": ["SHOW DYNAMIC TABLES IN DATABASE NOPE"],
    r"DESC(RIBE)? DYNAMIC TABLE": ["DESCRIBE DYNAMIC TABLE NOPE"],
    r"INSERT|UPDATE|DELETE|MERGE|TRUNCATE|DROP TABLE|ALTER TABLE"
    r"|CREATE OR REPLACE ((TRANSIENT|TEMPORARY|TEMP|LOCAL|GLOBAL|VOLATILE) )*TABLE": [
        "INSERT INTO D VALUES (1, 'a')",
        "DELETE FROM D",
        "TRUNCATE TABLE D",
        "INSERT INTO NOPE VALUES (1)",
    ],
    # warehouses, roles, users, grants
    r"CREATE (OR REPLACE )?WAREHOUSE": ["CREATE WAREHOUSE W2 WAREHOUSE_SIZE = 'ENORMOUS'"],
    r"ALTER WAREHOUSE": ["ALTER WAREHOUSE NOPE SUSPEND"],
    r"DROP WAREHOUSE": ["DROP WAREHOUSE NOPE"],
    r"USE WAREHOUSE": ["USE WAREHOUSE NOPE"],
    r"SHOW (TERSE )?WAREHOUSES": ["SHOW WAREHOUSES IN DATABASE MOVIES"],
    r"(CREATE (OR REPLACE )?|ALTER |DROP |SHOW )DATABASE ROLES?": [
        "CREATE DATABASE ROLE MOVIES.R1",
        "DROP DATABASE ROLE MOVIES.R1",
    ],
    r"CREATE (OR REPLACE )?ROLE": ["CREATE ROLE R"],
    r"ALTER ROLE": ["ALTER ROLE NOPE RENAME TO R3"],
    r"DROP ROLE": ["DROP ROLE NOPE"],
    r"USE ROLE": ["USE ROLE NOPE"],
    r"USE SECONDARY ROLES": ["USE SECONDARY ROLES NOPE"],
    r"SHOW (TERSE )?ROLES": ["SHOW ROLES IN DATABASE MOVIES"],
    r"CREATE (OR REPLACE )?USER": ["CREATE USER U", "CREATE USER U2 NOT_A_PROPERTY = 1"],
    r"ALTER USER": ["ALTER USER NOPE SET DEFAULT_ROLE = R"],
    r"DROP USER": ["DROP USER NOPE"],
    r"SHOW (TERSE )?USERS": ["SHOW USERS IN DATABASE MOVIES"],
    r"GRANT": ["GRANT SELECT ON TABLE NOPE TO ROLE R", "GRANT SELECT ON TABLE T TO ROLE NOPE"],
    r"REVOKE": ["REVOKE SELECT ON TABLE NOPE FROM ROLE R"],
    r"SHOW (FUTURE )?GRANTS": ["SHOW GRANTS ON TABLE NOPE", "SHOW GRANTS TO ROLE NOPE"],
    # session parameters
    r"ALTER SESSION": ["ALTER SESSION SET NOT_A_PARAMETER = 1", "ALTER SESSION SET TIMEZONE = 'Mars/Olympus'"],
    r"SHOW PARAMETERS": ["SHOW PARAMETERS IN TABLE NOPE"],
    r"ALTER ACCOUNT": ["ALTER ACCOUNT SET TIMEZONE = 'UTC'"],
    # governance
    r"CREATE (OR REPLACE )?(TRANSIENT )?SCHEMA": ["CREATE SCHEMA PUBLIC"],
    r"ALTER SCHEMA": ["ALTER SCHEMA NOPE RENAME TO N2"],
    r"COMMENT": ["COMMENT ON TABLE NOPE IS 'x'"],
    r"CREATE (OR REPLACE )?TAG": ["CREATE TAG G"],
    r"ALTER TAG": ["ALTER TAG NOPE SET COMMENT = 'x'"],
    r"DROP TAG": ["DROP TAG NOPE"],
    r"SHOW TAGS": ["SHOW TAGS IN DATABASE NOPE"],
    r"SHOW TABLES": ["SHOW TABLES IN DATABASE NOPE", "SHOW TABLES IN SCHEMA MOVIES.NOPE"],
    # user-defined functions
    r"CREATE (OR REPLACE )?((SECURE|TEMP|TEMPORARY) )*FUNCTION": [
        "CREATE FUNCTION F() RETURNS INT LANGUAGE JAVA HANDLER = 'X.f' AS 'class X {}'",
    ],
    r"DROP FUNCTION": ["DROP FUNCTION NOPE()"],
    r"SHOW USER FUNCTIONS": ["SHOW USER FUNCTIONS IN DATABASE NOPE"],
    # stages
    r"LIST|LS": ["LIST @NOPE"],
    # not emulated
    r"UNDROP": ["UNDROP TABLE NOPE"],
}

# words of DuckDB's own errors: a user must never see one of these for a Snowflake statement
_RAW_DUCKDB = (
    "Catalog Error",
    "Parser Error",
    "Binder Error",
    "Conversion Error",
    "Not implemented Error",
    "Invalid Input Error",
    "TransactionContext",
    "_duckdb",
)


def _route_patterns() -> list[str]:
    from moviecdc.local.account import unmodelled

    return [route.pattern for route in ROUTES if route.pattern != unmodelled.PATTERN]


@pytest.fixture(scope="module")
def session() -> Iterator[LocalSession]:
    with LocalSession(database="MOVIES", schema="PUBLIC") as s:
        for statement in (
            "CREATE TABLE T (ID INT, VAL VARCHAR)",
            "CREATE STREAM S ON TABLE T",
            "CREATE WAREHOUSE W",
            "CREATE DYNAMIC TABLE D TARGET_LAG = '1 minute' WAREHOUSE = W AS SELECT ID, VAL FROM T",
            "CREATE ROLE R",
            "CREATE USER U",
            "CREATE TAG G",
        ):
            s.sql(statement).collect()
        yield s


def test_every_route_has_an_unrunnable_case() -> None:
    """A route added without a case here would be a statement kind no test sends in a form it cannot run."""
    patterns = _route_patterns()
    assert [p for p in patterns if p not in UNRUNNABLE] == []
    assert [p for p in UNRUNNABLE if p not in patterns] == []


def test_unmodelled_show_is_refused(session: LocalSession) -> None:
    with pytest.raises(LocalEngineError, match="not supported"):
        session.sql("SHOW PIPES").collect()


@pytest.mark.parametrize("statement", [statement for statements in UNRUNNABLE.values() for statement in statements])
def test_statement_in_an_unrunnable_form_raises(session: LocalSession, statement: str) -> None:
    with pytest.raises(LocalEngineError) as raised:
        session.sql(statement).collect()
    message = str(raised.value)
    assert not any(word in message for word in _RAW_DUCKDB), message
    said = " ".join(line.strip() for line in message.splitlines() if not line.strip().startswith("Statement:"))
    said = re.sub(r"^\d{6} \(\w+\): SQL compilation error:", "", said).strip()
    assert said, f"an error that says nothing: {message!r}"
    if statement.startswith(("CREATE DATABASE ROLE", "DROP DATABASE ROLE")):
        assert "DATABASE ROLE" in message
