"""Time travel AT | BEFORE and the CHANGES clause (src/moviecdc/local/history/travel.py).

Written from https://docs.snowflake.com/en/sql-reference/constructs/at-before and
https://docs.snowflake.com/en/sql-reference/constructs/changes (its three examples, with their documented rows).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local import LocalSession

T1 = "CREATE OR REPLACE TABLE T1 (ID NUMBER(8) NOT NULL, C1 VARCHAR(255) DEFAULT NULL)"
RGB = "INSERT INTO T1 (ID, C1) VALUES (1, 'red'), (2, 'blue'), (3, 'green')"
NOT_AVAILABLE = (
    r"000707 \(02000\): Time travel data is not available for table T1\. The requested time is either beyond the "
    r"allowed time travel period or before the object creation time\."
)


@pytest.fixture
def session(local_session: LocalSession) -> LocalSession:
    local_session.sql("CREATE DATABASE D").collect()
    return local_session


def _rows(session: LocalSession, sql: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in session.sql(sql).collect()]


def test_changes_default_and_append_only_since_a_timestamp(session: LocalSession) -> None:
    """The CHANGES page's first example: the net delta (2 purple, 3 green), then every inserted row."""
    session.sql(T1).collect()
    session.sql("ALTER TABLE T1 SET CHANGE_TRACKING = TRUE").collect()
    session.sql("SET TS1 = (SELECT CURRENT_TIMESTAMP())").collect()
    session.sql(RGB).collect()
    session.sql("DELETE FROM T1 WHERE ID = 1").collect()
    session.sql("UPDATE T1 SET C1 = 'purple' WHERE ID = 2").collect()
    delta = session.sql("SELECT * FROM T1 CHANGES(INFORMATION => DEFAULT) AT(TIMESTAMP => $TS1) ORDER BY ID").collect()
    assert [tuple(r)[:4] for r in delta] == [(2, "purple", "INSERT", False), (3, "green", "INSERT", False)]
    assert list(delta[0].as_dict()) == ["ID", "C1", "METADATA$ACTION", "METADATA$ISUPDATE", "METADATA$ROW_ID"]
    appended = _rows(
        session, "SELECT ID, C1 FROM T1 CHANGES(INFORMATION => APPEND_ONLY) AT(TIMESTAMP => $TS1) ORDER BY ID"
    )
    assert appended == [(1, "red"), (2, "blue"), (3, "green")]
    assert isinstance(appended[0][0], int)


def test_changes_end_is_inclusive_and_matches_a_stream_over_the_same_interval(session: LocalSession) -> None:
    """The CHANGES page's second example (END(TIMESTAMP), END(STATEMENT => $last_query_id) inclusive)."""
    session.sql(T1).collect()
    session.sql("ALTER TABLE T1 SET CHANGE_TRACKING = TRUE").collect()
    session.sql("SET TS1 = (SELECT CURRENT_TIMESTAMP())").collect()
    session.sql("CREATE STREAM S1 ON TABLE T1").collect()
    session.sql(RGB).collect()
    session.sql("SET TS2 = (SELECT CURRENT_TIMESTAMP())").collect()
    session.sql("DELETE FROM T1 WHERE ID = 3").collect()
    session.sql("SET LAST_QUERY_ID = (SELECT LAST_QUERY_ID())").collect()
    session.sql(
        "CREATE OR REPLACE TABLE T2 (C1 VARCHAR(255) DEFAULT NULL) AS SELECT C1 FROM T1 "
        "CHANGES(INFORMATION => APPEND_ONLY) AT(TIMESTAMP => $TS1) END(TIMESTAMP => $TS2)"
    ).collect()
    assert _rows(session, "SELECT * FROM T2 ORDER BY C1") == [("blue",), ("green",), ("red",)]
    until = "SELECT C1 FROM T1 CHANGES(INFORMATION => DEFAULT) AT(TIMESTAMP => $TS1) END(STATEMENT => $LAST_QUERY_ID)"
    assert _rows(session, until + " ORDER BY C1") == [("blue",), ("red",)]
    # the same rows, ROW_IDs and flags as the stream created at TS1 gives now
    changes = "SELECT * FROM T1 CHANGES(INFORMATION => DEFAULT) AT(TIMESTAMP => $TS1) ORDER BY ID"
    assert _rows(session, changes) == _rows(session, "SELECT * FROM S1 ORDER BY ID")


def test_changes_from_a_stream_offset_on_a_table_with_only_a_stream(session: LocalSession) -> None:
    """The CHANGES page's third example: AT(STREAM => 's1') END(TIMESTAMP => $ts2), change tracking by the stream."""
    session.sql(T1).collect()
    session.sql("CREATE OR REPLACE STREAM S1 ON TABLE T1").collect()
    session.sql(RGB).collect()
    session.sql("SET TS2 = (SELECT CURRENT_TIMESTAMP())").collect()
    session.sql("DELETE FROM T1").collect()
    session.sql(
        "CREATE OR REPLACE TABLE T2 (C1 VARCHAR(255) DEFAULT NULL) AS SELECT C1 FROM T1 "
        "CHANGES(INFORMATION => APPEND_ONLY) AT(STREAM => 'S1') END(TIMESTAMP => $TS2)"
    ).collect()
    assert _rows(session, "SELECT * FROM T2 ORDER BY C1") == [("blue",), ("green",), ("red",)]


def test_at_and_before_a_statement_timestamp_and_offset(session: LocalSession) -> None:
    session.sql("CREATE TABLE T1 (ID INT, PRICE NUMBER(10, 2)) CHANGE_TRACKING = TRUE").collect()
    session.advance(seconds=10)
    session.sql("INSERT INTO T1 VALUES (1, 1.50), (2, 2.50)").collect()
    inserted = session.sql("SELECT LAST_QUERY_ID() AS Q").collect()[0].Q
    session.advance(seconds=300)
    session.sql("UPDATE T1 SET PRICE = 9.99 WHERE ID = 1").collect()
    session.sql("DELETE FROM T1 WHERE ID = 2").collect()
    deleted = session.sql("SELECT LAST_QUERY_ID() AS Q").collect()[0].Q
    assert _rows(session, "SELECT * FROM T1 ORDER BY ID") == [(1, Decimal("9.99"))]
    # five minutes ago: before the update and the delete
    past = _rows(session, "SELECT * FROM T1 AT(OFFSET => -60*5) AS T WHERE T.ID > 0 ORDER BY ID")
    assert past == [(1, Decimal("1.50")), (2, Decimal("2.50"))]
    assert _rows(session, f"SELECT * FROM T1 BEFORE(STATEMENT => '{deleted}') ORDER BY ID") == [
        (1, Decimal("9.99")),
        (2, Decimal("2.50")),
    ]
    assert _rows(session, f"SELECT ID FROM T1 AT(STATEMENT => '{inserted}') ORDER BY ID") == [(1,), (2,)]
    assert _rows(session, f"SELECT ID FROM T1 BEFORE(STATEMENT => '{inserted}')") == []
    # "the difference in table data resulting from the specified transaction" (the page's join example)
    diff = _rows(
        session,
        f"SELECT OLDT.ID, NEWT.ID FROM T1 BEFORE(STATEMENT => '{deleted}') AS OLDT "
        f"FULL OUTER JOIN T1 AT(STATEMENT => '{deleted}') AS NEWT ON OLDT.ID = NEWT.ID "
        "WHERE OLDT.ID IS NULL OR NEWT.ID IS NULL",
    )
    assert diff == [(2, None)]


def test_before_creation_beyond_retention_and_retention_zero_fail_as_snowflake(session: LocalSession) -> None:
    session.sql("CREATE TABLE T1 (ID INT) CHANGE_TRACKING = TRUE").collect()
    session.sql("SET CREATED = (SELECT CURRENT_TIMESTAMP())").collect()
    session.sql("INSERT INTO T1 VALUES (1)").collect()
    with pytest.raises(LocalEngineError, match=NOT_AVAILABLE):
        session.sql("SELECT * FROM T1 AT(OFFSET => -3600)").collect()  # before the table existed
    session.advance(hours=25)
    with pytest.raises(LocalEngineError, match=NOT_AVAILABLE):
        session.sql("SELECT * FROM T1 AT(TIMESTAMP => $CREATED)").collect()  # beyond the default 1 day
    session.sql("ALTER TABLE T1 SET DATA_RETENTION_TIME_IN_DAYS = 2").collect()
    assert _rows(session, "SELECT * FROM T1 AT(OFFSET => -3600)") == [(1,)]
    session.sql("ALTER TABLE T1 SET DATA_RETENTION_TIME_IN_DAYS = 0").collect()
    with pytest.raises(LocalEngineError, match=NOT_AVAILABLE):
        session.sql("SELECT * FROM T1 AT(OFFSET => -60)").collect()


def test_changes_without_change_tracking_is_snowflakes_error(session: LocalSession) -> None:
    session.sql("CREATE TABLE T1 (ID INT)").collect()
    message = "Change tracking is not enabled or has been missing for the time range requested on table T1"
    with pytest.raises(LocalEngineError, match=message):
        session.sql("SELECT * FROM T1 CHANGES(INFORMATION => DEFAULT) AT(OFFSET => -60)").collect()


def test_what_the_engine_did_not_keep_is_refused_clearly(session: LocalSession) -> None:
    session.sql("CREATE TABLE T1 (ID INT)").collect()
    with pytest.raises(UnsupportedSqlError, match="CHANGE_TRACKING = TRUE"):
        session.sql("SELECT * FROM T1 AT(OFFSET => -60)").collect()
    session.sql("INSERT INTO T1 VALUES (1)").collect()
    session.advance(seconds=60)
    session.sql("ALTER TABLE T1 SET CHANGE_TRACKING = TRUE").collect()
    with pytest.raises(UnsupportedSqlError, match="CHANGE_TRACKING = TRUE"):
        session.sql("SELECT * FROM T1 AT(OFFSET => -30)").collect()  # before change tracking was turned on
    with pytest.raises(UnsupportedSqlError, match="view"):
        session.sql("CREATE VIEW V AS SELECT * FROM T1 AT(OFFSET => -1)").collect()
    with pytest.raises(LocalEngineError, match="Statement 8e5d0ca9-005e-44e6-b858-a8f5b37c5726 not found"):
        session.sql("SELECT * FROM T1 BEFORE(STATEMENT => '8e5d0ca9-005e-44e6-b858-a8f5b37c5726')").collect()
