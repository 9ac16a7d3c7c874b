"""Unsupported or failing statements raise moviecdc errors that quote the statement."""

from __future__ import annotations

import pytest

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local import LocalSession


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        (
            "CREATE STREAM V1 ON VIEW T",
            "CREATE STREAM ON VIEW is not supported by the local engine; only streams on tables are. "
            "Create the stream on the base table.\n  Statement: CREATE STREAM V1 ON VIEW T",
        ),
        (
            "CREATE STREAM S9 ON TABLE T AT (OFFSET => -60)",
            "CREATE STREAM … AT | BEFORE (time travel) is not supported by the local engine. Create the stream "
            "without it; it starts at the current state of the table.\n"
            "  Statement: CREATE STREAM S9 ON TABLE T AT (OFFSET => -60)",
        ),
        (
            "ALTER STREAM S SET COMMENT = 'x'",
            "ALTER STREAM is not supported by the local engine. Drop the stream and create it again.\n"
            "  Statement: ALTER STREAM S SET COMMENT = 'x'",
        ),
        (
            "ALTER TASK IF EXISTS K SET TAG COST_CENTER = 'x'",
            "Object tags are not emulated by the local engine. Remove the clause, or run this statement on "
            "Snowflake.\n  Statement: ALTER TASK IF EXISTS K SET TAG COST_CENTER = 'x'",
        ),
        (
            "ALTER TABLE T SET DEFAULT_DDL_COLLATION = 'en'",
            "ALTER TABLE … SET DEFAULT_DDL_COLLATION='en' on MOVIES.PUBLIC.T, which has a stream or is read by a "
            "dynamic table, is not supported by the local engine (supported: ADD / DROP / RENAME COLUMN, ALTER "
            "COLUMN … SET DATA TYPE, RENAME TO, SWAP WITH, CLUSTER BY, SET / UNSET COMMENT, "
            "DATA_RETENTION_TIME_IN_DAYS, MAX_DATA_EXTENSION_TIME_IN_DAYS, CHANGE_TRACKING).\n"
            "  Statement: ALTER TABLE T SET DEFAULT_DDL_COLLATION = 'en'",
        ),
    ],
)
def test_unsupported_statements_are_refused_by_name(session: LocalSession, statement: str, message: str) -> None:
    with pytest.raises(UnsupportedSqlError) as info:
        session.sql(statement).collect()
    assert str(info.value) == message


def test_duckdb_errors_are_translated_and_chained(session: LocalSession) -> None:
    with pytest.raises(LocalEngineError) as info:
        session.sql("SELECT * FROM NO_SUCH_TABLE").collect()
    # Snowflake's words (https://docs.snowflake.com/en/user-guide/troubleshooting-common-issues), not DuckDB's
    assert str(info.value) == (
        "002003 (42S02): SQL compilation error:\nObject 'NO_SUCH_TABLE' does not exist or not authorized."
        "\n  Statement: SELECT * FROM NO_SUCH_TABLE"
    )
    assert info.value.__cause__ is not None


def test_missing_column_is_an_invalid_identifier(session: LocalSession) -> None:
    with pytest.raises(LocalEngineError) as info:
        session.sql("SELECT NOPE FROM T").collect()
    assert str(info.value).splitlines()[:2] == ["000904 (42000): SQL compilation error:", "invalid identifier 'NOPE'"]


def test_syntax_error_quotes_the_statement(session: LocalSession) -> None:
    with pytest.raises(LocalEngineError, match=r"Statement: SELEC 1$"):
        session.sql("SELEC 1").collect()


def test_stream_on_missing_table(session: LocalSession) -> None:
    with pytest.raises(LocalEngineError) as info:
        session.sql("CREATE STREAM S5 ON TABLE NOPE").collect()
    assert str(info.value) == (
        "Table 'MOVIES.PUBLIC.NOPE' does not exist or not authorized.\n  Statement: CREATE STREAM S5 ON TABLE NOPE"
    )


def test_error_inside_a_transaction_rolls_it_back(session: LocalSession) -> None:
    session.sql("BEGIN").collect()
    session.sql("INSERT INTO T VALUES (1, 'a')").collect()
    with pytest.raises(LocalEngineError):
        session.sql("INSERT INTO T VALUES ('not a number', 'b')").collect()
    session.sql("COMMIT").collect()
    assert session.sql("SELECT COUNT(*) AS N FROM T").collect()[0]["N"] == 0


def test_insert_only_on_a_table_is_snowflakes_error(session: LocalSession) -> None:
    """INSERT_ONLY is for external tables (https://docs.snowflake.com/en/sql-reference/sql/create-stream): on a
    table Snowflake refuses it, so the engine answers the same, not "unsupported"."""
    with pytest.raises(LocalEngineError, match="Streams of type INSERT_ONLY can only be created on external tables"):
        session.sql("CREATE STREAM S9 ON TABLE T INSERT_ONLY = TRUE").collect()


def test_a_function_duckdb_lacks_is_unsupported_by_name(session: LocalSession) -> None:
    """A Snowflake function the engine does not emulate gets UnsupportedSqlError naming it, never DuckDB's raw
    catalog error (issue 10's error policy)."""
    with pytest.raises(UnsupportedSqlError, match="Function CURRENT_STATEMENT is not supported"):
        session.sql("SELECT CURRENT_STATEMENT()").collect()
