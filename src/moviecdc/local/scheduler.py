"""Scheduled work: task runs and dynamic-table refreshes, in time order, under the engine's lock.

Two things fall due with time: a started root task at its next scheduled instant (``TASKS.NEXT_RUN``)
and a dynamic-table refresh (:func:`moviecdc.local.dynamic_tables.statements.next_due` / ``run_due``).
:func:`run_until` runs every instant that falls due up to a target time, earliest first, moving the manual
clock to each instant so that the work sees its own time. **At equal instants task runs go first**, so a
refresh sees the rows an ingest task wrote at the same instant. If the clock jumps over several instants of
one task, each runs, in order, with its own scheduled time.

Two drivers:

- manual: ``LocalSession.advance(seconds=…)`` calls :func:`advance`;
- real time: :class:`RealtimeScheduler`, a background thread that wakes every :data:`TICK_SECONDS` of real
  time and, holding ``engine.lock`` (so user statements and scheduled work never interleave inside a
  statement), runs whatever is due at the clock's current time. Scheduled work waits while the user has
  a transaction open.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from moviecdc.errors import LocalEngineError
from moviecdc.local.core.engine import quiet
from moviecdc.local.dynamic_tables import statements as dynamic_tables
from moviecdc.local.tasks import catalog as task_catalog
from moviecdc.local.tasks.catalog import FROM_SCHEDULE, TaskDef
from moviecdc.local.tasks.runs import run_graph

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine
    from moviecdc.local.core.names import ObjectName

log = logging.getLogger(__name__)

TICK_SECONDS = 0.05
_MIN_WAIT = 0.001  # seconds: a wake-up never spins


def _refresh_due(engine: Engine) -> datetime | None:
    return dynamic_tables.next_due(engine)


def _refresh(engine: Engine, now: datetime) -> None:
    engine.begin_statement()  # the refresh's engine.now(): a fresh stamp at (or just after) ``now``
    dynamic_tables.run_due(engine, now)


def _roots_due(tasks: dict[ObjectName, TaskDef]) -> tuple[datetime | None, list[TaskDef]]:
    """The earliest next run among started root tasks, and those roots (in name order)."""
    roots = [t for t in tasks.values() if t.started and t.is_root and t.next_run is not None]
    due = min((t.next_run for t in roots if t.next_run is not None), default=None)
    return due, sorted((t for t in roots if t.next_run == due), key=lambda t: t.name.display)


def next_due(engine: Engine) -> datetime | None:
    """The earliest instant at which any scheduled work (task run or refresh) falls due."""
    task_due, _ = _roots_due(task_catalog.load(engine))
    return min((t for t in (task_due, _refresh_due(engine)) if t is not None), default=None)


def run_until(engine: Engine, until: datetime) -> None:
    """Run every task run and refresh due at or before ``until``, earliest first (tasks first on ties)."""
    engine.catalog_version += 1  # a refresh or a task run may change the catalog (see ordinary/plans.py)
    done: set[tuple[str, object, datetime]] = set()
    while True:
        tasks = task_catalog.load(engine)
        task_due, roots = _roots_due(tasks)
        refresh_due = _refresh_due(engine)
        due = min((t for t in (task_due, refresh_due) if t is not None), default=None)
        if due is None or due > until:
            return
        if not engine.clock.realtime:
            engine.clock.advance_to(due)
        if task_due is not None and task_due <= due:
            for root in roots:
                _once(done, ("task", root.uid, task_due))
                schedule = root.parsed_schedule
                assert schedule is not None
                run_graph(
                    engine, root, task_due, source=FROM_SCHEDULE, next_run=schedule.run_after(task_due), tasks=tasks
                )
        else:
            _once(done, ("refresh", None, due))
            _refresh(engine, due)


def _once(done: set[tuple[str, object, datetime]], key: tuple[str, object, datetime]) -> None:
    """Guard against a loop that never ends: the same work due at the same instant twice is a bug."""
    if key in done:
        raise LocalEngineError(
            f"Internal error of the local engine: {key[0]} work due at {key[2]} was still due after it ran."
        )
    done.add(key)


def advance(engine: Engine, until: datetime) -> None:
    """Run everything due up to ``until``; afterwards the manual clock reads ``until``."""
    if engine.in_transaction:
        raise LocalEngineError(
            "advance() inside an open transaction: scheduled work would join your transaction. "
            "COMMIT or ROLLBACK first."
        )
    run_until(engine, until)
    engine.clock.advance_to(until)


def on_open(engine: Engine) -> None:
    """After (re)opening a database folder: the clock resumes after recorded time; overdue tasks catch up.

    A started task whose next run fell while no session was open does not run the missed instants (nor does
    Snowflake backfill); its next run becomes the first instant of its schedule from now.
    """
    recorded = [task_catalog.latest_time(engine), dynamic_tables.latest_time(engine)]
    latest = max((t for t in recorded if t is not None), default=None)
    if latest is not None:
        engine.clock.not_before(latest)
    now = engine.clock.now()
    overdue = [t for t in task_catalog.load(engine).values() if t.started and t.next_run and t.next_run < now]
    for task in overdue:
        schedule = task.parsed_schedule
        assert schedule is not None
        assert task.next_run is not None
        with engine.atomic():
            task_catalog.save(engine, replace(task, next_run=schedule.catch_up(task.next_run, now)))
    engine.statement_time = engine.clock.now()


class RealtimeScheduler:
    """The background thread of ``LocalSession(realtime=True)``; :meth:`stop` joins it."""

    def __init__(self, engine: Engine, tick: float = TICK_SECONDS) -> None:
        self._engine = engine
        self._tick = tick
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="moviecdc-scheduler", daemon=True)
        self.error: Exception | None = None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()

    def _loop(self) -> None:
        engine = self._engine
        # While no statement has run since the last look (statement_time unchanged) and the next due
        # instant is still ahead, a wake-up has nothing to do and does not read the catalog. The thread
        # sleeps one tick, or less when work falls due sooner, so it starts on time rather than up to a
        # tick late.
        seen: datetime | None = None
        upcoming: datetime | None = None
        wait = self._tick
        while not self._stop.wait(wait):
            wait = self._tick
            with engine.lock:
                if engine.closed or self._stop.is_set():
                    return
                now = engine.clock.now()
                if engine.in_transaction:
                    continue
                if engine.statement_time != seen or (upcoming is not None and now >= upcoming):
                    try:
                        with quiet():
                            run_until(engine, now)
                            upcoming = next_due(engine)
                            seen = engine.statement_time
                    except Exception as e:  # the thread must not die silently: the session reports it
                        log.exception("moviecdc real-time scheduler stopped")
                        self.error = e
                        return
                wait = self._until(upcoming)

    def _until(self, upcoming: datetime | None) -> float:
        """Real seconds to sleep: one tick, or until ``upcoming`` if that comes sooner (at least 1 ms)."""
        speed = self._engine.clock.speed
        if upcoming is None or not speed:
            return self._tick
        ahead = (upcoming - self._engine.clock.now()).total_seconds() / speed
        return min(self._tick, max(ahead, _MIN_WAIT))
