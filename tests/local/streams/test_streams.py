"""Stream semantics, each case pinned to the exact rows Snowflake documents."""

from __future__ import annotations

import pandas as pd
import pytest
from snowflake.snowpark import Row
from stream_helpers import consume, delta

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local import LocalSession


def run(session: LocalSession, *statements: str) -> None:
    for statement in statements:
        session.sql(statement).collect()


def test_insert_then_update_is_one_insert_with_final_values(session: LocalSession) -> None:
    run(session, "INSERT INTO T VALUES (1, 'a')", "UPDATE T SET VAL = 'b' WHERE ID = 1")
    assert delta(session) == [(1, "b", "INSERT", False)]


def test_insert_then_delete_is_nothing(session: LocalSession) -> None:
    run(session, "INSERT INTO T VALUES (1, 'a')", "DELETE FROM T WHERE ID = 1")
    assert delta(session) == []


def test_update_of_existing_row_is_a_pair_with_one_row_id(session: LocalSession) -> None:
    run(session, "INSERT INTO T VALUES (1, 'a'), (2, 'x')")
    consume(session)
    run(session, "UPDATE T SET VAL = 'b' WHERE ID = 1", "UPDATE T SET VAL = 'c' WHERE ID = 1")
    assert delta(session) == [(1, "a", "DELETE", True), (1, "c", "INSERT", True)]
    ids = session.sql('SELECT DISTINCT "METADATA$ROW_ID" AS R FROM S').collect()
    assert len(ids) == 1


def test_delete_of_existing_row_is_a_delete(session: LocalSession) -> None:
    run(session, "INSERT INTO T VALUES (1, 'a')")
    consume(session)
    run(session, "UPDATE T SET VAL = 'b'", "DELETE FROM T")
    assert delta(session) == [(1, "a", "DELETE", False)]


def test_row_id_is_stable_for_the_life_of_a_row(session: LocalSession) -> None:
    run(session, "INSERT INTO T VALUES (1, 'a')")
    first = session.sql('SELECT "METADATA$ROW_ID" AS R FROM S').collect()
    consume(session)
    run(session, "UPDATE T SET VAL = 'b'")
    second = session.sql('SELECT "METADATA$ROW_ID" AS R FROM S').collect()
    assert second == first + first


def test_select_does_not_advance_dml_does(session: LocalSession) -> None:
    run(session, "INSERT INTO T VALUES (1, 'a')")
    assert delta(session) == [(1, "a", "INSERT", False)]
    assert delta(session) == [(1, "a", "INSERT", False)]
    assert session.sql("SELECT SYSTEM$STREAM_HAS_DATA('S') AS H").collect() == [Row(H=True)]
    assert consume(session) == [(1, "a", "INSERT", False)]
    assert delta(session) == []
    assert session.sql('SELECT SYSTEM$STREAM_HAS_DATA(\'"MOVIES"."PUBLIC"."S"\') AS H').collect() == [Row(H=False)]


def test_rollback_leaves_the_offset(session: LocalSession) -> None:
    run(session, "INSERT INTO T VALUES (1, 'a')", "BEGIN")
    run(session, 'INSERT INTO SINK SELECT ID, VAL, "METADATA$ACTION", "METADATA$ISUPDATE", "METADATA$ROW_ID" FROM S')
    run(session, "ROLLBACK")
    assert delta(session) == [(1, "a", "INSERT", False)]
    assert session.sql("SELECT COUNT(*) AS N FROM SINK").collect() == [Row(N=0)]


def test_commit_advances_to_the_transaction_start(session: LocalSession) -> None:
    run(session, "INSERT INTO T VALUES (1, 'a')", "BEGIN", "INSERT INTO T VALUES (2, 'b')")
    # Inside the transaction the stream shows the changes as of the transaction's start.
    assert delta(session) == [(1, "a", "INSERT", False)]
    run(session, 'INSERT INTO SINK SELECT ID, VAL, "METADATA$ACTION", "METADATA$ISUPDATE", "METADATA$ROW_ID" FROM S')
    run(session, "COMMIT")
    assert delta(session) == [(2, "b", "INSERT", False)]


def test_statements_of_one_transaction_see_the_same_rows(session: LocalSession) -> None:
    # Snowflake's streams are repeatable read: to fan the same changes out to several tables, read the stream
    # in several statements of one transaction; the offset moves once, at COMMIT, to the transaction's start.
    run(session, "CREATE TABLE SINK2 (ID INT, VAL VARCHAR, ACTION VARCHAR, ISUPDATE BOOLEAN, RID VARCHAR)")
    run(session, "INSERT INTO T VALUES (1, 'a')", "BEGIN")
    for sink in ("SINK", "SINK2"):
        run(
            session,
            f'INSERT INTO {sink} SELECT ID, VAL, "METADATA$ACTION", "METADATA$ISUPDATE", "METADATA$ROW_ID" FROM S',
        )
        run(session, "INSERT INTO T VALUES (2, 'b')" if sink == "SINK" else "SELECT 1")
        assert delta(session) == [(1, "a", "INSERT", False)]
        assert session.sql("SELECT SYSTEM$STREAM_HAS_DATA('S') AS H").collect() == [Row(H=True)]
    run(session, "COMMIT")
    for sink in ("SINK", "SINK2"):
        assert session.sql(f"SELECT ID, VAL, ACTION FROM {sink}").collect() == [Row(ID=1, VAL="a", ACTION="INSERT")]
    assert delta(session) == [(2, "b", "INSERT", False)]


def test_failing_statement_leaves_the_offset(session: LocalSession) -> None:
    run(session, "INSERT INTO T VALUES (1, 'a')")
    with pytest.raises(LocalEngineError, match="Could not convert string 'a' to BOOL"):
        run(session, "INSERT INTO SINK SELECT ID, VAL, \"METADATA$ACTION\", VAL, 'r' FROM S")
    assert delta(session) == [(1, "a", "INSERT", False)]


def test_stream_reads_like_a_table(session: LocalSession) -> None:
    run(session, "INSERT INTO T VALUES (1, 'a'), (2, 'b'), (3, 'c')")
    rows = session.sql("SELECT s.ID FROM S AS s WHERE s.VAL <> 'b' ORDER BY s.ID").collect()
    assert rows == [Row(ID=1), Row(ID=3)]
    assert session.sql("SELECT COUNT(*) AS N FROM S WHERE METADATA$ACTION = 'INSERT'").collect() == [Row(N=3)]


def test_merge_is_captured(session: LocalSession) -> None:
    run(session, "INSERT INTO T VALUES (1, 'a'), (2, 'b')")
    consume(session)
    result = session.sql(
        "MERGE INTO T USING (SELECT 1 AS ID, 'z' AS V UNION ALL SELECT 3, 'n') AS src ON T.ID = src.ID "
        "WHEN MATCHED THEN UPDATE SET VAL = src.V WHEN NOT MATCHED THEN INSERT VALUES (src.ID, src.V)"
    ).collect()
    assert result == [Row(**{"number of rows inserted": 1, "number of rows updated": 1})]
    assert delta(session) == [(1, "a", "DELETE", True), (1, "z", "INSERT", True), (3, "n", "INSERT", False)]
    consume(session)
    session.sql("MERGE INTO T USING (SELECT 2 AS ID) AS src ON T.ID = src.ID WHEN MATCHED THEN DELETE").collect()
    assert delta(session) == [(2, "b", "DELETE", False)]


def test_merge_matching_a_row_twice_is_refused_and_changes_nothing(session: LocalSession) -> None:
    run(session, "INSERT INTO T VALUES (1, 'a')")
    source = "SELECT 1 AS ID, 'x' AS V UNION ALL SELECT 1, 'y' UNION ALL SELECT 3, 'n'"
    with pytest.raises(LocalEngineError, match=r"Duplicate row detected during DML action: a row of MOVIES\.PUBLIC\.T"):
        run(
            session,
            f"MERGE INTO T USING ({source}) AS src ON T.ID = src.ID "
            "WHEN MATCHED THEN UPDATE SET VAL = src.V WHEN NOT MATCHED THEN INSERT VALUES (src.ID, src.V)",
        )
    assert session.sql("SELECT ID, VAL FROM T").collect() == [Row(ID=1, VAL="a")]
    assert delta(session) == [(1, "a", "INSERT", False)]


def test_truncate_is_captured_as_deletes(session: LocalSession) -> None:
    run(session, "INSERT INTO T VALUES (1, 'a'), (2, 'b')")
    consume(session)
    run(session, "INSERT INTO T VALUES (3, 'c')", "TRUNCATE TABLE T")
    assert delta(session) == [(1, "a", "DELETE", False), (2, "b", "DELETE", False)]


def test_insert_select_and_update_from(session: LocalSession) -> None:
    run(session, "CREATE TABLE SRC (ID INT, VAL VARCHAR)", "INSERT INTO SRC VALUES (1, 'a'), (2, 'b')")
    run(session, "INSERT INTO T (VAL, ID) SELECT VAL, ID FROM SRC")
    consume(session)
    run(session, "UPDATE T SET VAL = SRC.VAL || '!' FROM SRC WHERE T.ID = SRC.ID AND SRC.ID = 2")
    assert delta(session) == [(2, "b!", "INSERT", True), (2, "b", "DELETE", True)]


def test_update_computes_from_the_rows_as_they_were(session: LocalSession) -> None:
    # SET reads the pre-update rows, a subquery over the table included; a row that the FROM joins twice is
    # updated once (one pair); the table holds the new values under the same ROW_IDs.
    run(session, "INSERT INTO T VALUES (1, 'a'), (2, 'b'), (3, 'c')")
    before = {r["ID"]: r["R"] for r in session.sql('SELECT ID, "METADATA$ROW_ID" AS R FROM S').collect()}
    consume(session)
    run(session, "CREATE TABLE TWICE (ID INT)", "INSERT INTO TWICE VALUES (1), (1)")
    run(session, "UPDATE T SET VAL = VAL || (SELECT max(VAL) FROM T) FROM TWICE WHERE T.ID = TWICE.ID")
    run(session, "UPDATE T SET ID = ID + 10, VAL = UPPER(VAL) WHERE ID = 2")
    pairs = [(1, "a", "DELETE", True), (1, "ac", "INSERT", True), (2, "b", "DELETE", True), (12, "B", "INSERT", True)]
    assert delta(session) == sorted(pairs, key=repr)
    after = {r["ID"]: r["R"] for r in session.sql('SELECT ID, "METADATA$ROW_ID" AS R FROM S').collect()}
    assert after == {1: before[1], 2: before[2], 12: before[2]}  # both halves of a pair: one ROW_ID
    rows = session.sql("SELECT ID, VAL FROM T ORDER BY ID").collect()
    assert [tuple(r) for r in rows] == [(1, "ac"), (3, "c"), (12, "B")]


def test_delete_using_and_a_subquery_over_the_table(session: LocalSession) -> None:
    run(session, "INSERT INTO T VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd')")
    consume(session)
    run(session, "CREATE TABLE GONE (ID INT)", "INSERT INTO GONE VALUES (1), (1), (3)")
    run(session, "DELETE FROM T USING GONE WHERE T.ID = GONE.ID")
    run(session, "DELETE FROM T WHERE ID = (SELECT max(ID) FROM T)")
    assert delta(session) == [(1, "a", "DELETE", False), (3, "c", "DELETE", False), (4, "d", "DELETE", False)]
    assert [tuple(r) for r in session.sql("SELECT ID, VAL FROM T").collect()] == [(2, "b")]


def test_a_column_named_rowid_is_an_ordinary_column(session: LocalSession) -> None:
    # DuckDB's own rowid is hidden by such a column: capture must not read rows by rowid then.
    run(session, "CREATE TABLE R (ROWID INT, N INT)", "CREATE STREAM RS ON TABLE R")
    run(session, "INSERT INTO R VALUES (5, 1), (5, 2), (NULL, 3)")
    run(session, "DELETE FROM R WHERE N = 1", "UPDATE R SET N = 30 WHERE N = 3")
    assert [tuple(r) for r in session.sql("SELECT ROWID, N FROM R ORDER BY N").collect()] == [(5, 2), (None, 30)]
    pending = session.sql('SELECT ROWID, N, "METADATA$ACTION" FROM RS').collect()
    assert sorted((tuple(r) for r in pending), key=repr) == [(5, 2, "INSERT"), (None, 30, "INSERT")]


def test_update_evaluates_its_where_once_per_row(session: LocalSession) -> None:
    # A non-deterministic WHERE picks each row with probability 1/2, once: about half the rows, never a quarter.
    session.sql("INSERT INTO T SELECT range, 'a' FROM range(4000)").collect()
    consume(session)
    updated = session.sql("UPDATE T SET VAL = 'b' WHERE RANDOM() < 0.5").collect()[0][0]
    assert 1500 < updated < 2500
    assert session.sql("SELECT count(*) FROM T WHERE VAL = 'b'").collect()[0][0] == updated
    assert session.sql("SELECT count(*) FROM S WHERE \"METADATA$ACTION\" = 'INSERT'").collect()[0][0] == updated


def test_update_errors_are_the_statements_own(session: LocalSession) -> None:
    run(session, "CREATE TABLE STRICT (ID INT, N INT NOT NULL)", "CREATE STREAM SS ON TABLE STRICT")
    run(session, "INSERT INTO STRICT VALUES (1, 1)")
    with pytest.raises(LocalEngineError, match="NOT NULL"):
        session.sql("UPDATE STRICT SET N = NULL WHERE ID = 1").collect()
    with pytest.raises(LocalEngineError, match="assigned more than once"):
        session.sql("UPDATE STRICT SET N = 2, N = 3").collect()
    assert [tuple(r) for r in session.sql("SELECT ID, N FROM STRICT").collect()] == [(1, 1)]


def test_update_of_an_unknown_column_fails_and_changes_nothing(session: LocalSession) -> None:
    run(session, "INSERT INTO T VALUES (1, 'a')")
    with pytest.raises(LocalEngineError, match="invalid identifier 'NOPE'"):
        session.sql("UPDATE T SET NOPE = 'x'").collect()
    assert delta(session) == [(1, "a", "INSERT", False)]
    assert [tuple(r) for r in session.sql("SELECT ID, VAL FROM T").collect()] == [(1, "a")]


def test_write_pandas_into_a_tracked_table(session: LocalSession) -> None:
    session.write_pandas(pd.DataFrame({"ID": [1, 2], "VAL": ["a", "b"]}), "T")
    assert delta(session) == [(1, "a", "INSERT", False), (2, "b", "INSERT", False)]
    consume(session)
    session.write_pandas(pd.DataFrame({"ID": [3], "VAL": ["c"]}), "T", overwrite=True)
    assert delta(session) == [(1, "a", "DELETE", False), (2, "b", "DELETE", False), (3, "c", "INSERT", False)]


def test_two_streams_keep_their_own_offsets(session: LocalSession) -> None:
    run(session, "CREATE STREAM S2 ON TABLE T", "INSERT INTO T VALUES (1, 'a')")
    consume(session, "S")
    run(session, "UPDATE T SET VAL = 'b'")
    assert delta(session, "S") == [(1, "a", "DELETE", True), (1, "b", "INSERT", True)]
    assert delta(session, "S2") == [(1, "b", "INSERT", False)]


def test_append_only_returns_inserts_only(session: LocalSession) -> None:
    run(session, "INSERT INTO T VALUES (1, 'old')")
    run(session, "CREATE STREAM A ON TABLE T APPEND_ONLY = TRUE")
    run(session, "INSERT INTO T VALUES (2, 'a'), (3, 'b')", "UPDATE T SET VAL = 'x'", "DELETE FROM T WHERE ID = 3")
    assert delta(session, "A") == [(2, "a", "INSERT", False), (3, "b", "INSERT", False)]


def test_show_initial_rows(session: LocalSession) -> None:
    run(session, "INSERT INTO T VALUES (1, 'a'), (2, 'b'), (3, 'c')")
    run(session, "CREATE STREAM I ON TABLE T SHOW_INITIAL_ROWS = TRUE")
    run(session, "UPDATE T SET VAL = 'z' WHERE ID = 2", "DELETE FROM T WHERE ID = 3", "INSERT INTO T VALUES (4, 'd')")
    assert delta(session, "I") == [(1, "a", "INSERT", False), (2, "z", "INSERT", False), (4, "d", "INSERT", False)]
    consume(session, "I")
    run(session, "UPDATE T SET VAL = 'y' WHERE ID = 1")
    assert delta(session, "I") == [(1, "a", "DELETE", True), (1, "y", "INSERT", True)]


def test_show_initial_rows_first_read_in_a_transaction_that_changed_the_table(session: LocalSession) -> None:
    # The initial rows are the table at the stream's creation; the transaction's own changes come after its
    # start, so they are neither in the initial rows nor in this read: they are pending after COMMIT.
    run(session, "INSERT INTO T VALUES (1, 'a'), (2, 'b')", "CREATE STREAM I ON TABLE T SHOW_INITIAL_ROWS = TRUE")
    run(session, "BEGIN", "INSERT INTO T VALUES (3, 'c')", "DELETE FROM T WHERE ID = 2")
    assert delta(session, "I") == [(1, "a", "INSERT", False), (2, "b", "INSERT", False)]
    assert consume(session, "I") == [(1, "a", "INSERT", False), (2, "b", "INSERT", False)]
    run(session, "COMMIT")
    assert delta(session, "I") == [(2, "b", "DELETE", False), (3, "c", "INSERT", False)]


def test_show_and_describe_streams(session: LocalSession) -> None:
    run(session, "CREATE STREAM A ON TABLE T APPEND_ONLY = TRUE COMMENT = 'appends'")
    rows = session.sql("SHOW STREAMS IN SCHEMA MOVIES.PUBLIC").collect()
    picked = [
        (
            r["name"],
            r["database_name"],
            r["schema_name"],
            r["table_name"],
            r["mode"],
            r["stale"],
            r["type"],
            r["comment"],
        )
        for r in rows
    ]
    assert picked == [
        ("A", "MOVIES", "PUBLIC", "MOVIES.PUBLIC.T", "APPEND_ONLY", "false", "DELTA", "appends"),
        ("S", "MOVIES", "PUBLIC", "MOVIES.PUBLIC.T", "DEFAULT", "false", "DELTA", ""),
    ]
    assert [r["name"] for r in session.sql("SHOW STREAMS LIKE 'a%'").collect()] == ["A"]
    # a database that does not exist is Snowflake's error, not an empty list
    with pytest.raises(LocalEngineError, match="Database 'OTHERDB' does not exist or not authorized"):
        session.sql("SHOW STREAMS IN DATABASE OTHERDB").collect()
    described = session.sql("DESCRIBE STREAM MOVIES.PUBLIC.S").collect()
    assert [(r["name"], r["mode"]) for r in described] == [("S", "DEFAULT")]


def test_create_or_replace_and_drop_stream(session: LocalSession) -> None:
    run(session, "INSERT INTO T VALUES (1, 'a')")
    assert session.sql("CREATE OR REPLACE STREAM S ON TABLE T").collect() == [
        Row(status="Stream S successfully created.")
    ]
    assert delta(session) == []  # a replaced stream starts again at the table's current state
    with pytest.raises(LocalEngineError, match=r"Object 'MOVIES\.PUBLIC\.S' already exists"):
        run(session, "CREATE STREAM S ON TABLE T")
    assert session.sql("DROP STREAM S").collect() == [Row(status="S successfully dropped.")]
    assert session.sql("DROP STREAM IF EXISTS S").collect() == [
        Row(status="Drop statement executed successfully (S already dropped).")
    ]
    with pytest.raises(LocalEngineError, match=r"Stream 'MOVIES\.PUBLIC\.S' does not exist"):
        run(session, "DROP STREAM S")


def test_a_failing_create_or_replace_leaves_the_table_and_its_stream(session: LocalSession) -> None:
    run(session, "INSERT INTO T VALUES (1, 'a')")
    with pytest.raises(LocalEngineError, match="Object 'NOPE' does not exist or not authorized"):
        run(session, "CREATE OR REPLACE TABLE T AS SELECT * FROM NOPE")
    assert session.sql("SELECT ID, VAL FROM T").collect() == [Row(ID=1, VAL="a")]
    assert delta(session) == [(1, "a", "INSERT", False)]


def test_create_or_replace_from_its_own_stream_reads_the_stream_first(session: LocalSession) -> None:
    run(
        session,
        "INSERT INTO T VALUES (1, 'a')",
        'CREATE OR REPLACE TABLE T AS SELECT ID, VAL, "METADATA$ACTION" AS A FROM S',
    )
    assert session.sql("SELECT * FROM T").collect() == [Row(ID=1, VAL="a", A="INSERT")]
    assert [r["stale"] for r in session.sql("SHOW STREAMS").collect()] == ["true"]


def test_dropping_the_table_makes_the_stream_stale(session: LocalSession) -> None:
    assert session.sql("DROP TABLE T").collect() == [Row(status="T successfully dropped.")]
    assert [r["stale"] for r in session.sql("SHOW STREAMS").collect()] == ["true"]
    with pytest.raises(LocalEngineError, match="is stale"):
        delta(session)


def test_a_failed_read_of_a_stale_stream_leaves_the_other_reads_usable(session: LocalSession) -> None:
    run(session, "CREATE TABLE U (ID INT)", "CREATE STREAM S2 ON TABLE U", "DROP TABLE U")
    run(session, "INSERT INTO T VALUES (1, 'a')")
    with pytest.raises(LocalEngineError, match="S2 is stale"):
        run(session, "CREATE TABLE X AS SELECT S.ID FROM S, S2")  # S is read first, then S2 fails
    run(session, "CREATE TABLE Y AS SELECT ID, VAL FROM S")
    assert session.sql("SELECT * FROM Y").collect() == [Row(ID=1, VAL="a")]
    assert delta(session) == [(1, "a", "INSERT", False)]


def test_a_view_over_a_stream_is_refused(session: LocalSession) -> None:
    with pytest.raises(UnsupportedSqlError, match="A view over a stream is not supported by the local engine"):
        run(session, "CREATE VIEW V AS SELECT * FROM S")
    run(session, "INSERT INTO T VALUES (1, 'a')")
    assert delta(session) == [(1, "a", "INSERT", False)]


def test_stream_is_not_a_dml_target(session: LocalSession) -> None:
    with pytest.raises(LocalEngineError, match="cannot be the target of DML"):
        run(session, "DELETE FROM S")


def test_cross_statement_consume_into_same_table(session: LocalSession) -> None:
    # A statement that reads a stream and writes its base table: its own change stays pending.
    run(session, "INSERT INTO T VALUES (1, 'a')")
    run(session, "INSERT INTO T SELECT ID + 10, VAL FROM S")
    assert delta(session) == [(11, "a", "INSERT", False)]
