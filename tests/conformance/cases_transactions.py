"""Transactions: BEGIN / COMMIT / ROLLBACK, DDL's implicit commit, statement failure inside a transaction."""

from __future__ import annotations

from .case import Case, Fails, family

TX = "https://docs.snowflake.com/en/sql-reference/transactions"
SQL = "https://docs.snowflake.com/en/sql-reference/sql/"
BEGIN = SQL + "begin"
COMMIT = SQL + "commit"
ROLLBACK = SQL + "rollback"
CURRENT_TRANSACTION = "https://docs.snowflake.com/en/sql-reference/functions/current_transaction"
LAST_TRANSACTION = "https://docs.snowflake.com/en/sql-reference/functions/last_transaction"
MULTI = SQL + "insert-multi-table"
STREAMS = "https://docs.snowflake.com/en/user-guide/streams-intro"

T = ("CREATE TABLE T (ID INT NOT NULL, V VARCHAR)", "INSERT INTO T VALUES (1, 'a')")
ROWS = "SELECT ID, V FROM T ORDER BY ID"
OK = [("Statement executed successfully.",)]

CASES = family(
    "transactions",
    [
        Case(
            "rollback_discards_an_insert",
            ROLLBACK,
            setup=(*T, "BEGIN", "INSERT INTO T VALUES (2, 'b')", "ROLLBACK"),
            query=ROWS,
            expect=[(1, "a")],
        ),
        Case(
            "commit_keeps_an_insert",
            COMMIT,
            setup=(*T, "BEGIN", "INSERT INTO T VALUES (2, 'b')", "COMMIT"),
            query=ROWS,
            expect=[(1, "a"), (2, "b")],
        ),
        Case(
            "start_transaction_is_begin",
            BEGIN,
            setup=(*T, "START TRANSACTION", "INSERT INTO T VALUES (2, 'b')", "ROLLBACK"),
            query=ROWS,
            expect=[(1, "a")],
        ),
        Case(
            "begin_transaction_keyword",
            BEGIN,
            setup=(*T, "BEGIN TRANSACTION", "DELETE FROM T", "ROLLBACK"),
            query=ROWS,
            expect=[(1, "a")],
        ),
        Case(
            "begin_work_keyword",
            BEGIN,
            setup=(*T, "BEGIN WORK", "DELETE FROM T", "ROLLBACK"),
            query=ROWS,
            expect=[(1, "a")],
        ),
        Case(
            "rollback_restores_an_update",
            ROLLBACK,
            setup=(*T, "BEGIN", "UPDATE T SET V = 'z'", "ROLLBACK"),
            query=ROWS,
            expect=[(1, "a")],
        ),
        Case("commit_keeps_a_delete", COMMIT, setup=(*T, "BEGIN", "DELETE FROM T", "COMMIT"), query=ROWS, expect=[]),
        Case(
            "own_uncommitted_changes_are_visible",
            TX,
            setup=(*T, "BEGIN", "INSERT INTO T VALUES (2, 'b')"),
            query="SELECT COUNT(*) FROM T",
            expect=[(2,)],
        ),
        Case(
            "ddl_commits_the_open_transaction",
            TX,
            setup=(*T, "BEGIN", "INSERT INTO T VALUES (2, 'b')", "CREATE TABLE OTHER (X INT)", "ROLLBACK"),
            query=ROWS,
            expect=[(1, "a"), (2, "b")],
        ),
        Case(
            "commit_result_row", COMMIT, setup=(*T, "BEGIN", "INSERT INTO T VALUES (2, 'b')"), query="COMMIT", expect=OK
        ),
        Case("rollback_without_a_transaction_is_a_no_op", ROLLBACK, setup=T, query="ROLLBACK", expect=OK),
        Case(
            "failed_statement_leaves_the_transaction_open",
            TX,
            setup=(*T, "BEGIN", "INSERT INTO T VALUES (2, 'b')", Fails("INSERT INTO T VALUES (NULL, 'x')"), "COMMIT"),
            query=ROWS,
            expect=[(1, "a"), (2, "b")],
        ),
        Case(
            "current_transaction_is_null_outside",
            CURRENT_TRANSACTION,
            query="SELECT CURRENT_TRANSACTION()",
            expect=[(None,)],
        ),
        Case(
            "current_transaction_is_set_inside",
            CURRENT_TRANSACTION,
            setup=("BEGIN",),
            query="SELECT CURRENT_TRANSACTION() IS NOT NULL",
            expect=[(True,)],
        ),
        Case(
            "last_transaction_is_the_committed_one",
            LAST_TRANSACTION,
            setup=("BEGIN", "SET TX = CURRENT_TRANSACTION()", "COMMIT"),
            query="SELECT LAST_TRANSACTION() = $TX, CURRENT_TRANSACTION()",
            expect=[(True, None)],
        ),
        Case(
            "insert_overwrite_rolls_back",
            MULTI,
            setup=(*T, "BEGIN", "INSERT OVERWRITE INTO T VALUES (9, 'z')", "ROLLBACK"),
            query=ROWS,
            expect=[(1, "a")],
        ),
        Case(
            "committed_stream_consumption_advances_it",
            STREAMS,
            setup=(
                *T,
                "CREATE TABLE SINK (ID INT, V VARCHAR)",
                "CREATE STREAM S ON TABLE T",
                "INSERT INTO T VALUES (2, 'b')",
                "BEGIN",
                "INSERT INTO SINK SELECT ID, V FROM S",
                "COMMIT",
            ),
            query="SELECT (SELECT COUNT(*) FROM S), (SELECT COUNT(*) FROM SINK)",
            expect=[(0, 1)],
        ),
    ],
)
