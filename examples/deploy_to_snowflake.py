"""Check the role, deploy the pipeline to Snowflake, write a few bookings, wait for Gold and show it.

    python examples/deploy_to_snowflake.py --connection myconn [--config moviecdc.toml] [--teardown]

The connection is a named entry of ~/.snowflake/connections.toml (see the README and docs/snowflake_setup.md).
The preflight runs first: when the role lacks a privilege, the script prints the GRANT statements an
administrator runs and stops before changing anything. Everything else is idempotent: run it as often as you
like. Gold is awaited through Pipeline.status() (the tasks and dynamic tables run on their own schedule: with
the default lags, a few minutes), not forced with refresh().
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from moviecdc import Pipeline, PipelineConfig
from moviecdc.cli.sessions import snowflake_session
from moviecdc.runner import read_gold
from moviecdc.simulate import BookingSimulator, BookingWriter, SimulationConfig
from moviecdc.status import PipelineStatus

NOW = 'SELECT CURRENT_TIMESTAMP() AS "NOW"'


def gold_is_current(status: PipelineStatus, config: PipelineConfig, since: Any) -> bool:
    """Whether Gold holds every booking written at ``since``: the stream is drained by an ingest run that
    ended after ``since``, and Gold's data timestamp is at least that run's end."""
    ingest = next(t for t in status.tasks if t.name == config.name("ingest_task"))
    gold = next(d for d in status.dynamic_tables if d.name == config.name("gold_table"))
    run = next((r for r in ingest.last_runs if r.state == "SUCCEEDED"), None)
    if not status.healthy or status.stream.has_pending_changes or run is None or run.completed_time is None:
        return False
    ingested = run.completed_time >= since
    return bool(ingested and gold.data_timestamp is not None and gold.data_timestamp >= run.completed_time)


def deploy_and_show(
    session: Any,
    config: PipelineConfig,
    *,
    events: int = 1_000,
    timeout: float = 900.0,
    poll_interval: float = 20.0,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """The whole example on ``session``; returns the exit code (2 when the preflight finds a missing grant)."""
    pipeline = Pipeline(session, config)
    check = pipeline.check()
    print(check)
    if not check.ok:
        return 2
    print(pipeline.deploy(check=False))  # just checked

    since = session.sql(NOW).collect()[0][0]
    simulator = BookingSimulator(SimulationConfig(seed=1, tick_seconds=60, bookings_per_minute=events))
    # use_logical_type=True: naive BOOKING_DATE datetimes load as the dates they are (see BookingWriter).
    writer = BookingWriter(session, config, temporary_staging=True, use_logical_type=True)
    writer.write(simulator.next_batch(limit=events))
    print(f"wrote {writer.counts}; waiting for Gold (target lag {config.gold_target_lag})")

    deadline = time.monotonic() + timeout
    status = pipeline.status()
    while not gold_is_current(status, config, since):
        if time.monotonic() >= deadline:
            print(status)
            print(f"Gold did not catch up within {timeout:.0f}s: see the status above")
            return 1
        sleep(poll_interval)
        status = pipeline.status()
    print(status)
    print(read_gold(session, config).to_string(index=False))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connection", required=True, help="a connection name in connections.toml")
    parser.add_argument("--config", type=Path, help="a TOML file of PipelineConfig fields")
    parser.add_argument("--events", type=int, default=1_000, help="simulated booking changes to write")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for Gold (default 900)")
    parser.add_argument("--teardown", action="store_true", help="drop the tasks and dynamic tables at the end")
    args = parser.parse_args()

    config = PipelineConfig.from_toml(args.config) if args.config else PipelineConfig()
    session = snowflake_session(args.connection)
    try:
        code = deploy_and_show(session, config, events=args.events, timeout=args.timeout)
        if args.teardown and code != 2:
            print(Pipeline(session, config).teardown())
        return code
    finally:
        session.close()


if __name__ == "__main__":
    raise SystemExit(main())
