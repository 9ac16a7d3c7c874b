"""The demo's memory over many simulated hours, on the engine's manual clock (no real hours needed).

What ``moviecdc demo`` does, minus the dashboard: the simulator writes a batch of bookings every
``--tick`` simulated seconds, the clock advances by the tick (the ingest task and the refreshes run as they fall
due), and Bronze is compacted every 10 simulated minutes with a 30-minute retention, as the demo does
(``moviecdc.demo.COMPACT_EVERY`` / ``COMPACT_RETENTION``). The process's resident memory (VmRSS) and Bronze's
row count are printed every simulated hour. ``--no-compact`` runs the same without compaction (the demo before
it compacted).

    PYTHONPATH=src python benchmarks/bench_demo_memory.py --hours 30 --rate 600
    PYTHONPATH=src python benchmarks/bench_demo_memory.py --hours 30 --rate 600 --no-compact

Results: benchmarks/README.md, "The demo's memory".
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timedelta
from pathlib import Path

from moviecdc import LocalSession, Pipeline, PipelineConfig
from moviecdc.demo import COMPACT_EVERY, COMPACT_RETENTION
from moviecdc.simulate import BookingSimulator, BookingWriter, SimulationConfig

START = datetime(2026, 1, 1)


def rss_mib() -> float:
    """This process's resident set size, in MiB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hours", type=float, default=30.0, help="simulated hours (default 30)")
    parser.add_argument("--rate", type=int, default=600, help="bookings per simulated minute (demo default 600)")
    parser.add_argument("--tick", type=float, default=30.0, help="simulated seconds per batch (default 30)")
    parser.add_argument("--no-compact", action="store_true", help="do not compact Bronze (the demo before)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    config = PipelineConfig()
    bronze = config.name("bronze_table")
    started = time.perf_counter()
    print(f"{'sim hours':>9} {'RSS MiB':>8} {'bronze rows':>12} {'raw rows':>10} {'removed':>9} {'real s':>7}")
    with LocalSession(start=START) as session:
        pipeline = Pipeline(session, config)
        pipeline.deploy()
        simulation = SimulationConfig(seed=args.seed, tick_seconds=args.tick, bookings_per_minute=args.rate)
        simulator = BookingSimulator(simulation)
        writer = BookingWriter(session, config)
        end = START + timedelta(hours=args.hours)
        compacted_at, removed, next_report = START, 0, START + timedelta(hours=1)
        while session.now() < end:
            writer.write(simulator.next_batch())
            session.advance(seconds=args.tick)
            now = session.now()
            if not args.no_compact and now - compacted_at >= COMPACT_EVERY:
                removed += pipeline.compact(COMPACT_RETENTION)
                compacted_at = now
            if now >= next_report:
                rows = session.sql(f"SELECT COUNT(*) FROM {bronze.sql}").collect()[0][0]
                raw = session.sql(f"SELECT COUNT(*) FROM {config.name('raw_table').sql}").collect()[0][0]
                hours = (now - START).total_seconds() / 3600
                print(
                    f"{hours:>9.0f} {rss_mib():>8.0f} {rows:>12,} {raw:>10,} {removed:>9,} "
                    f"{time.perf_counter() - started:>7.0f}",
                    flush=True,
                )
                next_report += timedelta(hours=1)


if __name__ == "__main__":
    main()
