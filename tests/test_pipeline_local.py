"""The pipeline's statements on the embedded engine."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from moviecdc import LocalSession, Pipeline, PipelineConfig, StatementKind


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


RAW_INSERT = "INSERT INTO MOVIES.PUBLIC.RAW_MOVIES_BOOKING VALUES "
HUGE_COUNT = "('HUGE', 'C1', 'M1', '2026-01-01 10:00', 'BOOKED', 9223372036854775807, 10.00)"
HUGE_ORDER = "('BULK', 'C2', 'M2', '2026-01-01 10:00', 'BOOKED', 200000000, 99999999.99)"
UNRELATED = "('SMALL', 'C3', 'M3', '2026-01-01 10:05', 'BOOKED', 2, 12.50)"


def _extreme_history(config: PipelineConfig) -> tuple[dict[str, tuple[Any, ...]], dict[str, str]]:
    """The two extreme rows, a Gold refresh, then an unrelated movie's booking: Gold and Rejected after it."""
    with LocalSession() as session:
        pipeline = Pipeline(session, config)
        pipeline.deploy()
        session.sql(RAW_INSERT + f"{HUGE_COUNT}, {HUGE_ORDER}").collect()
        session.advance(seconds=180)
        session.sql(RAW_INSERT + UNRELATED).collect()
        session.advance(seconds=180)
        assert pipeline.status().healthy
        gold = {r["MOVIE_ID"]: tuple(r)[1:5] for r in session.sql("SELECT * FROM MOVIES_BOOKING_INSIGHTS").collect()}
        rejected = session.sql("SELECT BOOKING_ID, REJECT_REASON FROM MOVIES_BOOKING_REJECTED").collect()
    return gold, {r[0]: r[1] for r in rejected}


def test_extreme_bookings_are_rejected_and_gold_keeps_refreshing() -> None:
    # Issue 12.2: a valid-looking huge booking used to overflow Gold's NUMBER(18, s) cast and suspend Gold,
    # so the unrelated movie M3 never appeared. The default business bounds reject both with a reason.
    gold, rejected = _extreme_history(PipelineConfig())
    assert gold == {"M3": (1, 2, Decimal("25.00"), 0)}
    assert rejected == {
        "HUGE": "ticket_count must be at most 1,000",
        "BULK": "ticket_count must be at most 1,000",
    }


def test_bounds_are_configurable_and_gold_is_wide_enough_for_them() -> None:
    # With the widest bounds a config allows, 2e8 tickets at 99,999,999.99 is valid and reaches Gold, whose
    # NUMBER(38, s) columns hold it (and any sum of such rows); a count above the bound is still rejected.
    widest = PipelineConfig(max_tickets_per_booking=10**12, max_ticket_price=Decimal("99999999.99"))
    gold, rejected = _extreme_history(widest)
    assert set(gold) == {"M2", "M3"}
    assert gold["M3"] == (1, 2, Decimal("25.00"), 0)
    assert gold["M2"][:2] == (1, 200_000_000)
    assert rejected == {"HUGE": "ticket_count must be at most 1,000,000,000,000"}
    narrow = PipelineConfig(max_tickets_per_booking=10, max_ticket_price=Decimal("12.00"))
    gold, rejected = _extreme_history(narrow)
    assert gold == {}
    assert rejected == {
        "HUGE": "ticket_count must be at most 10",
        "BULK": "ticket_count must be at most 10",
        "SMALL": "ticket_price must be at most 12.00",
    }


def test_gold_revenue_of_an_extreme_booking_is_exact() -> None:
    widest = PipelineConfig(max_tickets_per_booking=10**12, max_ticket_price=Decimal("99999999.99"))
    with LocalSession() as session:
        Pipeline(session, widest).deploy()
        row = "('ODD', 'C1', 'M1', '2026-01-01 10:00', 'BOOKED', 123456789, 99999999.99)"
        session.sql(RAW_INSERT + row).collect()
        session.advance(seconds=180)
        revenue = session.sql("SELECT TOTAL_REVENUE FROM MOVIES_BOOKING_INSIGHTS").collect()
    assert revenue == [(Decimal("12345678898765432.11"),)]
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
