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
            "PUBLIC already exists, statement succeeded.",  # CREATE DATABASE creates PUBLIC (Snowflake's docs)
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
