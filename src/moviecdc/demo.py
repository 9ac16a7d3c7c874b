"""``moviecdc demo``: the pipeline live on the embedded engine, fed by the simulator, with its dashboard.

One process holds everything, because a DuckDB database can be written by one process only: a realtime
:class:`~moviecdc.LocalSession` (its scheduler runs the tasks and refreshes at ``speed`` simulated seconds per
real second), a feeder thread that writes simulated bookings at the same pace (and compacts Bronze every
:data:`COMPACT_EVERY` of simulated time, so Bronze grows with the bookings, not with their changes), and the
Streamlit server running ``app/streamlit_app.py`` in-process, handed the same session through
:func:`moviecdc.dashboard.set_session`. Ctrl-C stops the server; the feeder and the scheduler stop with it.
"""

from __future__ import annotations

import socket
import threading
import time
from datetime import timedelta
from pathlib import Path

from moviecdc.cli.sessions import local_session
from moviecdc.config import PipelineConfig
from moviecdc.errors import MoviecdcError
from moviecdc.local import LocalSession
from moviecdc.pipeline import Pipeline
from moviecdc.simulate import BookingSimulator, BookingWriter, SimulationConfig, read_bookings

FEED_INTERVAL = 0.5  # real seconds between two batches of simulated bookings
# The demo compacts Bronze as it runs (Pipeline.compact), so Bronze grows with the bookings, not with every
# change of them: every COMPACT_EVERY of simulated time, the superseded events older than COMPACT_RETENTION go.
COMPACT_EVERY = timedelta(minutes=10)
COMPACT_RETENTION = timedelta(minutes=30)
ADDRESS = "127.0.0.1"  # the dashboard listens on this machine only


def _check_port(port: int) -> None:
    """Refuse a port another process holds before anything starts or is printed (Streamlit would only say
    "Port N is not available" after the URL was shown)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Tornado binds: TIME_WAIT is no conflict
        try:
            probe.bind((ADDRESS, port))
        except OSError as exc:
            raise MoviecdcError(
                f"port {port} on {ADDRESS} is in use ({exc.strerror or exc}): pick another with --port, "
                f"e.g. --port {port + 1 if port < 65535 else 8502}"
            ) from exc


def app_path() -> Path:
    """The dashboard script: packaged with the wheel, or in the source tree of an editable install."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_app" / "streamlit_app.py", here.parent.parent / "app" / "streamlit_app.py"):
        if candidate.is_file():
            return candidate
    raise MoviecdcError("the dashboard script streamlit_app.py is missing from this installation; reinstall moviecdc")


class Feeder(threading.Thread):
    """Writes the simulator's bookings into the raw table in step with the session's clock."""

    def __init__(self, session: LocalSession, config: PipelineConfig, *, rate: int, seed: int, speed: float) -> None:
        super().__init__(name="moviecdc-feeder", daemon=True)
        tick = FEED_INTERVAL * speed
        simulation = SimulationConfig(seed=seed, tick_seconds=tick, bookings_per_minute=rate)
        # A folder used before continues its history: new booking ids, its open bookings move on.
        self.simulator = BookingSimulator.continuing(simulation, read_bookings(session, config))
        self.writer = BookingWriter(session, config)
        self.pipeline = Pipeline(session, config)
        self.session = session
        self.compacted_at = session.now()
        self.compacted = 0
        self.stopping = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        next_at = time.monotonic()
        try:
            while not self.stopping.is_set():
                self.writer.write(self.simulator.next_batch())
                self.compact_when_due()
                next_at += FEED_INTERVAL
                self.stopping.wait(max(0.0, next_at - time.monotonic()))
        except BaseException as exc:  # reported by stop(); a dead feeder must not kill the dashboard
            self.error = exc

    def compact_when_due(self) -> None:
        """Compact Bronze every :data:`COMPACT_EVERY` of simulated time."""
        now = self.session.now()
        if now - self.compacted_at >= COMPACT_EVERY:
            self.compacted += self.pipeline.compact(COMPACT_RETENTION)
            self.compacted_at = now

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=10)


def run_demo(
    *,
    db: Path | None,
    config: PipelineConfig,
    port: int,
    speed: float,
    rate: int,
    seed: int,
    open_browser: bool,
) -> int:
    """Deploy locally, start the feeder and serve the dashboard until Ctrl-C. Returns the exit code."""
    from streamlit.web import bootstrap  # noqa: PLC0415 - Streamlit's server is heavy; load it only here

    from moviecdc.dashboard import set_session  # noqa: PLC0415

    _check_port(port)
    session = local_session(db, realtime=True, speed=speed)
    feeder: Feeder | None = None
    try:
        Pipeline(session, config).deploy()
        feeder = Feeder(session, config, rate=rate, seed=seed, speed=speed)
        feeder.start()
        set_session(session, config)
        print(
            f"moviecdc demo: {rate:,} bookings per simulated minute, clock at {speed:g}x.\n"
            f"Dashboard: http://{ADDRESS}:{port}  (Ctrl-C stops everything)",
            flush=True,
        )
        flags = {  # Streamlit's flag spelling: "server_port" sets server.port
            "server_port": port,
            "server_address": ADDRESS,
            "server_headless": not open_browser,
            "browser_gatherUsageStats": False,
        }
        bootstrap.load_config_options(flag_options=flags)  # what `streamlit run` does before run()
        bootstrap.run(str(app_path()), False, [], flags)
    finally:
        if feeder is not None:
            feeder.stop()
        session.close()
    if feeder is not None and feeder.error is not None:
        raise MoviecdcError(f"the booking feeder stopped: {feeder.error}") from feeder.error
    return 0
