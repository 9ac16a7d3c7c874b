"""The booking simulator: determinism, lifecycle invariants over a long run, and the bulk writer's exact SQL."""

from __future__ import annotations

import datetime as dt
import doctest
import importlib
from collections import Counter
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest
import sqlglot
from pydantic import ValidationError

from moviecdc import sql
from moviecdc.config import PipelineConfig
from moviecdc.errors import ConfigError
from moviecdc.schema import BOOKINGS, STATUSES
from moviecdc.simulate import (
    Batch,
    Booking,
    BookingSimulator,
    BookingWriter,
    PriceTier,
    SimulationConfig,
    WriteCounts,
    bookings_frame,
    reject_reason,
)

BOOKED, CANCELLED, COMPLETED = STATUSES
T0 = dt.datetime(2026, 1, 1, 12, 0)
# Statuses a booking may move to from each status (itself = unchanged).
FORWARD = {BOOKED: {BOOKED, CANCELLED, COMPLETED}, CANCELLED: {CANCELLED}, COMPLETED: {COMPLETED}}

# A long run: 60 bookings a minute for 12 simulated hours, shows at most 2 hours after booking.
LONG = SimulationConfig(
    seed=11,
    tick_seconds=60,
    bookings_per_minute=60,
    show_lead_minutes=(10, 120),
    cancel_share=0.15,
    correction_share=0.10,
    delete_share=0.05,
    invalid_share=0.04,
)
LONG_TICKS = 12 * 60


@pytest.fixture(scope="module")
def long_run() -> tuple[BookingSimulator, list[Batch]]:
    sim = BookingSimulator(LONG)
    return sim, list(sim.batches(max_ticks=LONG_TICKS))


def booking(key: str, *, status: str = BOOKED, tickets: int | None = 2, movie: str | None = "M0001") -> Booking:
    return Booking(key, "C000001", movie, T0, status, tickets, Decimal("12.00"))


# -- configuration ------------------------------------------------------------------------------------------


def test_defaults_are_valid_and_frozen() -> None:
    cfg = SimulationConfig()
    assert (cfg.seed, cfg.movies, cfg.max_tickets, [t.name for t in cfg.price_tiers]) == (
        0,
        50,
        6,
        ["matinee", "standard", "premium"],
    )
    with pytest.raises(ValidationError):
        cfg.seed = 2  # type: ignore[misc]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"cancel_shares": 0.1}, "cancel_shares: unknown key; did you mean 'cancel_share'?"),
        ({"cancel_share": 1.5}, "cancel_share: Input should be less than or equal to 1"),
        ({"invalid_share": 0.9}, "invalid_share: Input should be less than or equal to 0.5"),
        ({"movies": 0}, "movies: Input should be greater than or equal to 1"),
        ({"tick_seconds": 0}, "tick_seconds: Input should be greater than 0"),
        ({"show_lead_minutes": (60, 10)}, "show_lead_minutes must be (min, max) with 0 <= min <= max"),
        ({"start_time": dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)}, "start_time must be a naive datetime"),
        ({"ticket_weights": ()}, "ticket_weights needs 1 to 20 non-negative weights"),
        ({"price_tiers": ()}, "price_tiers needs at least one tier"),
        (
            {"price_tiers": [{"name": "a", "price": "5"}, {"name": "a", "price": "6", "weight": 1}]},
            "price_tiers.0.weight: Field required",
        ),
        (
            {"price_tiers": [PriceTier(name="a", price=Decimal(5), weight=1)] * 2},
            "price tier names must differ: ['a', 'a']",
        ),
        ({"id_prefix": "B'; DROP"}, "id_prefix: String should match pattern"),
    ],
)
def test_invalid_config_raises_config_error_naming_the_field(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match="invalid simulation config") as info:
        SimulationConfig(**data)
    assert message in str(info.value)


# -- determinism --------------------------------------------------------------------------------------------


def test_same_seed_gives_identical_batches_and_state() -> None:
    cfg = SimulationConfig(seed=5, tick_seconds=30, bookings_per_minute=200, show_lead_minutes=(1, 20))
    first, second = BookingSimulator(cfg), BookingSimulator(cfg)
    batches_1, batches_2 = list(first.batches(max_ticks=100)), list(second.batches(max_ticks=100))
    assert sum(b.size for b in batches_1) > 2_000
    assert [b.updates for b in batches_1] == [b.updates for b in batches_2]
    assert batches_1 == batches_2
    pd.testing.assert_frame_equal(first.expected_raw(), second.expected_raw())
    assert first.counts == second.counts


def test_different_seed_gives_different_batches() -> None:
    cfg = SimulationConfig(seed=5, bookings_per_minute=600)
    one = list(BookingSimulator(cfg).batches(max_ticks=20))
    other = list(BookingSimulator(cfg.model_copy(update={"seed": 6})).batches(max_ticks=20))
    strip = [[b._replace(booking_id="") for b in batch.inserts] for batch in one]
    assert strip != [[b._replace(booking_id="") for b in batch.inserts] for batch in other]
    # The seed is part of the id, so two runs with different seeds never collide in one raw table.
    assert one[0].inserts[0].booking_id == "BK-5-000000001"
    assert other[0].inserts[0].booking_id == "BK-6-000000001"


def test_max_events_stops_at_exactly_that_many_events() -> None:
    sim = BookingSimulator(SimulationConfig(seed=2, bookings_per_minute=6_000, show_lead_minutes=(0, 1)))
    batches = list(sim.batches(max_events=12_345))
    assert sum(b.size for b in batches) == sim.counts.total == 12_345
    assert sim.counts.updated > 0  # lifecycle changes are in the count, not only inserts
    # Batches are consecutive ticks of simulated time.
    assert [b.index for b in batches] == list(range(len(batches)))
    assert all(b.end - b.start == dt.timedelta(seconds=1) for b in batches)
    assert batches[0].start == T0
    assert sim.now == batches[-1].end


def test_changes_cut_off_by_max_events_wait_for_the_next_tick() -> None:
    cfg = SimulationConfig(seed=4, tick_seconds=60, bookings_per_minute=30, show_lead_minutes=(1, 5))
    sim = BookingSimulator(cfg)
    list(sim.batches(max_ticks=20))
    tick_end = 21 * cfg.tick_seconds
    due = sorted(entry for entry in sim._queue if entry[0] < tick_end)
    assert len(due) > 5
    batch = sim.next_batch(limit=1)
    assert batch.size == 1
    assert not batch.inserts  # due changes come before new arrivals
    left = set(sim._queue)
    taken = [entry for entry in due if entry not in left]
    # Only a prefix of the due changes was taken (no-ops, then the one change); the rest is still queued.
    assert taken == due[: len(taken)]
    assert taken[-1][3] in {row.booking_id for row in batch.updates} | set(batch.deletes)
    following = sim.next_batch()
    changed = {row.booking_id for row in following.updates} | set(following.deletes)
    assert changed  # the remaining due changes happen in the next tick


# -- lifecycle invariants over a long run -------------------------------------------------------------------


def test_long_run_lifecycle_invariants(long_run: tuple[BookingSimulator, list[Batch]]) -> None:
    sim, batches = long_run
    state: dict[str, Booking] = {}
    seen: set[str] = set()
    created: dict[str, Booking] = {}
    history: dict[str, list[str]] = {}
    deleted: set[str] = set()
    corrected: set[str] = set()
    for batch in batches:
        keys = [b.booking_id for b in (*batch.inserts, *batch.updates)] + list(batch.deletes)
        assert len(keys) == len(set(keys)), "a booking changes at most once per batch"
        for row in batch.inserts:
            assert row.booking_id not in seen, "booking_id reused"
            assert batch.start <= row.booking_date < batch.end
            seen.add(row.booking_id)
            state[row.booking_id] = created[row.booking_id] = row
            history[row.booking_id] = [row.status]
        for row in batch.updates:
            old = state[row.booking_id]  # KeyError: update of a booking that does not exist
            assert row.status in FORWARD[old.status], f"{old.status} -> {row.status}"
            assert reject_reason(old) is None, "invalid rows have no lifecycle"
            # Only status or ticket count change; one of them always does.
            assert row._replace(status=old.status, ticket_count=old.ticket_count) == old
            assert row != old
            if row.ticket_count != old.ticket_count:
                assert old.status == BOOKED
                assert 1 <= (row.ticket_count or 0) <= 6
                corrected.add(row.booking_id)
            state[row.booking_id] = row
            history[row.booking_id].append(row.status)
        for key in batch.deletes:
            del state[key]  # KeyError: delete of a booking that does not exist
            deleted.add(key)
    # The simulator's expected raw table is exactly what replaying its batches gives.
    assert set(sim.bookings) == set(state)
    pd.testing.assert_frame_equal(sim.expected_raw(), bookings_frame(state[k] for k in sorted(state)))
    assert sim.counts.inserted == len(seen)
    assert sim.counts.deleted == len(deleted)

    # Every booking whose show is surely over (booked more than 2 h before the end) is resolved.
    horizon = sim.now - dt.timedelta(minutes=LONG.show_lead_minutes[1] + LONG.tick_seconds / 60)
    old_valid = [k for k, row in state.items() if row.booking_date < horizon and reject_reason(row) is None]
    assert old_valid
    assert all(state[k].status in (CANCELLED, COMPLETED) for k in old_valid)

    # Configured shares within tolerance (about 43,000 bookings; tolerances are several standard deviations).
    n = len(seen)
    assert 40_000 < n < 46_000
    invalid = {k for k, row in created.items() if reject_reason(row) is not None}
    assert len(invalid) / n == pytest.approx(LONG.invalid_share, abs=0.005)
    assert sim.counts.invalid == len(invalid)
    assert len(deleted) / n == pytest.approx(LONG.delete_share * 0.99, abs=0.006)  # a few deletes are still due
    resolved = list(old_valid)  # valid, never deleted, show over
    cancelled = sum(1 for k in resolved if state[k].status == CANCELLED)
    assert cancelled / len(resolved) == pytest.approx(LONG.cancel_share, abs=0.01)
    assert sum(1 for k in resolved if k in corrected) / len(resolved) == pytest.approx(LONG.correction_share, abs=0.01)
    assert sim.counts.cancelled == sum(1 for h in history.values() if CANCELLED in h)
    assert sim.counts.completed == sum(1 for h in history.values() if COMPLETED in h)
    assert sim.counts.corrected == len(corrected)


def test_invalid_rows_cover_every_rule_but_the_key(long_run: tuple[BookingSimulator, list[Batch]]) -> None:
    _, batches = long_run
    reasons = Counter(reject_reason(row) for batch in batches for row in batch.inserts)
    expected = {rule.reason for rule in BOOKINGS.rules if rule.column != BOOKINGS.key}
    assert {r for r in reasons if r is not None} == expected
    statuses = {row.status for batch in batches for row in batch.inserts}
    assert {BOOKED} < statuses
    assert not statuses & {CANCELLED, COMPLETED}


def test_popularity_is_skewed_and_values_are_realistic(long_run: tuple[BookingSimulator, list[Batch]]) -> None:
    _, batches = long_run
    rows = [row for batch in batches for row in batch.inserts if reject_reason(row) is None]
    per_movie = Counter(row.movie_id for row in rows)
    ranked = [movie for movie, _ in per_movie.most_common()]
    assert ranked[:3] == ["M0001", "M0002", "M0003"]
    top5 = sum(count for _, count in per_movie.most_common(5))
    assert 0.45 < top5 / len(rows) < 0.65  # Zipf(1.1) over 50 movies: the top 10% take about half
    assert len(per_movie) == 50  # and the long tail still sells
    assert {row.ticket_count for row in rows} == set(range(1, 7))
    assert Counter(row.ticket_count for row in rows).most_common(1)[0][0] == 2
    assert {row.ticket_price for row in rows} == {Decimal("8.50"), Decimal("12.00"), Decimal("18.50")}
    assert all(row.customer_id is not None and row.customer_id.startswith("C") for row in rows)


def test_reject_reason_follows_the_schema_rules_in_order() -> None:
    assert reject_reason(booking("B1")) is None
    assert reject_reason(booking("B1", movie=None)) == "movie_id is missing"
    assert reject_reason(booking("B1", tickets=0)) == "ticket_count must be a positive number"
    assert reject_reason(booking("B1", tickets=None, movie=None)) == "movie_id is missing"
    assert reject_reason(booking("B1")._replace(ticket_price=Decimal("-1"))) == "ticket_price must be zero or more"
    assert reject_reason(booking("B1")._replace(ticket_price=Decimal("0"))) is None
    assert reject_reason(booking("B1", status="booked")) == "status must be BOOKED, CANCELLED or COMPLETED"


def test_bookings_frame_has_the_raw_columns_and_types() -> None:
    frame = bookings_frame([booking("B1"), booking("B2", tickets=None, movie=None)])
    assert list(frame.columns) == list(BOOKINGS.column_names)
    assert [str(t) for t in frame.dtypes] == [
        "object",
        "object",
        "object",
        "datetime64[ns]",
        "object",
        "Int64",
        "float64",
    ]
    assert frame["TICKET_COUNT"].isna().tolist() == [False, True]
    assert frame["MOVIE_ID"].tolist() == ["M0001", None]


# -- the writer: exact statements against a recording session -----------------------------------------------

RAW = '"MOVIES"."PUBLIC"."RAW_MOVIES_BOOKING"'
STAGING = '"MOVIES"."PUBLIC"."RAW_MOVIES_BOOKING_SIMULATOR_STAGING"'
CREATE_STAGING = (
    f'CREATE TABLE IF NOT EXISTS {STAGING} ("BOOKING_ID" VARCHAR, "CUSTOMER_ID" VARCHAR, "MOVIE_ID" VARCHAR, '
    '"BOOKING_DATE" TIMESTAMPNTZ, "STATUS" VARCHAR, "TICKET_COUNT" INT, "TICKET_PRICE" DECIMAL(10, 2), '
    '"SIMULATOR_CHANGE" VARCHAR)'
)
TRUNCATE = f"TRUNCATE TABLE {STAGING}"
UPDATE = (
    f'UPDATE {RAW} AS "R" SET "CUSTOMER_ID" = "S"."CUSTOMER_ID", "MOVIE_ID" = "S"."MOVIE_ID", '
    '"BOOKING_DATE" = "S"."BOOKING_DATE", "STATUS" = "S"."STATUS", "TICKET_COUNT" = "S"."TICKET_COUNT", '
    f'"TICKET_PRICE" = "S"."TICKET_PRICE" FROM {STAGING} AS "S" '
    'WHERE "R"."BOOKING_ID" = "S"."BOOKING_ID" AND "S"."SIMULATOR_CHANGE" = \'UPDATE\''
)
DELETE = (
    f'DELETE FROM {RAW} WHERE "BOOKING_ID" IN '
    f'(SELECT "BOOKING_ID" FROM {STAGING} WHERE "SIMULATOR_CHANGE" = \'DELETE\')'
)
WRITE_RAW = ("write_pandas", "RAW_MOVIES_BOOKING", "MOVIES", "PUBLIC", True)
WRITE_STAGING = ("write_pandas", "RAW_MOVIES_BOOKING_SIMULATOR_STAGING", "MOVIES", "PUBLIC", True)


class Recorder:
    """Turns a Mock session's calls into the ordered list of what reached the database."""

    def __init__(self, session: Any) -> None:
        self.session = session

    def calls(self) -> list[tuple[Any, ...]]:
        out: list[tuple[Any, ...]] = []
        for name, args, kwargs in self.session.mock_calls:
            if name == "sql":
                out.append(("sql", args[0]))
            elif name == "sql().collect":
                assert out[-1][0] == "sql", "every statement is collected right after it is sent"
                out[-1] = ("SQL", out[-1][1])
            elif name == "write_pandas":
                assert set(kwargs) == {"database", "schema", "quote_identifiers"}
                out.append(("write_pandas", args[1], kwargs["database"], kwargs["schema"], kwargs["quote_identifiers"]))
        return [("sql", c[1]) if c[0] == "SQL" else c for c in out]

    def frames(self) -> list[pd.DataFrame]:
        return [args[0] for name, args, _ in self.session.mock_calls if name == "write_pandas"]


@pytest.fixture
def recorder(mocker: Any) -> Recorder:
    return Recorder(mocker.Mock(name="session"))


def batch(index: int, **changes: Any) -> Batch:
    start = T0 + dt.timedelta(seconds=index)
    return Batch(index=index, start=start, end=start + dt.timedelta(seconds=1), **changes)


def test_writer_sends_bulk_statements_in_order(recorder: Recorder) -> None:
    writer = BookingWriter(recorder.session)
    inserted = (booking("B1"), booking("B2", movie=None), booking("B3", tickets=4))
    b1_cancelled = booking("B1", status=CANCELLED)
    b3_corrected = booking("B3", tickets=5)
    batches = [
        batch(0, inserts=inserted),
        batch(1),  # nothing happened: nothing is sent
        batch(2, inserts=(booking("B4"),), updates=(b1_cancelled, b3_corrected), deletes=("B2",)),
        batch(3, deletes=("B4",)),  # deletes only: no UPDATE
        batch(4, updates=(booking("B3", tickets=5, status=COMPLETED),)),  # updates only: no DELETE
    ]
    progress: list[tuple[int, WriteCounts]] = []
    total = writer.write_all(batches, on_batch=lambda b, counts: progress.append((b.index, counts)))

    assert recorder.calls() == [
        WRITE_RAW,
        WRITE_RAW,
        ("sql", CREATE_STAGING),
        ("sql", TRUNCATE),
        WRITE_STAGING,
        ("sql", UPDATE),
        ("sql", DELETE),
        ("sql", TRUNCATE),
        WRITE_STAGING,
        ("sql", DELETE),
        ("sql", TRUNCATE),
        WRITE_STAGING,
        ("sql", UPDATE),
    ]
    frames = recorder.frames()
    pd.testing.assert_frame_equal(frames[0], bookings_frame(inserted))
    pd.testing.assert_frame_equal(frames[1], bookings_frame([booking("B4")]))
    staging = frames[2]
    assert list(staging.columns) == [*BOOKINGS.column_names, "SIMULATOR_CHANGE"]
    assert staging["SIMULATOR_CHANGE"].tolist() == ["UPDATE", "UPDATE", "DELETE"]
    pd.testing.assert_frame_equal(staging.iloc[:2, :7], bookings_frame([b1_cancelled, b3_corrected]))
    assert staging.iloc[2]["BOOKING_ID"] == "B2"
    assert staging.iloc[2, 1:7].isna().all()  # a delete carries only its key
    assert frames[3]["BOOKING_ID"].tolist() == ["B4"]
    assert frames[3]["SIMULATOR_CHANGE"].tolist() == ["DELETE"]
    assert frames[4]["STATUS"].tolist() == [COMPLETED]

    assert total == writer.counts == WriteCounts(inserted=4, updated=3, deleted=2, batches=5)
    assert [index for index, _ in progress] == [0, 1, 2, 3, 4]
    assert progress[2][1] == WriteCounts(inserted=4, updated=2, deleted=1, batches=3)


def test_writer_statements_count_does_not_grow_with_batch_size(recorder: Recorder) -> None:
    sim = BookingSimulator(
        SimulationConfig(seed=9, tick_seconds=60, bookings_per_minute=3_000, show_lead_minutes=(1, 3))
    )
    writer = BookingWriter(recorder.session)
    batches = list(sim.batches(max_ticks=10))
    writer.write_all(batches)
    assert writer.counts.total == sum(b.size for b in batches) > 30_000
    calls = recorder.calls()
    assert len(calls) <= 1 + 5 * len(batches)
    assert {c[1] for c in calls if c[0] == "sql"} == {CREATE_STAGING, TRUNCATE, UPDATE, DELETE}
    assert sum(len(f) for f in recorder.frames()) == writer.counts.total


def test_writer_uses_configured_names_quoted(recorder: Recorder) -> None:
    config = PipelineConfig(database="analytics", schema_name='"Bookings Team"', raw_table='"raw bookings"')
    writer = BookingWriter(recorder.session, config, temporary_staging=True)
    writer.write(batch(0, inserts=(booking("B1"),), deletes=("B0",)))
    writer.drop_staging()
    staging = '"ANALYTICS"."Bookings Team"."raw bookings_SIMULATOR_STAGING"'
    calls = recorder.calls()
    assert calls[0] == ("write_pandas", "raw bookings", "ANALYTICS", "Bookings Team", True)
    assert calls[1] == (
        "sql",
        CREATE_STAGING.replace(f"TABLE IF NOT EXISTS {STAGING}", f"TEMPORARY TABLE IF NOT EXISTS {staging}"),
    )
    assert calls[2:] == [
        ("sql", f"TRUNCATE TABLE {staging}"),
        ("write_pandas", "raw bookings_SIMULATOR_STAGING", "ANALYTICS", "Bookings Team", True),
        ("sql", DELETE.replace(STAGING, staging).replace(RAW, '"ANALYTICS"."Bookings Team"."raw bookings"')),
        ("sql", f"DROP TABLE IF EXISTS {staging}"),
    ]


def test_writer_statements_parse_back_to_themselves() -> None:
    writer = BookingWriter(session=None)  # type: ignore[arg-type]
    for statement in (CREATE_STAGING, TRUNCATE, UPDATE, DELETE, writer._update_sql, writer._delete_sql):
        tree = sqlglot.parse_one(statement, read=sql.DIALECT)
        assert tree.sql(dialect=sql.DIALECT, identify=True) == statement


def test_writer_refuses_a_batch_that_changes_a_booking_twice(recorder: Recorder) -> None:
    writer = BookingWriter(recorder.session)
    with pytest.raises(ValueError, match="changes a booking twice"):
        writer.write(batch(0, updates=(booking("B1"),), deletes=("B1",)))


# -- end to end ---------------------------------------------------------------------------------------------

E2E = SimulationConfig(seed=21, tick_seconds=60, bookings_per_minute=40, show_lead_minutes=(2, 30), delete_share=0.05)


def raw_as_written(frame: pd.DataFrame) -> pd.DataFrame:
    """A raw table read back, in the simulator's frame types, sorted by booking_id."""
    frame = frame.sort_values(BOOKINGS.key).reset_index(drop=True)
    frame["TICKET_COUNT"] = frame["TICKET_COUNT"].astype("Int64")
    frame["TICKET_PRICE"] = frame["TICKET_PRICE"].astype("float64")
    frame["BOOKING_DATE"] = frame["BOOKING_DATE"].astype("datetime64[ns]")
    return frame


@pytest.mark.filterwarnings("ignore::UserWarning:fakesnow.*")
def test_end_to_end_on_fakesnow_matches_expected_state() -> None:
    """The writer's statements executed by fakesnow (Snowflake SQL on DuckDB), the engine LocalSession builds on."""
    fakesnow_instance = pytest.importorskip("fakesnow.instance")
    from fakesnow import pandas_tools

    conn = fakesnow_instance.FakeSnow().connect("MOVIES", "PUBLIC")

    class Session:
        def sql(self, query: str) -> Any:
            cursor = conn.cursor()
            cursor.execute(query)
            return type("Result", (), {"collect": lambda _self: cursor.fetchall()})()

        def write_pandas(self, df: pd.DataFrame, table_name: str, **kwargs: Any) -> Any:
            return pandas_tools.write_pandas(conn, df, table_name, **kwargs)

    raw = PipelineConfig().name("raw_table")
    Session().sql(sql.create_table(raw, BOOKINGS.columns)).collect()
    sim = BookingSimulator(E2E)
    writer = BookingWriter(Session())
    for chunk in range(3):  # check the table after several rounds, not only at the end
        writer.write_all(sim.batches(max_ticks=40))
        table = conn.cursor().execute(f"SELECT * FROM {raw.sql}").fetch_pandas_all()
        pd.testing.assert_frame_equal(raw_as_written(table), sim.expected_raw(), obj=f"raw table after round {chunk}")
    assert writer.counts.updated > 1_000
    assert writer.counts.deleted > 50


def test_end_to_end_on_local_session_matches_expected_state() -> None:
    try:
        from moviecdc.local import LocalSession  # type: ignore[attr-defined]
    except ImportError as exc:
        pytest.skip(f"moviecdc.local.LocalSession is not available yet ({exc})")
    session = LocalSession()
    try:
        raw = PipelineConfig().name("raw_table")
        session.sql(str(sql.create_database(raw.database))).collect()
        session.sql(str(sql.create_schema(raw.database, raw.schema))).collect()
        session.sql(str(sql.create_table(raw, BOOKINGS.columns))).collect()
        sim = BookingSimulator(E2E)
        writer = BookingWriter(session)
        for chunk in range(3):
            writer.write_all(sim.batches(max_ticks=40))
            table = session.sql(f"SELECT * FROM {raw.sql}").to_pandas()
            pd.testing.assert_frame_equal(raw_as_written(table), sim.expected_raw(), obj=f"raw after round {chunk}")
    finally:
        close = getattr(session, "close", None)
        if close is not None:
            close()


@pytest.mark.parametrize(
    "module",
    [
        "moviecdc.simulate",
        "moviecdc.simulate.config",
        "moviecdc.simulate.model",
        "moviecdc.simulate.generator",
        "moviecdc.simulate.writer",
        "moviecdc.simulate.history",
    ],
)
def test_docstring_examples_run(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0
    assert result.attempted > 0


# -- continuing a raw table's history (issue 12.4) ---------------------------------------------------------------


def test_a_second_simulator_on_a_folder_continues_its_history(tmp_path: Any) -> None:
    # Issue 12.4: a second run on the same folder replayed the first run's booking ids, so almost every row
    # was rejected as "booking_id appears in more than one row". It must go on with new ids and move the
    # bookings already there through their lifecycle, and expected_raw() must still be the raw table.
    from moviecdc import LocalSession, Pipeline
    from moviecdc.simulate import read_bookings

    folder = tmp_path / "db"
    first = BookingSimulator(E2E)
    with LocalSession(path=folder) as session:
        Pipeline(session).deploy()
        BookingWriter(session).write_all(first.batches(max_ticks=30))
    before = dict(first.bookings)
    with LocalSession(path=folder) as session:
        second = BookingSimulator.continuing(E2E, read_bookings(session))
        assert second.now > max(row.booking_date for row in before.values())
        batches = list(second.batches(max_ticks=30))
        BookingWriter(session).write_all(batches)
        table = session.sql(f"SELECT * FROM {PipelineConfig().name('raw_table').sql}").to_pandas()
    assert not table[BOOKINGS.key].duplicated().any()
    pd.testing.assert_frame_equal(raw_as_written(table), second.expected_raw())
    new_ids = {row.booking_id for batch in batches for row in batch.inserts}
    assert new_ids
    assert not new_ids & set(before)
    moved = {row.booking_id for batch in batches for row in batch.updates} & set(before)
    open_before = {k for k, row in before.items() if row.status == BOOKED and reject_reason(row) is None}
    assert moved
    assert moved <= open_before
    assert {second.bookings[k].status for k in moved if k in second.bookings} >= {COMPLETED}


def test_continuing_an_empty_table_is_a_fresh_simulator() -> None:
    fresh, continued = BookingSimulator(E2E), BookingSimulator.continuing(E2E, [])
    assert list(fresh.batches(max_ticks=5)) == list(continued.batches(max_ticks=5))


def test_a_second_run_on_one_session_rejects_nothing_new() -> None:
    from moviecdc import LocalSession
    from moviecdc.runner import run_local

    with LocalSession() as session:
        run_local(session, events=3_000, seed=0, events_per_minute=1_000)
        first = _rejected_by_reason(session)
        result = run_local(session, events=3_000, seed=0, events_per_minute=1_000)
        second = _rejected_by_reason(session)
        raw = session.sql(f"SELECT COUNT(*), COUNT(DISTINCT BOOKING_ID) FROM {PipelineConfig().name('raw_table').sql}")
        total, distinct = raw.collect()[0]
    assert total == distinct
    assert "booking_id appears in more than one row" not in second
    assert sum(second.values()) - sum(first.values()) < 100  # only the simulator's ~1% invalid new rows
    assert result.status.healthy


def _rejected_by_reason(session: Any) -> Counter[str]:
    table = PipelineConfig().name("rejected_table").sql
    rows = session.sql(f"SELECT REJECT_REASON, COUNT(*) FROM {table} GROUP BY 1").collect()
    return Counter({str(row[0]): int(row[1]) for row in rows})
