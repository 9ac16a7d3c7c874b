"""What the dashboard shows, read through any session: Gold, its KPIs, its freshness and the pipeline's health.

Every query goes through ``session.sql(text).collect()``, so the same functions read a Snowpark ``Session``
(locally or in Streamlit in Snowflake) and :class:`~moviecdc.LocalSession`. They read the Gold layer, never
the raw table, and none of them raises when the pipeline is not deployed yet or Gold is empty: they return
an empty result that says why, so the app can show a friendly empty state instead of a traceback.

>>> import pandas as pd
>>> frame = gold_frame([("M1", 3, 5, 50.25, 1, None), ("M2", 1, 2, 20.0, 0, None)])
>>> kpis(frame)
Kpis(bookings=4, tickets_sold=7, revenue=70.25, cancellations=1)
>>> kpis(frame).cancellation_rate
0.25
>>> list(top_movies(frame, 1)["MOVIE_ID"])
['M1']

``app/streamlit_app.py`` is the dashboard built on these. A process that runs Streamlit in-process (the
``moviecdc demo`` command) hands its session over with :func:`set_session`: a DuckDB file can be opened by
one process only, so the demo and its dashboard must share one session object.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import pandas as pd
from sqlglot import exp

from moviecdc import sql
from moviecdc.config import PipelineConfig, lag_seconds, schedule_seconds
from moviecdc.pipeline import Pipeline, SqlSession
from moviecdc.schema import BOOKINGS, EntitySchema
from moviecdc.status import PipelineStatus

MOVIE = "MOVIE_ID"
BOOKINGS_COLUMN = "TOTAL_BOOKINGS"
TICKETS = "TOTAL_TICKETS_SOLD"
REVENUE = "TOTAL_REVENUE"
CANCELLATIONS = "TOTAL_CANCELLATIONS"
AS_OF = "REFRESH_TIMESTAMP"
GOLD_COLUMNS = (MOVIE, BOOKINGS_COLUMN, TICKETS, REVENUE, CANCELLATIONS, AS_OF)
_COUNTS = (BOOKINGS_COLUMN, TICKETS, CANCELLATIONS)
# Snowflake says "Object '…' does not exist or not authorized"; DuckDB (LocalSession) "… does not exist".
_MISSING = ("does not exist", "not authorized")
# The pipeline's timestamps are UTC TIMESTAMP_NTZ, so "now" is UTC too, from the same engine. No
# ``::TIMESTAMP_NTZ`` cast: Snowflake answers a UTC TIMESTAMP_TZ, converted to naive UTC in Python, and
# LocalSession (fakesnow 0.12) cannot cast to TIMESTAMP_NTZ in a session that reopened a folder.
_NOW = "SELECT CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP()) AS \"NOW\""


# -- the session a demo process hands over --------------------------------------------------------------------


class RegisteredSession(NamedTuple):
    session: SqlSession
    config: PipelineConfig


_registered: RegisteredSession | None = None
_lock = threading.Lock()


def set_session(session: SqlSession | None, config: PipelineConfig | None = None) -> None:
    """Register the session (and config) the dashboard of this process reads; ``None`` unregisters."""
    global _registered  # noqa: PLW0603 - one registration per process is the point
    with _lock:
        _registered = None if session is None else RegisteredSession(session, config or PipelineConfig())


def get_session() -> RegisteredSession | None:
    """The session registered by :func:`set_session` in this process, if any."""
    with _lock:
        return _registered


# -- SQL ----------------------------------------------------------------------------------------------------


def gold_query(config: PipelineConfig, schema: EntitySchema = BOOKINGS) -> str:
    """``SELECT <Gold columns> FROM <Gold> ORDER BY MOVIE_ID``, every identifier quoted.

    >>> gold_query(PipelineConfig())[:40]
    'SELECT "MOVIE_ID", "TOTAL_BOOKINGS", "TO'
    """
    columns = [sql.column(name) for name in _gold_columns(schema)]
    query = exp.select(*columns).from_(sql.table(config.name("gold_table"))).order_by(sql.column(MOVIE))
    return sql.render(query, pretty=False)


def rejected_query(config: PipelineConfig, limit: int, schema: EntitySchema = BOOKINGS) -> str:
    """The newest ``limit`` rejected rows with their reason, newest first."""
    cdc = schema.cdc
    columns = [*schema.column_names, cdc.latest_change_timestamp, cdc.reject_reason]
    query = (
        exp.select(*(sql.column(c) for c in columns))
        .from_(sql.table(config.name("rejected_table")))
        .order_by(
            exp.Ordered(this=sql.column(cdc.latest_change_timestamp), desc=True, nulls_first=False),
            sql.column(schema.key),
        )
        .limit(exp.Literal.number(int(limit)))
    )
    return sql.render(query, pretty=False)


def _gold_columns(schema: EntitySchema) -> tuple[str, ...]:
    names = (schema.group_by, *(m.name for m in schema.metrics))
    if names != GOLD_COLUMNS:
        raise ValueError(f"the dashboard reads Gold columns {GOLD_COLUMNS}, but this schema's Gold has {names}")
    return names


# -- Gold -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gold:
    """Gold as a DataFrame (one row per movie), or an empty one and why it could not be read."""

    frame: pd.DataFrame
    problem: str | None = None
    missing: bool = False  # the Gold table does not exist: the pipeline is not deployed (yet)

    @property
    def empty(self) -> bool:
        return len(self.frame) == 0

    @property
    def movies(self) -> list[str]:
        return sorted(str(m) for m in self.frame[MOVIE])

    @property
    def as_of(self) -> datetime | None:
        """Gold's as-of time: the newest ``REFRESH_TIMESTAMP`` (UTC)."""
        newest = self.frame[AS_OF].max() if not self.empty else None
        return None if newest is None or pd.isna(newest) else pd.Timestamp(newest).to_pydatetime()


def gold_frame(rows: Iterable[Sequence[Any]]) -> pd.DataFrame:
    """Gold rows as a DataFrame with proper dtypes: counts int64, revenue float64, the as-of time
    datetime64 (UTC, naive), the movie a string. Engines return NUMBER as ``Decimal``; that is converted here."""
    frame = pd.DataFrame([tuple(row) for row in rows], columns=list(GOLD_COLUMNS))
    frame[MOVIE] = frame[MOVIE].astype("string")
    for column in _COUNTS:
        frame[column] = pd.to_numeric(frame[column]).fillna(0).astype("int64")
    frame[REVENUE] = pd.to_numeric(frame[REVENUE].map(lambda v: None if v is None else float(v))).astype("float64")
    frame[REVENUE] = frame[REVENUE].fillna(0.0)
    stamps = pd.to_datetime(frame[AS_OF])
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    frame[AS_OF] = stamps.astype("datetime64[ns]")
    return frame


def read_gold(session: SqlSession, config: PipelineConfig | None = None, schema: EntitySchema = BOOKINGS) -> Gold:
    """Read Gold. Never raises for an engine error: a missing Gold table means "not deployed yet"."""
    config = config or PipelineConfig()
    try:
        rows = session.sql(gold_query(config, schema)).collect()
    except Exception as exc:  # engines raise unrelated types (Snowpark, LocalEngineError): report, don't crash
        missing = any(m in str(exc).lower() for m in _MISSING) or "42S02" in str(exc)
        return Gold(gold_frame([]), _first_line(exc), missing=missing)
    return Gold(gold_frame(rows))


def filter_movies(frame: pd.DataFrame, movies: Collection[str] | None) -> pd.DataFrame:
    """The rows of ``movies``; all rows when none is selected."""
    if not movies:
        return frame
    return frame[frame[MOVIE].isin(list(movies))].reset_index(drop=True)


@dataclass(frozen=True)
class Kpis:
    bookings: int
    tickets_sold: int
    revenue: float
    cancellations: int

    @property
    def cancellation_rate(self) -> float:
        """Cancellations / bookings; 0 when there are no bookings."""
        return self.cancellations / self.bookings if self.bookings else 0.0


def kpis(frame: pd.DataFrame) -> Kpis:
    """Totals over the rows of ``frame`` (Gold, filtered or not)."""
    return Kpis(
        bookings=int(frame[BOOKINGS_COLUMN].sum()),
        tickets_sold=int(frame[TICKETS].sum()),
        revenue=round(float(frame[REVENUE].sum()), 2),
        cancellations=int(frame[CANCELLATIONS].sum()),
    )


def top_movies(frame: pd.DataFrame, n: int = 10, by: str = REVENUE) -> pd.DataFrame:
    """The ``n`` movies with the highest ``by`` (ties by movie id), with their cancellation rate."""
    ranked = frame.sort_values([by, MOVIE], ascending=[False, True]).head(n).reset_index(drop=True)
    bookings = ranked[BOOKINGS_COLUMN].where(ranked[BOOKINGS_COLUMN] > 0)
    ranked["CANCELLATION_RATE"] = (ranked[CANCELLATIONS] / bookings).fillna(0.0)
    return ranked


# -- freshness ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Freshness:
    """How current Gold is, against the target lag of the config.

    ``as_of`` is Gold's as-of time (newest ``REFRESH_TIMESTAMP``: when the newest change it holds reached
    Bronze). A healthy pipeline lets that age up to Gold's target lag *plus* the ingest task's interval (a
    change waits for the next ingest run, then for Gold's refresh), so that sum is the bound. When the engine
    reports Gold's own ``DATA_TIMESTAMP`` (``refreshed_through``), staleness is judged on it against the target
    lag alone, as Snowflake does: Gold is then fresh during a lull with no new bookings.
    """

    now: datetime | None
    as_of: datetime | None
    target_lag: str
    target_seconds: int | None
    allowed_seconds: int | None
    refreshed_through: datetime | None = None
    problem: str | None = None

    @property
    def age_seconds(self) -> float | None:
        if self.now is None or self.as_of is None:
            return None
        return max((self.now - self.as_of).total_seconds(), 0.0)

    @property
    def lag_seconds(self) -> float | None:
        """Seconds since Gold's DATA_TIMESTAMP, when the engine reports it."""
        if self.now is None or self.refreshed_through is None:
            return None
        return max((self.now - self.refreshed_through).total_seconds(), 0.0)

    @property
    def stale(self) -> bool:
        if self.lag_seconds is not None and self.target_seconds is not None:
            return self.lag_seconds > self.target_seconds
        age = self.age_seconds
        return age is not None and self.allowed_seconds is not None and age > self.allowed_seconds

    @property
    def summary(self) -> str:
        if self.problem is not None:
            return f"Freshness unknown: {self.problem}"
        if self.as_of is None:
            return "No data in Gold yet."
        age = self.age_seconds
        text = f"Data as of {self.as_of:%Y-%m-%d %H:%M:%S} UTC, pipeline time"
        text += f" ({describe_seconds(age)} before the pipeline clock)" if age is not None else ""
        text += f"; target lag {self.target_lag}"
        if self.lag_seconds is not None:
            text += f"; Gold lags {describe_seconds(self.lag_seconds)}"
        return ("STALE: " if self.stale else "") + text + "."


def clocks(fresh: Freshness, *, simulated: bool, page_time: datetime) -> str:
    """The page's two clocks, each saying whose it is: the pipeline's (the engine's ``CURRENT_TIMESTAMP``,
    simulated on the local engine) and the moment this page was drawn (the wall clock).

    >>> fresh = Freshness(datetime(2026, 1, 1, 21, 44, 3), None, "2 minutes", 120, 180)
    >>> clocks(fresh, simulated=True, page_time=datetime(2026, 5, 1, 15, 13, 57))
    'Pipeline clock 2026-01-01 21:44:03 UTC (simulated, local engine) · page refreshed at 15:13:57 UTC (wall clock)'
    """
    whose = "simulated, local engine" if simulated else "the engine's CURRENT_TIMESTAMP"
    pipeline = f"Pipeline clock {fresh.now:%Y-%m-%d %H:%M:%S} UTC ({whose})" if fresh.now else "Pipeline clock unknown"
    return f"{pipeline} · page refreshed at {page_time:%H:%M:%S} UTC (wall clock)"


def engine_now(session: SqlSession) -> datetime:
    """The engine's current time, UTC, naive (the pipeline's timestamps are UTC ``TIMESTAMP_NTZ``)."""
    value = session.sql(_NOW).collect()[0][0]
    if value is None:
        raise ValueError("the engine returned no current time")
    return _utc_naive(value)


def freshness(
    session: SqlSession, config: PipelineConfig, gold: Gold, status: PipelineStatus | None = None
) -> Freshness:
    """Gold's as-of time against "now" of the same engine and the target lag of ``config``."""
    target = config.effective_gold_lag
    seconds = lag_seconds(target)
    if seconds is None:  # DOWNSTREAM: a task refreshes Gold on its schedule
        target, seconds = (
            f"refresh every {config.gold_refresh_schedule.lower()}",
            schedule_seconds(config.gold_refresh_schedule),
        )
    ingest = schedule_seconds(config.ingest_schedule)
    allowed = None if seconds is None else seconds + (ingest or 0)
    refreshed = _gold_data_timestamp(config, status)
    try:
        now = engine_now(session)
    except Exception as exc:  # any engine error: the page says "unknown" rather than failing
        return Freshness(None, gold.as_of, target, seconds, allowed, refreshed, _first_line(exc))
    return Freshness(now, gold.as_of, target, seconds, allowed, refreshed)


def _gold_data_timestamp(config: PipelineConfig, status: PipelineStatus | None) -> datetime | None:
    if status is None:
        return None
    gold = config.name("gold_table")
    for table in status.dynamic_tables:
        if table.name == gold and table.exists and isinstance(table.data_timestamp, datetime):
            return _utc_naive(table.data_timestamp)
    return None


def _utc_naive(value: Any) -> datetime:
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp.to_pydatetime()  # type: ignore[no-any-return]


def describe_seconds(seconds: float | None) -> str:
    """``95`` → ``'1 min 35 s'``.

    >>> describe_seconds(95), describe_seconds(7322), describe_seconds(4), describe_seconds(200_000)
    ('1 min 35 s', '2 h 2 min', '4 s', '2 d 7 h')
    """
    if seconds is None:
        return "-"
    total = int(seconds)
    days, hours, minutes, secs = total // 86400, total % 86400 // 3600, total % 3600 // 60, total % 60
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


# -- pipeline health ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Health:
    """``Pipeline.status()`` and a sample of rejected rows, or why they could not be read."""

    status: PipelineStatus | None
    rejected_sample: pd.DataFrame
    problem: str | None = None


def pipeline_health(
    session: SqlSession, config: PipelineConfig | None = None, *, sample_size: int = 20, schema: EntitySchema = BOOKINGS
) -> Health:
    """The pipeline's status (tasks, refreshes, rejected rows by reason) and the newest rejected rows."""
    config = config or PipelineConfig()
    status: PipelineStatus | None = None
    problem: str | None = None
    try:
        status = Pipeline(session, config, schema=schema).status()
    except Exception as exc:  # status reads SHOW and INFORMATION_SCHEMA; any engine may refuse: report it
        problem = _first_line(exc)
    return Health(status, rejected_sample(session, config, sample_size, schema), problem)


def rejected_sample(
    session: SqlSession, config: PipelineConfig, limit: int = 20, schema: EntitySchema = BOOKINGS
) -> pd.DataFrame:
    """The newest rejected rows with their reason; empty when the rejected table is missing."""
    columns = [*schema.column_names, schema.cdc.latest_change_timestamp, schema.cdc.reject_reason]
    try:
        rows = session.sql(rejected_query(config, limit, schema)).collect()
    except Exception:  # not deployed yet: an empty sample, the status explains the rest
        rows = []
    return pd.DataFrame([tuple(row) for row in rows], columns=columns)


# The column that explains a failure (error, message) comes right after the outcome, so it is on screen at
# 1440 px without scrolling; the settings that rarely change (state, schedule, lag) come last.
TASK_COLUMNS = ("task", "run state", "error", "completed", "scheduled", "task state", "schedule")
REFRESH_COLUMNS = (
    "dynamic table",
    "refresh state",
    "message",
    "ended",
    "data timestamp",
    "action",
    "scheduling",
    "target lag",
)


def tasks_frame(status: PipelineStatus) -> pd.DataFrame:
    """One row per task run (newest first per task); a task without runs has one row with no run."""
    rows = [
        (task.name.name,)
        + (
            (run.state, run.error_message or "", run.completed_time, run.scheduled_time)
            if run
            else ("", "", None, None)
        )
        + (task.state if task.exists else "MISSING", task.schedule)
        for task in status.tasks
        for run in (task.last_runs or (None,))
    ]
    return pd.DataFrame(rows, columns=list(TASK_COLUMNS))


def refreshes_frame(status: PipelineStatus) -> pd.DataFrame:
    """One row per dynamic-table refresh (newest first per table); a table without refreshes has one row."""
    rows = [
        (table.name.name,)
        + (
            (r.state, r.message or "", r.ended, r.data_timestamp, r.action)
            if r
            else ("", "", None, table.data_timestamp, "")
        )
        + (table.scheduling_state if table.exists else "MISSING", table.target_lag)
        for table in status.dynamic_tables
        for r in (table.last_refreshes or (None,))
    ]
    return pd.DataFrame(rows, columns=list(REFRESH_COLUMNS))


def reasons_frame(status: PipelineStatus) -> pd.DataFrame:
    """Rejected rows by reason, most frequent first."""
    items = sorted(status.rejected_reasons.items(), key=lambda item: (-item[1], item[0]))
    return pd.DataFrame(items, columns=["reason", "rows"]).astype({"rows": "int64"})


def _first_line(exc: BaseException) -> str:
    """The message's first line; with the next one when the first only introduces it (Snowflake's
    ``002003 (42S02): SQL compilation error:`` is followed by what is wrong)."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()] or [type(exc).__name__]
    return f"{lines[0]} {lines[1]}" if lines[0].endswith(":") and len(lines) > 1 else lines[0]
