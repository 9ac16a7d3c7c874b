"""End-to-end benchmarks of the pipeline on the embedded engine (issue 4). Not part of the test suite.

    PYTHONPATH=src python benchmarks/bench_pipeline.py [--events 1000000] [--changes 40] [--snowpark-events 100000]

1. Throughput: ``--events`` booking change events (the simulator's realistic mix of inserts, updates and
   deletes) written 10,000 per simulated minute with the default schedule (ingest every minute, Gold lag 2
   minutes), until Gold reflects them all; events per wall-clock second, peak RSS, and the number of task
   runs and Gold refreshes that happened. The simulator runs first, in a process of its own, and writes each
   minute's batch, as the DataFrames the writer sends, to Parquet; the pipeline runs in a second process that
   reads one minute at a time (the reading is timed and taken out), so its time and peak memory are its own.
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
import tempfile
import time
import warnings
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from moviecdc import BOOKINGS, GoldLayer, LocalSession, Pipeline, PipelineConfig, SilverLayer
from moviecdc.config import lag_seconds
from moviecdc.layers.expressions import snowpark_type
from moviecdc.runner import replay, run_local, simulated_batches
from moviecdc.simulate import Frames, frames

GOLD = PipelineConfig().name("gold_table").sql
RAW = PipelineConfig().name("raw_table").sql
BRONZE = PipelineConfig().name("bronze_table").sql


def make_load(events: int, folder: str) -> dict[str, Any]:
    """Child process 1: the simulator's batches, as the DataFrames the writer sends, into Parquet files (one
    pair per simulated minute); returns the time and the peak memory that took."""
    started = time.perf_counter()
    minutes = 0
    for batch in simulated_batches(events=events, seed=1, events_per_minute=10_000):
        made = frames(batch)
        for kind, frame in (("inserts", made.inserts), ("changes", made.changes)):
            if frame is not None:
                frame.to_parquet(Path(folder) / f"{made.index:05d}_{kind}.parquet", index=False)
        (Path(folder) / f"{made.index:05d}_minute").touch()
        minutes += 1
    return {
        "seconds": time.perf_counter() - started,
        "minutes": minutes,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


class ParquetLoad:
    """Child process 2's input: each minute's :class:`Frames` read back from :func:`make_load`'s files, one
    minute at a time; the time spent reading is kept apart in ``seconds``."""

    def __init__(self, folder: str) -> None:
        self._minutes = sorted(Path(folder).glob("*_minute"))
        self.seconds = 0.0

    def __iter__(self) -> Iterator[Frames]:
        for marker in self._minutes:
            started = time.perf_counter()
            index = int(marker.name.split("_")[0])
            parts = {}
            for kind in ("inserts", "changes"):
                file = marker.with_name(f"{index:05d}_{kind}.parquet")
                parts[kind] = pd.read_parquet(file) if file.exists() else None
            self.seconds += time.perf_counter() - started
            yield Frames(index, parts["inserts"], parts["changes"])


def throughput_child(folder: str) -> dict[str, Any]:
    # The simulator is the load, not the system under test: it ran in another process (make_load), so neither
    # its time nor its memory (every live booking, ~0.5 GiB at a million events) is counted here; reading each
    # minute's DataFrames back is timed and taken out. events/s and the peak RSS measure the pipeline:
    # deploy -> writes -> tasks and refreshes -> drained Gold.
    load = ParquetLoad(folder)
    with LocalSession() as session:
        result = replay(session, load)
        read_seconds = load.seconds
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
        "seconds": result.seconds - read_seconds,
        "events_per_second": result.events / (result.seconds - read_seconds),
        "read_seconds": read_seconds,
        "simulated_minutes": result.ticks,
        "ingest_runs": int(ingest_runs),
        "gold_refreshes": int(gold_refreshes[0][0]),
        "gold_refresh_actions": {str(r[0]): int(r[1]) for r in actions},
        "bronze_rows": int(bronze_rows),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def throughput(events: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        load = _child("--make-load", str(events), folder)
        r = _child("--child-throughput", folder)
    print("\n## 1. End-to-end throughput")
    print(f"events written                      {r['events']:>14,}")
    print(f"simulated minutes                   {r['simulated_minutes']:>14,}")
    print(f"ingest task runs (SUCCEEDED)        {r['ingest_runs']:>14,}")
    print(f"Gold refreshes (SUCCEEDED)          {r['gold_refreshes']:>14,}   {r['gold_refresh_actions']}")
    print(f"Bronze rows at the end              {r['bronze_rows']:>14,}")
    print(f"wall-clock seconds, pipeline        {r['seconds']:>14.2f}")
    print(f"events per second                   {r['events_per_second']:>14,.0f}   (target >= 200,000)")
    print(f"  reading the minutes back, out     {r['read_seconds']:>13.2f}s")
    both = r["events"] / (r["seconds"] + load["seconds"])
    print(f"  simulator (other process)         {load['seconds']:>13.2f}s   (pipeline + simulator: {both:,.0f}/s)")
    print(f"peak RSS, pipeline process          {r['peak_rss_mib']:>11,.0f} MiB   (target <= 1,024 MiB)")
    print(f"  peak RSS, simulator process       {load['peak_rss_mib']:>11,.0f} MiB")


def _child(*args: str) -> dict[str, Any]:
    child = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    return result


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
    parser.add_argument("--child-throughput", help=argparse.SUPPRESS)
    parser.add_argument("--make-load", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make_load:
        print(json.dumps(make_load(int(args.make_load[0]), args.make_load[1])))
        return
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
