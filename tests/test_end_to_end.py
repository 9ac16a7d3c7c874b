"""The whole pipeline on LocalSession: the same statements Snowflake gets, data flowing raw → Gold.

Expected values are computed independently (tests/cdc_model.py), never by the library.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from snowflake.snowpark import types as T

from cdc_model import COLUMNS, expected_gold, expected_silver
from moviecdc import BOOKINGS, GoldLayer, LocalSession, Pipeline, PipelineConfig, SilverLayer
from moviecdc.layers.expressions import snowpark_type

RAW = '"MOVIES"."PUBLIC"."RAW_MOVIES_BOOKING"'
GOLD = '"MOVIES"."PUBLIC"."MOVIES_BOOKING_INSIGHTS"'
SILVER = '"MOVIES"."PUBLIC"."MOVIES_BOOKING_FILTERED"'
REJECTED = '"MOVIES"."PUBLIC"."MOVIES_BOOKING_REJECTED"'
BRONZE = '"MOVIES"."PUBLIC"."MOVIES_BOOKING_CDC_EVENTS"'
INGEST = '"MOVIES"."PUBLIC"."INGEST_MOVIES_BOOKING_CDC_EVENTS"'

WORKED_EXAMPLE = [
    f"INSERT INTO {RAW} VALUES ('X1', 'C1', 'M9', '2026-11-01 19:30:00', 'BOOKED', 2, 10.00), "
    "('X2', 'C2', 'M9', '2026-11-01 19:30:00', 'BOOKED', 1, 8.50)",
    f"UPDATE {RAW} SET STATUS = 'CANCELLED' WHERE BOOKING_ID = 'X1'",
    f"INSERT INTO {RAW} VALUES ('X3', 'C3', 'M7', '2026-11-01 19:30:00', 'BOOKED', 3, 12.00)",
    f"DELETE FROM {RAW} WHERE BOOKING_ID = 'X2'",
]
WORKED_EXAMPLE_GOLD = [
    ("M7", 1, 3, Decimal("36.00"), 0),
    ("M9", 1, 0, Decimal("0.00"), 1),
]


@pytest.fixture
def deployed() -> Iterator[tuple[LocalSession, Pipeline]]:
    with LocalSession() as session:
        pipeline = Pipeline(session)
        pipeline.deploy()
        yield session, pipeline


def gold(session: LocalSession) -> list[tuple[Any, ...]]:
    rows = session.sql(
        "SELECT MOVIE_ID, TOTAL_BOOKINGS, TOTAL_TICKETS_SOLD, TOTAL_REVENUE, TOTAL_CANCELLATIONS "
        f"FROM {GOLD} ORDER BY MOVIE_ID"
    ).collect()
    found = [tuple(r) for r in rows]
    exact_gold(found)
    return found


def exact_gold(rows: list[tuple[Any, ...]]) -> None:
    """Gold's measures come back as Snowpark returns NUMBER(18, 0) and NUMBER(18, 2): ints, and Decimals with
    exactly two decimals (never floats: "Scale and precision in arithmetic operations",
    https://docs.snowflake.com/en/sql-reference/operators-arithmetic)."""
    for row in rows:
        assert [type(v) for v in row[1:5]] == [int, int, Decimal, int], row
        assert row[3].as_tuple().exponent == -2, row


def test_worked_example_with_the_task_after_every_statement(deployed: tuple[LocalSession, Pipeline]) -> None:
    session, _ = deployed
    for statement in WORKED_EXAMPLE:
        session.sql(statement).collect()
        session.sql(f"EXECUTE TASK {INGEST}").collect()
    session.sql(f"ALTER DYNAMIC TABLE {GOLD} REFRESH").collect()
    assert gold(session) == WORKED_EXAMPLE_GOLD


def test_worked_example_with_one_task_run_at_the_end(deployed: tuple[LocalSession, Pipeline]) -> None:
    session, pipeline = deployed
    for statement in WORKED_EXAMPLE:
        session.sql(statement).collect()
    pipeline.refresh()
    assert gold(session) == WORKED_EXAMPLE_GOLD


def test_worked_example_driven_by_the_clock(deployed: tuple[LocalSession, Pipeline]) -> None:
    session, _ = deployed
    for statement in WORKED_EXAMPLE:
        session.sql(statement).collect()
        session.advance(seconds=45)
    assert gold(session) != WORKED_EXAMPLE_GOLD  # Gold's 2-minute lag has not caught up with the last change
    session.advance(seconds=240)
    assert gold(session) == WORKED_EXAMPLE_GOLD
    history = session.sql(
        'SELECT STATE FROM TABLE("MOVIES".INFORMATION_SCHEMA.TASK_HISTORY(TASK_NAME => '
        "'INGEST_MOVIES_BOOKING_CDC_EVENTS', RESULT_LIMIT => 100)) ORDER BY SCHEDULED_TIME"
    ).collect()
    states = [r[0] for r in history]
    assert states[-1] == "SCHEDULED"  # the next run, listed while the task is started (the docs' TASK_HISTORY)
    states = states[:-1]
    assert set(states) == {"SUCCEEDED", "SKIPPED"}
    assert states[-1] == "SKIPPED"  # no new data after the last change: the warehouse stays asleep


def test_deploy_twice_preserves_data_and_a_lag_change_alters_in_place(
    deployed: tuple[LocalSession, Pipeline],
) -> None:
    session, pipeline = deployed
    for statement in WORKED_EXAMPLE:
        session.sql(statement).collect()
    session.advance(seconds=60)  # ingest: the stream's changes are now in Bronze
    session.sql(WORKED_EXAMPLE[0].replace("'X1'", "'X8'").replace("'X2'", "'X9'")).collect()  # pending in the stream
    bronze_before = session.sql(f"SELECT COUNT(*) FROM {BRONZE}").collect()[0][0]
    pipeline.deploy()
    Pipeline(session, PipelineConfig(gold_target_lag="5 minutes")).deploy()
    assert session.sql(f"SELECT COUNT(*) FROM {BRONZE}").collect()[0][0] == bronze_before
    assert session.sql(f"SELECT COUNT(*) FROM {RAW}").collect()[0][0] == 4
    shown = session.sql('SHOW DYNAMIC TABLES LIKE \'MOVIES_BOOKING_INSIGHTS\' IN SCHEMA "MOVIES"."PUBLIC"').collect()
    assert shown[0]["target_lag"] == "5 minutes"
    Pipeline(session, PipelineConfig(gold_target_lag="5 minutes")).refresh()
    # X1 cancelled, X2 deleted, X3 booked; X8 and X9 (written between the deploys) booked.
    assert gold(session) == [("M7", 1, 3, Decimal("36.00"), 0), ("M9", 3, 3, Decimal("28.50"), 1)]


def test_status_on_local_session(deployed: tuple[LocalSession, Pipeline]) -> None:
    session, pipeline = deployed
    session.sql(WORKED_EXAMPLE[0]).collect()
    session.sql(f"INSERT INTO {RAW} VALUES ('BAD', 'C1', NULL, '2026-11-01 19:30:00', 'BOOKED', 1, 5.00)").collect()
    before = pipeline.status()
    assert before.deployed
    assert before.stream.has_pending_changes
    session.advance(seconds=150)
    after = pipeline.status()
    assert after.healthy
    assert not after.stream.has_pending_changes
    assert [t.state for t in after.tasks] == ["started"]
    assert [r.state for r in after.tasks[0].last_runs] == ["SKIPPED", "SUCCEEDED"]  # newest first
    assert [(d.target_lag, d.refresh_mode) for d in after.dynamic_tables] == [
        ("DOWNSTREAM", "INCREMENTAL"),
        ("2 minutes", "INCREMENTAL"),
        ("2 minutes", "INCREMENTAL"),
    ]
    assert after.rejected_reasons == {"movie_id is missing": 1}


# -- parity: SQL pipeline on LocalSession vs the layers' DataFrame code in Snowpark local testing ---------------


def random_dml(session: LocalSession, rng: random.Random, steps: int) -> None:
    statuses = ["BOOKED", "CANCELLED", "COMPLETED", "BOOKED", "LOST"]
    for _ in range(steps):
        key = f"B{rng.randrange(15)}"
        roll = rng.random()
        if roll < 0.45:
            movie = "NULL" if rng.random() < 0.05 else f"'M{rng.randrange(4)}'"
            session.sql(
                f"INSERT INTO {RAW} VALUES ('{key}', 'C{rng.randrange(9)}', {movie}, '2026-11-01 19:30:00', "
                f"'{rng.choice(statuses)}', {rng.randrange(0, 6)}, {rng.randrange(0, 3000) / 100:.2f})"
            ).collect()
        elif roll < 0.8:
            session.sql(
                f"UPDATE {RAW} SET STATUS = '{rng.choice(statuses)}', TICKET_COUNT = {rng.randrange(1, 6)} "
                f"WHERE BOOKING_ID = '{key}'"
            ).collect()
        else:
            session.sql(f"DELETE FROM {RAW} WHERE BOOKING_ID = '{key}'").collect()
        if rng.random() < 0.3:
            session.sql(f"EXECUTE TASK {INGEST}").collect()


def rows_of(session: LocalSession, table: str, columns: tuple[str, ...]) -> list[tuple[Any, ...]]:
    listed = ", ".join(f'"{c}"' for c in columns)
    return [tuple(r) for r in session.sql(f"SELECT {listed} FROM {table}").collect()]


def normalise(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    def value(v: Any) -> Any:
        if isinstance(v, float | Decimal):
            return Decimal(str(v)).quantize(Decimal("0.01"))
        if hasattr(v, "to_pydatetime"):
            return v.to_pydatetime()
        return v

    return sorted((tuple(value(v) for v in row) for row in rows), key=repr)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(3))
def test_sql_pipeline_equals_dataframe_code(snowpark_local: Any, seed: int) -> None:
    with LocalSession() as session:
        pipeline = Pipeline(session)
        pipeline.deploy()
        random_dml(session, random.Random(seed), steps=40)
        pipeline.refresh()

        bronze_columns = tuple(c.name for c in BOOKINGS.bronze_columns)
        bronze = rows_of(session, BRONZE, bronze_columns)
        schema = T.StructType([T.StructField(c.name, snowpark_type(c.type)) for c in BOOKINGS.bronze_columns])
        bronze_df = snowpark_local.create_dataframe(bronze, schema=schema)

        silver_columns = (*COLUMNS, "LATEST_CHANGE_TIMESTAMP")
        gold_columns = ("MOVIE_ID", *(m.name for m in BOOKINGS.metrics))
        rejected_columns = (*silver_columns, "REJECT_REASON")
        sql_silver = rows_of(session, SILVER, silver_columns)
        df_silver = [tuple(r) for r in SilverLayer().transform(bronze_df).select(*silver_columns).collect()]
        assert normalise(sql_silver) == normalise(df_silver)
        sql_rejected = rows_of(session, REJECTED, rejected_columns)
        df_rejected = [tuple(r) for r in SilverLayer().rejected(bronze_df).select(*rejected_columns).collect()]
        assert normalise(sql_rejected) == normalise(df_rejected)
        sql_gold = rows_of(session, GOLD, gold_columns)
        df_gold = [tuple(r) for r in GoldLayer().transform(SilverLayer().transform(bronze_df)).collect()]
        assert normalise(sql_gold) == normalise(df_gold)

        # And both equal Silver and Gold computed in plain Python from the raw table's final state.
        raw = rows_of(session, RAW, COLUMNS)
        assert normalise([r[:7] for r in sql_silver]) == normalise(expected_silver(raw))
        expected = {m: (b, s, r, c) for m, (b, s, r, c) in expected_gold(expected_silver(raw)).items()}
        exact_gold(sql_gold)
        assert {g[0]: tuple(g[1:5]) for g in sql_gold} == {
            m: (b, s, r.quantize(Decimal("0.01")), c) for m, (b, s, r, c) in expected.items()
        }
