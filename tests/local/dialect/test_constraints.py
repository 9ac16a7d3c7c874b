"""PRIMARY KEY / UNIQUE / FOREIGN KEY are accepted and not enforced, NOT NULL is; CHANGE_TRACKING is recorded.

Pages: https://docs.snowflake.com/en/sql-reference/constraints ("doesn't enforce them, except for NOT NULL"),
https://docs.snowflake.com/en/sql-reference/constraints-overview ("A PRIMARY KEY constraint implies that the
column is both NOT NULL and UNIQUE"), https://docs.snowflake.com/en/sql-reference/constraints-properties (RELY,
NORELY, NOT ENFORCED), https://docs.snowflake.com/en/sql-reference/sql/alter-table (ADD CONSTRAINT,
SET CHANGE_TRACKING), https://docs.snowflake.com/en/sql-reference/sql/create-table (CHANGE_TRACKING = TRUE).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from moviecdc.errors import LocalEngineError
from moviecdc.local import LocalSession
from moviecdc.local.core.names import ObjectName
from moviecdc.local.dialect import constraints


@pytest.fixture
def s() -> Iterator[LocalSession]:
    with LocalSession(database="MOVIES", schema="PUBLIC") as session:
        yield session


def test_keys_in_create_table_are_accepted_and_not_enforced(s: LocalSession) -> None:
    s.sql("CREATE TABLE MOVIES (ID INT PRIMARY KEY, CODE VARCHAR UNIQUE)").collect()
    created = s.sql(
        "CREATE TABLE BOOKINGS (ID INT, MOVIE_ID INT, SEAT VARCHAR, "
        "CONSTRAINT PK_BOOKINGS PRIMARY KEY (ID) RELY, "
        "CONSTRAINT UQ_SEAT UNIQUE (MOVIE_ID, SEAT) NOT ENFORCED, "
        "CONSTRAINT FK_MOVIE FOREIGN KEY (MOVIE_ID) REFERENCES MOVIES (ID) NORELY)"
    ).collect()
    assert created[0][0] == "Table BOOKINGS successfully created."
    # A duplicate key and a dangling foreign key insert fine, as in Snowflake.
    inserted = s.sql("INSERT INTO BOOKINGS VALUES (1, 99, 'A1'), (1, 99, 'A1')").collect()
    assert inserted[0][0] == 2
    s.sql("INSERT INTO MOVIES VALUES (7, 'X'), (7, 'X')").collect()
    assert s.sql("SELECT ID, MOVIE_ID, SEAT FROM BOOKINGS ORDER BY ID").collect() == [
        (1, 99, "A1"),
        (1, 99, "A1"),
    ]
    # NOT NULL is enforced, and a primary key's columns are NOT NULL.
    with pytest.raises(LocalEngineError, match="NOT NULL"):
        s.sql("INSERT INTO BOOKINGS VALUES (NULL, 1, 'B2')").collect()
    with pytest.raises(LocalEngineError, match="NOT NULL"):
        s.sql("INSERT INTO MOVIES VALUES (NULL, 'Y')").collect()
    s.sql("INSERT INTO MOVIES VALUES (8, NULL)").collect()  # UNIQUE allows NULL


def test_keys_added_by_alter_table_are_accepted_and_not_enforced(s: LocalSession) -> None:
    s.sql("CREATE TABLE BOOKINGS (ID INT, MOVIE_ID INT)").collect()
    for sql in (
        "ALTER TABLE BOOKINGS ADD CONSTRAINT PK_BOOKINGS PRIMARY KEY (ID) NOT ENFORCED",
        "ALTER TABLE BOOKINGS ADD UNIQUE (MOVIE_ID)",
        "ALTER TABLE BOOKINGS ADD FOREIGN KEY (MOVIE_ID) REFERENCES BOOKINGS (ID)",
        "ALTER TABLE BOOKINGS DROP CONSTRAINT PK_BOOKINGS",
    ):
        assert s.sql(sql).collect()[0][0] == "Statement executed successfully."
    assert s.sql("INSERT INTO BOOKINGS VALUES (1, 5), (1, 5)").collect()[0][0] == 2
    with pytest.raises(LocalEngineError, match=r"Table 'MOVIES\.PUBLIC\.NOPE' does not exist or not authorized"):
        s.sql("ALTER TABLE NOPE ADD PRIMARY KEY (ID)").collect()


def test_change_tracking_is_recorded(s: LocalSession) -> None:
    engine = s._engine
    events, seats = ObjectName("MOVIES", "PUBLIC", "EVENTS"), ObjectName("MOVIES", "PUBLIC", "SEATS")
    created = s.sql("CREATE TABLE EVENTS (ID INT) CHANGE_TRACKING = TRUE").collect()
    assert created[0][0] == "Table EVENTS successfully created."
    assert constraints.change_tracking(engine, events)
    s.sql("CREATE TABLE SEATS (ID INT)").collect()
    assert not constraints.change_tracking(engine, seats)
    assert s.sql("ALTER TABLE SEATS SET CHANGE_TRACKING = TRUE").collect()[0][0] == "Statement executed successfully."
    assert constraints.change_tracking(engine, seats)
    s.sql("ALTER TABLE SEATS SET CHANGE_TRACKING = FALSE").collect()
    assert not constraints.change_tracking(engine, seats)
    s.sql("DROP TABLE EVENTS").collect()
    s.sql("CREATE TABLE EVENTS (ID INT)").collect()
    assert not constraints.change_tracking(engine, events)  # a new table, without it


def test_change_tracking_on_a_table_with_a_stream(s: LocalSession) -> None:
    s.sql("CREATE TABLE EVENTS (ID INT)").collect()
    s.sql("CREATE STREAM EVENTS_STREAM ON TABLE EVENTS").collect()
    assert s.sql("ALTER TABLE EVENTS SET CHANGE_TRACKING = TRUE").collect()[0][0] == "Statement executed successfully."
    s.sql("INSERT INTO EVENTS VALUES (1)").collect()
    assert s.sql("SELECT ID FROM EVENTS_STREAM").collect() == [(1,)]


def test_create_table_if_not_exists_of_an_existing_table_keeps_its_change_tracking(s: LocalSession) -> None:
    s.sql("CREATE TABLE EVENTS (ID INT) CHANGE_TRACKING = TRUE").collect()
    found = s.sql("CREATE TABLE IF NOT EXISTS EVENTS (ID INT)").collect()
    assert found[0][0] == "EVENTS already exists, statement succeeded."
    assert constraints.change_tracking(s._engine, ObjectName("MOVIES", "PUBLIC", "EVENTS"))


def test_inline_column_comments_are_kept(s: LocalSession) -> None:
    """https://docs.snowflake.com/en/sql-reference/sql/create-table (``<col_name> <col_type> COMMENT '…'``)."""
    s.sql("CREATE TABLE BOOKINGS (ID INT COMMENT 'booking id', SEATS INT NOT NULL COMMENT 'seats booked')").collect()
    rows = s.sql(
        "SELECT COLUMN_NAME, COMMENT FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = 'BOOKINGS' ORDER BY 1"
    ).collect()
    assert [tuple(r) for r in rows] == [("ID", "booking id"), ("SEATS", "seats booked")]


def test_show_tables_answers_change_tracking(s: LocalSession) -> None:
    """https://docs.snowflake.com/en/sql-reference/sql/show-tables (column ``change_tracking``: ON | OFF)."""
    s.sql("CREATE TABLE EVENTS (ID INT) CHANGE_TRACKING = TRUE").collect()
    s.sql("CREATE TABLE SEATS (ID INT)").collect()
    assert {r.name: r.change_tracking for r in s.sql("SHOW TABLES").collect()} == {"EVENTS": "ON", "SEATS": "OFF"}
    s.sql("ALTER TABLE SEATS SET CHANGE_TRACKING = TRUE").collect()
    assert {r.name: r.change_tracking for r in s.sql("SHOW TABLES").collect()} == {"EVENTS": "ON", "SEATS": "ON"}
