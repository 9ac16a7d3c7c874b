"""Deploy the pipeline to Snowflake, write a few bookings, bring Gold up to date and show it.

    python examples/deploy_to_snowflake.py --connection myconn [--config moviecdc.toml] [--teardown]

The connection is a named entry of ~/.snowflake/connections.toml (see the README). Everything this script
does is idempotent: run it as often as you like.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from moviecdc import Pipeline, PipelineConfig
from moviecdc.runner import read_gold
from moviecdc.sessions import snowflake_session
from moviecdc.simulate import BookingSimulator, BookingWriter, SimulationConfig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connection", required=True, help="a connection name in connections.toml")
    parser.add_argument("--config", type=Path, help="a TOML file of PipelineConfig fields")
    parser.add_argument("--events", type=int, default=1_000, help="simulated booking changes to write")
    parser.add_argument("--teardown", action="store_true", help="drop the tasks and dynamic tables at the end")
    args = parser.parse_args()

    config = PipelineConfig.from_toml(args.config) if args.config else PipelineConfig()
    session = snowflake_session(args.connection)
    try:
        pipeline = Pipeline(session, config)
        print(pipeline.deploy())

        simulator = BookingSimulator(SimulationConfig(seed=1, tick_seconds=60, bookings_per_minute=args.events))
        writer = BookingWriter(session, config, temporary_staging=True)
        writer.write(simulator.next_batch(limit=args.events))
        print(f"wrote {writer.counts}")

        print(pipeline.refresh())  # EXECUTE TASK, wait for it, then refresh Gold (Silver first)
        print(read_gold(session, config).to_string(index=False))
        print(pipeline.status())
        if args.teardown:
            print(pipeline.teardown())
    finally:
        session.close()


if __name__ == "__main__":
    main()
