"""A task's ``SCHEDULE``: an interval (``'5 MINUTES'``) or a cron expression (``'USING CRON 0 9 * * * UTC'``).

Snowflake's rules (https://docs.snowflake.com/en/sql-reference/sql/create-task):

- an interval schedule counts from the moment the task is resumed: resumed at 9:03 with ``'10 MINUTES'``,
  it runs at 9:13, 9:23, …;
- a cron schedule fires at the instants the expression names, in its time zone (daylight saving time
  included); croniter computes them.

>>> from datetime import datetime
>>> every = Schedule.parse("10 MINUTES")
>>> every.first_run(resumed=datetime(2026, 1, 1, 9, 3))
datetime.datetime(2026, 1, 1, 9, 13)
>>> every.run_after(datetime(2026, 1, 1, 9, 13))
datetime.datetime(2026, 1, 1, 9, 23)
>>> Schedule.parse("USING CRON 0 9 * * * America/New_York").first_run(resumed=datetime(2026, 7, 1, 12, 0))
datetime.datetime(2026, 7, 1, 13, 0)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from moviecdc.errors import LocalEngineError

_INTERVAL = re.compile(r"^\s*(\d+)\s*(SECONDS?|MINUTES?|M|HOURS?)\s*$", re.IGNORECASE)
_CRON = re.compile(r"^\s*USING\s+CRON\s+(.+?)\s+(\S+)\s*$", re.IGNORECASE | re.DOTALL)
_UNIT_SECONDS = {"S": 1, "M": 60, "H": 3600}


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule; ``text`` is what the user wrote (``SHOW TASKS`` shows it unchanged)."""

    text: str
    interval: timedelta | None = None
    cron: str | None = None
    zone: str | None = None

    @classmethod
    def parse(cls, text: str) -> Schedule:
        match = _INTERVAL.match(text)
        if match:
            count = int(match.group(1))
            if count < 1:
                raise LocalEngineError(f"Invalid SCHEDULE {text!r}: the interval must be at least 1.")
            unit = match.group(2).upper()[0]
            return cls(text, interval=timedelta(seconds=count * _UNIT_SECONDS[unit]))
        match = _CRON.match(text)
        if match:
            expression, zone = match.group(1), match.group(2)
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError) as e:
                raise LocalEngineError(f"Invalid SCHEDULE {text!r}: unknown time zone {zone!r}.") from e
            if len(expression.split()) != 5 or not croniter.is_valid(expression):
                raise LocalEngineError(
                    f"Invalid SCHEDULE {text!r}: a cron expression has five fields "
                    "(minute hour day-of-month month day-of-week), e.g. 'USING CRON 0 9 * * MON-FRI UTC'."
                )
            return cls(text, cron=expression, zone=zone)
        raise LocalEngineError(
            f"Invalid SCHEDULE {text!r}. Write '<n> SECONDS', '<n> MINUTES', '<n> HOURS' or "
            "'USING CRON <expression> <time zone>'."
        )

    def first_run(self, *, resumed: datetime) -> datetime:
        """The first scheduled instant after the task is resumed at ``resumed``."""
        if self.interval is not None:
            return resumed + self.interval
        return self._next_fire(resumed)

    def run_after(self, scheduled: datetime) -> datetime:
        """The instant after the run scheduled at ``scheduled`` (not after when it finished)."""
        if self.interval is not None:
            return scheduled + self.interval
        return self._next_fire(scheduled)

    def catch_up(self, planned: datetime, now: datetime) -> datetime:
        """The first instant of the schedule at or after ``now``, for a run ``planned`` while nobody ran it.

        An interval keeps its phase (``planned`` + k * interval); a cron schedule takes its next fire.
        """
        if planned >= now:
            return planned
        if self.interval is not None:
            steps = math.ceil((now - planned) / self.interval)
            return planned + steps * self.interval
        return self._next_fire(now - timedelta(microseconds=1))

    def _next_fire(self, after: datetime) -> datetime:
        """The first cron instant strictly after ``after`` (naive UTC in and out)."""
        zone = ZoneInfo(self.zone or "UTC")
        local = after.replace(tzinfo=timezone.utc).astimezone(zone)
        fire: datetime = croniter(self.cron, local).get_next(datetime)
        return fire.astimezone(timezone.utc).replace(tzinfo=None)
