"""One FULL against one INCREMENTAL refresh of Silver and of Gold, as Bronze grows.

Run: PYTHONPATH=src python benchmarks/bench_dynamic_tables.py [--sizes 100000 300000 1000000] [--changes 10000]

For each Bronze size, one LocalSession holds Bronze (created by the pipeline's own DDL) and two copies of
Silver and of Gold, made from the pipeline's own SQL, one with ``REFRESH_MODE = FULL`` and one with
``REFRESH_MODE = INCREMENTAL`` (both Golds read the incremental Silver). Bronze starts with N events:
bookings across 50 movies, 15 % of them updated once (an update is a DELETE/INSERT pair, as the ingest
task writes it). Each round appends ``--changes`` events to Bronze (updates of random existing bookings,
half of them cancellations), then times ``ALTER DYNAMIC TABLE … REFRESH`` of each Silver, then of each
Gold (Gold's Silver is already fresh: Gold's time is Gold's own, plus the check that Silver has nothing
new). The median of ``--rounds`` rounds is printed; both copies are checked equal. Read the ratios, not
the absolute times (a 2-core machine, shared).
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime

import numpy as np
import pandas as pd

from moviecdc import GoldLayer, Pipeline, SilverLayer, StatementKind
from moviecdc.local import LocalSession

BRONZE = '"MOVIES"."PUBLIC"."MOVIES_BOOKING_CDC_EVENTS"'
SILVER = '"MOVIES"."PUBLIC"."MOVIES_BOOKING_FILTERED"'
MOVIES = 50
START = np.datetime64("2026-01-01T10:00:00")


def events(booking: np.ndarray, version: np.ndarray, at: np.ndarray, cancelled: np.ndarray) -> pd.DataFrame:
    """Bronze rows: for version 0 one INSERT; for a later version a DELETE (old values) + INSERT pair."""
    rng = np.random.default_rng(int(booking.sum()) % 2**32)
    n = booking.size
    ids = np.char.add("BK", booking.astype(str))
    row = {
        "BOOKING_ID": ids,
        "CUSTOMER_ID": np.char.add("C", (booking % 9973).astype(str)),
        "MOVIE_ID": np.char.add("M", (booking % MOVIES).astype(str)),
        "BOOKING_DATE": np.full(n, np.datetime64("2026-01-02T19:30:00")),
        "STATUS": np.where(cancelled, "CANCELLED", "BOOKED"),
        "TICKET_COUNT": rng.integers(1, 7, n),
        "TICKET_PRICE": rng.choice([8.5, 12.0, 18.5], n),
        "CHANGE_TYPE": "INSERT",
        "IS_UPDATE": version > 0,
        "CHANGE_TIMESTAMP": at,
        "ROW_ID": np.char.add("R", booking.astype(str)),
    }
    inserts = pd.DataFrame(row)
    old = inserts[version > 0].copy()
    old["CHANGE_TYPE"] = "DELETE"
    old["STATUS"] = "BOOKED"
    return pd.concat([old, inserts], ignore_index=True)


def session_with_bronze(size: int) -> LocalSession:
    session = LocalSession(start=datetime(2026, 1, 1, 12))
    for statement in Pipeline(session).plan():
        if statement.kind in (StatementKind.CREATE_DATABASE, StatementKind.CREATE_SCHEMA) or (
            statement.kind is StatementKind.CREATE_TABLE and "CDC_EVENTS" in statement.sql.split("\n")[0]
        ):
            session.sql(statement.sql).collect()
    updated = int(size * 0.15 / 1.15)
    bookings = size - 2 * updated
    booking = np.arange(bookings)
    at = START + (booking // 10_000).astype("timedelta64[m]")
    session.write_pandas(
        events(booking, np.zeros(bookings, int), at, np.zeros(bookings, bool)),
        "MOVIES_BOOKING_CDC_EVENTS",
        database="MOVIES",
        schema="PUBLIC",
    )
    again = np.random.default_rng(1).choice(bookings, updated, replace=False)
    later = START + np.timedelta64(10_000, "m")
    session.write_pandas(
        events(again, np.ones(updated, int), np.full(updated, later), np.arange(updated) % 2 == 0),
        "MOVIES_BOOKING_CDC_EVENTS", database="MOVIES", schema="PUBLIC",
    )  # fmt: skip
    count = session.sql(f"SELECT COUNT(*) FROM {BRONZE}").collect()[0][0]
    assert count == bookings + 2 * updated, count
    return session


def create_tables(session: LocalSession) -> None:
    """Silver FULL and INCREMENTAL on Bronze; Gold FULL and INCREMENTAL both on the incremental Silver, so that
    Gold's two times differ only by how Gold itself refreshes."""
    silver, gold = str(SilverLayer().silver_sql()), str(GoldLayer().gold_sql())
    for mode in ("FULL", "INCREMENTAL"):
        options = f"TARGET_LAG = DOWNSTREAM WAREHOUSE = WH REFRESH_MODE = {mode}"
        session.sql(f'CREATE DYNAMIC TABLE "MOVIES"."PUBLIC"."SILVER_{mode}" {options} AS {silver}').collect()
    for mode in ("FULL", "INCREMENTAL"):
        options = f"TARGET_LAG = DOWNSTREAM WAREHOUSE = WH REFRESH_MODE = {mode}"
        reads = gold.replace(SILVER, '"MOVIES"."PUBLIC"."SILVER_INCREMENTAL"')
        session.sql(f'CREATE DYNAMIC TABLE "MOVIES"."PUBLIC"."GOLD_{mode}" {options} AS {reads}').collect()


def timed(session: LocalSession, table: str) -> float:
    start = time.perf_counter()
    session.sql(f'ALTER DYNAMIC TABLE "MOVIES"."PUBLIC"."{table}" REFRESH').collect()
    return time.perf_counter() - start


def last_action(session: LocalSession, table: str) -> str:
    rows = session.sql(
        "SELECT REFRESH_ACTION FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY("
        f"NAME => 'MOVIES.PUBLIC.{table}', RESULT_LIMIT => 1))"
    ).collect()
    return str(rows[0][0])


def bench(size: int, changes: int, rounds: int) -> dict[str, float]:
    session = session_with_bronze(size)
    create_tables(session)
    bookings = session.sql(f"SELECT COUNT(DISTINCT BOOKING_ID) FROM {BRONZE}").collect()[0][0]
    rng = np.random.default_rng(size)
    times: dict[str, list[float]] = {
        k: [] for k in ("SILVER_FULL", "SILVER_INCREMENTAL", "GOLD_FULL", "GOLD_INCREMENTAL")
    }
    for number in range(rounds):
        chosen = rng.choice(bookings, changes // 2, replace=False)
        at = START + np.timedelta64(20_000 + number, "m")
        batch = events(chosen, np.full(chosen.size, 2), np.full(chosen.size, at), rng.random(chosen.size) < 0.5)
        session.write_pandas(batch, "MOVIES_BOOKING_CDC_EVENTS", database="MOVIES", schema="PUBLIC")
        for table, spent in times.items():
            spent.append(timed(session, table))
            assert last_action(session, table) == table.split("_")[1], (table, last_action(session, table))
    for layer in ("SILVER", "GOLD"):
        full, incremental = (
            sorted(map(tuple, session.sql(f'SELECT * FROM "MOVIES"."PUBLIC"."{layer}_{mode}"').collect()), key=str)
            for mode in ("FULL", "INCREMENTAL")
        )
        assert full == incremental, layer
    silver_rows = session.sql('SELECT COUNT(*) FROM "MOVIES"."PUBLIC"."SILVER_INCREMENTAL"').collect()[0][0]
    session.close()
    result = {table: statistics.median(values) for table, values in times.items()}
    result["silver_rows"] = silver_rows
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--changes", type=int, default=10_000, help="Bronze events appended before each refresh")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"{args.changes:,} changed Bronze rows per refresh; median of {args.rounds} rounds; times in ms\n")
    print("| Bronze rows | Silver rows | Silver FULL | Silver INCR. | ratio | Gold FULL | Gold INCR. | ratio |")
    print("|" + "---:|" * 8)
    for size in args.sizes:
        r = bench(size, args.changes, args.rounds)
        silver = r["SILVER_FULL"] / r["SILVER_INCREMENTAL"]
        gold = r["GOLD_FULL"] / r["GOLD_INCREMENTAL"]
        ms = {k: f"{v * 1000:.0f}" for k, v in r.items()}
        print(
            f"| {size:,} | {int(r['silver_rows']):,} | {ms['SILVER_FULL']} | {ms['SILVER_INCREMENTAL']} "
            f"| {silver:.1f}x | {ms['GOLD_FULL']} | {ms['GOLD_INCREMENTAL']} | {gold:.1f}x |",
            flush=True,
        )


if __name__ == "__main__":
    main()
