"""Warehouses, roles, users and the session's role and warehouse, as a fresh Snowflake trial account has them.

Pages: https://docs.snowflake.com/en/sql-reference/sql/create-warehouse,
https://docs.snowflake.com/en/sql-reference/sql/show-warehouses, https://docs.snowflake.com/en/sql-reference/sql/use-warehouse,
https://docs.snowflake.com/en/sql-reference/sql/create-role, https://docs.snowflake.com/en/sql-reference/sql/show-roles,
https://docs.snowflake.com/en/sql-reference/sql/use-role, https://docs.snowflake.com/en/sql-reference/sql/create-user,
https://docs.snowflake.com/en/sql-reference/sql/show-users,
https://docs.snowflake.com/en/user-guide/security-access-control-overview (system-defined roles and their hierarchy).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from moviecdc.errors import LocalEngineError
from moviecdc.local import LocalSession


@pytest.fixture
def s() -> Iterator[LocalSession]:
    with LocalSession(database="MOVIES", schema="PUBLIC") as session:
        yield session


def one(s: LocalSession, sql: str) -> object:
    rows = s.sql(sql).collect()
    assert len(rows) == 1, rows
    assert len(rows[0]) == 1, rows
    return rows[0][0]


def test_a_script_that_starts_with_use_role_and_use_warehouse_runs(s: LocalSession) -> None:
    assert one(s, "USE ROLE ACCOUNTADMIN") == "Statement executed successfully."
    assert one(s, "USE WAREHOUSE COMPUTE_WH") == "Statement executed successfully."
    assert s.sql("SELECT CURRENT_ROLE() AS R, CURRENT_WAREHOUSE() AS W").collect()[0].as_dict() == {
        "R": "ACCOUNTADMIN",
        "W": "COMPUTE_WH",
    }
    one(s, "USE ROLE SYSADMIN")
    assert one(s, "SELECT CURRENT_ROLE()") == "SYSADMIN"


def test_use_of_a_role_or_warehouse_that_does_not_exist_is_refused(s: LocalSession) -> None:
    with pytest.raises(LocalEngineError, match="Role 'NOPE' does not exist or not authorized"):
        s.sql("USE ROLE NOPE").collect()
    with pytest.raises(LocalEngineError, match="Object does not exist, or operation cannot be performed"):
        s.sql("USE WAREHOUSE NOPE").collect()
    assert one(s, "SELECT CURRENT_ROLE()") == "ACCOUNTADMIN"  # unchanged by the failures


def test_a_fresh_engine_has_the_system_roles_and_their_hierarchy(s: LocalSession) -> None:
    rows = s.sql("SHOW ROLES").collect()
    assert list(rows[0]._fields) == [
        "created_on", "name", "is_default", "is_current", "is_inherited", "assigned_to_users", "granted_to_roles",
        "granted_roles", "owner", "comment",
    ]  # fmt: skip
    got = [(r.name, r.is_current, r.is_inherited, r.granted_to_roles, r.granted_roles) for r in rows]
    assert got == [
        ("ACCOUNTADMIN", "Y", "N", 0, 2),
        ("ORGADMIN", "N", "N", 0, 0),
        ("PUBLIC", "N", "Y", 0, 0),
        ("SECURITYADMIN", "N", "Y", 1, 1),
        ("SYSADMIN", "N", "Y", 1, 0),
        ("USERADMIN", "N", "Y", 1, 0),
    ]
    assert [r.name for r in s.sql("SHOW ROLES LIKE '%admin'").collect()] == [
        "ACCOUNTADMIN", "ORGADMIN", "SECURITYADMIN", "SYSADMIN", "USERADMIN",
    ]  # fmt: skip


def test_create_warehouse_is_recorded_shown_and_becomes_current(s: LocalSession) -> None:
    created = "CREATE WAREHOUSE ETL_WH WITH WAREHOUSE_SIZE = 'SMALL' AUTO_SUSPEND = 60 INITIALLY_SUSPENDED = TRUE"
    assert one(s, created) == "Warehouse ETL_WH successfully created."
    # "Creating a warehouse automatically sets it as the active/current warehouse for the current session."
    assert one(s, "SELECT CURRENT_WAREHOUSE()") == "ETL_WH"
    assert one(s, "CREATE WAREHOUSE IF NOT EXISTS ETL_WH") == "ETL_WH already exists, statement succeeded."
    with pytest.raises(LocalEngineError, match="Object 'ETL_WH' already exists"):
        s.sql("CREATE WAREHOUSE ETL_WH").collect()
    row = s.sql("SHOW WAREHOUSES LIKE 'etl%'").collect()[0]
    assert (row.name, row.state, row.size, row.auto_suspend, row.auto_resume, row.is_current) == (
        "ETL_WH", "SUSPENDED", "Small", 60, "true", "Y",
    )  # fmt: skip
    assert one(s, "ALTER WAREHOUSE ETL_WH RESUME IF SUSPENDED") == "Statement executed successfully."
    one(s, "ALTER WAREHOUSE ETL_WH SET WAREHOUSE_SIZE = XLARGE COMMENT = 'nightly'")
    row = s.sql("SHOW WAREHOUSES LIKE 'ETL_WH'").collect()[0]
    assert (row.state, row.size, row.comment) == ("STARTED", "X-Large", "nightly")
    assert [r.name for r in s.sql("SHOW WAREHOUSES").collect()] == ["COMPUTE_WH", "ETL_WH"]
    assert one(s, "DROP WAREHOUSE ETL_WH") == "ETL_WH successfully dropped."
    assert one(s, "DROP WAREHOUSE IF EXISTS ETL_WH") == "Drop statement executed successfully (ETL_WH already dropped)."
    assert one(s, "SELECT CURRENT_WAREHOUSE()") is None


def test_roles_and_users_are_recorded(s: LocalSession) -> None:
    assert one(s, "CREATE ROLE ANALYST COMMENT = 'Data analyst'") == "Role ANALYST successfully created."
    assert one(s, "CREATE ROLE IF NOT EXISTS analyst") == "ANALYST already exists, statement succeeded."
    assert one(s, "CREATE USER JSMITH PASSWORD = 'x' DEFAULT_ROLE = ANALYST") == "User JSMITH successfully created."
    one(s, "GRANT ROLE ANALYST TO USER JSMITH")
    one(s, "GRANT ROLE ANALYST TO ROLE SYSADMIN")
    role = next(r for r in s.sql("SHOW ROLES").collect() if r.name == "ANALYST")
    assert (role.assigned_to_users, role.granted_to_roles, role.owner, role.comment, role.is_inherited) == (
        1, 1, "ACCOUNTADMIN", "Data analyst", "Y",
    )  # fmt: skip
    user = next(r for r in s.sql("SHOW USERS").collect() if r.name == "JSMITH")
    assert (user.login_name, user.default_role, user.has_password, user.disabled) == (
        "JSMITH",
        "ANALYST",
        "true",
        "false",
    )
    assert one(s, "USE ROLE ANALYST") == "Statement executed successfully."
    one(s, "USE ROLE ACCOUNTADMIN")
    assert one(s, "DROP ROLE ANALYST") == "ANALYST successfully dropped."
    assert one(s, "DROP USER JSMITH") == "JSMITH successfully dropped."
    with pytest.raises(LocalEngineError, match="Role 'ANALYST' does not exist or not authorized"):
        s.sql("USE ROLE ANALYST").collect()


def test_account_objects_persist_with_the_folder(tmp_path: Path) -> None:
    with LocalSession(tmp_path / "db", database="MOVIES", schema="PUBLIC") as s:
        s.sql("CREATE WAREHOUSE ETL_WH").collect()
        s.sql("CREATE ROLE ANALYST").collect()
        s.sql("GRANT ROLE ANALYST TO ROLE SYSADMIN").collect()
    with LocalSession(tmp_path / "db") as s:
        assert [r.name for r in s.sql("SHOW WAREHOUSES").collect()] == ["COMPUTE_WH", "ETL_WH"]
        assert "ANALYST" in [r.name for r in s.sql("SHOW ROLES").collect()]
        # A new session starts with the user's defaults, not the last session's choice.
        assert one(s, "SELECT CURRENT_WAREHOUSE()") == "COMPUTE_WH"
        # The account store is not a Snowflake database.
        assert [r.name for r in s.sql("SHOW DATABASES").collect()] == ["MOVIES"]
