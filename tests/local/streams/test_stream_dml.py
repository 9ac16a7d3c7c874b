"""What a stream shows after the DML forms of tests/local/ordinary/test_dml.py on its table.

A stream shows the net change since its offset: a changed row as a DELETE/INSERT pair with METADATA$ISUPDATE
TRUE, a new row as an INSERT, a removed row as a DELETE (https://docs.snowflake.com/en/user-guide/streams-intro,
"Data flow" and "Stream columns"). Uses the ``session`` fixture of tests/local/conftest.py: table T (ID, VAL)
with stream S, and SINK.
"""

from __future__ import annotations

import pytest
from snowflake.snowpark import Row
from stream_helpers import consume, delta

from moviecdc.errors import LocalEngineError
from moviecdc.local import LocalSession


def run(session: LocalSession, *statements: str) -> list[Row]:
    rows: list[Row] = []
    for statement in statements:
        rows = session.sql(statement).collect()
    return rows


@pytest.fixture
def loaded(session: LocalSession) -> LocalSession:
    """T holds (1, 'a'), (2, 'b'), (3, 'c'), consumed; SRC (ID, VAL, OP) is empty."""
    run(
        session,
        "INSERT INTO T VALUES (1, 'a'), (2, 'b'), (3, 'c')",
        "CREATE TABLE SRC (ID INT, VAL VARCHAR, OP VARCHAR)",
    )
    consume(session)
    return session


def test_merge_with_qualified_set_is_captured_as_update_pairs(loaded: LocalSession) -> None:
    """``WHEN MATCHED THEN UPDATE SET t.col = …`` on a table with a stream failed with DuckDB's parser error."""
    run(loaded, "INSERT INTO SRC VALUES (2, 'B', 'U')")
    result = run(loaded, "MERGE INTO T t USING SRC s ON t.ID = s.ID WHEN MATCHED THEN UPDATE SET t.VAL = s.VAL")
    assert result == [Row(**{"number of rows updated": 1})]
    assert delta(loaded) == [(2, "B", "INSERT", True), (2, "b", "DELETE", True)]


def test_merge_with_several_clauses_is_captured(loaded: LocalSession) -> None:
    run(loaded, "INSERT INTO SRC VALUES (1, NULL, 'D'), (2, 'B', 'U'), (3, 'C', 'X'), (4, 'd', 'I')")
    result = run(
        loaded,
        "MERGE INTO T USING SRC ON T.ID = SRC.ID "
        "WHEN MATCHED AND SRC.OP = 'D' THEN DELETE "
        "WHEN MATCHED AND SRC.OP = 'U' THEN UPDATE SET T.VAL = SRC.VAL "
        "WHEN NOT MATCHED THEN INSERT (ID, VAL) VALUES (SRC.ID, SRC.VAL)",
    )
    assert result == [Row(**{"number of rows inserted": 1, "number of rows updated": 1, "number of rows deleted": 1})]
    assert delta(loaded) == [
        (1, "a", "DELETE", False),
        (2, "B", "INSERT", True),
        (2, "b", "DELETE", True),
        (4, "d", "INSERT", False),
    ]


def test_update_with_qualified_set_is_captured(loaded: LocalSession) -> None:
    run(loaded, "UPDATE T SET T.VAL = 'z' WHERE T.ID = 3")
    assert delta(loaded) == [(3, "c", "DELETE", True), (3, "z", "INSERT", True)]


def test_insert_all_into_a_tracked_table_is_captured(loaded: LocalSession) -> None:
    run(loaded, "INSERT INTO SRC VALUES (7, 'g', 'I'), (8, 'h', 'X')")
    run(
        loaded,
        "INSERT FIRST WHEN OP = 'I' THEN INTO T (ID, VAL) VALUES (ID, VAL) ELSE INTO T (ID) VALUES (ID) "
        "SELECT ID, VAL, OP FROM SRC",
    )
    assert delta(loaded) == [(7, "g", "INSERT", False), (8, None, "INSERT", False)]


def test_insert_overwrite_is_captured_as_deletes_and_inserts(loaded: LocalSession) -> None:
    """INSERT OVERWRITE truncates, then inserts (https://docs.snowflake.com/en/sql-reference/sql/insert): the stream
    shows the rows that were there as deletes and the rows written as new inserts, as after a TRUNCATE and an
    INSERT (a rewritten row is a new row: it is not an update pair). The query reads the table as it was."""
    result = run(loaded, "INSERT OVERWRITE INTO T SELECT ID, UPPER(VAL) FROM T WHERE ID <= 2")
    assert result == [Row(**{"number of rows inserted": 2})]
    assert delta(loaded) == [
        (1, "A", "INSERT", False),
        (1, "a", "DELETE", False),
        (2, "B", "INSERT", False),
        (2, "b", "DELETE", False),
        (3, "c", "DELETE", False),
    ]


def test_insert_overwrite_all_on_a_tracked_table_is_captured(loaded: LocalSession) -> None:
    run(loaded, "INSERT OVERWRITE ALL INTO T SELECT 9 AS ID, 'i' AS VAL")
    assert delta(loaded) == [
        (1, "a", "DELETE", False),
        (2, "b", "DELETE", False),
        (3, "c", "DELETE", False),
        (9, "i", "INSERT", False),
    ]


def test_insert_all_reading_a_stream_consumes_it(loaded: LocalSession) -> None:
    """A DML statement that reads a stream advances it (https://docs.snowflake.com/en/user-guide/streams-intro)."""
    run(loaded, "CREATE TABLE AUDIT (ID INT, VAL VARCHAR)", "INSERT INTO T VALUES (5, 'e')")
    run(loaded, "INSERT ALL INTO AUDIT SELECT ID, VAL FROM S")
    assert [tuple(r) for r in run(loaded, "SELECT ID, VAL FROM AUDIT")] == [(5, "e")]
    assert delta(loaded) == []


def test_insert_all_into_a_stream_is_refused(loaded: LocalSession) -> None:
    with pytest.raises(LocalEngineError, match="streams are read-only"):
        run(loaded, "INSERT ALL INTO S SELECT 1, 'x'")


def test_update_from_with_a_multi_joined_row_is_one_update_pair(loaded: LocalSession) -> None:
    """A multi-joined row is updated once (https://docs.snowflake.com/en/sql-reference/sql/update): one pair."""
    run(loaded, "INSERT INTO SRC VALUES (1, 'x', 'U'), (1, 'y', 'U')")
    result = run(loaded, "UPDATE T SET VAL = 'z' FROM SRC WHERE T.ID = SRC.ID")
    assert result == [Row(**{"number of rows updated": 1, "number of multi-joined rows updated": 1})]
    assert delta(loaded) == [(1, "a", "DELETE", True), (1, "z", "INSERT", True)]


def test_update_from_on_a_table_whose_stream_was_dropped_counts_rows_once(loaded: LocalSession) -> None:
    """The table stays tracked storage after its last stream goes; nothing is logged, the counts still hold."""
    run(loaded, "DROP STREAM S", "INSERT INTO SRC VALUES (1, 'x', 'U'), (1, 'y', 'U'), (2, 'w', 'U')")
    result = run(loaded, "UPDATE T SET VAL = SRC.OP FROM SRC WHERE T.ID = SRC.ID")
    assert result == [Row(**{"number of rows updated": 2, "number of multi-joined rows updated": 1})]
    assert [tuple(r) for r in run(loaded, "SELECT ID, VAL FROM T ORDER BY ID")] == [(1, "U"), (2, "U"), (3, "c")]


def test_merge_reading_a_stream_into_a_table_without_one_consumes_it(loaded: LocalSession) -> None:
    """The usual CDC step: MERGE a stream's changes into a plain table (it failed on the _fs_global write)."""
    run(loaded, "CREATE TABLE CURRENT_ROWS (ID INT, VAL VARCHAR)", "INSERT INTO CURRENT_ROWS VALUES (1, 'a')")
    run(loaded, "INSERT INTO T VALUES (4, 'd')", "UPDATE T SET VAL = 'A' WHERE ID = 1", "DELETE FROM T WHERE ID = 2")
    result = run(
        loaded,
        "MERGE INTO CURRENT_ROWS c "
        "USING (SELECT * FROM S WHERE NOT (METADATA$ACTION = 'DELETE' AND METADATA$ISUPDATE)) s "
        "ON c.ID = s.ID "
        "WHEN MATCHED AND s.METADATA$ACTION = 'DELETE' THEN DELETE "
        "WHEN MATCHED THEN UPDATE SET c.VAL = s.VAL "
        "WHEN NOT MATCHED AND s.METADATA$ACTION = 'INSERT' THEN INSERT (ID, VAL) VALUES (s.ID, s.VAL)",
    )
    assert result == [Row(**{"number of rows inserted": 1, "number of rows updated": 1, "number of rows deleted": 0})]
    assert [tuple(r) for r in run(loaded, "SELECT ID, VAL FROM CURRENT_ROWS ORDER BY ID")] == [(1, "A"), (4, "d")]
    assert delta(loaded) == []


def test_merge_all_by_name_on_a_tracked_table_is_captured(loaded: LocalSession) -> None:
    run(loaded, "INSERT INTO SRC VALUES (3, 'C', 'U')")
    run(loaded, "CREATE TABLE SRC2 (VAL VARCHAR, ID INT)", "INSERT INTO SRC2 SELECT VAL, ID FROM SRC")
    run(loaded, "MERGE INTO T USING SRC2 ON T.ID = SRC2.ID WHEN MATCHED THEN UPDATE ALL BY NAME")
    assert delta(loaded) == [(3, "C", "INSERT", True), (3, "c", "DELETE", True)]
