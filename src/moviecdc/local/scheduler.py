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
import weakref
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from moviecdc.errors import LocalEngineError
from moviecdc.local.core.engine import quiet
from moviecdc.local.dynamic_tables import catalog as dynamic_catalog
from moviecdc.local.dynamic_tables import graph as dynamic_graph
from moviecdc.local.dynamic_tables import history as dynamic_history
from moviecdc.local.dynamic_tables import refresh
from moviecdc.local.dynamic_tables import runs as refresh_runs
from moviecdc.local.dynamic_tables import statements as dynamic_tables
from moviecdc.local.dynamic_tables.catalog import RefreshRecord
from moviecdc.local.tasks import catalog as task_catalog
from moviecdc.local.tasks import history as task_history
from moviecdc.local.tasks import runs as task_runs
from moviecdc.local.tasks.catalog import FROM_SCHEDULE, SKIPPED, Run, TaskDef
from moviecdc.local.tasks.runs import run_graph

if TYPE_CHECKING:
    from moviecdc.local.core.catalog import StreamDef
    from moviecdc.local.core.engine import Engine
    from moviecdc.local.core.names import ObjectName
    from moviecdc.local.dynamic_tables.catalog import DynamicTable

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
    """Run every task run and refresh due at or before ``until``, earliest first (tasks first on ties).

    On the manual clock, a stretch of work that would change nothing is recorded in bulk instead of run
    (:func:`_skip_idle`); the loop then carries on with the first work that must run.
    """
    engine.catalog_version += 1  # a refresh or a task run may change the catalog (see ordinary/plans.py)
    done: set[tuple[str, object, datetime]] = set()
    wait, backoff = 0, 1  # after a look for idle time that found none, the next few instants run without one
    while True:
        tasks = task_catalog.load(engine)
        task_due, roots = _roots_due(tasks)
        refresh_due = _refresh_due(engine)
        due = min((t for t in (task_due, refresh_due) if t is not None), default=None)
        if due is None or due > until:
            return
        if SKIP_IDLE and not engine.clock.realtime and wait == 0:
            if _skip_idle(engine, tasks, until):
                backoff = 1
                continue
            wait, backoff = backoff, min(backoff * 2, _MAX_BACKOFF)
        wait = max(wait - 1, 0)
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


# -- idle time ---------------------------------------------------------------------------------------------
#
# An idle pipeline still has work every minute: the ingest task wakes, finds its stream empty and is SKIPPED;
# Gold falls due and refreshes with nothing new (NO_DATA), its DOWNSTREAM Silver with it. Run one by one, a
# day of it is ~22,000 DuckDB statements. :func:`_skip_idle` walks the same schedule in memory instead, with
# the same clock (so every stamp, SCHEDULED_TIME, COMPLETED_TIME, DATA_TIMESTAMP is the one the runs would
# have taken), as long as each piece of work is known to change nothing:
#
# - a root task whose WHEN is only SYSTEM$STREAM_HAS_DATA (with AND/OR/NOT/TRUE/FALSE) and is FALSE now
#   (tasks.runs.skips): its run is a SKIPPED row, its children do not run. Nothing the stretch does writes a
#   stream's table, so the condition stays FALSE. A task without WHEN, or with any other WHEN, runs for real:
#   the stretch ends before it;
# - a refresh whose tables (the due ones and every table they read) would all find nothing new
#   (dynamic_tables.refresh.idle): NO_DATA rows; the stretch ends before any other refresh.
#
# Then it writes what the runs would have written, in one transaction: the history rows in bulk (one INSERT …
# SELECT per history table), the tasks' next runs, the tables' DATA_TIMESTAMP and lag base, and the offsets the
# first NO_DATA refresh would have moved. tests/local/test_idle_skip.py compares it row for row with a
# minute-by-minute advance.

SKIP_IDLE = True  # tests set it False to get the minute-by-minute reference
_WORTH_IT = 4  # fewer due instants than this before ``until``: running them costs less than planning
_MAX_BACKOFF = 16  # under load (no idle time found), look again at most every this many instants


def _skip_idle(engine: Engine, tasks: dict[ObjectName, TaskDef], until: datetime) -> bool:
    """Record in bulk the idle work due up to ``until``, from the first due instant on, while it stays idle;
    True when it recorded anything (the clock then reads the last instant it covered)."""
    if _instants(tasks, dynamic_tables.cached_tables(engine), until, _WORTH_IT) < _WORTH_IT:
        return False
    stretch = _IdleStretch(engine, tasks, dynamic_catalog.load(engine))
    while stretch.step(until):
        pass
    return stretch.write()


class _IdleStretch:
    """The scheduler's loop over idle work, on in-memory copies of the tasks and dynamic tables."""

    def __init__(self, engine: Engine, tasks: dict[ObjectName, TaskDef], tables: dict[ObjectName, DynamicTable]):
        self.engine = engine
        self.tasks, self.tables = dict(tasks), dict(tables)
        self._tasks_before, self._tables_before = tasks, tables
        self._skips: dict[ObjectName, bool] = {}  # root task -> its run would be SKIPPED
        self._idle: dict[ObjectName, list[tuple[StreamDef, int]] | None] = {}  # table -> NO_DATA (offsets) or None
        self.runs: list[Run] = []
        self.refreshes: list[RefreshRecord] = []

    def step(self, until: datetime) -> bool:
        """Record the work of the next due instant if it is idle; False at ``until`` or at work that must run."""
        task_due, roots = _roots_due(self.tasks)
        times = (dynamic_graph.due(t, self.tables) for t in self.tables.values())
        refresh_due = min((t for t in times if t is not None), default=None)
        due = min((t for t in (task_due, refresh_due) if t is not None), default=None)
        if due is None or due > until:
            return False
        if task_due is not None and task_due <= due:
            return self._skipped_runs(roots, due)
        return self._no_data_refreshes(due)

    def _skipped_runs(self, roots: list[TaskDef], due: datetime) -> bool:
        for root in roots:
            if root.name not in self._skips:
                self._skips[root.name] = _alone(root, self.tasks) and task_runs.skips(self.engine, root)
        if not all(self._skips[root.name] for root in roots):
            return False
        engine = self.engine
        engine.clock.advance_to(due)
        for root in roots:  # as tasks.runs does: one stamp starts the run, the next records it
            engine.begin_statement()
            completed = engine.clock.stamp()
            self.runs.append(Run(root, root.uid, SKIPPED, due, None, completed, _run_id(due), FROM_SCHEDULE))
            schedule = root.parsed_schedule
            assert schedule is not None
            self.tasks[root.name] = replace(root, next_run=schedule.run_after(due))
        return True

    def _no_data_refreshes(self, due: datetime) -> bool:
        tables = self.tables
        ready = [t for t in tables.values() if (at := dynamic_graph.due(t, tables)) is not None and at <= due]
        batch = dynamic_graph.with_upstream(ready, tables)
        for table in batch:
            if table.name not in self._idle:
                self._idle[table.name] = refresh.idle(self.engine, table)
        if any(self._idle[table.name] is None for table in batch):
            return False
        self.engine.clock.advance_to(due)
        stamp = self.engine.begin_statement()  # as _refresh and dynamic_tables.runs do: one stamp for the batch
        for old in batch:
            base = refresh_runs.lag_base(stamp, due, old.lag_seconds)
            new = old.with_(data_timestamp=stamp, lag_base=base, initialized=True, consecutive_failures=0)
            tables[new.name] = new
            self.refreshes.append(
                RefreshRecord(new, "SUCCEEDED", None, "NO_DATA", "SCHEDULED", stamp, stamp, stamp, 0, 0)
            )
        return True

    def write(self) -> bool:
        """Write what the skipped work would have written, in one transaction; False if there was none."""
        if not self.runs and not self.refreshes:
            return False
        engine = self.engine
        with engine.atomic():
            task_catalog.record_many(engine, self.runs)
            for name, task in self.tasks.items():
                if task is not self._tasks_before[name]:
                    task_catalog.save(engine, task)
            dynamic_catalog.record_many(engine, self.refreshes)
            for name, table in self.tables.items():
                if table is not self._tables_before[name]:
                    dynamic_catalog.save_state(engine.con, table)
                    for stream, offset in self._idle[name] or ():
                        engine.advance_stream(stream, offset)
        dynamic_tables.forget(engine)
        return True


def _instants(
    tasks: dict[ObjectName, TaskDef], tables: dict[ObjectName, DynamicTable], until: datetime, enough: int
) -> int:
    """How many task runs and refreshes fall due up to ``until`` (counting stops at ``enough``), assuming each
    time-lagged table refreshes every lag."""
    count = 0
    for task in tasks.values():
        schedule = task.parsed_schedule
        at = task.next_run if task.started and task.is_root else None
        while schedule is not None and at is not None and at <= until and count < enough:
            count, at = count + 1, schedule.run_after(at)
    for table in tables.values():
        at = dynamic_graph.due(table, tables)
        while at is not None and table.lag_seconds and at <= until and count < enough:
            count, at = count + 1, at + timedelta(seconds=table.lag_seconds)
    return count


def _alone(root: TaskDef, tasks: dict[ObjectName, TaskDef]) -> bool:
    """No finalizer hangs on ``root`` (a finalizer runs after a graph run: this skip does not model it). A child
    needs no check: children of a SKIPPED root do not run."""
    return not any(getattr(task, "finalize", None) == root.name for task in tasks.values())


def _run_id(scheduled: datetime) -> int:
    return int(scheduled.replace(tzinfo=timezone.utc).timestamp() * 1000)


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
    trim_history(engine)


_TRIMMED: weakref.WeakKeyDictionary[Engine, datetime] = weakref.WeakKeyDictionary()
_TRIM_EVERY = timedelta(days=1)


def trim_history(engine: Engine) -> None:
    """Delete history rows the table functions can no longer return: TASK_HISTORY gives the past 7 days of runs
    (https://docs.snowflake.com/en/sql-reference/functions/task_history) and DYNAMIC_TABLE_REFRESH_HISTORY the
    refreshes with a DATA_TIMESTAMP in the past 7 days
    (https://docs.snowflake.com/en/sql-reference/functions/dynamic_table_refresh_history). The functions filter
    by those windows themselves; this bounds what is stored, at most once per simulated day (a long-running
    session keeps about 8 days). The engine side only: ``Pipeline.compact`` is the pipeline's own tool."""
    now = engine.clock.now()
    last = _TRIMMED.get(engine)
    if last is not None and now - last < _TRIM_EVERY:
        return
    _TRIMMED[engine] = now
    if last is None:
        return  # a session's first advance: nothing it wrote can be old yet; a reopened folder trims a day later
    with engine.atomic():
        task_catalog.forget_history_before(engine, now - task_history.RETENTION)
        dynamic_catalog.forget_history_before(engine, now - dynamic_history.RETENTION)


def on_open(engine: Engine) -> None:
    """After (re)opening a database folder: the clock resumes after recorded time; overdue tasks catch up.

    A started task whose next run fell while no session was open does not run the missed instants (nor does
    Snowflake backfill); its next run becomes the first instant of its schedule from now.
    """
    task_catalog.upgrade(engine)  # task tables written by an older version get their new columns
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
