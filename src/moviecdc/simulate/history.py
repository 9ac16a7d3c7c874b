"""Reading back what a raw table holds, so a simulator can continue a folder's (or a schema's) history.

>>> from moviecdc import LocalSession, Pipeline
>>> from moviecdc.simulate import BookingSimulator, BookingWriter, SimulationConfig, read_bookings
>>> with LocalSession() as session:
...     _ = Pipeline(session).deploy()
...     first = BookingSimulator(SimulationConfig(bookings_per_minute=600))
...     _ = BookingWriter(session).write_all(first.batches(max_events=50))
...     again = BookingSimulator.continuing(SimulationConfig(bookings_per_minute=600), read_bookings(session))
>>> len(again.bookings) == len(first.bookings), again.next_batch().inserts[0].booking_id
(True, 'BK-0-000000051')
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pandas as pd  # type: ignore[import-untyped, unused-ignore]  # no pandas-stubs in the env
from sqlglot import exp

from moviecdc import sql
from moviecdc.config import PipelineConfig
from moviecdc.simulate.model import COLUMNS, Booking

_CENT = Decimal("0.01")


def read_bookings(session: Any, config: PipelineConfig | None = None) -> list[Booking]:
    """Every row of the raw table of ``config`` (default ``PipelineConfig()``) as :class:`Booking` values."""
    config = config or PipelineConfig()
    query = exp.select(*(sql.column(name) for name in COLUMNS)).from_(sql.table(config.name("raw_table")))
    frame: pd.DataFrame = session.sql(sql.render(query, pretty=False)).to_pandas()
    columns = [frame[name].tolist() for name in COLUMNS]
    return [Booking(*map(_value, COLUMNS, values)) for values in zip(*columns, strict=True)]


def _value(column: str, value: Any) -> Any:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if column == "TICKET_COUNT":
        return int(value)
    if column == "TICKET_PRICE":
        return Decimal(str(value)).quantize(_CENT)
    if column == "BOOKING_DATE":
        stamp = pd.Timestamp(value).to_pydatetime()
        return stamp.replace(tzinfo=None) if isinstance(stamp, dt.datetime) else stamp
    return value
