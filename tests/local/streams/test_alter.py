"""ALTER TABLE on a table with a stream, or read by a dynamic table (moviecdc.local.streams.alter).

Snowflake, Introduction to streams (https://docs.snowflake.com/en/user-guide/streams-intro): "The stream uses the
current table schema" (Offset storage); "Renaming a source object does not break a stream or cause it to go
stale" (Data retention period and staleness). ALTER TABLE's actions: https://docs.snowflake.com/en/sql-reference/sql/alter-table.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from snowflake.snowpark import Row

from moviecdc import Pipeline
from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local import LocalSession
from moviecdc.testing import advance_to_gold, booking, write_bookings


def run(session: LocalSession, *statements: str) -> None:
    for statement in statements:
        session.sql(statement).collect()


def changes(session: LocalSession, stream: str = "S") -> list[tuple[object, ...]]:
    rows = session.sql(f'SELECT * EXCLUDE ("METADATA$ROW_ID") FROM {stream} ORDER BY 1, "METADATA$ACTION"').collect()
    return [tuple(r) for r in rows]


def test_a_stream_follows_an_added_column_and_keeps_its_pending_changes(session: LocalSession) -> None:
    run(session, "INSERT INTO T VALUES (1, 'a'), (2, 'b')", "INSERT INTO SINK (ID) SELECT ID FROM S")
    run(session, "INSERT INTO T VALUES (3, 'c')", "UPDATE T SET VAL = 'bb' WHERE ID = 2")
    run(session, "ALTER TABLE T ADD COLUMN PRICE NUMBER(10, 2) DEFAULT 5")
    run(session, "INSERT INTO T VALUES (4, 'd', 1.25)")
    # The rows that existed before the column read its default, in the table and in the stream alike.
    assert changes(session) == [
        (2, "b", Decimal("5.00"), "DELETE", True),
        (2, "bb", Decimal("5.00"), "INSERT", True),
        (3, "c", Decimal("5.00"), "INSERT", False),
        (4, "d", Decimal("1.25"), "INSERT", False),
    ]
    assert session.sql("SELECT * FROM T ORDER BY ID").collect() == [
        Row(ID=1, VAL="a", PRICE=Decimal("5.00")),
        Row(ID=2, VAL="bb", PRICE=Decimal("5.00")),
        Row(ID=3, VAL="c", PRICE=Decimal("5.00")),
        Row(ID=4, VAL="d", PRICE=Decimal("1.25")),
    ]
    described = session.sql("DESCRIBE TABLE T").collect()
    assert [(r["name"], r["type"]) for r in described] == [
        ("ID", "NUMBER(38,0)"),
        ("VAL", "VARCHAR(16777216)"),
        ("PRICE", "NUMBER(10,2)"),
    ]


def test_an_added_column_without_default_is_null_in_earlier_changes(session: LocalSession) -> None:
    run(session, "INSERT INTO T VALUES (1, 'a')", "ALTER TABLE T ADD COLUMN N INT", "INSERT INTO T VALUES (2, 'b', 7)")
    assert changes(session) == [(1, "a", None, "INSERT", False), (2, "b", 7, "INSERT", False)]
    run(session, "INSERT INTO SINK (ID) SELECT ID FROM S")  # consuming works on the new shape
    assert changes(session) == []


def test_a_stream_follows_dropped_and_renamed_columns(session: LocalSession) -> None:
    run(session, "ALTER TABLE T ADD COLUMN EXTRA INT", "INSERT INTO T VALUES (1, 'a', 10)")
    run(session, "ALTER TABLE T DROP COLUMN EXTRA", "ALTER TABLE T RENAME COLUMN VAL TO LABEL")
    run(session, "UPDATE T SET LABEL = 'z' WHERE ID = 1", "INSERT INTO T VALUES (2, 'b')")
    assert changes(session) == [(1, "z", "INSERT", False), (2, "b", "INSERT", False)]
    assert [r["name"] for r in session.sql("DESCRIBE TABLE T").collect()] == ["ID", "LABEL"]


def test_drop_of_several_columns_and_a_widened_type(session: LocalSession) -> None:
    run(session, "ALTER TABLE T ADD COLUMN A INT, B INT", "INSERT INTO T VALUES (1, 'a', 2, 3)")
    run(session, "ALTER TABLE T DROP COLUMN A, B", "ALTER TABLE T ALTER COLUMN VAL SET DATA TYPE VARCHAR(100)")
    assert changes(session) == [(1, "a", "INSERT", False)]


def test_a_renamed_table_keeps_its_stream(session: LocalSession) -> None:
    run(session, "INSERT INTO T VALUES (1, 'a')", "ALTER TABLE T RENAME TO T2", "INSERT INTO T2 VALUES (2, 'b')")
    assert changes(session) == [(1, "a", "INSERT", False), (2, "b", "INSERT", False)]
    shown = session.sql("SHOW STREAMS LIKE 'S'").collect()[0]
    assert (shown["table_name"], shown["stale"]) == ("MOVIES.PUBLIC.T2", "false")
    run(session, "CREATE TABLE T (ID INT, VAL VARCHAR)", "INSERT INTO T VALUES (9, 'new')")
    assert changes(session) == [(1, "a", "INSERT", False), (2, "b", "INSERT", False)]  # not linked to the new T


def test_swap_with_moves_each_table_with_its_stream(session: LocalSession) -> None:
    run(session, "INSERT INTO T VALUES (1, 'a')", "CREATE TABLE OTHER (ID INT, VAL VARCHAR)")
    run(session, "INSERT INTO OTHER VALUES (5, 'o')", "ALTER TABLE T SWAP WITH OTHER")
    assert session.sql("SELECT * FROM T").collect() == [Row(ID=5, VAL="o")]
    assert session.sql("SELECT * FROM OTHER").collect() == [Row(ID=1, VAL="a")]
    run(session, "INSERT INTO OTHER VALUES (2, 'b')", "INSERT INTO T VALUES (6, 'p')")
    assert changes(session) == [(1, "a", "INSERT", False), (2, "b", "INSERT", False)]
    assert session.sql("SHOW STREAMS LIKE 'S'").collect()[0]["table_name"] == "MOVIES.PUBLIC.OTHER"


def test_swap_of_two_plain_tables(session: LocalSession) -> None:
    run(session, "CREATE TABLE A (X INT)", "CREATE TABLE B (Y VARCHAR)", "INSERT INTO A VALUES (1)")
    run(session, "ALTER TABLE A SWAP WITH B")
    assert session.sql("SELECT * FROM B").collect() == [Row(X=1)]
    assert session.sql("SELECT * FROM A").collect() == []


def test_cluster_by_and_parameters_on_a_tracked_table(session: LocalSession) -> None:
    for statement in (
        "ALTER TABLE T CLUSTER BY (ID)",
        "ALTER TABLE T DROP CLUSTERING KEY",
        "ALTER TABLE T SET DATA_RETENTION_TIME_IN_DAYS = 3 COMMENT = 'bookings'",
        "ALTER TABLE T UNSET DATA_RETENTION_TIME_IN_DAYS",
        "ALTER TABLE T SET MAX_DATA_EXTENSION_TIME_IN_DAYS = 0",
        "ALTER TABLE T SET CHANGE_TRACKING = TRUE",
    ):
        assert session.sql(statement).collect() == [Row(status="Statement executed successfully.")]
    run(session, "INSERT INTO T VALUES (1, 'a')")
    assert changes(session) == [(1, "a", "INSERT", False)]


def test_what_is_not_emulated_is_refused(session: LocalSession) -> None:
    run(session, "CREATE SCHEMA OTHER_SCHEMA", "USE SCHEMA MOVIES.PUBLIC")
    with pytest.raises(UnsupportedSqlError, match="across schemas or databases"):
        session.sql("ALTER TABLE T RENAME TO OTHER_SCHEMA.T").collect()
    with pytest.raises(UnsupportedSqlError, match="SET DEFAULT_DDL_COLLATION"):
        session.sql("ALTER TABLE T SET DEFAULT_DDL_COLLATION = 'en'").collect()


def test_a_dynamic_table_over_an_altered_table(session: LocalSession) -> None:
    """A dynamic table that names its columns keeps refreshing after a column is added to its source; one that
    reads a dropped column fails its refresh. Renaming its source is refused (it names it in its query)."""
    run(session, "INSERT INTO T VALUES (1, 'a')")
    run(session, "CREATE DYNAMIC TABLE D TARGET_LAG = '1 minute' WAREHOUSE = W AS SELECT ID, VAL FROM T")
    run(session, "ALTER TABLE T ADD COLUMN N INT", "INSERT INTO T VALUES (2, 'b', 3)")
    run(session, "ALTER DYNAMIC TABLE D REFRESH")
    assert session.sql("SELECT * FROM D ORDER BY ID").collect() == [Row(ID=1, VAL="a"), Row(ID=2, VAL="b")]
    with pytest.raises(UnsupportedSqlError, match="which a dynamic table reads"):
        session.sql("ALTER TABLE T RENAME TO T3").collect()
    run(session, "CREATE DYNAMIC TABLE STAR TARGET_LAG = '1 minute' WAREHOUSE = W AS SELECT * FROM T")
    run(session, "ALTER TABLE T ADD COLUMN M INT", "INSERT INTO T VALUES (4, 'd', 5, 6)")
    run(session, "ALTER DYNAMIC TABLE STAR REFRESH")  # its columns stay those it was created with
    assert [tuple(r) for r in session.sql("SELECT * FROM STAR ORDER BY ID").collect()] == [
        (1, "a", None),
        (2, "b", 3),
        (4, "d", 5),
    ]
    run(session, "ALTER TABLE T DROP COLUMN VAL", "INSERT INTO T VALUES (3, 4, 7)")
    with pytest.raises(LocalEngineError, match=r'^Refresh of dynamic table MOVIES\.PUBLIC\.D failed: .*"VAL"'):
        session.sql("ALTER DYNAMIC TABLE D REFRESH").collect()


def test_a_column_added_to_the_raw_table_under_a_running_pipeline(pipeline: Pipeline) -> None:
    """The main story: a running pipeline, a new column on the raw table, more bookings: Gold stays right."""
    session = pipeline.session
    assert isinstance(session, LocalSession)
    write_bookings(session, [booking("B1", movie_id="M1", ticket_count=2, ticket_price="9.50")])
    advance_to_gold(pipeline)
    run(session, "ALTER TABLE MOVIES.PUBLIC.RAW_MOVIES_BOOKING ADD COLUMN CHANNEL VARCHAR DEFAULT 'web'")
    run(
        session,
        "INSERT INTO MOVIES.PUBLIC.RAW_MOVIES_BOOKING VALUES "
        "('B2', 'C2', 'M1', '2026-01-01 10:00:00', 'BOOKED', 3, 4.00, 'app'), "
        "('B3', 'C3', 'M2', '2026-01-01 10:00:00', 'CANCELLED', 1, 7.00, 'app')",
        "UPDATE MOVIES.PUBLIC.RAW_MOVIES_BOOKING SET STATUS = 'COMPLETED' WHERE BOOKING_ID = 'B1'",
    )
    advance_to_gold(pipeline)
    gold = session.sql(
        "SELECT MOVIE_ID, TOTAL_BOOKINGS, TOTAL_TICKETS_SOLD, TOTAL_REVENUE, TOTAL_CANCELLATIONS "
        "FROM MOVIES.PUBLIC.MOVIES_BOOKING_INSIGHTS ORDER BY MOVIE_ID"
    ).collect()
    assert [tuple(r) for r in gold] == [
        ("M1", 2, 5, Decimal("31.00"), 0),
        ("M2", 1, 0, Decimal("0.00"), 1),
    ]
    channels = session.sql("SELECT BOOKING_ID, CHANNEL FROM MOVIES.PUBLIC.RAW_MOVIES_BOOKING ORDER BY 1").collect()
    assert [tuple(r) for r in channels] == [("B1", "web"), ("B2", "app"), ("B3", "app")]
