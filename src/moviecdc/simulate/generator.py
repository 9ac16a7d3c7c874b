"""`BookingSimulator`: a deterministic, realistic booking lifecycle, one batch of changes per tick.

Each new booking draws its fate when it is made: its show time, and whether it will be cancelled before
the show, have its ticket count corrected, or be hard-deleted. The fates are kept in a time-ordered queue;
each tick applies the ones that fall due and then the new arrivals. A booking changes at most once per
tick (a second change waits for the next tick), so a batch is a net change set that can be applied with
bulk statements. Statuses only move forward: ``BOOKED`` becomes ``CANCELLED`` or ``COMPLETED``, never back.

>>> from moviecdc.simulate import BookingSimulator, SimulationConfig
>>> sim = BookingSimulator(SimulationConfig(seed=1, bookings_per_minute=600))
>>> batch = sim.next_batch()
>>> batch.index, len(batch.inserts) > 0, batch.inserts[0].booking_id
(0, True, 'BK-1-000000001')
"""

from __future__ import annotations

import datetime as dt
import heapq
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from enum import IntEnum

import numpy as np
import pandas as pd  # type: ignore[import-untyped, unused-ignore]  # no pandas-stubs in the env

from moviecdc.simulate.config import SimulationConfig
from moviecdc.simulate.model import (
    BOOKED,
    CANCELLED,
    COMPLETED,
    Batch,
    Booking,
    EventCounts,
    bookings_frame,
    reject_reason,
)

# Values that make a row fail exactly one rule of BOOKINGS.rules; status values are deliberately near-misses.
_UNKNOWN_STATUSES = ("PENDING", "booked", "REFUNDED")


class _Fate(IntEnum):
    CORRECT = 0
    CANCEL = 1
    COMPLETE = 2
    DELETE = 3


class _Invalid(IntEnum):
    MISSING_MOVIE = 0
    ZERO_TICKETS = 1
    NEGATIVE_TICKETS = 2
    MISSING_TICKETS = 3
    NEGATIVE_PRICE = 4
    MISSING_PRICE = 5
    UNKNOWN_STATUS = 6


class BookingSimulator:
    """Generates batches of booking changes and keeps the state the raw table should be in after them.

    ``expected_raw()`` is the raw table after every batch so far was applied, so a test can compute Silver
    and Gold independently of the pipeline. ``counts`` says how many events of each kind were produced.
    """

    def __init__(self, config: SimulationConfig | None = None) -> None:
        self.config = config or SimulationConfig()
        cfg = self.config
        self._rng = np.random.default_rng(cfg.seed)
        ranks = np.arange(1, cfg.movies + 1, dtype=float)
        popularity = ranks**-cfg.popularity_skew  # Zipf-like: M0001 is the blockbuster, then a long tail
        self._movie_p = popularity / popularity.sum()
        width = len(str(cfg.movies))
        self._movie_ids = [f"M{n:0{max(width, 4)}d}" for n in range(1, cfg.movies + 1)]
        self._customer_width = max(len(str(cfg.customers)), 6)
        weights = np.asarray(cfg.ticket_weights, dtype=float)
        self._ticket_p = weights / weights.sum()
        tier_weights = np.asarray([tier.weight for tier in cfg.price_tiers], dtype=float)
        self._tier_p = tier_weights / tier_weights.sum()
        self._prices = [tier.price for tier in cfg.price_tiers]
        self._tick = 0
        self._next_number = 1
        self._seq = 0
        self._queue: list[tuple[float, int, int, str]] = []  # (due second, sequence, fate, booking_id)
        self._state: dict[str, Booking] = {}
        self._valid: set[str] = set()
        self.counts = EventCounts()

    @classmethod
    def continuing(cls, config: SimulationConfig | None, existing: Iterable[Booking]) -> BookingSimulator:
        """A simulator that carries on from the bookings already in a raw table (an earlier run on a folder).

        New booking ids follow the highest number among ``existing`` ids of this seed (``<prefix>-<seed>-<n>``),
        simulated time starts after the newest ``BOOKING_DATE`` (or at ``start_time`` if that is later), and
        the random stream is derived from the seed and that number, so a second run neither replays the
        first one's ids nor its draws. Every open booking (valid, ``BOOKED``) gets a fate as a new one does:
        its show time is drawn from its booking date, a show already past completes it in the first tick,
        and it may be cancelled, corrected or deleted before then. ``expected_raw()`` starts from
        ``existing`` (a booking_id held by several rows, or by none, is left out: it has no single state).

        >>> import datetime as dt
        >>> from decimal import Decimal
        >>> when = dt.datetime(2026, 1, 1, 12, 5)
        >>> old = Booking("BK-0-000000041", "C1", "M0001", when, "BOOKED", 2, Decimal("12.00"))
        >>> sim = BookingSimulator.continuing(SimulationConfig(bookings_per_minute=600), [old])
        >>> sim.now, sim.next_batch().inserts[0].booking_id
        (datetime.datetime(2026, 1, 1, 12, 5, 1), 'BK-0-000000042')
        """
        config = config or SimulationConfig()
        rows = [row for row in existing if row.booking_id is not None]
        if not rows:
            return cls(config)
        numbered = re.compile(rf"{re.escape(config.id_prefix)}-{config.seed}-(\d+)")
        last = max((int(m.group(1)) for row in rows if (m := numbered.fullmatch(row.booking_id))), default=0)
        dates = [row.booking_date for row in rows if row.booking_date is not None]
        start = config.start_time
        if dates:
            start = max(start, (max(dates) + dt.timedelta(seconds=1)).replace(microsecond=0))
        simulator = cls(config.model_copy(update={"start_time": start}))
        simulator._rng = np.random.default_rng([config.seed, last])
        simulator._next_number = last + 1
        held = Counter(row.booking_id for row in rows)
        simulator._adopt([row for row in rows if held[row.booking_id] == 1])
        return simulator

    # -- public ---------------------------------------------------------------------------------------------

    @property
    def now(self) -> dt.datetime:
        """Simulated time: the start of the next tick."""
        return self._at(self._tick * self.config.tick_seconds)

    @property
    def bookings(self) -> Mapping[str, Booking]:
        """The bookings that exist now, by booking_id (a read-only view)."""
        return self._state

    def expected_raw(self) -> pd.DataFrame:
        """The raw table the batches so far produce: one row per existing booking, sorted by booking_id."""
        frame = bookings_frame(self._state[key] for key in sorted(self._state))
        return frame.reset_index(drop=True)

    def batches(self, *, max_events: int | None = None, max_ticks: int | None = None) -> Iterator[Batch]:
        """Yield batches until ``max_events`` change events (exactly) or ``max_ticks`` ticks; endless if neither.

        Empty ticks (nothing happened) are yielded too: they carry the passing of time.
        """
        events = ticks = 0
        while (max_events is None or events < max_events) and (max_ticks is None or ticks < max_ticks):
            batch = self.next_batch(limit=None if max_events is None else max_events - events)
            events += batch.size
            ticks += 1
            yield batch

    def next_batch(self, *, limit: int | None = None) -> Batch:
        """Advance one tick and return its changes; with ``limit``, stop after that many events.

        Changes left out by ``limit`` are not lost: due fates wait for the next tick, and the tick's remaining
        arrivals are simply never made.
        """
        cfg = self.config
        start_s, end_s = self._tick * cfg.tick_seconds, (self._tick + 1) * cfg.tick_seconds
        budget = limit  # None: no limit
        updates: dict[str, Booking] = {}
        deletes: list[str] = []
        deferred: list[tuple[float, int, int, str]] = []
        counts = EventCounts()
        while self._queue and self._queue[0][0] < end_s and budget != 0:
            entry = heapq.heappop(self._queue)
            _, _, fate, booking_id = entry
            if booking_id in updates:  # already changed in this tick: apply next tick
                deferred.append(entry)
                continue
            change = self._apply(_Fate(fate), booking_id)
            if change is None:
                continue
            budget = None if budget is None else budget - 1
            if change == "delete":
                deletes.append(booking_id)
                counts += EventCounts(deleted=1)
            else:
                updates[booking_id] = self._state[booking_id]
                counts += EventCounts(updated=1, **{change: 1})
        for entry in deferred:
            heapq.heappush(self._queue, entry)
        inserts = self._arrivals(start_s, end_s, budget)
        counts += EventCounts(inserted=len(inserts), invalid=sum(1 for b in inserts if b.booking_id not in self._valid))
        self.counts += counts
        batch = Batch(
            index=self._tick,
            start=self._at(start_s),
            end=self._at(end_s),
            inserts=tuple(inserts),
            updates=tuple(updates.values()),
            deletes=tuple(deletes),
        )
        self._tick += 1
        return batch

    # -- lifecycle ------------------------------------------------------------------------------------------

    def _apply(self, fate: _Fate, booking_id: str) -> str | None:
        """Apply one due fate to the state; return the counter it bumps, or None when it no longer applies."""
        booking = self._state.get(booking_id)
        if booking is None:
            return None
        if fate is _Fate.DELETE:
            del self._state[booking_id]
            self._valid.discard(booking_id)
            return "delete"
        if booking.status != BOOKED or booking_id not in self._valid:
            return None  # statuses only move forward; invalid rows have no lifecycle
        if fate is _Fate.CORRECT:
            assert booking.ticket_count is not None  # valid rows have one
            choices = [n for n in range(1, self.config.max_tickets + 1) if n != booking.ticket_count]
            if not choices:
                return None
            new_count = choices[int(self._rng.integers(len(choices)))]
            self._state[booking_id] = booking._replace(ticket_count=new_count)
            return "corrected"
        status, counter = (CANCELLED, "cancelled") if fate is _Fate.CANCEL else (COMPLETED, "completed")
        self._state[booking_id] = booking._replace(status=status)
        return counter

    def _arrivals(self, start_s: float, end_s: float, budget: int | None) -> list[Booking]:
        cfg, rng = self.config, self._rng
        n = int(rng.poisson(cfg.bookings_per_minute * cfg.tick_seconds / 60.0))
        if budget is not None:
            n = min(n, budget)
        if n == 0:
            return []
        # Every draw is vectorised and made in a fixed order, so the stream of random numbers is the same
        # for a seed whatever happens downstream.
        arrive = np.maximum(np.floor(np.sort(rng.uniform(start_s, end_s, n))), start_s)  # whole seconds
        movies = rng.choice(len(self._movie_ids), size=n, p=self._movie_p)
        customers = rng.integers(1, cfg.customers + 1, size=n)
        tickets = rng.choice(len(self._ticket_p), size=n, p=self._ticket_p) + 1
        tiers = rng.choice(len(self._prices), size=n, p=self._tier_p)
        low, high = cfg.show_lead_minutes
        shows = arrive + rng.uniform(low * 60.0, high * 60.0, n)
        fate_draws = rng.uniform(size=(n, 4))  # invalid, cancel, correct, delete
        when_draws = rng.uniform(size=(n, 3))  # cancel time, correction time, delete time
        invalid_kinds = rng.integers(len(_Invalid), size=n)
        bad_status = rng.integers(len(_UNKNOWN_STATUSES), size=n)
        # Everything below is array arithmetic and list building in the order the draws were made: the
        # result (bookings, fates and their queue sequence numbers) is what a per-booking loop would give.
        first = self._next_number
        self._next_number += n
        prefix = f"{cfg.id_prefix}-{cfg.seed}-"
        ids = [f"{prefix}{number:09d}" for number in range(first, first + n)]
        width = self._customer_width
        moments: dict[float, dt.datetime] = {}
        arrive_s = arrive.tolist()
        for second in arrive_s:
            if second not in moments:
                moments[second] = self._at(second)
        rows = list(
            map(
                Booking,
                ids,
                [f"C{customer:0{width}d}" for customer in customers.tolist()],
                [self._movie_ids[movie] for movie in movies.tolist()],
                [moments[second] for second in arrive_s],
                [BOOKED] * n,
                tickets.tolist(),
                [self._prices[tier] for tier in tiers.tolist()],
            )
        )
        invalid = fate_draws[:, 0] < cfg.invalid_share
        for i in np.flatnonzero(invalid).tolist():
            rows[i] = _corrupt(rows[i], _Invalid(int(invalid_kinds[i])), int(bad_status[i]))
        valid = ~invalid
        made, show = arrive, shows
        cancel = valid & (fate_draws[:, 1] < cfg.cancel_share)
        cancel_at = made + when_draws[:, 0] * (show - made)
        end = np.where(cancel, cancel_at, show)
        due = np.column_stack(
            (cancel_at, made + when_draws[:, 1] * (end - made), show, made + when_draws[:, 2] * 2 * (show - made))
        )
        scheduled = np.column_stack(
            (cancel, valid & (fate_draws[:, 2] < cfg.correction_share), valid, fate_draws[:, 3] < cfg.delete_share)
        )
        fates = np.broadcast_to(
            np.asarray([_Fate.CANCEL, _Fate.CORRECT, _Fate.COMPLETE, _Fate.DELETE], dtype=np.int64), (n, 4)
        )
        owners = np.broadcast_to(np.arange(n)[:, None], (n, 4))
        count = int(scheduled.sum())
        entries = zip(
            due[scheduled].tolist(),
            range(self._seq + 1, self._seq + 1 + count),
            fates[scheduled].tolist(),
            [ids[owner] for owner in owners[scheduled].tolist()],
            strict=True,
        )
        self._seq += count
        push, queue = heapq.heappush, self._queue
        for entry in entries:
            push(queue, entry)
        self._valid.update(booking_id for booking_id, ok in zip(ids, valid.tolist(), strict=True) if ok)
        self._state.update(zip(ids, rows, strict=True))
        return rows

    def _adopt(self, rows: list[Booking]) -> None:
        """Take ``rows`` (unique booking ids) as the current state and schedule the fates of the open ones."""
        cfg, rng = self.config, self._rng
        self._state.update((row.booking_id, row) for row in rows)
        valid = [row for row in rows if reject_reason(row) is None]
        self._valid.update(row.booking_id for row in valid)
        open_rows = [row for row in valid if row.status == BOOKED]
        n = len(open_rows)
        if n == 0:
            return
        made = np.asarray([(row.booking_date - cfg.start_time).total_seconds() for row in open_rows])
        low, high = cfg.show_lead_minutes
        show = np.maximum(made + rng.uniform(low * 60.0, high * 60.0, n), 0.0)  # a past show completes at once
        fate_draws = rng.uniform(size=(n, 3))  # cancel, correct, delete
        when_draws = rng.uniform(size=(n, 3))
        cancel = fate_draws[:, 0] < cfg.cancel_share
        cancel_at = when_draws[:, 0] * show
        end = np.where(cancel, cancel_at, show)
        due = np.column_stack((cancel_at, when_draws[:, 1] * end, show, when_draws[:, 2] * 2 * show))
        correct, delete = fate_draws[:, 1] < cfg.correction_share, fate_draws[:, 2] < cfg.delete_share
        scheduled = np.column_stack((cancel, correct, np.ones(n, dtype=bool), delete))
        fates = (_Fate.CANCEL, _Fate.CORRECT, _Fate.COMPLETE, _Fate.DELETE)
        for i, j in zip(*np.nonzero(scheduled), strict=True):
            self._schedule(float(due[i, j]), fates[j], open_rows[i].booking_id)

    def _schedule(self, due: float, fate: _Fate, booking_id: str) -> None:
        self._seq += 1
        heapq.heappush(self._queue, (due, self._seq, int(fate), booking_id))

    def _at(self, seconds: float) -> dt.datetime:
        return self.config.start_time + dt.timedelta(seconds=seconds)


def _corrupt(booking: Booking, kind: _Invalid, status_index: int) -> Booking:
    """A copy of ``booking`` that fails validation in the way ``kind`` names."""
    price = booking.ticket_price or Decimal("0")
    bad = {
        _Invalid.MISSING_MOVIE: booking._replace(movie_id=None),
        _Invalid.ZERO_TICKETS: booking._replace(ticket_count=0),
        _Invalid.NEGATIVE_TICKETS: booking._replace(ticket_count=-(booking.ticket_count or 1)),
        _Invalid.MISSING_TICKETS: booking._replace(ticket_count=None),
        _Invalid.NEGATIVE_PRICE: booking._replace(ticket_price=-price),
        _Invalid.MISSING_PRICE: booking._replace(ticket_price=None),
        _Invalid.UNKNOWN_STATUS: booking._replace(status=_UNKNOWN_STATUSES[status_index]),
    }[kind]
    assert reject_reason(bad) is not None
    return bad
