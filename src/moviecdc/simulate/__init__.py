"""Booking simulator: a realistic, deterministic stream of booking changes, and a bulk writer for it.

>>> from moviecdc.simulate import BookingSimulator, SimulationConfig
>>> sim = BookingSimulator(SimulationConfig(seed=42, bookings_per_minute=300))
>>> batches = list(sim.batches(max_events=1_000))
>>> sum(batch.size for batch in batches), sim.counts.total
(1000, 1000)
>>> len(sim.expected_raw()) == len(sim.bookings)
True

Write the same batches into any session's raw table (Snowpark ``Session`` or ``LocalSession``)::

    writer = BookingWriter(session)                  # PipelineConfig() names the raw table
    writer.write_all(BookingSimulator(SimulationConfig(seed=42)).batches(max_events=100_000))
    print(writer.counts)                             # WriteCounts(inserted=..., updated=..., deleted=..., batches=...)

A second run on the same raw table continues its history (new booking ids, open bookings move on)::

    simulator = BookingSimulator.continuing(SimulationConfig(seed=42), read_bookings(session))
"""

from moviecdc.simulate.config import DEFAULT_PRICE_TIERS, PriceTier, SimulationConfig
from moviecdc.simulate.generator import BookingSimulator
from moviecdc.simulate.history import read_bookings
from moviecdc.simulate.model import Batch, Booking, EventCounts, bookings_frame, reject_reason
from moviecdc.simulate.writer import BookingWriter, Frames, SessionLike, WriteCounts, frames, staging_name

__all__ = [
    "DEFAULT_PRICE_TIERS",
    "Batch",
    "Booking",
    "BookingSimulator",
    "BookingWriter",
    "EventCounts",
    "Frames",
    "PriceTier",
    "SessionLike",
    "SimulationConfig",
    "WriteCounts",
    "bookings_frame",
    "frames",
    "read_bookings",
    "reject_reason",
    "staging_name",
]
