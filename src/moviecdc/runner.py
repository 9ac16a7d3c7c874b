"""Headless runs of the whole pipeline on the embedded engine: what ``moviecdc run`` does.

>>> from moviecdc import LocalSession
>>> from moviecdc.runner import run_local
>>> with LocalSession() as session:
...     result = run_local(session, events=2_000, seed=7, events_per_minute=1_000)
>>> result.events, result.ticks, len(result.gold) > 0
(2000, 2, True)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from sqlglot import exp

from moviecdc import sql
from moviecdc.config import PipelineConfig
from moviecdc.pipeline import Pipeline
from moviecdc.schema import BOOKINGS
from moviecdc.simulate import (
    Batch,
    Booking,
    BookingSimulator,
    BookingWriter,
    Frames,
    SimulationConfig,
    read_bookings,
)
from moviecdc.simulate.writer import SessionLike
from moviecdc.status import PipelineStatus

if TYPE_CHECKING:
    import pandas as pd

TICK_SECONDS = 60.0


class ClockedSession(SessionLike, Protocol):
    """A session with a manual clock, that the simulator can write to: ``LocalSession``."""

    def advance(self, seconds: float) -> Any: ...


Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RunResult:
    """What a run did: events written, simulated minutes, wall-clock seconds, and Gold at the end."""

    events: int
    ticks: int
    seconds: float
    gold: pd.DataFrame
    status: PipelineStatus

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else float("inf")


def simulated_batches(
    *, events: int, seed: int = 0, events_per_minute: int = 10_000, existing: Iterable[Booking] = ()
) -> Iterator[Batch]:
    """The simulator's batches, one per simulated minute, at most ``events_per_minute`` events each,
    until exactly ``events`` events were made (the arguments are checked at once, not at the first batch).

    ``existing``: the raw table's rows (:func:`~moviecdc.simulate.read_bookings`); the simulator continues
    their history (:meth:`BookingSimulator.continuing`) instead of starting a new one."""
    if events < 0 or events_per_minute <= 0:
        raise ValueError("events must be >= 0 and events_per_minute > 0")
    config = SimulationConfig(seed=seed, tick_seconds=TICK_SECONDS, bookings_per_minute=events_per_minute)
    return _batches(BookingSimulator.continuing(config, existing), events, events_per_minute)


def _batches(simulator: BookingSimulator, events: int, events_per_minute: int) -> Iterator[Batch]:
    made = 0
    while made < events:
        batch = simulator.next_batch(limit=min(events_per_minute, events - made))
        made += batch.size
        yield batch


def run_local(
    session: ClockedSession,
    config: PipelineConfig | None = None,
    *,
    events: int,
    seed: int = 0,
    events_per_minute: int = 10_000,
    progress: Progress | None = None,
) -> RunResult:
    """Deploy, feed ``events`` simulated change events, let tasks and refreshes run as they fall due, drain.

    Each simulated minute writes up to ``events_per_minute`` events in bulk and then advances the clock one
    minute, so the ingest task and the dynamic tables run on their real schedules. At the end the pipeline
    is drained (``Pipeline.refresh()``): Gold reflects every change. The simulator makes each minute's
    batch just before it is written, and its time is part of ``seconds``. On a session that already holds
    bookings (a ``LocalSession`` folder used before) the simulator continues their history.
    """
    config = config or PipelineConfig()
    started = time.perf_counter()
    Pipeline(session, config).deploy()
    batches = simulated_batches(
        events=events, seed=seed, events_per_minute=events_per_minute, existing=read_bookings(session, config)
    )
    return replay(session, batches, config, total=events, progress=progress, started=started)


def replay(
    session: ClockedSession,
    batches: Iterable[Batch | Frames],
    config: PipelineConfig | None = None,
    *,
    total: int | None = None,
    progress: Progress | None = None,
    started: float | None = None,
) -> RunResult:
    """Deploy, then per batch: write it and advance the clock one minute; then drain (``Pipeline.refresh()``).

    ``seconds`` runs from the deploy to the drained Gold, including making the batches if ``batches`` makes
    them lazily; to time the pipeline alone, pass a list of batches already turned into DataFrames
    (:func:`moviecdc.simulate.frames`). ``progress(written, total)`` after each batch. ``started`` (a
    ``time.perf_counter()`` value): the caller deployed at that moment, so replay does not deploy again.
    """
    pipeline = Pipeline(session, config)
    if started is None:
        started = time.perf_counter()
        pipeline.deploy()
    writer = BookingWriter(session, pipeline.config)
    written = ticks = 0
    for batch in batches:
        writer.write(batch)
        session.advance(seconds=TICK_SECONDS)
        written += batch.size
        ticks += 1
        if progress is not None:
            progress(written, written if total is None else total)
    pipeline.refresh()
    seconds = time.perf_counter() - started
    return RunResult(written, ticks, seconds, read_gold(session, pipeline.config), pipeline.status())


def read_gold(session: Any, config: PipelineConfig) -> pd.DataFrame:
    """Gold, biggest revenue first."""
    query = (
        exp.select(exp.Star())
        .from_(sql.table(config.name("gold_table")))
        .order_by(
            exp.Ordered(this=sql.column(BOOKINGS.rank_by), desc=True),
            exp.Ordered(this=sql.column(BOOKINGS.group_by)),
        )
    )
    frame: pd.DataFrame = session.sql(sql.render(query, pretty=False)).to_pandas()
    return frame
