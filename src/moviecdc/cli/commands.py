"""The ``moviecdc`` command: a thin layer over the library.

Every command calls library functions; a library error prints one ``Error: …`` line and exits 1
(``--debug`` shows the traceback; argument errors keep argparse's exit code 2). Without ``--connection``
every command runs on the embedded engine (``--db FOLDER`` keeps its state between commands).

    moviecdc plan                              print the DDL deploy runs
    moviecdc check [--connection N]            the preflight: the role's privileges, GRANTs for what is missing
    moviecdc deploy [--connection N | --db F]  the preflight, then create or converge every object, resume tasks
    moviecdc status [--connection N | --db F]  stream, tasks, dynamic tables, rejected rows
    moviecdc refresh                           run the ingest task now, then refresh Gold
    moviecdc teardown [--drop-data]            drop tasks and dynamic tables (and the data, if asked)
    moviecdc compact [--retention-hours H]     remove superseded Bronze events older than H hours
    moviecdc simulate --events N               write N simulated booking changes into the raw table
    moviecdc run --events N --seed S [--db F]  the whole pipeline, headless, on the local engine
    moviecdc demo [--db F] [--port P]          the live pipeline and its dashboard on 127.0.0.1

On a terminal the progress bar and tables are drawn by :mod:`moviecdc.cli.console` (rich); piped, plain text.
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from moviecdc.cli.console import ProgressBar, print_frame, status_line
from moviecdc.cli.sessions import open_session
from moviecdc.config import PipelineConfig
from moviecdc.errors import DeployError, MoviecdcError, PreflightError, SessionError
from moviecdc.pipeline import Pipeline

EXIT_OK, EXIT_ERROR, EXIT_UNHEALTHY = 0, 1, 2
_EMPTY_GOLD = "Gold is empty: no valid bookings yet."


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING, format="%(message)s")
    if not args.debug:  # the connector logs each retry as a warning; the one Error: line says what failed
        logging.getLogger("snowflake.connector").setLevel(logging.ERROR)
    try:
        return int(args.handler(args))
    except MoviecdcError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"Error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `moviecdc plan | head`
        sys.stderr.close()
        return EXIT_OK


# -- commands ----------------------------------------------------------------------------------------------------


def _plan(args: argparse.Namespace) -> int:
    for number, statement in enumerate(Pipeline(None, _config(args)).plan(), start=1):
        print(f"-- {number}. {statement.summary}\n{statement.sql};\n")
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    with _session(args) as session:
        report = Pipeline(session, _config(args)).check()
        print(report)
    return EXIT_OK if report.ok else EXIT_UNHEALTHY


def _deploy(args: argparse.Namespace) -> int:
    with _session(args) as session, status_line() as show:
        try:
            report = Pipeline(session, _config(args)).deploy(
                progress=lambda n, total, st: show(f"deploy {n}/{total}: {st.summary}"),
                check=not args.skip_check,
            )
        except PreflightError as exc:  # the whole report: its GRANT statements are what the user needs
            print(f"Error: {exc}", file=sys.stderr)
            return EXIT_ERROR
    print(report)
    return EXIT_OK


def _status(args: argparse.Namespace) -> int:
    with _session(args, create=False) as session:
        status = Pipeline(session, _config(args)).status()
        print(status)
    return EXIT_OK if status.healthy else EXIT_UNHEALTHY


def _refresh(args: argparse.Namespace) -> int:
    with _session(args, create=False) as session:
        print(Pipeline(session, _config(args)).refresh())
    return EXIT_OK


def _teardown(args: argparse.Namespace) -> int:
    with _session(args, create=False) as session:
        print(Pipeline(session, _config(args)).teardown(drop_data=args.drop_data))
    return EXIT_OK


def _compact(args: argparse.Namespace) -> int:
    from datetime import timedelta  # noqa: PLC0415

    retention = timedelta(seconds=round(args.retention_hours * 3600))
    config = _config(args)
    with _session(args, create=False) as session:
        removed = Pipeline(session, config).compact(retention)
    print(
        f"removed {removed:,} superseded events older than {args.retention_hours:g} hours from "
        f"{config.name('bronze_table')}; Silver and Gold are unchanged"
    )
    return EXIT_OK


def _simulate(args: argparse.Namespace) -> int:
    from moviecdc.simulate import (  # noqa: PLC0415
        BookingSimulator,
        BookingWriter,
        SimulationConfig,
        read_bookings,
    )

    config = _config(args)
    simulation = SimulationConfig(seed=args.seed, tick_seconds=60.0, bookings_per_minute=args.rate)
    with _session(args, create=False) as session, ProgressBar(args.events, "events") as bar:
        writer = BookingWriter(session, config)
        written = 0
        try:
            # Continue what the raw table holds: new booking ids, and its open bookings move on.
            simulator = BookingSimulator.continuing(simulation, read_bookings(session, config))
            while written < args.events:
                written += writer.write(simulator.next_batch(limit=min(args.rate, args.events - written))).total
                bar.update(written)
        except MoviecdcError as exc:
            if "does not exist" not in str(exc):
                raise
            raw = writer.raw
            raise SessionError(
                f"Table '{raw.database}.{raw.schema}.{raw.name}' does not exist or not authorized. "
                "Run `moviecdc deploy` (with the same --db/--connection) first."
            ) from exc
    print(
        f"wrote {writer.counts.inserted:,} inserts, {writer.counts.updated:,} updates and "
        f"{writer.counts.deleted:,} deletes into {config.name('raw_table')}"
    )
    return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    from moviecdc.runner import run_local  # noqa: PLC0415

    with _session(args) as session, ProgressBar(args.events, "events") as bar:
        result = run_local(
            session,
            _config(args),
            events=args.events,
            seed=args.seed,
            events_per_minute=args.rate,
            progress=lambda done, _total: bar.update(done),
        )
    sys.stdout.flush()
    if result.gold.empty:
        print(_EMPTY_GOLD)
    else:
        print_frame(result.gold, limit=args.top, what="movies")
    print(
        f"\n{result.events:,} change events over {result.ticks} simulated minutes in {result.seconds:.2f}s: "
        f"{result.events_per_second:,.0f} events/s"
    )
    print(result.status)
    return EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    from moviecdc.demo import run_demo  # noqa: PLC0415

    code: int = run_demo(
        db=args.db,
        config=_config(args),
        port=args.port,
        speed=args.speed,
        rate=args.rate,
        seed=args.seed,
        open_browser=not args.no_browser,
    )
    return code


# -- plumbing ----------------------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", type=Path, help="a TOML file of PipelineConfig fields")
    common.add_argument("--debug", action="store_true", help="show tracebacks and every statement")
    target = argparse.ArgumentParser(add_help=False)
    where = target.add_mutually_exclusive_group()
    where.add_argument("--connection", metavar="NAME", help="a Snowflake connection in connections.toml")
    where.add_argument("--db", type=Path, metavar="FOLDER", help="keep the local engine's state in FOLDER")
    feed = argparse.ArgumentParser(add_help=False)
    feed.add_argument("--seed", type=int, default=0, help="simulator seed (same seed, same events)")
    feed.add_argument("--rate", type=_positive, default=10_000, help="change events per simulated minute")

    parser = argparse.ArgumentParser(
        prog="moviecdc", description="Movie-bookings CDC pipeline on Snowflake, or offline on the embedded engine."
    )
    parser.set_defaults(debug=False)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str, handler: Any, *parents: argparse.ArgumentParser) -> Any:
        sub = commands.add_parser(name, help=help_text, description=help_text, parents=[common, *parents])
        sub.set_defaults(handler=handler)
        return sub

    command("plan", "print the DDL that deploy runs, in order", _plan)
    command(
        "check",
        "the preflight: the role's privileges and the GRANTs for what is missing (exit 2 if any)",
        _check,
        target,
    )
    deploy = command("deploy", "create or converge every object and resume the tasks (idempotent)", _deploy, target)
    deploy.add_argument("--skip-check", action="store_true", help="do not run the preflight first")
    command("status", "stream, tasks, dynamic tables and rejected rows (exit 2 if unhealthy)", _status, target)
    command("refresh", "run the ingest task now, then refresh Gold", _refresh, target)
    teardown = command("teardown", "suspend and drop the tasks and dynamic tables", _teardown, target)
    teardown.add_argument("--drop-data", action="store_true", help="also drop the raw table, its stream and Bronze")
    compact = command(
        "compact",
        "remove Bronze events superseded by a later event of the same booking and older than the retention",
        _compact,
        target,
    )
    compact.add_argument(
        "--retention-hours",
        type=_hours,
        default=24.0,
        help="keep every event of the last H hours (default 24)",
    )
    simulate = command("simulate", "write simulated booking changes into the raw table", _simulate, target, feed)
    simulate.add_argument("--events", type=_positive, required=True, help="how many change events")
    # run drives the embedded engine's clock: local only. Against Snowflake: simulate --connection, and let the
    # tasks run (or refresh).
    local = argparse.ArgumentParser(add_help=False)
    local.add_argument("--db", type=Path, metavar="FOLDER", help="keep the local engine's state in FOLDER")
    run = command(
        "run", "deploy locally, feed simulated events, run the pipeline headless, print Gold", _run, local, feed
    )
    run.add_argument("--events", type=_positive, default=100_000, help="how many change events (default 100,000)")
    run.add_argument("--top", type=_positive, default=15, help="Gold rows to print")
    demo = command("demo", "the live pipeline and its dashboard on localhost (Ctrl-C stops)", _demo, local)
    demo.add_argument("--port", type=_port, default=8501, help="dashboard port on 127.0.0.1 (default 8501)")
    demo.add_argument("--speed", type=float, default=60.0, help="simulated seconds per real second (default 60)")
    demo.add_argument("--rate", type=_positive, default=600, help="bookings per simulated minute (default 600)")
    demo.add_argument("--seed", type=int, default=0, help="simulator seed")
    demo.add_argument("--no-browser", action="store_true", help="do not open a browser")
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be greater than 0")
    return value


def _hours(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of hours") from None
    if not 0 <= value <= 24 * 365 * 100:
        raise argparse.ArgumentTypeError(f"{text!r} must be between 0 and 876000 hours")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: use 1 to 65535, e.g. 8501")
    return value


def _config(args: argparse.Namespace) -> PipelineConfig:
    return PipelineConfig.from_toml(args.config) if args.config else PipelineConfig()


@contextmanager
def _session(args: argparse.Namespace, *, create: bool = True) -> Iterator[Any]:
    """The command's session; ``create=False``: a ``--db`` folder must exist already (nothing is created)."""
    session = open_session(connection=getattr(args, "connection", None), db=getattr(args, "db", None), create=create)
    try:
        yield session
    finally:
        session.close()


def _one_line(exc: MoviecdcError) -> str:
    text = str(exc)
    if isinstance(exc, DeployError) and "\nStatement:\n" in text:
        head, _, rest = text.partition("\nStatement:\n")
        text = f"{head} {rest.splitlines()[-1]}"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    joined = lines[0] if lines else type(exc).__name__
    for line in lines[1:]:
        joined += (" " if joined.endswith((":", ".", "?")) else "; ") + line
    return joined


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
