"""The layers' Snowpark DataFrame code, run in Snowpark local testing mode on hand-built change histories.

Expected rows are computed independently (tests/cdc_model.py), never by the library.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

import pytest
from snowflake.snowpark import types as T

from cdc_model import COLUMNS, RawTable, Values, booking, expected_gold, expected_silver
from moviecdc import BOOKINGS, BronzeLayer, GoldLayer, PipelineConfig, SilverLayer
from moviecdc.layers.expressions import snowpark_type

BRONZE_SCHEMA = T.StructType([T.StructField(c.name, snowpark_type(c.type)) for c in BOOKINGS.bronze_columns])


def bronze_df(session: Any, raw: RawTable) -> Any:
    return session.create_dataframe(raw.bronze or [tuple([None] * len(BRONZE_SCHEMA.fields))], schema=BRONZE_SCHEMA)


def silver_rows(session: Any, raw: RawTable) -> list[Values]:
    rows = SilverLayer().transform(bronze_df(session, raw)).collect()
    return sorted((tuple(r[c] for c in COLUMNS) for r in rows), key=lambda r: str(r[0]))


def gold_rows(session: Any, raw: RawTable) -> dict[str, tuple[int, int, Decimal, int]]:
    gold = GoldLayer().transform(SilverLayer().transform(bronze_df(session, raw))).collect()
    return {
        r["MOVIE_ID"]: (
            int(r["TOTAL_BOOKINGS"]),
            int(r["TOTAL_TICKETS_SOLD"]),
            Decimal(r["TOTAL_REVENUE"]).quantize(Decimal("0.01")),
            int(r["TOTAL_CANCELLATIONS"]),
        )
        for r in gold
    }


def worked_example(raw: RawTable, *, task_after_every_statement: bool) -> None:
    """MISSION.md's worked example."""
    steps = [
        lambda: raw.insert(booking("X1", "M9", 2, "10.00", "BOOKED")),
        lambda: raw.insert(booking("X2", "M9", 1, "8.50", "BOOKED")),
        lambda: raw.update("X1", status="CANCELLED"),
        lambda: raw.insert(booking("X3", "M7", 3, "12.00", "BOOKED")),
        lambda: raw.delete("X2"),
    ]
    for step in steps:
        step()
        if task_after_every_statement:
            raw.run_task()
    raw.run_task()


WORKED_EXAMPLE_GOLD = {
    "M9": (1, 0, Decimal("0.00"), 1),
    "M7": (1, 3, Decimal("36.00"), 0),
}


@pytest.mark.parametrize("every_statement", [True, False], ids=["task-after-every-statement", "task-once-at-end"])
def test_worked_example(snowpark_local: Any, every_statement: bool) -> None:
    raw = RawTable()
    worked_example(raw, task_after_every_statement=every_statement)
    assert silver_rows(snowpark_local, raw) == [
        booking("X1", "M9", 2, "10.00", "CANCELLED"),
        booking("X3", "M7", 3, "12.00", "BOOKED"),
    ]
    assert gold_rows(snowpark_local, raw) == WORKED_EXAMPLE_GOLD


def test_update_is_counted_once_and_revenue_is_count_times_price(snowpark_local: Any) -> None:
    # Defects 1 and 3: grouping by every column counted each version; revenue summed the unit price.
    raw = RawTable()
    raw.insert(booking("B1", "M1", 2, "10.00", "BOOKED"))
    raw.run_task()
    raw.update("B1", ticket_count=4)
    raw.run_task()
    raw.update("B1", ticket_price="12.50")
    raw.run_task()
    assert gold_rows(snowpark_local, raw) == {"M1": (1, 4, Decimal("50.00"), 0)}


def test_hard_delete_and_cancellation(snowpark_local: Any) -> None:
    # Defect 2: deletes were never applied; a cancellation left the BOOKED version beside it.
    raw = RawTable()
    raw.insert(booking("B1", "M1", 2, "10.00", "BOOKED"))
    raw.insert(booking("B2", "M1", 1, "10.00", "BOOKED"))
    raw.run_task()
    raw.delete("B2")
    raw.update("B1", status="CANCELLED")
    raw.run_task()
    assert gold_rows(snowpark_local, raw) == {"M1": (1, 0, Decimal("0.00"), 1)}


def test_insert_then_delete_in_one_window_leaves_nothing(snowpark_local: Any) -> None:
    raw = RawTable()
    raw.insert(booking("B1", "M1", 2, "10.00", "BOOKED"))
    raw.insert(booking("B2", "M2", 2, "10.00", "BOOKED"))
    raw.delete("B1")
    raw.run_task()
    assert gold_rows(snowpark_local, raw) == {"M2": (1, 2, Decimal("20.00"), 0)}


def test_update_that_changes_the_key(snowpark_local: Any) -> None:
    raw = RawTable()
    raw.insert(booking("B1", "M1", 2, "10.00", "BOOKED"))
    raw.run_task()
    raw.update("B1", booking_id="B9")
    raw.run_task()
    assert silver_rows(snowpark_local, raw) == [booking("B9", "M1", 2, "10.00", "BOOKED")]


def test_business_bounds_reject_in_the_dataframe_form_too(snowpark_local: Any) -> None:
    raw = RawTable()
    raw.insert(booking("OK", "M1", 10, "12.00", "BOOKED"))
    raw.insert(booking("MANY", "M1", 11, "12.00", "BOOKED"))
    raw.insert(booking("DEAR", "M2", 1, "12.01", "BOOKED"))
    raw.run_task()
    silver = SilverLayer(PipelineConfig(max_tickets_per_booking=10, max_ticket_price=Decimal("12.00")))
    rejected = silver.rejected(bronze_df(snowpark_local, raw)).collect()
    assert sorted((r["BOOKING_ID"], r["REJECT_REASON"]) for r in rejected) == [
        ("DEAR", "ticket_price must be at most 12.00"),
        ("MANY", "ticket_count must be at most 10"),
    ]
    assert [r["BOOKING_ID"] for r in silver.transform(bronze_df(snowpark_local, raw)).collect()] == ["OK"]


def test_invalid_rows_are_rejected_with_a_reason(snowpark_local: Any) -> None:
    raw = RawTable()
    raw.insert(booking("OK", "M1", 1, "5.00", "BOOKED"))
    raw.insert(booking(None, "M1", 1, "5.00", "BOOKED"))
    raw.insert(booking("NOMOVIE", None, 1, "5.00", "BOOKED"))
    raw.insert(booking("ZERO", "M1", 0, "5.00", "BOOKED"))
    raw.insert(booking("NOCOUNT", "M1", None, "5.00", "BOOKED"))
    raw.insert(booking("NEG", "M1", 1, "-0.01", "BOOKED"))
    raw.insert(booking("NOPRICE", "M1", 1, None, "BOOKED"))
    raw.insert(booking("ODD", "M1", 1, "5.00", "REFUNDED"))
    raw.insert(booking("NOSTATUS", "M1", 1, "5.00", None))
    raw.insert(booking("TWICE", "M1", 1, "5.00", "BOOKED"))
    raw.insert(booking("TWICE", "M2", 1, "5.00", "BOOKED"))
    raw.run_task()
    rejected = SilverLayer().rejected(bronze_df(snowpark_local, raw)).collect()
    reasons = sorted((str(r["BOOKING_ID"]), r["MOVIE_ID"], r["REJECT_REASON"]) for r in rejected)
    assert reasons == [
        ("NEG", "M1", "ticket_price must be zero or more"),
        ("NOCOUNT", "M1", "ticket_count must be a positive number"),
        ("NOMOVIE", None, "movie_id is missing"),
        ("NOPRICE", "M1", "ticket_price must be zero or more"),
        ("NOSTATUS", "M1", "status must be BOOKED, CANCELLED or COMPLETED"),
        ("None", "M1", "booking_id is missing"),
        ("ODD", "M1", "status must be BOOKED, CANCELLED or COMPLETED"),
        ("TWICE", "M1", "booking_id appears in more than one row"),
        ("TWICE", "M2", "booking_id appears in more than one row"),
        ("ZERO", "M1", "ticket_count must be a positive number"),
    ]
    assert silver_rows(snowpark_local, raw) == [booking("OK", "M1", 1, "5.00", "BOOKED")]


def test_a_corrected_invalid_row_moves_to_silver(snowpark_local: Any) -> None:
    raw = RawTable()
    raw.insert(booking("B1", "M1", 0, "5.00", "BOOKED"))
    raw.run_task()
    raw.update("B1", ticket_count=2)
    raw.run_task()
    assert SilverLayer().rejected(bronze_df(snowpark_local, raw)).collect() == []
    assert gold_rows(snowpark_local, raw) == {"M1": (1, 2, Decimal("10.00"), 0)}


def test_refresh_timestamp_is_the_newest_change(snowpark_local: Any) -> None:
    raw = RawTable()
    raw.insert(booking("B1", "M1", 1, "5.00", "BOOKED"))
    raw.run_task()
    raw.insert(booking("B2", "M1", 1, "5.00", "BOOKED"))
    raw.run_task()
    gold = GoldLayer().transform(SilverLayer().transform(bronze_df(snowpark_local, raw))).collect()
    assert [r["REFRESH_TIMESTAMP"] for r in gold] == [raw.clock]


def test_bronze_transform_stamps_the_run(snowpark_local: Any) -> None:
    raw = RawTable()
    raw.insert(booking("B1", "M1", 1, "5.00", "BOOKED"))
    stream_schema = T.StructType(
        [T.StructField(c.name, snowpark_type(c.type)) for c in BOOKINGS.columns]
        + [
            T.StructField("METADATA$ACTION", T.StringType()),
            T.StructField("METADATA$ISUPDATE", T.BooleanType()),
            T.StructField("METADATA$ROW_ID", T.StringType()),
        ]
    )
    stream = snowpark_local.create_dataframe(raw.stream(), schema=stream_schema)
    at = dt.datetime(2026, 11, 27, 12, 0)
    rows = BronzeLayer().transform(stream, at).collect()
    assert [tuple(r) for r in rows] == [(*booking("B1", "M1", 1, "5.00", "BOOKED"), "INSERT", False, at, "r0")]


def random_history(seed: int, *, consume_probability: float) -> RawTable:
    """Random inserts, updates, deletes and re-inserts of a small key space; the task runs at random."""
    rng = random.Random(seed)
    raw = RawTable()
    statuses = ["BOOKED", "CANCELLED", "COMPLETED", "BOOKED", "LOST"]
    for _ in range(60):
        key = f"B{rng.randrange(12)}"
        exists = any(v[0] == key for v in raw.rows.values())
        action = rng.random()
        if not exists or action < 0.15:
            raw.insert(
                booking(
                    key,
                    f"M{rng.randrange(4)}",
                    rng.randrange(0, 6),
                    f"{rng.randrange(0, 2000) / 100:.2f}",
                    rng.choice(statuses),
                )
            )
        elif action < 0.7:
            raw.update(key, status=rng.choice(statuses), ticket_count=rng.randrange(1, 6))
        else:
            raw.delete(key)
        if rng.random() < consume_probability:
            raw.run_task()
    raw.run_task()
    return raw


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4))
def test_gold_is_independent_of_task_timing(snowpark_local: Any, seed: int) -> None:
    # Defect 8: the same DML with the task after every statement, at random moments, or once at the end.
    histories = [random_history(seed, consume_probability=p) for p in (1.0, 0.3, 0.0)]
    final_states = {tuple(sorted(map(repr, h.rows.values()))) for h in histories}
    assert len(final_states) == 1  # same DML, same raw table
    expected = expected_silver(list(histories[0].rows.values()))
    expected_metrics = {
        m: (b, s, r.quantize(Decimal("0.01")), c) for m, (b, s, r, c) in expected_gold(expected).items()
    }
    for raw in histories:
        assert silver_rows(snowpark_local, raw) == expected
        assert gold_rows(snowpark_local, raw) == expected_metrics
