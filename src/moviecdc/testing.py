"""pytest fixtures for pipelines tested on :class:`~moviecdc.LocalSession`, in the manner of fakesnow's.

Installed with moviecdc and registered through the ``pytest11`` entry point, so any test suite that has moviecdc
installed can ask for them by name; nothing is imported until a test uses one.

Fixtures
    ``local_session``
        A fresh, in-memory ``LocalSession`` per test, its manual clock at :data:`START`; closed after the test.
    ``pipeline``
        A :class:`~moviecdc.Pipeline` (default :class:`~moviecdc.PipelineConfig`) on its own ``LocalSession``,
        deployed and empty. The deploy runs once per test session, into a template folder; each test opens a
        copy of that folder, so it starts from the deployed state without deploying again and cannot see
        another test's rows.
    ``pipeline_template``
        The session's template folder itself (read-only by convention: copy it, as ``pipeline`` does).

Helpers
    :func:`write_bookings` loads bookings into the raw table in one bulk write; :func:`advance_to_gold` moves
    the clock until everything written so far has reached Gold.

>>> def test_a_booking_reaches_gold(pipeline):            # doctest: +SKIP
...     write_bookings(pipeline.session, [booking("B1", movie_id="M1", ticket_count=2, ticket_price="9.50")])
...     advance_to_gold(pipeline)
...     rows = pipeline.session.sql('SELECT "TOTAL_REVENUE" FROM MOVIES.PUBLIC.MOVIES_BOOKING_INSIGHTS').collect()
...     assert rows[0][0] == Decimal("19.00")
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from moviecdc.local import LocalSession
    from moviecdc.pipeline import Pipeline

#: Where every fixture's clock starts (naive UTC): fixed, so tests are deterministic.
START = datetime(2026, 1, 1)
_STEP = timedelta(seconds=10)


@pytest.fixture
def local_session() -> Iterator[LocalSession]:
    """A fresh in-memory LocalSession, its clock at :data:`START`."""
    from moviecdc.local import LocalSession

    with LocalSession(start=START) as session:
        yield session


@pytest.fixture(scope="session")
def pipeline_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the default pipeline, deployed once for the whole test session."""
    from moviecdc.local import LocalSession
    from moviecdc.pipeline import Pipeline

    folder = tmp_path_factory.mktemp("moviecdc-template") / "db"
    with LocalSession(path=folder, start=START) as session:
        Pipeline(session).deploy()
    return folder


@pytest.fixture
def pipeline(pipeline_template: Path, tmp_path: Path) -> Iterator[Pipeline]:
    """The default pipeline, deployed and empty, on a LocalSession of this test's own."""
    from moviecdc.config import PipelineConfig
    from moviecdc.local import LocalSession
    from moviecdc.pipeline import Pipeline

    config = PipelineConfig()
    folder = tmp_path / "moviecdc"
    shutil.copytree(pipeline_template, folder)
    with LocalSession(path=folder, database=config.database, schema=config.schema_name, start=START) as session:
        yield Pipeline(session, config)


def booking(
    booking_id: str,
    *,
    movie_id: str = "M1",
    customer_id: str = "C1",
    status: str = "BOOKED",
    ticket_count: int = 1,
    ticket_price: str | Decimal = "10.00",
    booking_date: datetime = START,
) -> dict[str, Any]:
    """One raw booking row, with defaults for what a test does not care about."""
    return {
        "BOOKING_ID": booking_id,
        "CUSTOMER_ID": customer_id,
        "MOVIE_ID": movie_id,
        "BOOKING_DATE": booking_date,
        "STATUS": status,
        "TICKET_COUNT": ticket_count,
        "TICKET_PRICE": Decimal(ticket_price),
    }


def write_bookings(session: LocalSession, rows: Sequence[Mapping[str, Any]], *, table: str | None = None) -> int:
    """Insert raw booking rows (mappings of column name to value, as :func:`booking` makes) in one bulk write;
    ``table`` defaults to the default config's raw table. Returns the number of rows written."""
    import pandas as pd

    from moviecdc.config import PipelineConfig

    if not rows:
        return 0
    name = PipelineConfig().name("raw_table") if table is None else None
    frame = pd.DataFrame([dict(row) for row in rows])
    if name is not None:
        session.write_pandas(frame, name.name, database=name.database, schema=name.schema)
    else:
        session.write_pandas(frame, str(table))
    return len(frame)


def advance_to_gold(pipeline: Pipeline, *, limit: timedelta = timedelta(hours=1)) -> datetime:
    """Advance the clock until every change written so far is in Gold: the ingest task has consumed the raw
    stream, and a Gold refresh has run on data as of that moment or later. Returns the new time; raises
    ``AssertionError`` (a test failure) if that takes longer than ``limit`` of simulated time."""
    from moviecdc import sql

    session = pipeline.session
    assert session is not None, "advance_to_gold needs a pipeline bound to a session"
    advance = getattr(session, "advance", None)
    assert advance is not None, "advance_to_gold needs a LocalSession (its clock is manual)"
    has_data = str(sql.stream_has_data(pipeline.config.name("stream")))
    history = str(sql.refresh_history(pipeline.config.name("gold_table"), 20))
    start = _now(session)
    ingested: datetime | None = None
    while _now(session) - start <= limit:
        if ingested is None and not session.sql(has_data).collect()[0][0]:
            ingested = _now(session)
        if ingested is not None:
            refreshed = [_utc(r["DATA_TIMESTAMP"]) for r in session.sql(history).collect() if r["STATE"] == "SUCCEEDED"]
            if any(stamp >= ingested for stamp in refreshed):
                return _now(session)
        advance(seconds=_STEP.total_seconds())
    raise AssertionError(f"Gold did not catch up within {limit} of simulated time")


def _utc(stamp: datetime) -> datetime:
    """Naive UTC, the clock's form (DATA_TIMESTAMP is a TIMESTAMP_LTZ)."""
    return stamp.astimezone(timezone.utc).replace(tzinfo=None) if stamp.tzinfo is not None else stamp


def _now(session: Any) -> datetime:
    value: datetime = session.now()
    return value
