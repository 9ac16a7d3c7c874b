"""The local engine's clock: the one source of time for statements, tasks and refreshes.

Time is UTC, held as naive ``datetime`` values. A :class:`Clock` is *manual* (time moves only when
``LocalSession.advance()`` moves it, so tests are deterministic and never sleep) or *real time* (simulated
time = start + real elapsed time * ``speed``).

Every statement takes a :meth:`Clock.stamp`: the clock's time, bumped by one microsecond when needed so
that stamps strictly increase. ``CURRENT_TIMESTAMP()`` and its synonyms are rewritten to the statement's
stamp (:func:`time_functions`), so two statements, and two task runs, never share a timestamp, and a
task's ``CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP())`` is the clock's time as UTC.

>>> from datetime import datetime
>>> clock = Clock(datetime(2026, 1, 1, 9, 0))
>>> clock.stamp(), clock.stamp()
(datetime.datetime(2026, 1, 1, 9, 0), datetime.datetime(2026, 1, 1, 9, 0, 0, 1))
>>> clock.advance_to(datetime(2026, 1, 1, 9, 1))
>>> clock.now()
datetime.datetime(2026, 1, 1, 9, 1)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from sqlglot import exp

from moviecdc.errors import LocalEngineError

MICROSECOND = timedelta(microseconds=1)
REALTIME_ADVANCE = (
    "advance() drives the manual clock, but this LocalSession runs in real time (realtime=True), where time "
    "passes by itself. Create LocalSession() without realtime=True to control time."
)

# The latest instant the clock may reach. Snowflake recommends years up to 9999 for DATE and TIMESTAMP
# (https://docs.snowflake.com/en/sql-reference/data-types-datetime, "Note"); Python's datetime ends with it
# too. The engine computes instants ahead of the clock (a task's next run, a lag's deadline, TASK_HISTORY's
# scheduled runs), so the clock keeps a year's margin rather than fail inside that arithmetic.
LATEST = datetime(9999, 1, 1)


def check_time(instant: datetime, what: str) -> datetime:
    """``instant`` if the clock may reach it, else a LocalEngineError naming ``what`` would pass :data:`LATEST`."""
    if instant > LATEST:
        raise LocalEngineError(
            f"{what}: the local engine's clock goes up to {LATEST:%Y-%m-%d %H:%M:%S} UTC and no further (Snowflake's "
            "timestamps end with the year 9999, and the engine schedules work ahead of its clock). Use an earlier time."
        )
    return instant


def utc_naive(value: datetime) -> datetime:
    """A datetime as naive UTC (an aware value is converted; a naive one is taken as UTC already)."""
    if value.tzinfo is None:
        return value
    return value.astimezone(timezone.utc).replace(tzinfo=None)


def wall_clock() -> datetime:
    """The real time now, naive UTC, truncated to the second (the default start of a session's clock)."""
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


class Clock:
    """Simulated UTC time; manual unless ``speed`` is given (see the module docstring)."""

    def __init__(
        self, start: datetime, *, speed: float | None = None, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        if speed is not None and not speed > 0:
            raise LocalEngineError(f"speed must be a positive number of simulated seconds per second, not {speed}.")
        self._start = check_time(utc_naive(start), f"start={utc_naive(start):%Y-%m-%d %H:%M:%S}")
        self._speed = speed
        self._monotonic = monotonic
        self._origin = monotonic()
        self._manual = self._start
        self._last: datetime | None = None

    @property
    def realtime(self) -> bool:
        return self._speed is not None

    @property
    def speed(self) -> float | None:
        return self._speed

    def now(self) -> datetime:
        """The current simulated instant (not bumped: two calls may return the same value)."""
        if self._speed is None:
            return self._manual
        elapsed = (self._monotonic() - self._origin) * self._speed
        return self._start + timedelta(seconds=elapsed)

    def stamp(self) -> datetime:
        """A timestamp for one statement: ``now()``, or one microsecond after the previous stamp if later."""
        value = self.now()
        if self._last is not None and value <= self._last:
            value = self._last + MICROSECOND
        self._last = value
        return value

    def advance_to(self, instant: datetime) -> None:
        """Move a manual clock forward to ``instant`` (never backwards); a real-time clock refuses."""
        if self._speed is not None:
            raise LocalEngineError(REALTIME_ADVANCE)
        self._manual = max(self._manual, instant)

    def not_before(self, instant: datetime) -> None:
        """Make sure no later stamp is at or before ``instant`` (time recorded by an earlier session)."""
        if self._speed is None:
            self._manual = max(self._manual, instant)
        elif self.now() < instant:
            self._start += instant - self.now()
        if self._last is None or self._last < instant:
            self._last = instant


# -- CURRENT_TIMESTAMP() and friends ---------------------------------------------------------------------

_TIME_FUNCTIONS = (exp.CurrentTimestamp, exp.Localtimestamp, exp.CurrentDate, exp.CurrentTime, exp.Localtime)


def time_functions(now: Callable[[], datetime]) -> Callable[[exp.Expr], exp.Expr]:
    """A rewriter replacing the current-time functions with literals of ``now()`` (the statement's stamp).

    Snowflake: ``CURRENT_TIMESTAMP`` / ``GETDATE`` / ``LOCALTIMESTAMP`` → TIMESTAMP_LTZ (here with UTC as the
    session time zone, which is DuckDB's under fakesnow); ``SYSDATE`` → TIMESTAMP_NTZ in UTC;
    ``CURRENT_DATE`` → DATE; ``CURRENT_TIME`` / ``LOCALTIME`` → TIME. All calls in one statement read the
    same instant, as in Snowflake.
    """

    def rewrite(ast: exp.Expr) -> exp.Expr:
        if ast.find(*_TIME_FUNCTIONS) is None:
            return ast
        instant = now()

        def visit(node: exp.Expr) -> exp.Expr:
            if not isinstance(node, _TIME_FUNCTIONS):
                return node
            value = _literal(node, instant)
            if isinstance(node.parent, exp.Select) and node.arg_key == "expressions":
                # Snowflake names an unaliased call column after the call's text.
                return exp.alias_(value, node.sql(dialect="snowflake"), quoted=True)
            return value

        return ast.transform(visit, copy=False)

    return rewrite


def _literal(node: exp.Expr, instant: datetime) -> exp.Expr:
    if isinstance(node, exp.CurrentDate):
        return exp.cast(_stamp(instant.date().isoformat()), exp.DataType.Type.DATE)
    instant = _truncate(instant, node.this)
    if isinstance(node, exp.CurrentTime | exp.Localtime):
        return exp.cast(_stamp(instant.time().isoformat()), exp.DataType.Type.TIME)
    if isinstance(node, exp.CurrentTimestamp) and node.args.get("sysdate"):
        return exp.cast(_stamp(instant.isoformat(sep=" ")), exp.DataType.Type.TIMESTAMPNTZ)
    aware = instant.replace(tzinfo=timezone.utc).isoformat(sep=" ")
    return exp.cast(_stamp(aware), exp.DataType.Type.TIMESTAMPTZ)


# Marks the literals of the clock's time, which change every statement: Engine.transform caches a
# statement's translation with them as parameters, so a statement that only differs by its time hits.
STAMP_META = "moviecdc.stamp"


def _stamp(text: str) -> exp.Literal:
    literal = exp.Literal.string(text)
    literal.meta[STAMP_META] = True
    return literal


def _truncate(instant: datetime, precision: object) -> datetime:
    """``CURRENT_TIMESTAMP(p)``: keep ``p`` fractional digits (0-9; microseconds are the finest here)."""
    if isinstance(precision, exp.Literal) and not precision.is_string:
        digits = int(precision.this)
        if 0 <= digits < 6:
            step = 10 ** (6 - digits)
            return instant.replace(microsecond=instant.microsecond // step * step)
    return instant
