"""`SimulationConfig`: how the booking simulator behaves. Strict, frozen, validated once.

>>> cfg = SimulationConfig(seed=7, bookings_per_minute=600, cancel_share=0.2)
>>> cfg.seed, cfg.bookings_per_minute, cfg.cancel_share
(7, 600.0, 0.2)
>>> SimulationConfig(cancel_shares=0.2)
Traceback (most recent call last):
...
moviecdc.errors.ConfigError: invalid simulation config:
  cancel_shares: unknown key; did you mean 'cancel_share'?
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from moviecdc.config import StrictModel


class PriceTier(BaseModel):
    """A ticket price tier (matinee, standard, premium...) and how often it is chosen, relative to the others."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=40)
    price: Decimal = Field(gt=0, max_digits=10, decimal_places=2)
    weight: float = Field(gt=0)


DEFAULT_PRICE_TIERS = (
    PriceTier(name="matinee", price=Decimal("8.50"), weight=0.25),
    PriceTier(name="standard", price=Decimal("12.00"), weight=0.55),
    PriceTier(name="premium", price=Decimal("18.50"), weight=0.20),
)

# Relative frequency of 1..6 tickets per booking: couples first, then singles, families, groups.
DEFAULT_TICKET_WEIGHTS = (0.24, 0.38, 0.14, 0.14, 0.06, 0.04)


class SimulationConfig(StrictModel):
    """Every knob of :class:`~moviecdc.simulate.BookingSimulator`, with defaults that look like a real cinema chain.

    Times are *simulated*: a tick covers ``tick_seconds`` of simulated time, whatever the wall clock does.
    Shares are probabilities per booking, decided when the booking is made.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)
    error_title: ClassVar[str] = "invalid simulation config"

    seed: int = Field(default=0, ge=0, description="same seed, same batches")
    start_time: dt.datetime = Field(default=dt.datetime(2026, 1, 1, 12, 0), description="simulated time of tick 0")
    tick_seconds: float = Field(default=1.0, gt=0, le=86_400, description="simulated seconds per batch")
    bookings_per_minute: float = Field(default=120.0, ge=0, le=10_000_000, description="mean new-booking rate")
    movies: int = Field(default=50, ge=1, le=1_000_000, description="number of movies showing")
    popularity_skew: float = Field(
        default=1.1, ge=0, le=5, description="Zipf exponent of movie popularity; 0 = all movies equally popular"
    )
    customers: int = Field(default=10_000, ge=1, le=100_000_000)
    ticket_weights: tuple[float, ...] = Field(
        default=DEFAULT_TICKET_WEIGHTS, description="relative frequency of 1, 2, ... tickets per booking"
    )
    price_tiers: tuple[PriceTier, ...] = DEFAULT_PRICE_TIERS
    show_lead_minutes: tuple[float, float] = Field(
        default=(15.0, 360.0), description="a show starts this many minutes after its booking (uniform range)"
    )
    cancel_share: float = Field(default=0.12, ge=0, le=1, description="share of bookings cancelled before the show")
    correction_share: float = Field(default=0.05, ge=0, le=1, description="share whose ticket count is corrected")
    delete_share: float = Field(default=0.01, ge=0, le=1, description="share hard-deleted at some point")
    invalid_share: float = Field(default=0.01, ge=0, le=0.5, description="share of new rows that fail validation")
    id_prefix: str = Field(default="BK", pattern=r"^[A-Za-z][A-Za-z0-9_]{0,19}$")

    @field_validator("start_time")
    @classmethod
    def _naive(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is not None:
            raise ValueError("start_time must be a naive datetime (BOOKING_DATE is TIMESTAMP_NTZ); drop the time zone")
        return value

    @field_validator("ticket_weights")
    @classmethod
    def _weights(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if not value or len(value) > 20 or any(w < 0 for w in value) or sum(value) <= 0:
            raise ValueError("ticket_weights needs 1 to 20 non-negative weights (for 1, 2, ... tickets), not all zero")
        return value

    @model_validator(mode="after")
    def _check(self) -> SimulationConfig:
        low, high = self.show_lead_minutes
        if not 0 <= low <= high:
            raise ValueError(f"show_lead_minutes must be (min, max) with 0 <= min <= max, got {self.show_lead_minutes}")
        if not self.price_tiers:
            raise ValueError("price_tiers needs at least one tier, e.g. [{name='standard', price=12.00, weight=1}]")
        names = [tier.name for tier in self.price_tiers]
        if len(set(names)) != len(names):
            raise ValueError(f"price tier names must differ: {names}")
        return self

    @property
    def max_tickets(self) -> int:
        return len(self.ticket_weights)
