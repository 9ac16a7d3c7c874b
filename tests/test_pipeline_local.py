"""The pipeline's statements on the embedded engine."""

from __future__ import annotations

from pathlib import Path

from moviecdc import LocalSession, Pipeline, StatementKind


def test_raw_table_and_stream_statements_run_on_local_session() -> None:
    with LocalSession() as session:
        pipeline = Pipeline(session)
        wanted = {
            StatementKind.CREATE_DATABASE,
            StatementKind.CREATE_SCHEMA,
            StatementKind.CREATE_TABLE,
            StatementKind.CREATE_STREAM,
        }
        plan = [s for s in pipeline.plan() if s.kind in wanted]
        first = [session.sql(s.sql).collect()[0][0] for s in plan]
        again = [session.sql(s.sql).collect()[0][0] for s in plan]
        assert first == [
            "Database MOVIES successfully created.",
            "Schema PUBLIC successfully created.",
            "Table RAW_MOVIES_BOOKING successfully created.",
            "Stream RAW_MOVIES_BOOKING_STREAM successfully created.",
            "Table MOVIES_BOOKING_CDC_EVENTS successfully created.",
        ]
        assert again == [
            "MOVIES already exists, statement succeeded.",
            "PUBLIC already exists, statement succeeded.",
            "RAW_MOVIES_BOOKING already exists, statement succeeded.",
            "RAW_MOVIES_BOOKING_STREAM already exists, statement succeeded.",
            "MOVIES_BOOKING_CDC_EVENTS already exists, statement succeeded.",
        ]


def test_a_reopened_folder_never_runs_its_clock_backwards(tmp_path: Path) -> None:
    import datetime as dt

    start = dt.datetime(2026, 11, 27, 10, 0)
    with LocalSession(path=tmp_path / "db", database="D", schema="S", start=start) as session:
        session.sql("CREATE TABLE T (ID INT)").collect()
        session.sql("CREATE DYNAMIC TABLE DT TARGET_LAG = '1 minute' WAREHOUSE = W AS SELECT ID FROM T").collect()
        session.advance(seconds=600)  # only dynamic-table refreshes record time here: no task exists
        latest = session.sql(
            "SELECT MAX(REFRESH_END_TIME) FROM "
            "TABLE(D.INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY(NAME => 'D.S.DT'))"
        ).collect()[0][0]
    with LocalSession(path=tmp_path / "db", database="D", schema="S", start=start) as reopened:
        assert reopened.now() >= latest.replace(tzinfo=None) >= start + dt.timedelta(minutes=10)


def test_numbers_come_back_as_snowpark_returns_them() -> None:
    # Snowpark (the connector) returns NUMBER(p, 0) as int and NUMBER(p, s > 0) as Decimal.
    from decimal import Decimal

    with LocalSession() as session:
        rows = session.sql(
            "SELECT CAST(7 AS NUMBER(18, 0)) AS N, CAST(2.5 AS NUMBER(10, 2)) AS D, CAST(NULL AS NUMBER(38, 0)) AS Z"
        ).collect()
    assert [tuple(r) for r in rows] == [(7, Decimal("2.50"), None)]
    assert type(rows[0]["N"]) is int


def test_deploy_onto_a_raw_table_that_already_holds_bookings_brings_them_into_gold() -> None:
    # The stream is created with SHOW_INITIAL_ROWS = TRUE: rows written before the first deploy reach Bronze on
    # the first ingest, as inserts; without it Gold stayed empty until each old row was touched again.
    from decimal import Decimal

    with LocalSession() as session:
        pipeline = Pipeline(session)
        for statement in pipeline.plan()[:3]:  # CREATE DATABASE, SCHEMA, the raw table: what the application has
            session.sql(statement.sql).collect()
        raw = pipeline.config.name("raw_table").sql
        session.sql(
            f"INSERT INTO {raw} VALUES ('X1', 'C1', 'M9', '2026-01-01 10:00', 'CANCELLED', 2, 10.00), "
            "('X3', 'C2', 'M7', '2026-01-01 10:05', 'BOOKED', 3, 12.00)"
        ).collect()
        pipeline.deploy()
        session.sql(f"INSERT INTO {raw} VALUES ('X4', 'C3', 'M7', '2026-01-01 10:09', 'COMPLETED', 1, 12.00)").collect()
        session.advance(seconds=240)
        gold = session.sql(
            "SELECT MOVIE_ID, TOTAL_BOOKINGS, TOTAL_TICKETS_SOLD, TOTAL_REVENUE, TOTAL_CANCELLATIONS "
            f"FROM {pipeline.config.name('gold_table').sql} ORDER BY MOVIE_ID"
        ).collect()
        assert [tuple(row) for row in gold] == [("M7", 2, 4, Decimal("48.00"), 0), ("M9", 1, 0, Decimal("0.00"), 1)]
        bronze = session.sql(f"SELECT COUNT(*) FROM {pipeline.config.name('bronze_table').sql}").collect()[0][0]
        assert bronze == 3  # the two initial rows as INSERTs, then the new one; nothing twice
        pipeline.deploy()  # a redeploy keeps the stream and its offset: the initial rows are not returned again
        session.advance(seconds=120)
        assert session.sql(f"SELECT COUNT(*) FROM {pipeline.config.name('bronze_table').sql}").collect()[0][0] == 3
