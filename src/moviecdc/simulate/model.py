"""What the simulator produces: a :class:`Booking` row, a :class:`Batch` of changes, and the validation check.

Column names and statuses come from :mod:`moviecdc.schema`; the :class:`Booking` fields are checked against
``BOOKINGS.columns`` at import, so the schema and the simulator cannot drift apart silently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

import pandas as pd  # type: ignore[import-untyped, unused-ignore]  # no pandas-stubs in the env

from moviecdc.config import PipelineConfig
from moviecdc.schema import BOOKINGS, STATUSES, Rule

BOOKED, CANCELLED, COMPLETED = STATUSES
COLUMNS = BOOKINGS.column_names
KEY = BOOKINGS.key
_DEFAULT_CONFIG = PipelineConfig()


class Booking(NamedTuple):
    """One raw row, fields in the order of ``BOOKINGS.columns``. Invalid rows may hold ``None`` or bad values."""

    booking_id: str
    customer_id: str
    movie_id: str | None
    booking_date: dt.datetime
    status: str
    ticket_count: int | None
    ticket_price: Decimal | None

    def value(self, column: str) -> object:
        """The value of schema column ``column`` (e.g. ``"TICKET_COUNT"``)."""
        return self[COLUMNS.index(column)]


if tuple(field.upper() for field in Booking._fields) != COLUMNS:  # pragma: no cover - guards schema edits
    raise ImportError(f"moviecdc.simulate.Booking fields {Booking._fields} no longer match BOOKINGS columns {COLUMNS}")


def _fails(rule: Rule, value: object) -> bool:
    if value is None:
        return True
    if rule.check == "positive":
        return not (isinstance(value, (int, Decimal)) and value > 0)
    if rule.check == "non_negative":
        return not (isinstance(value, (int, Decimal)) and value >= 0)
    if rule.check == "one_of":
        return value not in rule.values
    if rule.check == "at_most":
        assert rule.limit is not None
        return not (isinstance(value, (int, Decimal)) and value <= rule.limit)
    return False  # not_null, and the value is present


def reject_reason(row: Booking, config: PipelineConfig | None = None) -> str | None:
    """The reason Silver rejects ``row`` (the first failing rule of ``BOOKINGS.rules``, then of the business
    bounds of ``config``, default ``PipelineConfig()``), or ``None`` if it is valid.

    >>> import datetime as dt
    >>> from decimal import Decimal
    >>> row = Booking("B1", "C1", None, dt.datetime(2026, 1, 1), "BOOKED", 2, Decimal("9.50"))
    >>> reject_reason(row)
    'movie_id is missing'
    >>> reject_reason(row._replace(movie_id="M1")) is None
    True
    """
    for rule in (*BOOKINGS.rules, *(config or _DEFAULT_CONFIG).bound_rules):
        if _fails(rule, row.value(rule.column)):
            return rule.reason
    return None


def bookings_frame(rows: Iterable[Booking]) -> pd.DataFrame:
    """Rows as a DataFrame with the raw table's columns, typed for ``write_pandas``.

    ``TICKET_COUNT`` is a nullable ``Int64``; ``TICKET_PRICE`` is ``float64`` (prices have two decimals, and
    Snowflake rounds into ``NUMBER(10, 2)``); ``BOOKING_DATE`` is a naive ``datetime64``.
    """
    rows = list(rows)
    if rows:  # column by column: much cheaper than from_records' row-wise inference
        frame = pd.DataFrame(dict(zip(COLUMNS, (list(values) for values in zip(*rows, strict=True)), strict=True)))
    else:
        frame = pd.DataFrame.from_records(rows, columns=list(COLUMNS))
    columns = dict(zip(Booking._fields, COLUMNS, strict=True))
    # cache=False: the values are mostly distinct, and the cache check alone iterates them in Python.
    frame[columns["booking_date"]] = pd.to_datetime(frame[columns["booking_date"]], cache=False)
    frame[columns["ticket_count"]] = frame[columns["ticket_count"]].astype("Int64")
    frame[columns["ticket_price"]] = pd.array(
        [None if r.ticket_price is None else float(r.ticket_price) for r in rows], dtype="float64"
    )
    for name in ("booking_id", "customer_id", "movie_id", "status"):
        frame[columns[name]] = frame[columns[name]].astype(object)
    return frame


@dataclass(frozen=True)
class Batch:
    """The net changes of one tick of simulated time, ``start`` (inclusive) to ``end`` (exclusive).

    A booking appears at most once in a batch, so the changes can be applied in any order; the writer
    applies inserts, then updates, then deletes. ``updates`` hold the full new row.
    """

    index: int
    start: dt.datetime
    end: dt.datetime
    inserts: tuple[Booking, ...] = ()
    updates: tuple[Booking, ...] = ()
    deletes: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        """Number of change events (rows inserted, updated and deleted)."""
        return len(self.inserts) + len(self.updates) + len(self.deletes)

    def __bool__(self) -> bool:
        return self.size > 0

    def __repr__(self) -> str:
        return (
            f"Batch(index={self.index}, start={self.start.isoformat()}, end={self.end.isoformat()}, "
            f"inserts={len(self.inserts)}, updates={len(self.updates)}, deletes={len(self.deletes)})"
        )


@dataclass(frozen=True)
class EventCounts:
    """Change events by kind, and what they meant for the bookings."""

    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    invalid: int = 0  # inserted rows that fail validation
    cancelled: int = 0
    completed: int = 0
    corrected: int = 0

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.deleted

    def __add__(self, other: EventCounts) -> EventCounts:
        return EventCounts(**{name: getattr(self, name) + getattr(other, name) for name in self.__dataclass_fields__})
