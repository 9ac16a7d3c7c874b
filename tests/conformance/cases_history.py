"""History: statement ids (LAST_QUERY_ID, RESULT_SCAN), time travel (AT | BEFORE) and the CHANGES clause."""

from __future__ import annotations

from .case import Case, adv, family

RESULT_SCAN = "https://docs.snowflake.com/en/sql-reference/functions/result_scan"
AT_BEFORE = "https://docs.snowflake.com/en/sql-reference/constructs/at-before"
CHANGES = "https://docs.snowflake.com/en/sql-reference/constructs/changes"

T1 = "CREATE OR REPLACE TABLE T1 (ID NUMBER(8) NOT NULL, C1 VARCHAR(255) DEFAULT NULL)"
RGB = "INSERT INTO T1 (ID, C1) VALUES (1, 'red'), (2, 'blue'), (3, 'green')"
# The CHANGES page's first example, up to its two queries.
EXAMPLE_1 = (
    T1,
    "ALTER TABLE T1 SET CHANGE_TRACKING = TRUE",
    "SET TS1 = (SELECT CURRENT_TIMESTAMP())",
    RGB,
    "DELETE FROM T1 WHERE ID = 1",
    "UPDATE T1 SET C1 = 'purple' WHERE ID = 2",
)
# The second example, up to its CREATE TABLE … AS statements.
EXAMPLE_2 = (
    T1,
    "ALTER TABLE T1 SET CHANGE_TRACKING = TRUE",
    "SET TS1 = (SELECT CURRENT_TIMESTAMP())",
    RGB,
    "SET TS2 = (SELECT CURRENT_TIMESTAMP())",
    "DELETE FROM T1 WHERE ID = 3",
    "SET LAST_QUERY_ID = (SELECT LAST_QUERY_ID())",
)
META = "METADATA$ACTION, METADATA$ISUPDATE"

VALUES = ("CREATE TABLE T (V INT)", "INSERT INTO T VALUES (1), (2), (3)")
JOINED = (
    "CREATE TABLE EMPLOYEES (ID INT)",
    "CREATE TABLE DEPENDENTS (ID INT, EMPLOYEE_ID INT)",
    "INSERT INTO EMPLOYEES (ID) VALUES (11)",
    "INSERT INTO DEPENDENTS (ID, EMPLOYEE_ID) VALUES (101, 11)",
    "SELECT * FROM EMPLOYEES INNER JOIN DEPENDENTS ON DEPENDENTS.EMPLOYEE_ID = EMPLOYEES.ID "
    "ORDER BY EMPLOYEES.ID, DEPENDENTS.ID",
)

CASES = family(
    "history",
    [
        Case(
            "result_scan_filters_the_last_result",
            RESULT_SCAN,
            setup=(*VALUES, "SELECT V AS VALUE FROM T ORDER BY V"),
            query="SELECT * FROM TABLE(RESULT_SCAN(LAST_QUERY_ID())) WHERE value > 1 ORDER BY value",
            expect=[(2,), (3,)],
            columns=("VALUE",),
        ),
        Case(
            "result_scan_second_most_recent",
            RESULT_SCAN,
            setup=(*VALUES, "SELECT V AS VALUE FROM T WHERE V = 3", "SELECT 1"),
            query="SELECT * FROM TABLE(RESULT_SCAN(LAST_QUERY_ID(-2)))",
            expect=[(3,)],
        ),
        Case(
            "result_scan_renames_duplicate_columns",
            RESULT_SCAN,
            setup=JOINED,
            query="SELECT id, id_1, employee_id FROM TABLE(RESULT_SCAN(LAST_QUERY_ID())) WHERE id_1 = 101",
            expect=[(11, 101, 11)],
            columns=("ID", "ID_1", "EMPLOYEE_ID"),
        ),
        Case(
            "result_scan_of_show_tables_quotes_lower_case_names",
            RESULT_SCAN,
            setup=("CREATE TABLE T (V INT)", "SHOW TABLES"),
            query='SELECT "name" AS "table_name", "rows" FROM TABLE(RESULT_SCAN(LAST_QUERY_ID())) WHERE "name" = \'T\'',
            expect=[("T", 0)],
        ),
        Case(
            "changes_default_is_the_net_delta",
            CHANGES,
            setup=EXAMPLE_1,
            query=f"SELECT ID, C1, {META} FROM T1 CHANGES(INFORMATION => DEFAULT) AT(TIMESTAMP => $TS1) ORDER BY ID",
            expect=[(2, "purple", "INSERT", False), (3, "green", "INSERT", False)],
        ),
        Case(
            "changes_append_only_returns_every_inserted_row",
            CHANGES,
            setup=EXAMPLE_1,
            query=f"SELECT ID, C1, {META} FROM T1 CHANGES(INFORMATION => APPEND_ONLY) AT(TIMESTAMP => $TS1) "
            "ORDER BY ID",
            expect=[(1, "red", "INSERT", False), (2, "blue", "INSERT", False), (3, "green", "INSERT", False)],
        ),
        Case(
            "changes_between_two_timestamps",
            CHANGES,
            setup=(
                *EXAMPLE_2,
                "CREATE OR REPLACE TABLE T2 (C1 VARCHAR(255) DEFAULT NULL) AS SELECT C1 FROM T1 "
                "CHANGES(INFORMATION => APPEND_ONLY) AT(TIMESTAMP => $TS1) END(TIMESTAMP => $TS2)",
            ),
            query="SELECT * FROM T2",
            expect=[("red",), ("blue",), ("green",)],
            ordered=False,
        ),
        Case(
            "changes_end_statement_is_inclusive",
            CHANGES,
            setup=(
                *EXAMPLE_2,
                "CREATE OR REPLACE TABLE T3 (C1 VARCHAR(255) DEFAULT NULL) AS SELECT C1 FROM T1 "
                "CHANGES(INFORMATION => DEFAULT) AT(TIMESTAMP => $TS1) END(STATEMENT => $LAST_QUERY_ID)",
            ),
            query="SELECT * FROM T3",
            expect=[("red",), ("blue",)],
            ordered=False,
        ),
        Case(
            "changes_from_a_stream_offset",
            CHANGES,
            setup=(
                T1,
                "CREATE OR REPLACE STREAM S1 ON TABLE T1",
                RGB,
                "SET TS2 = (SELECT CURRENT_TIMESTAMP())",
                "DELETE FROM T1",
                "CREATE OR REPLACE TABLE T2 (C1 VARCHAR(255) DEFAULT NULL) AS SELECT C1 FROM T1 "
                "CHANGES(INFORMATION => APPEND_ONLY) AT(STREAM => 'S1') END(TIMESTAMP => $TS2)",
            ),
            query="SELECT * FROM T2",
            expect=[("red",), ("blue",), ("green",)],
            ordered=False,
        ),
        Case(
            "changes_needs_change_tracking",
            CHANGES,
            setup=(T1, RGB),
            query="SELECT * FROM T1 CHANGES(INFORMATION => DEFAULT) AT(OFFSET => -60)",
            error="Change tracking is not enabled",
        ),
        Case(
            "at_offset_reads_the_table_as_it_was",
            AT_BEFORE,
            setup=(
                "CREATE TABLE MY_TABLE (ID INT, FLAG VARCHAR) CHANGE_TRACKING = TRUE",
                "INSERT INTO MY_TABLE VALUES (1, 'valid'), (2, 'valid')",
                adv(600),
                "DELETE FROM MY_TABLE WHERE ID = 2",
            ),
            query="SELECT * FROM MY_TABLE AT(OFFSET => -60*5) AS T WHERE T.flag = 'valid' ORDER BY ID",
            expect=[(1, "valid"), (2, "valid")],
        ),
        Case(
            "at_before_the_table_existed_fails",
            AT_BEFORE,
            setup=(
                "CREATE OR REPLACE TABLE TT1 (C1 INT, C2 INT)",
                "INSERT INTO TT1 VALUES (1, 2)",
                "INSERT INTO TT1 VALUES (2, 3)",
            ),
            query="SELECT * FROM TT1 AT(OFFSET => -3600)",
            error="000707 \\(02000\\): Time travel data is not available for table TT1",
        ),
        Case(
            "before_statement_excludes_its_changes",
            AT_BEFORE,
            setup=(
                "CREATE TABLE MY_TABLE (ID INT) CHANGE_TRACKING = TRUE",
                "INSERT INTO MY_TABLE VALUES (1)",
                "DELETE FROM MY_TABLE",
            ),
            query="SELECT * FROM MY_TABLE BEFORE(STATEMENT => LAST_QUERY_ID())",
            expect=[(1,)],
        ),
    ],
)
