"""INSERT (single and multi-table, OVERWRITE), UPDATE (FROM), DELETE (USING), MERGE, TRUNCATE, constraints."""

from __future__ import annotations

from .case import Case, Fails, family

INSERT = "https://docs.snowflake.com/en/sql-reference/sql/insert"
MULTI = "https://docs.snowflake.com/en/sql-reference/sql/insert-multi-table"
UPDATE = "https://docs.snowflake.com/en/sql-reference/sql/update"
DELETE = "https://docs.snowflake.com/en/sql-reference/sql/delete"
MERGE = "https://docs.snowflake.com/en/sql-reference/sql/merge"
TRUNCATE = "https://docs.snowflake.com/en/sql-reference/sql/truncate-table"
CONSTRAINTS = "https://docs.snowflake.com/en/sql-reference/constraints-overview"
STREAMS_EXAMPLES = "https://docs.snowflake.com/en/user-guide/streams-examples"

T = ("CREATE TABLE T (ID INT, V VARCHAR)", "INSERT INTO T VALUES (1, 'a'), (2, 'b'), (3, 'c')")
SRC = ("CREATE TABLE SRC (ID INT, V VARCHAR)", "INSERT INTO SRC VALUES (2, 'B'), (4, 'D')")
ROWS = "SELECT ID, V FROM T ORDER BY ID"
INSERTED = ("number of rows inserted",)
UPDATED = ("number of rows updated", "number of multi-joined rows updated")
DELETED = ("number of rows deleted",)
NUMS = (
    "CREATE TABLE NUMS (N INT)",
    "INSERT INTO NUMS VALUES (5), (15), (25)",
    "CREATE TABLE SMALL (N INT)",
    "CREATE TABLE BIG (N INT)",
    "CREATE TABLE HUGE (N INT)",
)
SPLIT = (
    "SELECT (SELECT LISTAGG(N, ',') WITHIN GROUP (ORDER BY N) FROM SMALL), "
    "(SELECT LISTAGG(N, ',') WITHIN GROUP (ORDER BY N) FROM BIG), "
    "(SELECT LISTAGG(N, ',') WITHIN GROUP (ORDER BY N) FROM HUGE)"
)
# The MERGE example of the MERGE page, in our own data: delete marked rows, update rows with a new status,
# update the others, insert the unmatched ones.
M = (
    "CREATE TABLE TGT (K INT, VAL INT, STATUS INT)",
    "INSERT INTO TGT VALUES (1, 10, 0), (2, 20, 0), (3, 30, 0)",
    "CREATE TABLE CHG (K INT, MARKED INT, ISNEW INT, NEWVAL INT, NEWSTATUS INT)",
    "INSERT INTO CHG VALUES (1, 1, 0, 11, 1), (2, 0, 1, 21, 2), (3, 0, 0, 31, 3), (4, 0, 0, 41, 4)",
)
BIG_MERGE = (
    "MERGE INTO TGT USING CHG ON TGT.K = CHG.K "
    "WHEN MATCHED AND CHG.MARKED = 1 THEN DELETE "
    "WHEN MATCHED AND CHG.ISNEW = 1 THEN UPDATE SET VAL = CHG.NEWVAL, STATUS = CHG.NEWSTATUS "
    "WHEN MATCHED THEN UPDATE SET VAL = CHG.NEWVAL "
    "WHEN NOT MATCHED THEN INSERT (K, VAL, STATUS) VALUES (CHG.K, CHG.NEWVAL, CHG.NEWSTATUS)"
)
UPSERT = (
    "MERGE INTO T USING SRC ON T.ID = SRC.ID WHEN MATCHED THEN UPDATE SET T.V = SRC.V "
    "WHEN NOT MATCHED THEN INSERT (ID, V) VALUES (SRC.ID, SRC.V)"
)
HISTORY = (
    "CREATE TABLE T (ID INT, V VARCHAR)",
    "INSERT INTO T VALUES (1, 'a')",
    "CREATE TABLE H (ID INT, V VARCHAR, CURRENT_FLAG INT)",
    "INSERT INTO H VALUES (1, 'a', 1)",
    "CREATE STREAM S ON TABLE T",
    "INSERT INTO T VALUES (2, 'b')",
    "DELETE FROM T WHERE ID = 1",
)

CASES = family(
    "dml",
    [
        Case(
            "insert_values_result_row",
            INSERT,
            setup=T[:1],
            query="INSERT INTO T VALUES (1, 'a'), (2, 'b')",
            columns=INSERTED,
            expect=[(2,)],
        ),
        Case(
            "insert_select_result_row",
            INSERT,
            setup=(*T, "CREATE TABLE C (ID INT, V VARCHAR)"),
            query="INSERT INTO C SELECT ID, V FROM T WHERE ID > 1",
            columns=INSERTED,
            expect=[(2,)],
        ),
        Case(
            "insert_column_list_uses_default",
            INSERT,
            setup=("CREATE TABLE D (ID INT, V VARCHAR DEFAULT 'x')", "INSERT INTO D (ID) VALUES (1)"),
            query="SELECT ID, V FROM D",
            expect=[(1, "x")],
        ),
        Case(
            "insert_overwrite_replaces_rows",
            INSERT,
            setup=(*T, "INSERT OVERWRITE INTO T VALUES (9, 'z')"),
            query=ROWS,
            expect=[(9, "z")],
        ),
        Case(
            "insert_overwrite_result_row",
            INSERT,
            setup=T,
            query="INSERT OVERWRITE INTO T VALUES (9, 'z'), (8, 'y')",
            columns=INSERTED,
            expect=[(2,)],
        ),
        Case(
            "insert_all_unconditional_into_two_tables",
            MULTI,
            setup=(
                *T,
                "CREATE TABLE T1 (ID INT)",
                "CREATE TABLE T2 (V VARCHAR)",
                "INSERT ALL INTO T1 (ID) VALUES (ID) INTO T2 (V) VALUES (V) SELECT ID, V FROM T",
            ),
            query="SELECT (SELECT SUM(ID) FROM T1), (SELECT LISTAGG(V, ',') WITHIN GROUP (ORDER BY V) FROM T2)",
            expect=[(6, "a,b,c")],
        ),
        Case(
            "insert_first_takes_the_first_true_branch",
            MULTI,
            setup=(
                *NUMS,
                "INSERT FIRST WHEN N > 10 THEN INTO BIG WHEN N > 20 THEN INTO HUGE ELSE INTO SMALL SELECT N FROM NUMS",
            ),
            query=SPLIT,
            expect=[("5", "15,25", None)],
        ),
        Case(
            "insert_all_conditional_takes_every_true_branch",
            MULTI,
            setup=(
                *NUMS,
                "INSERT ALL WHEN N > 10 THEN INTO BIG WHEN N > 20 THEN INTO HUGE ELSE INTO SMALL SELECT N FROM NUMS",
            ),
            query=SPLIT,
            expect=[("5", "15,25", "25")],
        ),
        Case(
            "update_result_row",
            UPDATE,
            setup=T,
            query="UPDATE T SET V = 'z' WHERE ID >= 2",
            columns=UPDATED,
            expect=[(2, 0)],
        ),
        Case(
            # The page's own example qualifies its SET targets: "update t1 set t1.number_column = …".
            "update_qualified_set_target",
            UPDATE,
            setup=(*T, "UPDATE T SET T.V = 'z' WHERE ID = 1"),
            query=ROWS,
            expect=[(1, "z"), (2, "b"), (3, "c")],
        ),
        Case(
            "update_from_joins_a_second_table",
            UPDATE,
            setup=(*T, *SRC, "UPDATE T SET V = SRC.V FROM SRC WHERE T.ID = SRC.ID"),
            query=ROWS,
            expect=[(1, "a"), (2, "B"), (3, "c")],
        ),
        Case(
            "update_from_multi_joined_row_is_counted",
            UPDATE,
            setup=(*T, "CREATE TABLE SRC (ID INT, V VARCHAR)", "INSERT INTO SRC VALUES (1, 'x'), (1, 'y')"),
            query="UPDATE T SET V = SRC.V FROM SRC WHERE T.ID = SRC.ID",
            columns=UPDATED,
            expect=[(1, 1)],
        ),
        Case("delete_result_row", DELETE, setup=T, query="DELETE FROM T WHERE ID = 1", columns=DELETED, expect=[(1,)]),
        Case(
            "delete_without_where_deletes_all", DELETE, setup=T, query="DELETE FROM T", columns=DELETED, expect=[(3,)]
        ),
        Case(
            "delete_using_joins_a_second_table",
            DELETE,
            setup=(*T, *SRC, "DELETE FROM T USING SRC WHERE T.ID = SRC.ID"),
            query=ROWS,
            expect=[(1, "a"), (3, "c")],
        ),
        Case(
            "merge_update_only_result_row",
            MERGE,
            setup=(*T, *SRC),
            query="MERGE INTO T USING SRC ON T.ID = SRC.ID WHEN MATCHED THEN UPDATE SET T.V = SRC.V",
            columns=("number of rows updated",),
            expect=[(1,)],
        ),
        Case(
            "merge_upsert_result_row",
            MERGE,
            setup=(*T, *SRC),
            query=UPSERT,
            columns=("number of rows inserted", "number of rows updated"),
            expect=[(1, 1)],
        ),
        Case(
            "merge_upsert_with_qualified_set_target",
            MERGE,
            setup=(*T, *SRC, UPSERT),
            query=ROWS,
            expect=[(1, "a"), (2, "B"), (3, "c"), (4, "D")],
        ),
        Case(
            "merge_several_matched_clauses_result_row",
            MERGE,
            setup=M,
            query=BIG_MERGE,
            columns=("number of rows inserted", "number of rows updated", "number of rows deleted"),
            expect=[(1, 2, 1)],
        ),
        Case(
            "merge_several_matched_clauses_first_true_wins",
            MERGE,
            setup=(*M, BIG_MERGE),
            query="SELECT K, VAL, STATUS FROM TGT ORDER BY K",
            expect=[(2, 21, 2), (3, 31, 0), (4, 41, 4)],
        ),
        Case(
            "merge_delete_result_row",
            MERGE,
            setup=(*T, *SRC),
            query="MERGE INTO T USING SRC ON T.ID = SRC.ID WHEN MATCHED THEN DELETE",
            columns=("number of rows deleted",),
            expect=[(1,)],
        ),
        Case(
            "merge_not_matched_with_and_condition",
            MERGE,
            setup=(
                *T,
                *SRC,
                "MERGE INTO T USING SRC ON T.ID = SRC.ID "
                "WHEN NOT MATCHED AND SRC.ID > 10 THEN INSERT (ID, V) VALUES (SRC.ID, SRC.V)",
            ),
            query=ROWS,
            expect=[(1, "a"), (2, "b"), (3, "c")],
        ),
        Case(
            "merge_from_subquery_source",
            MERGE,
            setup=(
                *T,
                "MERGE INTO T USING (SELECT 3 AS ID, 'Z' AS V) N ON T.ID = N.ID WHEN MATCHED THEN UPDATE SET V = N.V",
            ),
            query=ROWS,
            expect=[(1, "a"), (2, "b"), (3, "Z")],
        ),
        Case(
            "merge_nondeterministic_update_is_an_error",
            MERGE,
            setup=(*T, "CREATE TABLE SRC (ID INT, V VARCHAR)", "INSERT INTO SRC VALUES (1, 'x'), (1, 'y')"),
            query="MERGE INTO T USING SRC ON T.ID = SRC.ID WHEN MATCHED THEN UPDATE SET V = SRC.V",
            error="Duplicate row detected during DML action",
        ),
        Case(
            "merge_all_by_name",
            MERGE,
            setup=(
                *T,
                "CREATE TABLE SRC (V VARCHAR, ID INT)",
                "INSERT INTO SRC VALUES ('B', 2), ('D', 4)",
                "MERGE INTO T USING SRC ON T.ID = SRC.ID "
                "WHEN MATCHED THEN UPDATE ALL BY NAME WHEN NOT MATCHED THEN INSERT ALL BY NAME",
            ),
            query=ROWS,
            expect=[(1, "a"), (2, "B"), (3, "c"), (4, "D")],
        ),
        Case(
            "merge_stream_into_history_with_qualified_targets",
            STREAMS_EXAMPLES,
            setup=(
                *HISTORY,
                "MERGE INTO H USING S ON H.ID = S.ID AND H.CURRENT_FLAG = 1 "
                "WHEN MATCHED AND S.METADATA$ACTION = 'DELETE' THEN UPDATE SET H.CURRENT_FLAG = 0 "
                "WHEN NOT MATCHED AND S.METADATA$ACTION = 'INSERT' "
                "THEN INSERT (ID, V, CURRENT_FLAG) VALUES (S.ID, S.V, 1)",
            ),
            query="SELECT ID, V, CURRENT_FLAG FROM H ORDER BY ID",
            expect=[(1, "a", 0), (2, "b", 1)],
        ),
        Case(
            "truncate_empties_the_table",
            TRUNCATE,
            setup=(*T, "TRUNCATE TABLE T"),
            query="SELECT COUNT(*) FROM T",
            expect=[(0,)],
        ),
        Case(
            "primary_key_is_not_enforced",
            CONSTRAINTS,
            setup=(
                "CREATE TABLE P (ID INT PRIMARY KEY, V VARCHAR)",
                "INSERT INTO P VALUES (1, 'a')",
                "INSERT INTO P VALUES (1, 'b')",
            ),
            query="SELECT COUNT(*) FROM P",
            expect=[(2,)],
        ),
        Case(
            "primary_key_rely_is_accepted",
            CONSTRAINTS,
            setup=(
                "CREATE TABLE P (ID INT, V VARCHAR, PRIMARY KEY (ID) RELY)",
                "INSERT INTO P VALUES (1, 'a'), (1, 'b')",
            ),
            query="SELECT COUNT(*) FROM P",
            expect=[(2,)],
        ),
        Case(
            "unique_is_not_enforced",
            CONSTRAINTS,
            setup=("CREATE TABLE U (ID INT UNIQUE)", "INSERT INTO U VALUES (1), (1)"),
            query="SELECT COUNT(*) FROM U",
            expect=[(2,)],
        ),
        Case(
            "foreign_key_is_not_enforced",
            CONSTRAINTS,
            setup=(
                "CREATE TABLE PARENT (ID INT PRIMARY KEY)",
                "CREATE TABLE CHILD (ID INT, PID INT, FOREIGN KEY (PID) REFERENCES PARENT (ID))",
                "INSERT INTO CHILD VALUES (1, 99)",
            ),
            query="SELECT COUNT(*) FROM CHILD",
            expect=[(1,)],
        ),
        Case(
            "not_null_is_enforced",
            CONSTRAINTS,
            setup=("CREATE TABLE NN (ID INT NOT NULL)", Fails("INSERT INTO NN VALUES (NULL)")),
            query="SELECT COUNT(*) FROM NN",
            expect=[(0,)],
        ),
    ],
)
