"""End-to-end benchmarks of the pipeline on the embedded engine (issue 4). Not part of the test suite.

    PYTHONPATH=src python benchmarks/bench_pipeline.py [--events 1000000] [--changes 40] [--snowpark-events 100000]

1. Throughput: ``--events`` booking change events (the simulator's realistic mix of inserts, updates and
   deletes) written 10,000 per simulated minute with the default schedule (ingest every minute, Gold lag 2
   minutes), until Gold reflects them all; events per wall-clock second, peak RSS, and the number of task
   runs and Gold refreshes that happened. The time the simulator takes to make each minute's batch, as the
   DataFrames the writer sends, is measured apart and taken out (and printed). Runs in a child process so
   its peak memory is its own.
2. Freshness in real-time mode (``LocalSession(realtime=True, speed=60)``): time from a committed raw change
   to its effect in Gold, p50 and p99, against the bound Gold lag / speed + one scheduler tick.
3. The same Silver and Gold computation on ``--snowpark-events`` events with the layers' Snowpark DataFrame
   code in Snowpark local testing mode and with the local engine's SQL, side by side: the ratio.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from moviecdc import BOOKINGS, GoldLayer, LocalSession, Pipeline, PipelineConfig, SilverLayer
from moviecdc.config import lag_seconds
from moviecdc.layers.expressions import snowpark_type
from moviecdc.runner import replay, run_local, simulated_batches
from moviecdc.simulate import Frames, frames

GOLD = PipelineConfig().name("gold_table").sql
RAW = PipelineConfig().name("raw_table").sql
BRONZE = PipelineConfig().name("bronze_table").sql


class TimedLoad:
    """The simulator's batches as the DataFrames the writer sends, made one minute at a time (so memory holds
    one batch, not a million events), with the time spent making them kept apart in ``seconds``."""

    def __init__(self, events: int) -> None:
        self._batches = simulated_batches(events=events, seed=1, events_per_minute=10_000)
        self.seconds = 0.0

    def __iter__(self) -> Iterator[Frames]:
        while True:
            started = time.perf_counter()
            batch = next(self._batches, None)
            made = frames(batch) if batch is not None else None
            self.seconds += time.perf_counter() - started
            if made is None:
                return
            yield made


def throughput_child(events: int) -> dict[str, Any]:
    # The simulator is the load, not the system under test: the time it takes to make each minute's batch
    # (and its DataFrames) is measured and taken out, so events/s measures the pipeline:
    # deploy -> writes -> tasks and refreshes -> drained Gold.
    load = TimedLoad(events)
    with LocalSession() as session:
        result = replay(session, load, total=events)
        simulator_seconds = load.seconds
        history = 'SELECT COUNT(*) FROM TABLE("MOVIES".INFORMATION_SCHEMA.{fn}) WHERE {cond}'
        ingest_runs = session.sql(
            history.format(
                fn="TASK_HISTORY(TASK_NAME => 'INGEST_MOVIES_BOOKING_CDC_EVENTS', RESULT_LIMIT => 10000)",
                cond="STATE = 'SUCCEEDED'",
            )
        ).collect()[0][0]
        gold_refreshes = session.sql(
            history.format(
                fn=f"DYNAMIC_TABLE_REFRESH_HISTORY(NAME => '{GOLD}', RESULT_LIMIT => 10000)",
                cond="STATE = 'SUCCEEDED'",
            )
        ).collect()
        actions = session.sql(
            'SELECT REFRESH_ACTION, COUNT(*) FROM TABLE("MOVIES".INFORMATION_SCHEMA.'
            f"DYNAMIC_TABLE_REFRESH_HISTORY(NAME => '{GOLD}', RESULT_LIMIT => 10000)) GROUP BY 1 ORDER BY 1"
        ).collect()
        bronze_rows = session.sql(f"SELECT COUNT(*) FROM {BRONZE}").collect()[0][0]
    return {
        "events": result.events,
        "seconds": result.seconds - simulator_seconds,
        "events_per_second": result.events / (result.seconds - simulator_seconds),
        "simulator_seconds": simulator_seconds,
        "simulated_minutes": result.ticks,
        "ingest_runs": int(ingest_runs),
        "gold_refreshes": int(gold_refreshes[0][0]),
        "gold_refresh_actions": {str(r[0]): int(r[1]) for r in actions},
        "bronze_rows": int(bronze_rows),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def throughput(events: int) -> None:
    child = subprocess.run(
        [sys.executable, __file__, "--child-throughput", str(events)], capture_output=True, text=True, check=True
    )
    r = json.loads(child.stdout.strip().splitlines()[-1])
    print("\n## 1. End-to-end throughput")
    print(f"events written                      {r['events']:>14,}")
    print(f"simulated minutes                   {r['simulated_minutes']:>14,}")
    print(f"ingest task runs (SUCCEEDED)        {r['ingest_runs']:>14,}")
    print(f"Gold refreshes (SUCCEEDED)          {r['gold_refreshes']:>14,}   {r['gold_refresh_actions']}")
    print(f"Bronze rows at the end              {r['bronze_rows']:>14,}")
    print(f"wall-clock seconds, pipeline        {r['seconds']:>14.2f}")
    print(f"events per second                   {r['events_per_second']:>14,.0f}   (target >= 200,000)")
    both = r["events"] / (r["seconds"] + r["simulator_seconds"])
    print(f"simulator + DataFrames, taken out   {r['simulator_seconds']:>13.2f}s   (with them: {both:,.0f}/s)")
    print(f"peak RSS                            {r['peak_rss_mib']:>11,.0f} MiB   (target <= 1,024 MiB)")


def freshness(changes: int, speed: float = 60.0) -> None:
    config = PipelineConfig()
    lag = lag_seconds(config.gold_target_lag) or 0
    with LocalSession(realtime=True, speed=speed) as session:
        Pipeline(session, config).deploy()
        delays = []
        for n in range(changes):
            movie = f"FRESH{n:04d}"
            session.sql(
                f"INSERT INTO {RAW} VALUES ('F{n}', 'C', '{movie}', '2026-11-27 20:00:00', 'BOOKED', 1, 9.00)"
            ).collect()
            committed = time.perf_counter()
            while not session.sql(f"SELECT 1 FROM {GOLD} WHERE MOVIE_ID = '{movie}'").collect():
                time.sleep(0.005)
            delays.append(time.perf_counter() - committed)
        tick = getattr(session, "tick_seconds", 0.05)
    delays.sort()
    p50 = statistics.median(delays)
    p99 = delays[min(len(delays) - 1, round(0.99 * (len(delays) - 1)))]
    bound = lag / speed + tick
    print("\n## 2. Freshness in real-time mode (speed 60: Gold lag 120 s = 2 s real)")
    print(f"changes measured                    {changes:>14}")
    print(f"p50 commit -> Gold                  {p50:>13.3f}s")
    print(f"p99 commit -> Gold                  {p99:>13.3f}s   (bound: lag/speed + tick = {bound:.3f}s)")
    print(f"max                                 {delays[-1]:>13.3f}s")


def snowpark_comparison(events: int) -> None:
    from snowflake.snowpark import Session  # noqa: PLC0415
    from snowflake.snowpark import types as T  # noqa: PLC0415

    with LocalSession() as session:
        run_local(session, events=events, seed=2, events_per_minute=10_000)
        bronze = session.sql(f"SELECT * FROM {BRONZE}").to_pandas()
        silver_sql, gold_sql = SilverLayer().silver_sql(), GoldLayer().gold_sql()
        started = time.perf_counter()
        session.sql(f"CREATE OR REPLACE TEMPORARY TABLE SILVER_COPY AS {silver_sql}").collect()
        local_gold = session.sql(gold_sql.replace(PipelineConfig().name("silver_table").sql, "SILVER_COPY")).collect()
        local_seconds = time.perf_counter() - started

    snowpark = Session.builder.config("local_testing", True).create()
    schema = T.StructType([T.StructField(c.name, snowpark_type(c.type)) for c in BOOKINGS.bronze_columns])
    plain = bronze.astype(object).where(bronze.notna(), None)  # pandas NA -> None for Snowpark
    rows = [tuple(r) for r in plain.itertuples(index=False, name=None)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        started = time.perf_counter()
        frame = snowpark.create_dataframe(rows, schema=schema)
        snowpark_gold = GoldLayer().transform(SilverLayer().transform(frame)).collect()
        snowpark_seconds = time.perf_counter() - started
    snowpark.close()

    def totals(gold_rows: list[Any]) -> tuple[int, Decimal]:
        revenue = sum((Decimal(str(r[3])).quantize(Decimal("0.01")) for r in gold_rows), Decimal(0))
        return sum(int(r[1]) for r in gold_rows), revenue

    print(f"\n## 3. Silver + Gold on {len(bronze):,} Bronze events ({events:,} change events)")
    print(f"local engine (DuckDB SQL)           {local_seconds:>13.3f}s")
    print(f"Snowpark local testing (DataFrames) {snowpark_seconds:>13.3f}s")
    print(f"ratio                               {snowpark_seconds / local_seconds:>13.0f}x   (target >= 100x)")
    print(f"same answer (bookings, revenue)     {totals(local_gold) == totals(snowpark_gold)!s:>14}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--changes", type=int, default=40)
    parser.add_argument("--snowpark-events", type=int, default=100_000)
    parser.add_argument("--only", choices=["throughput", "freshness", "snowpark"])
    parser.add_argument("--child-throughput", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_throughput:
        print(json.dumps(throughput_child(args.child_throughput)))
        return
    if args.only in (None, "throughput"):
        throughput(args.events)
    if args.only in (None, "freshness"):
        freshness(args.changes)
    if args.only in (None, "snowpark"):
        snowpark_comparison(args.snowpark_events)


if __name__ == "__main__":
    main()
