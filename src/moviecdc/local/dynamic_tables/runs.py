"""Running refreshes: a list of tables, upstream first, from one snapshot, with failures recorded.

:func:`run` refreshes the tables in one DuckDB transaction: one snapshot, one DATA_TIMESTAMP. A failure
rolls the transaction back; the failed table is recorded ``FAILED``, the tables that read it
``UPSTREAM_FAILED``, and the others are refreshed again in a new transaction (DuckDB cannot roll back part
of one). Rows, offsets, DATA_TIMESTAMP and the history row of a refresh commit together.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from moviecdc.errors import LocalEngineError
from moviecdc.local.dynamic_tables import catalog as dynamic_catalog
from moviecdc.local.dynamic_tables.catalog import MAX_CONSECUTIVE_FAILURES, RefreshRecord
from moviecdc.local.dynamic_tables.refresh import Step, refresh

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine


class RefreshError(Exception):
    """A refresh raised; ``step`` is the table that failed."""

    def __init__(self, step: Step, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.step = step
        self.cause = cause


def refresh_all(
    engine: Engine, steps: list[Step], data_timestamp: datetime, scheduled_for: datetime | None = None
) -> list[RefreshRecord]:
    """Refresh ``steps`` in order inside the caller's transaction; raise :class:`RefreshError` on a failure.

    ``scheduled_for``: the instant a scheduled refresh fell due (see :func:`lag_base`).
    """
    records = []
    for step in steps:
        start = engine.now()
        try:
            done = refresh(engine, step)
        except Exception as e:
            raise RefreshError(step, e) from e
        base = lag_base(data_timestamp, scheduled_for, done.table.lag_seconds)
        table = done.table.with_(data_timestamp=data_timestamp, lag_base=base, initialized=True, consecutive_failures=0)
        if done.table is step.table:
            dynamic_catalog.save_state(engine.con, table)
        else:  # reinitialised: storage or sources changed
            dynamic_catalog.save(engine.con, table)
        record = RefreshRecord(
            table, "SUCCEEDED", None, done.action, step.trigger, data_timestamp, start, engine.now(),
            done.inserted, done.deleted,
        )  # fmt: skip
        dynamic_catalog.record(engine.con, record)
        records.append(record)
    return records


def lag_base(data_timestamp: datetime, scheduled_for: datetime | None, lag_seconds: int | None) -> datetime:
    """The instant a table's next lag is measured from, after a refresh at ``data_timestamp``.

    A scheduled refresh measures from the instant it fell due, so a 2-minute table refreshes every 2
    minutes exactly (its DATA_TIMESTAMP can be a microsecond later: the clock stamps statements a
    microsecond apart, and a task may have run at the same instant); a refresh that ran more than a lag
    late, and any other refresh, measures from its DATA_TIMESTAMP down to the second. Measuring from a
    little earlier only makes the next refresh come sooner: the data is never older than the lag.
    """
    lag = timedelta(seconds=lag_seconds or 0)
    if scheduled_for is not None and lag_seconds is not None and scheduled_for + lag > data_timestamp:
        return scheduled_for
    return data_timestamp.replace(microsecond=0)


def run(engine: Engine, steps: list[Step], scheduled_for: datetime | None = None) -> list[RefreshRecord]:
    """Refresh ``steps`` (upstream first) from one snapshot; failures are recorded, not raised.

    DATA_TIMESTAMP is ``engine.now()``; ``scheduled_for`` is the instant a scheduled refresh fell due.
    """
    if engine.in_transaction:
        raise LocalEngineError(
            "Dynamic tables cannot refresh inside an open transaction (BEGIN … without COMMIT). "
            "COMMIT or ROLLBACK first."
        )
    data_timestamp = engine.now()
    records: list[RefreshRecord] = []
    pending = list(steps)
    while pending:
        engine.con.begin()
        try:
            records += refresh_all(engine, pending, data_timestamp, scheduled_for)
            engine.con.commit()
            break
        except RefreshError as failure:
            engine.rollback()
            engine.invalidate()
            records += _record_failure(engine, failure, pending, data_timestamp, scheduled_for)
            gone = {r.table.uid for r in records if r.state != "SUCCEEDED"}
            pending = [s for s in pending if s.table.uid not in gone]
        except BaseException:
            engine.rollback()
            engine.invalidate()
            raise
    return records


def _record_failure(
    engine: Engine,
    failure: RefreshError,
    pending: list[Step],
    data_timestamp: datetime,
    scheduled_for: datetime | None,
) -> list[RefreshRecord]:
    """FAILED for the table that raised, UPSTREAM_FAILED for the pending tables that read it.

    Both retry one lag after this attempt (Snowflake retries at the regular interval).
    """
    failed = failure.step
    blocked = {failed.table.name}
    for step in pending:
        if any(s.name in blocked for s in step.table.sources):
            blocked.add(step.table.name)
    message = _first_line(failure.cause)
    now = engine.now()
    records = []
    with engine.atomic():
        for step in pending:
            if step.table.name not in blocked:
                continue
            own = step is failed
            current = dynamic_catalog.load(engine).get(step.table.name, step.table)
            failures = current.consecutive_failures + (1 if own else 0)
            suspend = own and step.trigger == "SCHEDULED" and failures >= MAX_CONSECUTIVE_FAILURES
            table = current.with_(
                consecutive_failures=failures,
                lag_base=lag_base(data_timestamp, scheduled_for, current.lag_seconds),
                suspended=current.suspended or suspend,
                suspend_reason="SUSPENDED_DUE_TO_ERRORS" if suspend else current.suspend_reason,
                last_suspended_on=now if suspend else current.last_suspended_on,
            )
            dynamic_catalog.save(engine.con, table)
            record = RefreshRecord(
                table,
                "FAILED" if own else "UPSTREAM_FAILED",
                message if own else f"Upstream dynamic table {failed.table.name.display} failed to refresh: {message}",
                None,
                step.trigger,
                data_timestamp,
                now,
                now,
            )
            dynamic_catalog.record(engine.con, record)
            records.append(record)
    engine.invalidate()
    return records


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "msg", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__
