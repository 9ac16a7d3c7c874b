"""Account DDL: warehouses, roles, users, grants, ALTER SESSION, governance options on tables and schemas."""

from __future__ import annotations

from .case import Case, family

SQL = "https://docs.snowflake.com/en/sql-reference/sql/"
F = "https://docs.snowflake.com/en/sql-reference/functions/"
TRIAL = "https://docs.snowflake.com/en/user-guide/admin-trial-account"
SYSTEM_ROLES = "https://docs.snowflake.com/en/user-guide/security-access-control-overview"
CREATE_WAREHOUSE = SQL + "create-warehouse"
ALTER_WAREHOUSE = SQL + "alter-warehouse"
DROP_WAREHOUSE = SQL + "drop-warehouse"
SHOW_WAREHOUSES = SQL + "show-warehouses"
USE_WAREHOUSE = SQL + "use-warehouse"
USE_ROLE = SQL + "use-role"
CREATE_ROLE = SQL + "create-role"
SHOW_ROLES = SQL + "show-roles"
GRANT_ROLE = SQL + "grant-role"
GRANT_PRIVILEGE = SQL + "grant-privilege"
REVOKE_ROLE = SQL + "revoke-role"
CREATE_USER = SQL + "create-user"
SHOW_USERS = SQL + "show-users"
ALTER_SESSION = SQL + "alter-session"
CREATE_SCHEMA = SQL + "create-schema"
ALTER_TABLE = SQL + "alter-table"
CREATE_TABLE = SQL + "create-table"
COMMENT = SQL + "comment"
CURRENT_ROLE = F + "current_role"
CURRENT_WAREHOUSE = F + "current_warehouse"

OK = [("Statement executed successfully.",)]
WH = "CREATE WAREHOUSE MY_WH WITH WAREHOUSE_SIZE = 'XSMALL' AUTO_SUSPEND = 60 INITIALLY_SUSPENDED = TRUE"

CASES = family(
    "account",
    [
        Case(
            "use_role_accountadmin_on_a_fresh_account",
            USE_ROLE,
            setup=("USE ROLE ACCOUNTADMIN",),
            query="SELECT CURRENT_ROLE()",
            expect=[("ACCOUNTADMIN",)],
        ),
        Case(
            "use_warehouse_compute_wh_on_a_fresh_account",
            TRIAL,
            setup=("USE WAREHOUSE COMPUTE_WH",),
            query="SELECT CURRENT_WAREHOUSE()",
            expect=[("COMPUTE_WH",)],
        ),
        Case(
            "sysadmin_is_a_system_role",
            SYSTEM_ROLES,
            query="SHOW ROLES LIKE 'SYSADMIN'",
            pick=("name",),
            expect=[("SYSADMIN",)],
        ),
        Case(
            "securityadmin_is_a_system_role",
            SYSTEM_ROLES,
            query="SHOW ROLES LIKE 'SECURITYADMIN'",
            pick=("name",),
            expect=[("SECURITYADMIN",)],
        ),
        Case(
            "useradmin_is_a_system_role",
            SYSTEM_ROLES,
            query="SHOW ROLES LIKE 'USERADMIN'",
            pick=("name",),
            expect=[("USERADMIN",)],
        ),
        Case(
            "create_warehouse_result_row",
            CREATE_WAREHOUSE,
            query=WH,
            columns=("status",),
            expect=[("Warehouse MY_WH successfully created.",)],
        ),
        Case(
            "create_warehouse_makes_it_current",
            CREATE_WAREHOUSE,
            setup=(WH,),
            query="SELECT CURRENT_WAREHOUSE()",
            expect=[("MY_WH",)],
        ),
        Case(
            "show_warehouses_lists_it",
            SHOW_WAREHOUSES,
            setup=(WH,),
            query="SHOW WAREHOUSES LIKE 'MY_WH'",
            pick=("name",),
            expect=[("MY_WH",)],
        ),
        Case(
            "alter_warehouse_resize",
            ALTER_WAREHOUSE,
            setup=(WH,),
            query="ALTER WAREHOUSE MY_WH SET WAREHOUSE_SIZE = 'SMALL'",
            expect=OK,
        ),
        Case(
            "drop_warehouse_removes_it",
            DROP_WAREHOUSE,
            setup=(WH, "DROP WAREHOUSE MY_WH"),
            query="SHOW WAREHOUSES LIKE 'MY_WH'",
            pick=("name",),
            expect=[],
        ),
        Case(
            "use_of_a_missing_warehouse_is_an_error",
            USE_WAREHOUSE,
            query="USE WAREHOUSE NO_SUCH_WH",
            error="does not exist",
        ),
        Case(
            "create_role_result_row",
            CREATE_ROLE,
            query="CREATE ROLE ANALYST",
            columns=("status",),
            expect=[("Role ANALYST successfully created.",)],
        ),
        Case(
            "show_roles_lists_a_new_role",
            SHOW_ROLES,
            setup=("CREATE ROLE ANALYST",),
            query="SHOW ROLES LIKE 'ANALYST'",
            pick=("name",),
            expect=[("ANALYST",)],
        ),
        Case("use_of_a_missing_role_is_an_error", USE_ROLE, query="USE ROLE NO_SUCH_ROLE", error="does not exist"),
        Case(
            "grant_role_to_role",
            GRANT_ROLE,
            setup=("CREATE ROLE ANALYST",),
            query="GRANT ROLE ANALYST TO ROLE SYSADMIN",
            expect=OK,
        ),
        Case(
            "grant_usage_on_warehouse",
            GRANT_PRIVILEGE,
            setup=("CREATE ROLE ANALYST",),
            query="GRANT USAGE ON WAREHOUSE COMPUTE_WH TO ROLE ANALYST",
            expect=OK,
        ),
        Case(
            "grant_select_on_all_tables_in_schema",
            GRANT_PRIVILEGE,
            setup=("CREATE ROLE ANALYST",),
            query="GRANT SELECT ON ALL TABLES IN SCHEMA CONF.PUBLIC TO ROLE ANALYST",
            expect=OK,
        ),
        Case(
            "grant_to_a_missing_role_is_an_error",
            GRANT_PRIVILEGE,
            query="GRANT USAGE ON WAREHOUSE COMPUTE_WH TO ROLE NO_SUCH_ROLE",
            error="does not exist",
        ),
        Case(
            "revoke_role",
            REVOKE_ROLE,
            setup=("CREATE ROLE ANALYST", "GRANT ROLE ANALYST TO ROLE SYSADMIN"),
            query="REVOKE ROLE ANALYST FROM ROLE SYSADMIN",
            expect=OK,
        ),
        Case(
            "create_user_result_row",
            CREATE_USER,
            query="CREATE USER ALICE PASSWORD = 'Secret-123' DEFAULT_ROLE = PUBLIC",
            columns=("status",),
            expect=[("User ALICE successfully created.",)],
        ),
        Case(
            "show_users_lists_a_new_user",
            SHOW_USERS,
            setup=("CREATE USER ALICE PASSWORD = 'Secret-123'",),
            query="SHOW USERS LIKE 'ALICE'",
            pick=("name",),
            expect=[("ALICE",)],
        ),
        Case("alter_session_set_parameter", ALTER_SESSION, query="ALTER SESSION SET TIMEZONE = 'UTC'", expect=OK),
        Case(
            "alter_session_set_query_tag", ALTER_SESSION, query="ALTER SESSION SET QUERY_TAG = 'conformance'", expect=OK
        ),
        Case(
            "create_schema_with_managed_access",
            CREATE_SCHEMA,
            query="CREATE SCHEMA GOVERNED WITH MANAGED ACCESS",
            columns=("status",),
            expect=[("Schema GOVERNED successfully created.",)],
        ),
        Case(
            "alter_table_set_change_tracking",
            ALTER_TABLE,
            setup=("CREATE TABLE T (A INT)",),
            query="ALTER TABLE T SET CHANGE_TRACKING = TRUE",
            expect=OK,
        ),
        Case(
            "create_table_with_change_tracking",
            CREATE_TABLE,
            query="CREATE TABLE T (A INT) CHANGE_TRACKING = TRUE",
            columns=("status",),
            expect=[("Table T successfully created.",)],
        ),
        Case(
            "comment_on_table",
            COMMENT,
            setup=("CREATE TABLE T (A INT)",),
            query="COMMENT ON TABLE T IS 'bookings'",
            expect=OK,
        ),
    ],
)
