"""Session context: current database and schema, CREATE DATABASE/SCHEMA, USE in all its forms, variables."""

from __future__ import annotations

from datetime import date, datetime

from .case import Case, family

SQL = "https://docs.snowflake.com/en/sql-reference/sql/"
F = "https://docs.snowflake.com/en/sql-reference/functions/"
CREATE_DATABASE = SQL + "create-database"
CREATE_SCHEMA = SQL + "create-schema"
USE_DATABASE = SQL + "use-database"
USE_SCHEMA = SQL + "use-schema"
SHOW_SCHEMAS = SQL + "show-schemas"
SHOW_DATABASES = SQL + "show-databases"
SHOW_TABLES = SQL + "show-tables"
CURRENT_DATABASE = F + "current_database"
CURRENT_SCHEMA = F + "current_schema"
CAST = F + "cast"
DATEADD = F + "dateadd"
IDENTIFIERS = "https://docs.snowflake.com/en/sql-reference/identifiers-syntax"
VARIABLES = "https://docs.snowflake.com/en/sql-reference/session-variables"
CONNECTOR = "https://docs.snowflake.com/en/developer-guide/python-connector/python-connector-api"

CONTEXT = "SELECT CURRENT_DATABASE(), CURRENT_SCHEMA()"
TWO_DBS = ("CREATE DATABASE A", "CREATE SCHEMA A.S2", "CREATE DATABASE B")

CASES = family(
    "session",
    [
        Case(
            "no_current_database_is_null",
            CURRENT_DATABASE,
            bare=True,
            query="SELECT CURRENT_DATABASE()",
            expect=[(None,)],
        ),
        Case("no_current_schema_is_null", CURRENT_SCHEMA, bare=True, query="SELECT CURRENT_SCHEMA()", expect=[(None,)]),
        Case("connection_database_and_schema_are_current", CONNECTOR, query=CONTEXT, expect=[("CONF", "PUBLIC")]),
        Case(
            "create_database_result_row",
            CREATE_DATABASE,
            bare=True,
            query="CREATE DATABASE D1",
            columns=("status",),
            expect=[("Database D1 successfully created.",)],
        ),
        Case(
            "create_database_makes_it_current_with_public",
            CREATE_DATABASE,
            bare=True,
            setup=("CREATE DATABASE D1",),
            query=CONTEXT,
            expect=[("D1", "PUBLIC")],
        ),
        Case(
            "create_database_replaces_the_current_one",
            CREATE_DATABASE,
            setup=("CREATE DATABASE D1",),
            query=CONTEXT,
            expect=[("D1", "PUBLIC")],
        ),
        Case(
            "new_database_has_public_for_tables",
            CREATE_DATABASE,
            bare=True,
            setup=("CREATE DATABASE D1", "CREATE TABLE T (A INT)"),
            query="SELECT COUNT(*) FROM D1.PUBLIC.T",
            expect=[(0,)],
        ),
        Case(
            "new_database_has_public_and_information_schema",
            SHOW_SCHEMAS,
            bare=True,
            setup=("CREATE DATABASE D1",),
            query="SHOW SCHEMAS IN DATABASE D1",
            pick=("name",),
            ordered=False,
            expect=[("INFORMATION_SCHEMA",), ("PUBLIC",)],
        ),
        Case(
            "create_schema_makes_it_current",
            CREATE_SCHEMA,
            setup=("CREATE SCHEMA S1",),
            query=CONTEXT,
            expect=[("CONF", "S1")],
        ),
        Case(
            "use_database_sets_schema_public",
            USE_DATABASE,
            bare=True,
            setup=(*TWO_DBS, "USE DATABASE A"),
            query=CONTEXT,
            expect=[("A", "PUBLIC")],
        ),
        Case(
            "use_without_keyword_is_use_database",
            USE_DATABASE,
            bare=True,
            setup=(*TWO_DBS, "USE A"),
            query=CONTEXT,
            expect=[("A", "PUBLIC")],
        ),
        Case(
            "use_schema_qualified_sets_both",
            USE_SCHEMA,
            bare=True,
            setup=(*TWO_DBS, "USE SCHEMA A.S2"),
            query=CONTEXT,
            expect=[("A", "S2")],
        ),
        Case(
            "use_schema_public_of_new_database",
            USE_SCHEMA,
            bare=True,
            setup=(*TWO_DBS, "USE SCHEMA A.PUBLIC"),
            query=CONTEXT,
            expect=[("A", "PUBLIC")],
        ),
        Case(
            "use_schema_unqualified_in_current_database",
            USE_SCHEMA,
            bare=True,
            setup=(*TWO_DBS, "USE DATABASE A", "USE SCHEMA S2"),
            query=CONTEXT,
            expect=[("A", "S2")],
        ),
        Case(
            "objects_land_in_the_current_database",
            USE_DATABASE,
            bare=True,
            setup=(*TWO_DBS, "USE DATABASE A", "CREATE TABLE T (X INT)", "INSERT INTO T VALUES (1)"),
            query="SELECT X FROM A.PUBLIC.T",
            expect=[(1,)],
        ),
        Case(
            "use_of_a_missing_database_is_an_error",
            USE_DATABASE,
            bare=True,
            query="USE DATABASE NOPE",
            error="does not exist",
        ),
        Case(
            "unqualified_table_without_database_is_an_error",
            USE_DATABASE,
            bare=True,
            query="CREATE TABLE T (A INT)",
            error="does not have a current database",
        ),
        Case(
            "cast_to_timestamp_without_a_database",
            CAST,
            bare=True,
            query="SELECT CAST('2026-01-01 10:00' AS TIMESTAMP_NTZ)",
            expect=[(datetime(2026, 1, 1, 10, 0),)],
        ),
        Case(
            "date_function_without_a_database",
            DATEADD,
            bare=True,
            query="SELECT DATEADD(day, 1, '2024-01-01'::DATE)",
            expect=[(date(2024, 1, 2),)],
        ),
        Case(
            "unquoted_identifiers_are_upper_case",
            IDENTIFIERS,
            setup=("CREATE TABLE mixedCase (a INT)", "INSERT INTO MIXEDCASE VALUES (1)"),
            query="SHOW TABLES LIKE 'MIXEDCASE'",
            pick=("name",),
            expect=[("MIXEDCASE",)],
        ),
        Case(
            "quoted_identifiers_keep_their_case",
            IDENTIFIERS,
            setup=('CREATE TABLE "lower_t" (a INT)',),
            query="SELECT * FROM lower_t",
            error="does not exist",
        ),
        Case(
            "show_databases_lists_a_new_database",
            SHOW_DATABASES,
            setup=("CREATE DATABASE D1",),
            query="SHOW DATABASES LIKE 'D1'",
            pick=("name",),
            expect=[("D1",)],
        ),
        Case("session_variable_in_select", VARIABLES, setup=("SET V = 5",), query="SELECT $V", expect=[(5,)]),
        Case(
            "session_variable_in_dml_on_a_tracked_table",
            VARIABLES,
            setup=(
                "SET V = 'x'",
                "CREATE TABLE T (ID INT, V VARCHAR)",
                "CREATE STREAM S ON TABLE T",
                "INSERT INTO T SELECT 1, $V",
            ),
            query="SELECT ID, V FROM S",
            expect=[(1, "x")],
        ),
    ],
)
