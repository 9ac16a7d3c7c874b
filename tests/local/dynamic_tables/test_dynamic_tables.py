"""Dynamic tables on LocalSession: DDL and SHOW, scheduling, DOWNSTREAM, manual refresh, history, restart."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from dynamic_helpers import due, history, rows, run_at, shown, utc

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local import LocalSession
from moviecdc.local.core.names import ObjectName
from moviecdc.local.dynamic_tables import catalog as dynamic_catalog
from moviecdc.local.dynamic_tables.statements import latest_time

T0 = datetime(2026, 1, 1, 12, 0)
MINUTE = timedelta(minutes=1)
TOTALS = "CREATE DYNAMIC TABLE TOTALS TARGET_LAG = '1 minute' WAREHOUSE = WH AS " + (
    "SELECT K, COUNT(*) AS N, MAX(V) AS TOP FROM EVENTS GROUP BY K"
)


@pytest.fixture
def session() -> Iterator[LocalSession]:
    """MOVIES.PUBLIC at T0 with EVENTS (K, V): a -> 1, 2 and b -> 5."""
    with LocalSession(database="MOVIES", schema="PUBLIC", start=T0) as s:
        s.sql("CREATE TABLE EVENTS (K VARCHAR, V INT)").collect()
        s.sql("INSERT INTO EVENTS VALUES ('a', 1), ('a', 2), ('b', 5)").collect()
        yield s


def totals(session: LocalSession, table: str = "TOTALS") -> list[tuple[object, ...]]:
    return rows(session, f"SELECT * FROM {table} ORDER BY K")


# -- creation -----------------------------------------------------------------------------------------------


def test_create_initialises_at_once_and_shows_like_snowflake(session: LocalSession) -> None:
    assert rows(session, TOTALS) == [("Table TOTALS successfully created.",)]
    assert totals(session) == [("a", 2, 2), ("b", 1, 5)]
    row = shown(session, "TOTALS")
    assert utc(T0) <= row["data_timestamp"] < utc(T0 + timedelta(seconds=1))
    assert {k: row[k] for k in ("name", "database_name", "schema_name", "target_lag", "refresh_mode")} == {
        "name": "TOTALS",
        "database_name": "MOVIES",
        "schema_name": "PUBLIC",
        "target_lag": "1 minute",
        "refresh_mode": "INCREMENTAL",
    }
    assert (row["refresh_mode_reason"], row["warehouse"], row["scheduling_state"], row["rows"]) == (
        None,
        "WH",
        "ACTIVE",
        2,
    )
    assert row["text"] == TOTALS
    assert history(session, "TOTALS") == [("SUCCEEDED", "REINITIALIZE", "CREATION")]


def test_multi_line_quoted_statement_as_the_pipeline_sends_it(session: LocalSession) -> None:
    text = (
        'CREATE OR ALTER DYNAMIC TABLE "MOVIES"."PUBLIC"."TOTALS"\n  TARGET_LAG = DOWNSTREAM\n'
        '  WAREHOUSE = "COMPUTE_WH"\n  REFRESH_MODE = INCREMENTAL\nAS\nSELECT\n  "K",\n  COUNT(*) AS "N"\n'
        'FROM "MOVIES"."PUBLIC"."EVENTS"\nGROUP BY\n  "K";'
    )
    assert rows(session, text) == [("Table TOTALS successfully created.",)]
    assert (shown(session, "TOTALS")["target_lag"], shown(session, "TOTALS")["warehouse"]) == (
        "DOWNSTREAM",
        "COMPUTE_WH",
    )
    assert totals(session) == [("a", 2), ("b", 1)]


def test_if_not_exists_plain_create_and_or_replace(session: LocalSession) -> None:
    session.sql(TOTALS).collect()
    assert rows(session, TOTALS.replace("TABLE TOTALS", "TABLE IF NOT EXISTS TOTALS")) == [
        ("TOTALS already exists, statement succeeded.",)
    ]
    with pytest.raises(LocalEngineError, match=r"Object 'MOVIES.PUBLIC.TOTALS' already exists"):
        session.sql(TOTALS).collect()
    session.sql("INSERT INTO EVENTS VALUES ('c', 7)").collect()
    assert rows(session, TOTALS.replace("CREATE", "CREATE OR REPLACE")) == [("Table TOTALS successfully created.",)]
    assert totals(session) == [("a", 2, 2), ("b", 1, 5), ("c", 1, 7)]
    assert history(session, "TOTALS") == [("SUCCEEDED", "REINITIALIZE", "CREATION")] * 2


def test_create_or_alter_keeps_data_when_only_lag_or_warehouse_change(session: LocalSession) -> None:
    session.sql(TOTALS).collect()
    session.sql("INSERT INTO EVENTS VALUES ('c', 7)").collect()
    altered = TOTALS.replace("CREATE", "CREATE OR ALTER").replace("'1 minute'", "'5 minutes'").replace("WH", "BIG_WH")
    assert rows(session, altered) == [("Statement executed successfully.",)]
    assert totals(session) == [("a", 2, 2), ("b", 1, 5)]  # not recomputed: c is not there yet
    assert (shown(session, "TOTALS")["target_lag"], shown(session, "TOTALS")["warehouse"]) == ("5 minutes", "BIG_WH")
    assert history(session, "TOTALS") == [("SUCCEEDED", "REINITIALIZE", "CREATION")]
    assert due(session) == T0 + 5 * MINUTE
    assert dynamic_catalog.load(session._engine)[ObjectName("MOVIES", "PUBLIC", "TOTALS")].strategy == "AGGREGATE"


def test_create_or_alter_reinitialises_when_the_query_or_the_mode_changes(session: LocalSession) -> None:
    session.sql(TOTALS).collect()
    session.sql("INSERT INTO EVENTS VALUES ('c', 7)").collect()
    changed = TOTALS.replace("CREATE", "CREATE OR ALTER").replace("MAX(V) AS TOP", "MIN(V) AS LOW")
    assert rows(session, changed) == [("Statement executed successfully.",)]
    assert totals(session) == [("a", 2, 1), ("b", 1, 5), ("c", 1, 7)]
    assert [d[0] for d in session.sql("DESCRIBE TABLE TOTALS").collect()] == ["K", "N", "LOW"]
    full = changed.replace("WAREHOUSE = WH", "WAREHOUSE = WH REFRESH_MODE = FULL")
    session.sql("DELETE FROM EVENTS WHERE K = 'c'").collect()
    session.sql(full).collect()
    assert totals(session) == [("a", 2, 1), ("b", 1, 5)]
    assert shown(session, "TOTALS")["refresh_mode"] == "FULL"
    assert history(session, "TOTALS") == [
        ("SUCCEEDED", "REINITIALIZE", "CREATION"),
        ("SUCCEEDED", "REINITIALIZE", "CREATION"),
        ("SUCCEEDED", "FULL", "CREATION"),
    ]


def test_initialize_on_schedule_waits_for_the_first_refresh(session: LocalSession) -> None:
    session.sql(TOTALS.replace("WAREHOUSE = WH", "WAREHOUSE = WH INITIALIZE = ON_SCHEDULE")).collect()
    assert totals(session) == []
    assert history(session, "TOTALS") == []
    assert due(session) == T0 + MINUTE
    run_at(session, T0 + MINUTE)
    assert totals(session) == [("a", 2, 2), ("b", 1, 5)]
    assert history(session, "TOTALS") == [("SUCCEEDED", "REINITIALIZE", "SCHEDULED")]


# -- scheduling -------------------------------------------------------------------------------------------------


def test_a_time_lag_falls_due_at_data_timestamp_plus_lag(session: LocalSession) -> None:
    session.sql(TOTALS).collect()
    assert due(session) == T0 + MINUTE
    run_at(session, T0 + MINUTE - timedelta(seconds=1))
    assert history(session, "TOTALS") == [("SUCCEEDED", "REINITIALIZE", "CREATION")]
    session.sql("INSERT INTO EVENTS VALUES ('a', 9)").collect()
    run_at(session, T0 + MINUTE)
    assert totals(session) == [("a", 3, 9), ("b", 1, 5)]
    assert shown(session, "TOTALS")["data_timestamp"] == utc(T0 + MINUTE)
    assert due(session) == T0 + 2 * MINUTE
    run_at(session, T0 + 2 * MINUTE)  # nothing changed: NO_DATA, and DATA_TIMESTAMP still moves
    assert shown(session, "TOTALS")["data_timestamp"] == utc(T0 + 2 * MINUTE)
    assert history(session, "TOTALS") == [
        ("SUCCEEDED", "REINITIALIZE", "CREATION"),
        ("SUCCEEDED", "INCREMENTAL", "SCHEDULED"),
        ("SUCCEEDED", "NO_DATA", "SCHEDULED"),
    ]


def test_aggregate_state_follows_deletes_of_the_extreme_and_of_whole_groups(session: LocalSession) -> None:
    session.sql(TOTALS).collect()
    session.sql("DELETE FROM EVENTS WHERE V = 2").collect()  # a's MAX goes: recomputed from a's rows
    session.sql("UPDATE EVENTS SET V = 7 WHERE K = 'b'").collect()
    run_at(session, T0 + MINUTE)
    assert totals(session) == [("a", 1, 1), ("b", 1, 7)]
    session.sql("DELETE FROM EVENTS WHERE K = 'a'").collect()  # the group disappears
    session.sql("INSERT INTO EVENTS VALUES (NULL, 4), (NULL, NULL)").collect()  # a NULL group
    run_at(session, T0 + 2 * MINUTE)
    assert rows(session, "SELECT * FROM TOTALS ORDER BY K NULLS FIRST") == [(None, 2, 4), ("b", 1, 7)]
    assert [a for _, a, _ in history(session, "TOTALS")] == ["REINITIALIZE", "INCREMENTAL", "INCREMENTAL"]


def test_advance_drives_the_refreshes(session: LocalSession) -> None:
    session.sql(TOTALS).collect()
    session.sql("INSERT INTO EVENTS VALUES ('b', 6)").collect()
    session.advance(seconds=59)
    assert totals(session) == [("a", 2, 2), ("b", 1, 5)]
    session.advance(seconds=1)
    assert totals(session) == [("a", 2, 2), ("b", 2, 6)]
    session.advance(minutes=3)
    assert [a for _, a, _ in history(session, "TOTALS")] == ["REINITIALIZE", "INCREMENTAL", *["NO_DATA"] * 3]


def test_downstream_refreshes_only_with_a_table_that_reads_it(session: LocalSession) -> None:
    session.sql(
        "CREATE DYNAMIC TABLE LATEST TARGET_LAG = DOWNSTREAM WAREHOUSE = WH AS "
        "SELECT K, V FROM EVENTS QUALIFY ROW_NUMBER() OVER (PARTITION BY K ORDER BY V DESC) = 1"
    ).collect()
    assert due(session) is None  # nothing reads it: a DOWNSTREAM table alone never refreshes
    session.sql(
        "CREATE DYNAMIC TABLE TOP TARGET_LAG = '2 minutes' WAREHOUSE = WH AS SELECT MAX(V) AS BEST FROM LATEST"
    ).collect()
    assert shown(session, "TOP")["refresh_mode"] == "FULL"
    session.sql("INSERT INTO EVENTS VALUES ('c', 40)").collect()
    assert due(session) == T0 + 2 * MINUTE
    run_at(session, T0 + 2 * MINUTE)
    assert rows(session, "SELECT * FROM LATEST ORDER BY K") == [("a", 2), ("b", 5), ("c", 40)]
    assert rows(session, "SELECT * FROM TOP") == [(40,)]
    assert history(session, "LATEST") == [
        ("SUCCEEDED", "REINITIALIZE", "CREATION"),
        ("SUCCEEDED", "NO_DATA", "CREATION"),  # TOP's creation brought LATEST to the same snapshot
        ("SUCCEEDED", "INCREMENTAL", "SCHEDULED"),
    ]
    assert shown(session, "LATEST")["data_timestamp"] == shown(session, "TOP")["data_timestamp"] == utc(T0 + 2 * MINUTE)


def test_manual_refresh_refreshes_upstream_first_from_one_snapshot(session: LocalSession) -> None:
    session.sql(
        "CREATE DYNAMIC TABLE PER_KEY TARGET_LAG = DOWNSTREAM WAREHOUSE = WH AS "
        "SELECT K, SUM(V) AS TOTAL FROM EVENTS GROUP BY K"
    ).collect()
    session.sql(
        "CREATE DYNAMIC TABLE BIG TARGET_LAG = '1 hour' WAREHOUSE = WH AS SELECT K FROM PER_KEY WHERE TOTAL > 4"
    ).collect()
    session.sql("INSERT INTO EVENTS VALUES ('a', 10), ('c', 1)").collect()
    assert rows(session, "ALTER DYNAMIC TABLE BIG REFRESH") == [("Statement executed successfully.",)]
    assert rows(session, "SELECT * FROM PER_KEY ORDER BY K") == [("a", 13), ("b", 5), ("c", 1)]
    assert rows(session, "SELECT * FROM BIG ORDER BY K") == [("a",), ("b",)]
    assert history(session, "PER_KEY")[-1] == ("SUCCEEDED", "INCREMENTAL", "MANUAL")
    assert history(session, "BIG")[-1] == ("SUCCEEDED", "INCREMENTAL", "MANUAL")
    assert shown(session, "PER_KEY")["data_timestamp"] == shown(session, "BIG")["data_timestamp"]


def test_tables_due_at_one_instant_share_one_snapshot(session: LocalSession) -> None:
    session.sql(TOTALS).collect()
    session.sql(TOTALS.replace("TOTALS", "AGAIN")).collect()
    session.sql("INSERT INTO EVENTS VALUES ('z', 3)").collect()
    run_at(session, T0 + MINUTE)
    assert totals(session) == totals(session, "AGAIN") == [("a", 2, 2), ("b", 1, 5), ("z", 1, 3)]
    assert shown(session, "TOTALS")["data_timestamp"] == shown(session, "AGAIN")["data_timestamp"]


def test_suspend_and_resume(session: LocalSession) -> None:
    session.sql(TOTALS).collect()
    session.sql("CREATE DYNAMIC TABLE COPY TARGET_LAG = '1 minute' WAREHOUSE = WH AS SELECT K, N FROM TOTALS").collect()
    assert rows(session, "ALTER DYNAMIC TABLE TOTALS SUSPEND") == [("Statement executed successfully.",)]
    assert (shown(session, "TOTALS")["scheduling_state"], shown(session, "COPY")["scheduling_state"]) == (
        "SUSPENDED",
        "SUSPENDED",  # an upstream table is suspended (Snowflake: UPSTREAM_SUSPENDED)
    )
    assert due(session) is None
    session.sql("INSERT INTO EVENTS VALUES ('c', 1)").collect()
    session.advance(minutes=5)
    assert rows(session, "SELECT * FROM COPY ORDER BY K") == [("a", 2), ("b", 1)]
    session.sql("ALTER DYNAMIC TABLE TOTALS RESUME").collect()
    assert shown(session, "COPY")["scheduling_state"] == "ACTIVE"
    session.advance(minutes=1)
    assert rows(session, "SELECT * FROM COPY ORDER BY K") == [("a", 2), ("b", 1), ("c", 1)]


def test_alter_set_target_lag(session: LocalSession) -> None:
    session.sql(TOTALS).collect()
    session.sql("ALTER DYNAMIC TABLE TOTALS SET TARGET_LAG = '10 minutes' WAREHOUSE = OTHER").collect()
    assert (shown(session, "TOTALS")["target_lag"], shown(session, "TOTALS")["warehouse"]) == ("10 minutes", "OTHER")
    assert due(session) == T0 + 10 * MINUTE


# -- history: honest actions and failures -------------------------------------------------------------------------


def test_full_refresh_when_the_query_does_not_qualify(session: LocalSession) -> None:
    session.sql(
        "CREATE DYNAMIC TABLE GRAND TARGET_LAG = '1 minute' WAREHOUSE = WH REFRESH_MODE = INCREMENTAL AS "
        "SELECT COUNT(*) AS N FROM EVENTS"
    ).collect()
    row = shown(session, "GRAND")
    assert row["refresh_mode"] == "FULL"
    assert row["refresh_mode_reason"] == (
        "The local engine cannot refresh this query incrementally: an aggregate without GROUP BY (a grand total) "
        "reads every row. REFRESH_MODE = INCREMENTAL was requested: Snowflake would refuse to create the table; "
        "the local engine refreshes it in full instead."
    )
    run_at(session, T0 + MINUTE)
    session.sql("INSERT INTO EVENTS VALUES ('q', 0)").collect()
    run_at(session, T0 + 2 * MINUTE)
    assert rows(session, "SELECT * FROM GRAND") == [(4,)]
    assert history(session, "GRAND") == [
        ("SUCCEEDED", "FULL", "CREATION"),
        ("SUCCEEDED", "NO_DATA", "SCHEDULED"),
        ("SUCCEEDED", "FULL", "SCHEDULED"),
    ]


def test_current_timestamp_is_taken_at_each_refresh(session: LocalSession) -> None:
    session.sql(
        "CREATE DYNAMIC TABLE STAMPED TARGET_LAG = '1 minute' WAREHOUSE = WH AS "
        "SELECT K, CURRENT_TIMESTAMP() AS STAMP FROM EVENTS WHERE V = 5"
    ).collect()
    assert shown(session, "STAMPED")["refresh_mode"] == "FULL"
    for minute in (1, 2):
        session.sql(f"INSERT INTO EVENTS VALUES ('x{minute}', 0)").collect()  # a change: not NO_DATA
        run_at(session, T0 + minute * MINUTE)
        assert rows(session, "SELECT K, STAMP FROM STAMPED") == [("b", utc(T0 + minute * MINUTE))]


def test_history_columns_and_statistics(session: LocalSession) -> None:
    session.sql(TOTALS).collect()
    session.sql("INSERT INTO EVENTS VALUES ('a', 4)").collect()
    run_at(session, T0 + MINUTE)
    found = session.sql(
        "SELECT * FROM TABLE(MOVIES.INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY("
        "NAME => '\"MOVIES\".public.totals', RESULT_LIMIT => 1))"
    ).collect()
    assert len(found) == 1
    last = found[0].as_dict()
    assert {k: last[k] for k in ("NAME", "SCHEMA_NAME", "DATABASE_NAME", "QUALIFIED_NAME", "STATE")} == {
        "NAME": "TOTALS",
        "SCHEMA_NAME": "PUBLIC",
        "DATABASE_NAME": "MOVIES",
        "QUALIFIED_NAME": "MOVIES.PUBLIC.TOTALS",
        "STATE": "SUCCEEDED",
    }
    assert (last["REFRESH_ACTION"], last["REFRESH_TRIGGER"], last["TARGET_LAG_SEC"]) == ("INCREMENTAL", "SCHEDULED", 60)
    assert last["DATA_TIMESTAMP"] == last["REFRESH_START_TIME"] == last["REFRESH_END_TIME"] == utc(T0 + MINUTE)
    created = shown(session, "TOTALS")["created_on"]
    assert last["COMPLETION_TARGET"] == created + MINUTE  # the previous DATA_TIMESTAMP plus the lag
    assert last["STATISTICS"] == '{"numInsertedRows":1,"numDeletedRows":1}'  # the key 'a' was recomputed
    assert last["STATE_MESSAGE"] is None


def test_a_failing_refresh_is_recorded_retried_and_suspends_after_five(session: LocalSession) -> None:
    session.sql(TOTALS).collect()
    session.sql("CREATE DYNAMIC TABLE COPY TARGET_LAG = DOWNSTREAM WAREHOUSE = WH AS SELECT K FROM TOTALS").collect()
    session.sql(TOTALS.replace("TOTALS", "TOTALS2").replace("'1 minute'", "DOWNSTREAM")).collect()
    session.sql("DROP TABLE EVENTS").collect()
    run_at(session, T0 + MINUTE)
    assert history(session, "TOTALS")[-1] == ("FAILED", None, "SCHEDULED")
    message = rows(
        session,
        "SELECT STATE_MESSAGE FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY(NAME => 'TOTALS', "
        "ERROR_ONLY => TRUE))",
    )
    assert message == [("SQL compilation error: Object 'MOVIES.PUBLIC.EVENTS' does not exist or not authorized.",)]
    assert totals(session) == [("a", 2, 2), ("b", 1, 5)]  # the last good data stays
    assert due(session) == T0 + 2 * MINUTE  # retried one lag later
    for minute in range(2, 6):
        run_at(session, T0 + minute * MINUTE)
    # created, then brought to COPY's snapshot when COPY was created, then five failures
    assert [s for s, _, _ in history(session, "TOTALS")] == ["SUCCEEDED"] * 2 + ["FAILED"] * 5
    assert shown(session, "TOTALS")["scheduling_state"] == "SUSPENDED"
    assert due(session) is None
    with pytest.raises(LocalEngineError, match=r"Refresh of dynamic table MOVIES\.PUBLIC\.COPY failed: Upstream"):
        session.sql("ALTER DYNAMIC TABLE COPY REFRESH").collect()
    assert history(session, "COPY")[-1] == ("UPSTREAM_FAILED", None, "MANUAL")


def test_a_source_created_again_reinitialises(session: LocalSession) -> None:
    session.sql(TOTALS).collect()
    session.sql("CREATE OR REPLACE TABLE EVENTS (K VARCHAR, V INT)").collect()
    session.sql("INSERT INTO EVENTS VALUES ('n', 1)").collect()
    run_at(session, T0 + MINUTE)
    assert totals(session) == [("n", 1, 1)]
    assert history(session, "TOTALS")[-1] == ("SUCCEEDED", "REINITIALIZE", "SCHEDULED")


# -- refusals ----------------------------------------------------------------------------------------------------


def test_reading_a_stream_is_refused(session: LocalSession) -> None:
    session.sql("CREATE STREAM S ON TABLE EVENTS").collect()
    with pytest.raises(LocalEngineError, match="dynamic tables cannot read from streams"):
        session.sql("CREATE DYNAMIC TABLE D TARGET_LAG = '1 minute' WAREHOUSE = WH AS SELECT * FROM S").collect()
    assert rows(session, "SHOW DYNAMIC TABLES") == []


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO TOTALS VALUES ('x', 1, 1)",
        "UPDATE TOTALS SET N = 0",
        "DELETE FROM TOTALS",
        "MERGE INTO TOTALS USING EVENTS ON TOTALS.K = EVENTS.K WHEN MATCHED THEN DELETE",
        "TRUNCATE TABLE TOTALS",
        # every INTO clause of a multi-table insert is a target (it wrote the dynamic table's storage before)
        "INSERT ALL INTO EVENTS (K) VALUES (K) INTO TOTALS SELECT 'x' AS K, 1 AS N, 1 AS TOP",
        "INSERT OVERWRITE FIRST WHEN TRUE THEN INTO TOTALS SELECT 'x' AS K, 1 AS N, 1 AS TOP",
    ],
)
def test_dml_on_a_dynamic_table_is_refused(session: LocalSession, statement: str) -> None:
    session.sql(TOTALS).collect()
    with pytest.raises(LocalEngineError, match=r"Dynamic table MOVIES\.PUBLIC\.TOTALS cannot be changed by"):
        session.sql(statement).collect()
    assert totals(session) == [("a", 2, 2), ("b", 1, 5)]


def test_table_ddl_and_write_pandas_on_a_dynamic_table_are_refused(session: LocalSession) -> None:
    session.sql(TOTALS).collect()
    for statement in (
        "DROP TABLE TOTALS",
        "ALTER TABLE TOTALS ADD COLUMN X INT",
        "CREATE OR REPLACE TABLE TOTALS (X INT)",
    ):
        with pytest.raises(LocalEngineError, match="Object found is of type 'DYNAMIC_TABLE'"):
            session.sql(statement).collect()
    with pytest.raises(LocalEngineError, match="cannot be written by write_pandas"):
        session.write_pandas(pd.DataFrame({"K": ["x"], "N": [1], "TOP": [1]}), "TOTALS")
    assert totals(session) == [("a", 2, 2), ("b", 1, 5)]


def test_other_refusals_and_errors(session: LocalSession) -> None:
    with pytest.raises(LocalEngineError, match="below the minimum of 1 minute"):
        session.sql(TOTALS.replace("'1 minute'", "'30 seconds'")).collect()
    with pytest.raises(LocalEngineError, match="needs WAREHOUSE"):
        session.sql("CREATE DYNAMIC TABLE D TARGET_LAG = '1 minute' AS SELECT * FROM EVENTS").collect()
    with pytest.raises(UnsupportedSqlError, match="option CLUSTER BY is not supported"):
        session.sql("CREATE DYNAMIC TABLE D TARGET_LAG = '1 minute' WAREHOUSE = W CLUSTER BY (K) AS SELECT 1").collect()
    with pytest.raises(LocalEngineError, match=r"Object 'MOVIES\.PUBLIC\.NOPE' does not exist"):
        session.sql("CREATE DYNAMIC TABLE D TARGET_LAG = '1 minute' WAREHOUSE = W AS SELECT * FROM NOPE").collect()
    session.sql("CREATE DATABASE OTHER").collect()  # and OTHER.PUBLIC
    session.sql("CREATE TABLE OTHER.PUBLIC.T (K INT)").collect()
    with pytest.raises(UnsupportedSqlError, match="from another database"):
        session.sql(
            "CREATE DYNAMIC TABLE MOVIES.PUBLIC.D TARGET_LAG = '1 minute' WAREHOUSE = W AS SELECT * FROM OTHER.PUBLIC.T"
        ).collect()
    with pytest.raises(LocalEngineError, match=r"Dynamic table 'MOVIES\.PUBLIC\.NOPE' does not exist"):
        session.sql("ALTER DYNAMIC TABLE MOVIES.PUBLIC.NOPE REFRESH").collect()
    assert rows(session, "ALTER DYNAMIC TABLE IF EXISTS MOVIES.PUBLIC.NOPE SUSPEND") == [
        ("Statement executed successfully.",)
    ]
    with pytest.raises(UnsupportedSqlError, match="DESCRIBE DYNAMIC TABLE is not supported"):
        session.sql("DESCRIBE DYNAMIC TABLE MOVIES.PUBLIC.NOPE").collect()


def test_drop(session: LocalSession) -> None:
    session.sql(TOTALS).collect()
    assert rows(session, "DROP DYNAMIC TABLE TOTALS") == [("TOTALS successfully dropped.",)]
    assert rows(session, "DROP DYNAMIC TABLE IF EXISTS TOTALS") == [
        ("Drop statement executed successfully (TOTALS already dropped).",)
    ]
    with pytest.raises(LocalEngineError, match=r"Dynamic table 'MOVIES\.PUBLIC\.TOTALS' does not exist"):
        session.sql("DROP DYNAMIC TABLE TOTALS").collect()
    assert rows(session, "SHOW DYNAMIC TABLES") == []
    assert due(session) is None
    # The refresh history outlives the table, as in Snowflake.
    assert history(session, "TOTALS") == [("SUCCEEDED", "REINITIALIZE", "CREATION")]
    session.sql("INSERT INTO EVENTS VALUES ('a', 1)").collect()  # the source no longer needs change tracking


# -- SHOW and persistence --------------------------------------------------------------------------------------------


def test_show_filters(session: LocalSession) -> None:
    session.sql(TOTALS).collect()
    session.sql(TOTALS.replace("TOTALS", "TOTAL_2")).collect()
    session.sql("CREATE SCHEMA MOVIES.OTHER").collect()
    session.sql(
        TOTALS.replace("TABLE TOTALS", "TABLE MOVIES.OTHER.ELSEWHERE").replace("EVENTS", "MOVIES.PUBLIC.EVENTS")
    ).collect()
    names = lambda text: [r["name"] for r in session.sql(text).collect()]  # noqa: E731
    assert names("SHOW DYNAMIC TABLES IN SCHEMA MOVIES.PUBLIC") == ["TOTALS", "TOTAL_2"]
    assert names("SHOW DYNAMIC TABLES LIKE 'total%' IN DATABASE MOVIES") == ["TOTALS", "TOTAL_2"]
    assert names("SHOW DYNAMIC TABLES IN ACCOUNT") == ["ELSEWHERE", "TOTALS", "TOTAL_2"]
    assert names("SHOW DYNAMIC TABLES IN ACCOUNT STARTS WITH 'E'") == ["ELSEWHERE"]
    assert names("SHOW DYNAMIC TABLES IN ACCOUNT LIMIT 1") == ["ELSEWHERE"]


def test_restart_from_a_path_carries_on(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    with LocalSession(folder, database="MOVIES", schema="PUBLIC", start=T0) as first:
        first.sql("CREATE TABLE EVENTS (K VARCHAR, V INT)").collect()
        first.sql("INSERT INTO EVENTS VALUES ('a', 1), ('b', 5)").collect()
        first.sql(TOTALS).collect()
        first.sql("INSERT INTO EVENTS VALUES ('a', 3)").collect()  # pending for the next refresh
    with LocalSession(folder, database="MOVIES", schema="PUBLIC", start=T0 + MINUTE) as second:
        assert shown(second, "TOTALS")["refresh_mode"] == "INCREMENTAL"
        assert totals(second) == [("a", 1, 1), ("b", 1, 5)]
        assert due(second) == T0 + MINUTE
        run_at(second, T0 + MINUTE)
        assert totals(second) == [("a", 2, 3), ("b", 1, 5)]
        assert history(second, "TOTALS") == [
            ("SUCCEEDED", "REINITIALIZE", "CREATION"),
            ("SUCCEEDED", "INCREMENTAL", "SCHEDULED"),
        ]
        latest = latest_time(second._engine)
        assert latest is not None
        assert T0 + MINUTE <= latest < T0 + MINUTE + timedelta(seconds=1)


def test_pipeline_status_statements_run_on_local_session(session: LocalSession) -> None:
    """The exact statements Pipeline.status() sends (tests/test_status.py), with quoted name parts."""
    session.sql(TOTALS.replace("'1 minute'", "'2 minutes'")).collect()
    show = rows(session, 'SHOW DYNAMIC TABLES LIKE \'TOTALS\' IN SCHEMA "MOVIES"."PUBLIC"')
    assert len(show) == 1
    found = rows(
        session,
        'SELECT "NAME", "STATE", "REFRESH_ACTION", "DATA_TIMESTAMP", "REFRESH_START_TIME", "REFRESH_END_TIME", '
        '"STATE_MESSAGE" FROM TABLE("MOVIES".INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY('
        'NAME => \'"MOVIES"."PUBLIC"."TOTALS"\', RESULT_LIMIT => 5)) ORDER BY "REFRESH_START_TIME" DESC',
    )
    assert [(r[0], r[1], r[2], r[6]) for r in found] == [("TOTALS", "SUCCEEDED", "REINITIALIZE", None)]


CRASH_CHILD = Path(__file__).with_name("dynamic_crash_child.py")


@pytest.mark.slow
def test_sigkill_during_refreshes_leaves_every_table_consistent(tmp_path: Path) -> None:
    """Rows, offsets, DATA_TIMESTAMP and history commit together: after kills at random instants, the next
    refreshes (incremental, from the persisted offsets) give exactly what a full recompute gives."""
    folder = tmp_path / "db"
    rng = random.Random(7)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    refreshed = 0
    for round_ in range(3):
        journal = tmp_path / f"journal{round_}.txt"
        child = subprocess.Popen(
            [sys.executable, str(CRASH_CHILD), str(folder), str(journal), str(1000 * round_)], env=env
        )
        deadline = time.monotonic() + 60
        while not (journal.exists() and "ready" in journal.read_text(encoding="utf-8")):
            assert child.poll() is None, "the child died before it was ready"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(rng.uniform(0.3, 1.2))
        child.send_signal(signal.SIGKILL)
        child.wait()
        refreshed += journal.read_text(encoding="utf-8").count(" ;")
    assert refreshed > 3, "the child refreshed too little before it was killed; the test proves little"
    with LocalSession(folder, database="MOVIES", schema="PUBLIC") as s:
        s.sql("ALTER DYNAMIC TABLE BIG REFRESH").collect()
        s.sql("ALTER DYNAMIC TABLE LATEST REFRESH").collect()
        per_key = "SELECT K, COUNT(*) AS N, SUM(V) AS TOTAL, MAX(V) AS TOP FROM EVENTS GROUP BY K ORDER BY K"
        assert rows(s, "SELECT * FROM PER_KEY ORDER BY K") == rows(s, per_key)
        assert rows(s, "SELECT * FROM BIG ORDER BY K") == [(k, n) for k, n, _, _ in rows(s, per_key) if n > 3]
        assert rows(s, "SELECT * FROM LATEST ORDER BY K") == rows(
            s, "SELECT K, MAX(V) FROM EVENTS GROUP BY K ORDER BY K"
        )
        for name in ("PER_KEY", "LATEST", "BIG"):
            assert {a for _, a, _ in history(s, name)} <= {"REINITIALIZE", "INCREMENTAL", "NO_DATA"}


def test_incremental_refresh_of_a_source_with_a_column_named_rowid(session: LocalSession) -> None:
    # A ROWID column hides DuckDB's rowid, by which the partition refresh otherwise reads the source's rows.
    session.sql("CREATE TABLE RAW (ROWID INT, K INT, V INT)").collect()
    session.sql("INSERT INTO RAW VALUES (1, 1, 10), (2, 2, 20), (3, 2, 19)").collect()
    session.sql(
        "CREATE DYNAMIC TABLE LATEST TARGET_LAG = '1 minute' WAREHOUSE = WH REFRESH_MODE = INCREMENTAL AS "
        "SELECT K, V, ROWID FROM RAW QUALIFY ROW_NUMBER() OVER (PARTITION BY K ORDER BY V DESC) = 1"
    ).collect()
    session.sql("INSERT INTO RAW VALUES (99, 3, 31), (8, 1, 11)").collect()
    session.advance(seconds=120)
    got = [tuple(r) for r in session.sql("SELECT K, V, ROWID FROM LATEST ORDER BY K").collect()]
    assert got == [(1, 11, 8), (2, 20, 2), (3, 31, 99)]
    assert ("SUCCEEDED", "INCREMENTAL", "SCHEDULED") in history(session, "LATEST")
