"""A small, obviously-right model of a raw table, its standard stream and the Bronze log.

It follows Snowflake's documented net-change rules per row between two consumptions:
absent then present -> INSERT; present then absent -> DELETE; present at both and changed -> DELETE (old)
+ INSERT (new), both ``is_update``; inserted then deleted -> nothing. Used by the tests to build Bronze
histories and to compute Silver and Gold independently of the library.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal

COLUMNS = ("BOOKING_ID", "CUSTOMER_ID", "MOVIE_ID", "BOOKING_DATE", "STATUS", "TICKET_COUNT", "TICKET_PRICE")
BOOKING_DATE = dt.datetime(2026, 11, 1, 19, 30)

Values = tuple[object, ...]


def booking(
    booking_id: str | None,
    movie: str | None,
    tickets: int | None,
    price: str | None,
    status: str | None,
    customer: str = "C1",
) -> Values:
    return (booking_id, customer, movie, BOOKING_DATE, status, tickets, None if price is None else Decimal(price))


@dataclass
class RawTable:
    """The raw table keyed by a hidden row id, and a stream over it with its own offset."""

    rows: dict[str, Values] = field(default_factory=dict)
    offset: dict[str, Values] = field(default_factory=dict)
    touched: set[str] = field(default_factory=set)
    bronze: list[tuple[object, ...]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=itertools.count)
    clock: dt.datetime = dt.datetime(2026, 11, 27, 10, 0)

    def insert(self, values: Values) -> str:
        row_id = f"r{next(self._ids)}"
        self.rows[row_id] = values
        return row_id

    def update(self, key: str, **changes: object) -> None:
        for row_id, values in self.rows.items():
            if values[0] == key:
                new = dict(zip(COLUMNS, values, strict=True))
                new.update({k.upper(): v for k, v in changes.items()})
                self.rows[row_id] = tuple(new[c] for c in COLUMNS)
                self.touched.add(row_id)

    def delete(self, booking_id: str) -> None:
        for row_id in [r for r, v in self.rows.items() if v[0] == booking_id]:
            del self.rows[row_id]

    def stream(self) -> list[tuple[object, ...]]:
        """The stream's rows now: raw values + (ACTION, ISUPDATE, ROW_ID)."""
        out: list[tuple[object, ...]] = []
        for row_id in sorted(set(self.offset) | set(self.rows)):
            before, after = self.offset.get(row_id), self.rows.get(row_id)
            if before is None and after is not None:
                out.append((*after, "INSERT", False, row_id))
            elif before is not None and after is None:
                out.append((*before, "DELETE", False, row_id))
            elif before is not None and after is not None and (before != after or row_id in self.touched):
                out += [(*before, "DELETE", True, row_id), (*after, "INSERT", True, row_id)]
        return out

    def run_task(self) -> None:
        """One ingest task run: the stream's rows into Bronze with the run's timestamp; the offset moves."""
        self.clock += dt.timedelta(minutes=1)
        self.bronze += [(*row[:-1], self.clock, row[-1]) for row in self.stream()]
        self.offset, self.touched = dict(self.rows), set()


VALID_STATUSES = {"BOOKED", "CANCELLED", "COMPLETED"}


def expected_silver(rows: list[Values]) -> list[Values]:
    """Valid rows whose booking_id is unique, sorted by booking_id (without timestamps)."""
    ids = [r[0] for r in rows]
    valid = [
        r
        for r in rows
        if r[0] is not None
        and r[2] is not None
        and r[5] is not None
        and r[5] > 0
        and r[6] is not None
        and r[6] >= 0
        and r[4] in VALID_STATUSES
        and ids.count(r[0]) == 1
    ]
    return sorted(valid, key=lambda r: str(r[0]))


def expected_gold(silver: list[Values]) -> dict[str, tuple[int, int, Decimal, int]]:
    """movie -> (bookings, tickets sold, revenue, cancellations), computed in plain Python."""
    gold: dict[str, tuple[int, int, Decimal, int]] = {}
    for _, _, movie, _, status, tickets, price in silver:
        bookings, sold, revenue, cancelled = gold.get(str(movie), (0, 0, Decimal("0"), 0))
        if status in ("BOOKED", "COMPLETED"):
            sold += int(tickets)  # type: ignore[call-overload]
            revenue += int(tickets) * price  # type: ignore[call-overload, operator]
        cancelled += status == "CANCELLED"
        gold[str(movie)] = (bookings + 1, sold, revenue, cancelled)
    return gold
