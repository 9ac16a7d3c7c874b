"""LocalSession basics: results in Snowpark's shape, DDL status rows, the pipeline's statements, names."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from snowflake.snowpark import Row

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local import LocalSession

RAW = (
    'CREATE TABLE IF NOT EXISTS "MOVIES"."PUBLIC"."RAW_MOVIES_BOOKING" ("BOOKING_ID" VARCHAR, "CUSTOMER_ID" VARCHAR, '
    '"MOVIE_ID" VARCHAR, "BOOKING_DATE" TIMESTAMPNTZ, "STATUS" VARCHAR, "TICKET_COUNT" INT, '
    '"TICKET_PRICE" DECIMAL(10, 2))'
)
STREAM = (
    'CREATE STREAM IF NOT EXISTS "MOVIES"."PUBLIC"."RAW_MOVIES_BOOKING_STREAM" '
    'ON TABLE "MOVIES"."PUBLIC"."RAW_MOVIES_BOOKING"'
)
BRONZE = (
    'CREATE TABLE IF NOT EXISTS "MOVIES"."PUBLIC"."MOVIES_BOOKING_CDC_EVENTS" ("BOOKING_ID" VARCHAR, '
    '"CUSTOMER_ID" VARCHAR, "MOVIE_ID" VARCHAR, "BOOKING_DATE" TIMESTAMPNTZ, "STATUS" VARCHAR, "TICKET_COUNT" INT, '
    '"TICKET_PRICE" DECIMAL(10, 2), "CHANGE_TYPE" VARCHAR, "IS_UPDATE" BOOLEAN, "CHANGE_TIMESTAMP" TIMESTAMPNTZ, '
    '"ROW_ID" VARCHAR)'
)
INGEST = (
    'INSERT INTO "MOVIES"."PUBLIC"."MOVIES_BOOKING_CDC_EVENTS" ("BOOKING_ID", "CUSTOMER_ID", "MOVIE_ID", '
    '"BOOKING_DATE", "STATUS", "TICKET_COUNT", "TICKET_PRICE", "CHANGE_TYPE", "IS_UPDATE", "CHANGE_TIMESTAMP", '
    '"ROW_ID") SELECT "BOOKING_ID", "CUSTOMER_ID", "MOVIE_ID", "BOOKING_DATE", "STATUS", "TICKET_COUNT", '
    '"TICKET_PRICE", "METADATA$ACTION", "METADATA$ISUPDATE", CAST(CONVERT_TIMEZONE(\'UTC\', CURRENT_TIMESTAMP()) '
    'AS TIMESTAMPNTZ), "METADATA$ROW_ID" FROM "MOVIES"."PUBLIC"."RAW_MOVIES_BOOKING_STREAM"'
)


def status(session: LocalSession, text: str) -> str:
    rows = session.sql(text).collect()
    assert len(rows) == 1
    return str(rows[0]["status"])


def test_pipeline_statements_run_and_answer_like_snowflake() -> None:
    with LocalSession() as s:
        assert status(s, 'CREATE DATABASE IF NOT EXISTS "MOVIES"') == "Database MOVIES successfully created."
        assert status(s, 'CREATE DATABASE IF NOT EXISTS "MOVIES"') == "MOVIES already exists, statement succeeded."
        exists = "PUBLIC already exists, statement succeeded."  # CREATE DATABASE made PUBLIC, as in Snowflake
        assert status(s, 'CREATE SCHEMA IF NOT EXISTS "MOVIES"."PUBLIC"') == exists
        assert status(s, 'CREATE SCHEMA IF NOT EXISTS "MOVIES"."PUBLIC"') == exists
        assert status(s, RAW) == "Table RAW_MOVIES_BOOKING successfully created."
        assert status(s, STREAM) == "Stream RAW_MOVIES_BOOKING_STREAM successfully created."
        assert status(s, BRONZE) == "Table MOVIES_BOOKING_CDC_EVENTS successfully created."
        # Deploying twice: every statement is idempotent and says so.
        assert status(s, RAW) == "RAW_MOVIES_BOOKING already exists, statement succeeded."
        assert status(s, STREAM) == "RAW_MOVIES_BOOKING_STREAM already exists, statement succeeded."
        assert status(s, BRONZE) == "MOVIES_BOOKING_CDC_EVENTS already exists, statement succeeded."

        inserted = s.sql(
            "INSERT INTO MOVIES.PUBLIC.RAW_MOVIES_BOOKING VALUES "
            "('X1', 'C1', 'M9', '2024-05-01 10:00:00', 'BOOKED', 2, 10.00), "
            "('X2', 'C2', 'M9', '2024-05-01 11:00:00', 'BOOKED', 1, 8.50)"
        ).collect()
        assert inserted == [Row(**{"number of rows inserted": 2})]
        assert s.sql(INGEST).collect() == [Row(**{"number of rows inserted": 2})]
        assert s.sql(INGEST).collect() == [Row(**{"number of rows inserted": 0})]
        bronze = s.sql(
            'SELECT "BOOKING_ID", "TICKET_PRICE", "CHANGE_TYPE", "IS_UPDATE" FROM '
            '"MOVIES"."PUBLIC"."MOVIES_BOOKING_CDC_EVENTS" ORDER BY 1'
        ).collect()
        assert bronze == [
            Row(BOOKING_ID="X1", TICKET_PRICE=Decimal("10.00"), CHANGE_TYPE="INSERT", IS_UPDATE=False),
            Row(BOOKING_ID="X2", TICKET_PRICE=Decimal("8.50"), CHANGE_TYPE="INSERT", IS_UPDATE=False),
        ]


def test_unquoted_names_use_and_upper_case_columns() -> None:
    with LocalSession() as s:
        s.sql("CREATE DATABASE movies").collect()  # and its PUBLIC schema
        s.sql("USE SCHEMA movies.public").collect()
        s.sql("create table bookings (id int, status varchar)").collect()
        s.sql("insert into bookings values (1, 'BOOKED')").collect()
        assert s.sql("select id, status from bookings").collect() == [Row(ID=1, STATUS="BOOKED")]
        assert s.get_current_database() == "MOVIES"
        assert s.get_current_schema() == "PUBLIC"


def test_to_pandas_and_lazy_collect(session: LocalSession) -> None:
    insert = session.sql("INSERT INTO T VALUES (1, 'a')")
    assert session.sql("SELECT COUNT(*) AS N FROM T").collect() == [Row(N=0)]  # sql() alone runs nothing
    insert.collect()
    insert.collect()  # like Snowpark, each collect() runs the statement again
    frame = session.sql("SELECT ID, VAL FROM T ORDER BY ID").to_pandas()
    pd.testing.assert_frame_equal(frame, pd.DataFrame({"ID": [1, 1], "VAL": ["a", "a"]}), check_dtype=False)


def test_no_current_database_is_a_clear_error() -> None:
    with LocalSession() as s, pytest.raises(LocalEngineError, match="does not have a current database"):
        s.sql("SELECT * FROM T").collect()


def test_closed_session_refuses_work() -> None:
    s = LocalSession()
    s.close()
    with pytest.raises(LocalEngineError, match="closed"):
        s.sql("SELECT 1").collect()


def test_path_that_is_a_file_is_refused(tmp_path: pytest.TempPathFactory) -> None:
    file = tmp_path / "x.duckdb"  # type: ignore[operator]
    file.write_text("")
    with pytest.raises(LocalEngineError, match="takes a folder"):
        LocalSession(path=file)


def test_write_pandas_plain_table(session: LocalSession) -> None:
    session.sql("CREATE TABLE P (ID INT, VAL VARCHAR)").collect()
    frame = pd.DataFrame({"ID": [1, 2], "VAL": ["a", "b"]})
    table = session.write_pandas(frame, "P")
    assert sorted(tuple(r) for r in table.collect()) == [(1, "a"), (2, "b")]
    session.write_pandas(frame.iloc[:1], "P", overwrite=True)
    assert [tuple(r) for r in session.sql("SELECT * FROM P").collect()] == [(1, "a")]


def test_write_pandas_auto_create(session: LocalSession) -> None:
    frame = pd.DataFrame({"id": [1], "name": ["x"]})
    session.write_pandas(frame, "NEWT", auto_create_table=True, quote_identifiers=False)
    assert session.sql("SELECT ID, NAME FROM NEWT").collect() == [Row(ID=1, NAME="x")]


def test_a_failing_statement_in_a_transaction_says_the_transaction_is_gone() -> None:
    """https://docs.snowflake.com/en/sql-reference/transactions: a failing statement inside BEGIN … COMMIT is rolled
    back alone and the transaction stays open. DuckDB aborts the whole transaction, so the engine says so
    (UnsupportedSqlError, naming both), instead of leaving the user to find the earlier rows gone after COMMIT."""
    with LocalSession(database="DB", schema="PUBLIC") as s:
        s.sql("CREATE TABLE T (ID INT NOT NULL, V VARCHAR)").collect()
        s.sql("BEGIN").collect()
        s.sql("INSERT INTO T VALUES (1, 'a')").collect()
        with pytest.raises(UnsupportedSqlError, match=r"NOT NULL(.|\n)*every statement since BEGIN was rolled back"):
            s.sql("INSERT INTO T VALUES (NULL, 'x')").collect()
        s.sql("INSERT INTO T VALUES (2, 'b')").collect()  # autocommit now, as the message says
        s.sql("COMMIT").collect()
        assert [tuple(r) for r in s.sql("SELECT ID, V FROM T").collect()] == [(2, "b")]
        with pytest.raises(LocalEngineError) as raised:  # outside a transaction: the plain error
            s.sql("INSERT INTO T VALUES (NULL, 'x')").collect()
        assert not isinstance(raised.value, UnsupportedSqlError)
