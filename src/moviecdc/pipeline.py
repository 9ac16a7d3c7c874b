"""`Pipeline`: the movie-bookings CDC pipeline as an ordered plan, deployed through any SQL session.

``Pipeline`` never knows which engine it talks to: it only calls ``session.sql(text).collect()``, so the
same statements go to Snowflake (a Snowpark ``Session``) and to the embedded engine (``LocalSession``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from moviecdc import sql
from moviecdc.config import PipelineConfig
from moviecdc.errors import DeployError, PreflightError, SessionError
from moviecdc.layers import BronzeLayer, GoldLayer, Layer, RawSource, SilverLayer
from moviecdc.layers.base import execute_task, refresh_dynamic_table, resume_task, suspend_task
from moviecdc.preflight import CheckReport, run_check
from moviecdc.schema import BOOKINGS, EntitySchema
from moviecdc.sql import Statement, StatementKind
from moviecdc.status import PipelineStatus, TaskRun, read_status, task_runs

log = logging.getLogger("moviecdc")

# TASK_HISTORY's SCHEDULED_FROM of a run started by EXECUTE TASK (a scheduled run says SCHEDULE)
# (https://docs.snowflake.com/en/sql-reference/functions/task_history).
EXECUTE_TASK = "EXECUTE TASK"
# How long compact() keeps every Bronze event by default.
DEFAULT_RETENTION = timedelta(days=1)


class SqlResult(Protocol):
    def collect(self) -> Sequence[Any]: ...


class SqlSession(Protocol):
    """What ``Pipeline`` needs of a session: Snowpark's ``Session`` and ``LocalSession`` both fit."""

    def sql(self, query: str) -> SqlResult: ...


@dataclass(frozen=True)
class StepResult:
    """One executed statement and what the engine answered (e.g. ``Table X successfully created.``)."""

    statement: Statement
    message: str
    seconds: float
    rows: tuple[Any, ...] = field(default=(), repr=False, compare=False)


@dataclass(frozen=True)
class DeployReport:
    """What a deploy or teardown did, step by step, in order."""

    action: str
    steps: tuple[StepResult, ...]

    @property
    def statements(self) -> list[Statement]:
        return [step.statement for step in self.steps]

    def __str__(self) -> str:
        lines = [f"{self.action}: {len(self.steps)} statements in {sum(s.seconds for s in self.steps):.2f}s"]
        width = max((len(s.statement.summary) for s in self.steps), default=0)
        lines += [f"  {s.statement.summary:<{width}}  {s.message}" for s in self.steps]
        return "\n".join(lines)


ProgressCallback = Callable[[int, int, Statement], None]


class Pipeline:
    """The pipeline, bound to a session.

    >>> from moviecdc import Pipeline
    >>> [s.kind.value for s in Pipeline(session=None).plan()][:4]
    ['CREATE DATABASE', 'CREATE SCHEMA', 'CREATE TABLE', 'CREATE STREAM']
    """

    def __init__(
        self, session: SqlSession | None, config: PipelineConfig | None = None, *, schema: EntitySchema = BOOKINGS
    ) -> None:
        _reject_local_testing(session)
        self.session = session
        self.config = config or PipelineConfig()
        self.schema = schema
        self.raw = RawSource(self.config, schema)
        self.bronze = BronzeLayer(self.config, schema)
        self.silver = SilverLayer(self.config, schema)
        self.gold = GoldLayer(self.config, schema)

    @property
    def layers(self) -> tuple[Layer, ...]:
        return (self.raw, self.bronze, self.silver, self.gold)

    # -- plans (no session traffic) ---------------------------------------------------------------------------

    def plan(self) -> list[Statement]:
        """Every statement ``deploy()`` runs, in order.

        Objects are created in dependency order; tables and the stream ``IF NOT EXISTS`` (never replaced: that
        would lose data and the stream's offset), tasks and dynamic tables ``CREATE OR ALTER``. Each task is
        suspended before it is altered (Snowflake requires it) and all are resumed last, children first.
        """
        cfg = self.config
        statements: list[Statement] = []
        if cfg.create_database:
            statements += [
                Statement(StatementKind.CREATE_DATABASE, cfg.database, sql.create_database(cfg.database)),
                Statement(
                    StatementKind.CREATE_SCHEMA,
                    f"{cfg.database}.{cfg.schema_name}",
                    sql.create_schema(cfg.database, cfg.schema_name),
                ),
            ]
        statements += self.raw.statements()
        statements += self.bronze.statements()
        statements += self.silver.statements()
        statements += self.gold.statements()
        tasks = [*self.gold.tasks, *self.bronze.tasks]  # no task has a predecessor: any order is children-first
        statements += [resume_task(task) for task in tasks]
        return statements

    def teardown_plan(self, *, drop_data: bool = False) -> list[Statement]:
        """What ``teardown()`` runs: suspend every task first, so nothing moves while objects go, then each
        layer's objects, downstream layers first."""
        tasks = [self.config.name("ingest_task"), self.config.name("gold_refresh_task")]
        statements = [suspend_task(task) for task in tasks]
        for layer in reversed(self.layers):
            statements += layer.teardown_statements(drop_data=drop_data)
        return statements

    # -- actions ----------------------------------------------------------------------------------------------

    def check(self) -> CheckReport:
        """The preflight: does the current role hold every privilege ``deploy()`` needs? Read-only.

        It reads the role's grants (``SHOW GRANTS TO ROLE``, through the roles it inherits) and lists each
        privilege deploy needs, and the exact GRANT statements for what is missing (``report.grants``). On
        ``LocalSession`` access control is not enforced: the report says so and passes.
        """
        return run_check(self._require_session(), self.config)

    def deploy(self, *, progress: ProgressCallback | None = None, check: bool = True) -> DeployReport:
        """Create or converge every object, then resume the tasks. Idempotent: running it again changes
        nothing that exists and destroys no data.

        It runs :meth:`check` first and raises :class:`PreflightError` (with the GRANT statements) before
        step 1 when the role lacks a privilege; ``check=False`` skips the preflight.
        """
        if check:
            report = self.check()
            if not report.ok:
                raise PreflightError(
                    f"deploy stopped before step 1: the preflight found what the role lacks; nothing was changed.\n"
                    f"{report}",
                    report=report,
                )
        return self._run("deploy", self.plan(), progress)

    def teardown(self, *, drop_data: bool = False, progress: ProgressCallback | None = None) -> DeployReport:
        """Suspend and drop the tasks and dynamic tables. The raw table, its stream and Bronze (the data and
        the unconsumed changes) stay unless ``drop_data=True``."""
        return self._run("teardown", self.teardown_plan(drop_data=drop_data), progress)

    def status(self) -> PipelineStatus:
        """The stream's pending changes and staleness, each task's state and last runs, each dynamic table's
        lag, refresh mode and last refreshes, and the rejected rows by reason. Read-only."""
        return read_status(self._require_session(), self.config, self.schema)

    def refresh(
        self, *, timeout: float = 300.0, poll_interval: float = 1.0, sleep: Callable[[float], None] = time.sleep
    ) -> DeployReport:
        """Bring Gold up to date now: run the ingest task, wait for that run, then refresh the dynamic tables.

        ``EXECUTE TASK`` is asynchronous in Snowflake, so this polls ``TASK_HISTORY`` (every
        ``poll_interval`` seconds, at most ``timeout``) until the run it started has finished; ``LocalSession``
        runs it before returning, so the first poll sees it. The run it started is the new one whose
        ``SCHEDULED_FROM`` is ``EXECUTE TASK``: a scheduled run that was already executing is not mistaken for it,
        but it is waited for too (it may hold the stream's changes). A failed run raises :class:`DeployError`
        with the task's error message. Refreshing Gold refreshes Silver first (Snowflake refreshes stale
        upstream dynamic tables of a manual refresh).
        """
        task = self.config.name("ingest_task")
        session = self._require_session()
        before = task_runs(session, task, origin=True)
        seen = {(r.scheduled_time, r.scheduled_from) for r in before}
        report = self._run("refresh", [execute_task(task)], None)
        deadline = time.monotonic() + timeout
        while True:
            runs = task_runs(session, task, origin=True)
            run = next(
                (
                    r
                    for r in runs
                    if r.scheduled_from == EXECUTE_TASK and (r.scheduled_time, r.scheduled_from) not in seen
                ),
                None,
            )
            if run is not None and run.finished and not _earlier_run_executing(runs, run):
                break
            if time.monotonic() >= deadline:
                raise DeployError(
                    f"refresh: the run of {task} started by EXECUTE TASK did not finish within {timeout:.0f}s; "
                    "check TASK_HISTORY, or call refresh(timeout=...) with a longer timeout"
                )
            sleep(poll_interval)
        if run.failed:
            raise DeployError(
                f"refresh: task {task} failed: {run.error_message}. Its stream was not consumed; fix the cause "
                "and run refresh again."
            )
        tables = [self.config.name("gold_table"), self.config.name("rejected_table")]
        refreshed = self._run("refresh", [refresh_dynamic_table(t) for t in tables], None)
        return DeployReport("refresh", report.steps + refreshed.steps)

    def compact_plan(self, retention: timedelta = DEFAULT_RETENTION) -> list[Statement]:
        """What :meth:`compact` runs: one DELETE of the Bronze events superseded by a later event of the same
        booking and raw row, and older than ``retention`` (:meth:`BronzeLayer.compact_sql`). On Snowflake,
        schedule it as a task of its own with this statement as its body."""
        bronze = self.config.name("bronze_table")
        return [Statement(StatementKind.COMPACT, bronze, self.bronze.compact_sql(retention))]

    def compact(self, retention: timedelta = DEFAULT_RETENTION) -> int:
        """Remove Bronze events that a later event of the same booking superseded, once older than ``retention``
        (default one day); return how many were removed.

        Silver, Rejected and Gold do not change: Silver reads only each booking's newest events, and those
        stay. Bronze stops being the complete log; it keeps every event of the last ``retention`` and the
        newest state of every booking before that. Safe while the ingest task and the refreshes run: the
        dynamic tables see the deletes as changes and recompute the affected bookings to the same rows. Bronze
        then grows with the bookings, not with every change of them.

        >>> from datetime import timedelta
        >>> from moviecdc import LocalSession, Pipeline
        >>> with LocalSession() as session:
        ...     pipeline = Pipeline(session)
        ...     _ = pipeline.deploy()
        ...     pipeline.compact(timedelta(hours=1))
        0
        """
        report = self._run("compact", self.compact_plan(retention), None)
        return _deleted(report.steps[0].rows)

    def _run(self, action: str, statements: list[Statement], progress: ProgressCallback | None) -> DeployReport:
        session = self._require_session()
        steps = []
        for number, statement in enumerate(statements, start=1):
            if progress is not None:
                progress(number, len(statements), statement)
            log.info("%s %d/%d: %s", action, number, len(statements), statement.summary)
            started = time.perf_counter()
            try:
                rows = session.sql(statement.sql).collect()
            except Exception as exc:  # the engine's own error type varies: translate here, once
                raise DeployError(
                    f"{action} failed at step {number} of {len(statements)} ({statement.summary}): "
                    f"{_first_line(exc)}\nStatement:\n{statement.sql}\n"
                    f"Steps 1 to {number - 1} were applied. Fix the cause and run {action} again: "
                    "every step is idempotent.",
                    statement=statement,
                ) from exc
            steps.append(StepResult(statement, _message(rows), time.perf_counter() - started, tuple(rows)))
        return DeployReport(action, tuple(steps))

    def _require_session(self) -> SqlSession:
        if self.session is None:
            raise SessionError("this Pipeline has no session; pass one: Pipeline(session) or Pipeline(LocalSession())")
        return self.session


def _earlier_run_executing(runs: Sequence[TaskRun], ours: TaskRun) -> bool:
    """Whether a run scheduled before ``ours`` (e.g. the schedule's, already running at EXECUTE TASK) is still
    executing: its changes are not in Bronze yet."""
    mine = ours.scheduled_time
    return any(not r.finished and (mine is None or r.scheduled_time is None or r.scheduled_time <= mine) for r in runs)


def _reject_local_testing(session: object) -> None:
    connection = getattr(session, "_conn", None)
    if type(connection).__name__ == "MockServerConnection":
        raise SessionError(
            "a Snowpark local-testing session cannot run SQL, so it cannot run the pipeline's streams, tasks "
            "and dynamic tables. Use moviecdc.LocalSession() to run the pipeline offline; use the local-testing "
            "session for the layers' DataFrame code (e.g. SilverLayer().transform(df))."
        )


def _deleted(rows: Sequence[Any]) -> int:
    """The count of a DELETE's result row (``number of rows deleted``), on either engine."""
    return int(rows[0][0]) if rows else 0


def _message(rows: Sequence[Any]) -> str:
    if not rows:
        return ""
    first = rows[0]
    try:
        return str(first[0])
    except (TypeError, IndexError, KeyError):
        return str(first)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
