"""GRANT / REVOKE and SHOW GRANTS: recorded and answered, never enforced.

Pages: https://docs.snowflake.com/en/sql-reference/sql/grant-privilege,
https://docs.snowflake.com/en/sql-reference/sql/grant-role, https://docs.snowflake.com/en/sql-reference/sql/revoke-privilege,
https://docs.snowflake.com/en/sql-reference/sql/show-grants.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local import LocalSession


@pytest.fixture
def s() -> Iterator[LocalSession]:
    with LocalSession(database="MOVIES", schema="PUBLIC") as session:
        session.sql("CREATE TABLE BOOKINGS (ID INT)").collect()
        session.sql("CREATE VIEW V AS SELECT * FROM BOOKINGS").collect()
        session.sql("CREATE ROLE ANALYST").collect()
        yield session


def grants(s: LocalSession, sql: str) -> list[tuple[object, ...]]:
    return [tuple(r)[1:] for r in s.sql(sql).collect()]  # without created_on


def test_privileges_granted_to_a_role_are_shown(s: LocalSession) -> None:
    for sql in (
        "GRANT USAGE ON DATABASE MOVIES TO ROLE ANALYST",
        "GRANT USAGE ON SCHEMA MOVIES.PUBLIC TO ROLE ANALYST",
        "GRANT SELECT ON ALL TABLES IN SCHEMA MOVIES.PUBLIC TO ROLE ANALYST",
        "GRANT USAGE ON WAREHOUSE COMPUTE_WH TO ROLE ANALYST WITH GRANT OPTION",
        "GRANT CREATE DATABASE ON ACCOUNT TO ROLE ANALYST",
    ):
        assert s.sql(sql).collect()[0][0] == "Statement executed successfully."
    rows = s.sql("SHOW GRANTS TO ROLE ANALYST").collect()
    assert list(rows[0]._fields) == [
        "created_on", "privilege", "granted_on", "name", "granted_to", "grantee_name", "grant_option", "granted_by",
    ]  # fmt: skip
    assert [tuple(r)[1:] for r in rows] == [
        ("CREATE DATABASE", "ACCOUNT", "ACCOUNT", "ROLE", "ANALYST", "false", "ACCOUNTADMIN"),
        ("USAGE", "DATABASE", "MOVIES", "ROLE", "ANALYST", "false", "ACCOUNTADMIN"),
        ("USAGE", "SCHEMA", "MOVIES.PUBLIC", "ROLE", "ANALYST", "false", "ACCOUNTADMIN"),
        ("SELECT", "TABLE", "MOVIES.PUBLIC.BOOKINGS", "ROLE", "ANALYST", "false", "ACCOUNTADMIN"),
        ("USAGE", "WAREHOUSE", "COMPUTE_WH", "ROLE", "ANALYST", "true", "ACCOUNTADMIN"),
    ]
    assert grants(s, "SHOW GRANTS ON ACCOUNT") == [
        ("CREATE DATABASE", "ACCOUNT", "ACCOUNT", "ROLE", "ANALYST", "false", "ACCOUNTADMIN"),
    ]
    assert grants(s, "SHOW GRANTS ON TABLE BOOKINGS") == [
        ("SELECT", "TABLE", "MOVIES.PUBLIC.BOOKINGS", "ROLE", "ANALYST", "false", "ACCOUNTADMIN", "ROLE"),
    ]
    s.sql("REVOKE USAGE ON DATABASE MOVIES FROM ROLE ANALYST").collect()
    s.sql("REVOKE ALL PRIVILEGES ON WAREHOUSE COMPUTE_WH FROM ROLE ANALYST").collect()
    assert [r.granted_on for r in s.sql("SHOW GRANTS TO ROLE ANALYST").collect()] == ["ACCOUNT", "SCHEMA", "TABLE"]


def test_role_grants_are_shown_of_the_role_and_to_the_user(s: LocalSession) -> None:
    s.sql("GRANT ROLE ANALYST TO ROLE SYSADMIN").collect()
    s.sql("CREATE USER JSMITH").collect()
    s.sql("GRANT ROLE ANALYST TO USER JSMITH").collect()
    assert grants(s, "SHOW GRANTS OF ROLE ANALYST") == [
        ("ANALYST", "ROLE", "SYSADMIN", "ACCOUNTADMIN"),
        ("ANALYST", "USER", "JSMITH", "ACCOUNTADMIN"),
    ]
    assert grants(s, "SHOW GRANTS TO ROLE SYSADMIN") == [
        ("USAGE", "ROLE", "ANALYST", "ROLE", "SYSADMIN", "false", "ACCOUNTADMIN"),
    ]
    rows = s.sql("SHOW GRANTS TO USER JSMITH").collect()
    assert list(rows[0]._fields) == [
        "created_on", "privilege", "granted_on", "name", "role", "granted_to", "grantee_name", "grant_option",
        "granted_by",
    ]  # fmt: skip
    assert rows[0].role == "ANALYST"
    s.sql("REVOKE ROLE ANALYST FROM USER JSMITH").collect()
    assert s.sql("SHOW GRANTS TO USER JSMITH").collect() == []
    with pytest.raises(LocalEngineError, match="cycle"):
        s.sql("GRANT ROLE SYSADMIN TO ROLE ANALYST").collect()


def test_future_grants_are_recorded(s: LocalSession) -> None:
    s.sql("GRANT SELECT ON FUTURE TABLES IN SCHEMA MOVIES.PUBLIC TO ROLE ANALYST").collect()
    assert grants(s, "SHOW FUTURE GRANTS IN SCHEMA MOVIES.PUBLIC") == [
        ("SELECT", "TABLE", "MOVIES.PUBLIC.<TABLE>", "ROLE", "ANALYST", "false"),
    ]


def test_grants_name_objects_that_exist(s: LocalSession) -> None:
    with pytest.raises(LocalEngineError, match="Role 'NOBODY' does not exist or not authorized"):
        s.sql("GRANT USAGE ON DATABASE MOVIES TO ROLE NOBODY").collect()
    with pytest.raises(LocalEngineError, match=r"Table 'MOVIES\.PUBLIC\.NOPE' does not exist or not authorized"):
        s.sql("GRANT SELECT ON TABLE NOPE TO ROLE ANALYST").collect()
    with pytest.raises(UnsupportedSqlError, match="DATABASE ROLE"):
        s.sql("GRANT DATABASE ROLE MOVIES.R TO ROLE ANALYST").collect()
