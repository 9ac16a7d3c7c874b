"""History: statement ids (LAST_QUERY_ID, RESULT_SCAN), time travel (AT | BEFORE) and the CHANGES clause."""

from __future__ import annotations

from .case import Case, family

RESULT_SCAN = "https://docs.snowflake.com/en/sql-reference/functions/result_scan"

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
    ],
)
