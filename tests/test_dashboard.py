"""The dashboard: its library functions (moviecdc.dashboard) and the Streamlit app (app/streamlit_app.py).

The main tests run the real pipeline on a LocalSession: deploy, bookings from the simulator, the clock
advanced until Gold is current. Every number the dashboard shows is checked against Gold computed
independently, in Python, from the simulator's final bookings (and against an independent SQL sum of Gold).
Tests that need exact control of Gold's timestamps build a plain table with Gold's columns instead.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import doctest
import json
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from snowflake.snowpark import Row
from sqlglot import exp
from streamlit.testing.v1 import AppTest

from moviecdc import BOOKINGS, GoldRefresh, Pipeline, PipelineConfig, sql
from moviecdc import dashboard as dash
from moviecdc.local import LocalSession
from moviecdc.schema import CANCELLED_STATUSES, SOLD_STATUSES, Column
from moviecdc.simulate import BookingSimulator, BookingWriter, SimulationConfig, reject_reason
from moviecdc.status import DynamicTableStatus, PipelineStatus, Refresh, StreamStatus, TaskRun, TaskStatus

APP = Path(__file__).resolve().parent.parent / "app" / "streamlit_app.py"
CONFIG = PipelineConfig()
GOLD = CONFIG.name("gold_table")
T0 = dt.datetime(2026, 11, 27, 10, 0)

# movie, bookings, tickets sold, revenue, cancellations, refresh timestamp (offset from the engine's "now")
GOLD_ROWS = [
    ("M001", 5, 9, "117.50", 1, -30),
    ("M002", 3, 4, "48.00", 1, -45),
    ("M003", 8, 15, "180.00", 2, -20),
    ("M004", 1, 0, "0.00", 1, -90),
]


# -- the real pipeline, fed by the simulator ------------------------------------------------------------------

SIMULATION = SimulationConfig(
    seed=11,
    tick_seconds=60,
    bookings_per_minute=60,
    movies=8,
    cancel_share=0.25,
    correction_share=0.1,
    delete_share=0.05,
    invalid_share=0.05,
    show_lead_minutes=(1, 20),
)


@dataclass
class Live:
    """A LocalSession running the deployed pipeline, and what its Gold must hold."""

    session: LocalSession
    simulator: BookingSimulator

    def expected_gold(self) -> dict[str, tuple[int, int, Decimal, int]]:
        """Gold from the simulator's final bookings, by MISSION.md's rules (no SQL involved)."""
        gold: dict[str, tuple[int, int, Decimal, int]] = {}
        for booking in self.simulator.bookings.values():
            if reject_reason(booking) is not None:
                continue
            bookings, tickets, revenue, cancellations = gold.get(str(booking.movie_id), (0, 0, Decimal(0), 0))
            if booking.status in SOLD_STATUSES:
                tickets += int(booking.ticket_count or 0)
                revenue += int(booking.ticket_count or 0) * Decimal(booking.ticket_price or 0)
            gold[str(booking.movie_id)] = (
                bookings + 1,
                tickets,
                revenue,
                cancellations + (booking.status in CANCELLED_STATUSES),
            )
        return gold

    def expected_metrics(self, movies: Sequence[str] = ()) -> dict[str, str]:
        rows = [v for m, v in self.expected_gold().items() if not movies or m in movies]
        return metrics_text(*(sum(row[i] for row in rows) for i in range(4)))

    def rejected_reasons(self) -> Counter[str]:
        return Counter(r for r in map(reject_reason, self.simulator.bookings.values()) if r is not None)


def run_live(session: LocalSession, events: int = 400) -> Live:
    """Deploy, write ``events`` simulated changes a simulated minute apart, then let Gold catch up."""
    Pipeline(session, CONFIG).deploy()
    simulator = BookingSimulator(SIMULATION)
    writer = BookingWriter(session, CONFIG)
    for batch in simulator.batches(max_events=events):
        writer.write(batch)
        session.advance(seconds=60)
    session.advance(seconds=180)  # one ingest run and one Gold refresh at least
    return Live(session, simulator)


def metrics_text(bookings: int, tickets: int, revenue: Decimal, cancellations: int) -> dict[str, str]:
    """The KPIs as the page shows them."""
    return {
        "Bookings": f"{bookings:,}",
        "Tickets sold": f"{tickets:,}",
        "Revenue": f"{revenue:,.2f}",
        "Cancellations": f"{cancellations:,}",
        "Cancellation rate": f"{(cancellations / bookings if bookings else 0):.1%}",
    }


# -- helpers ----------------------------------------------------------------------------------------------------


def gold_columns() -> list[Column]:
    return [Column(BOOKINGS.group_by, "VARCHAR"), *(Column(m.name, m.type) for m in BOOKINGS.metrics)]


def engine_time(session: LocalSession) -> dt.datetime:
    value = session.sql("SELECT CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP())::TIMESTAMP_NTZ").collect()[0][0]
    assert isinstance(value, dt.datetime)
    return value


def create_gold(session: LocalSession, rows: Sequence[tuple[Any, ...]], *, age_offset: int = 0) -> dt.datetime:
    """Gold as a plain table with Gold's columns and types; timestamps are engine-now + offset seconds."""
    session.sql(sql.create_database(GOLD.database)).collect()
    session.sql(sql.create_schema(GOLD.database, GOLD.schema)).collect()
    session.sql(sql.create_table(GOLD, gold_columns())).collect()
    now = engine_time(session)
    if rows:
        values = [
            exp.Tuple(
                expressions=[
                    sql.string(movie),
                    exp.Literal.number(bookings),
                    exp.Literal.number(tickets),
                    exp.Literal.number(revenue),
                    exp.Literal.number(cancellations),
                    sql.string(f"{now + dt.timedelta(seconds=offset + age_offset):%Y-%m-%d %H:%M:%S.%f}"),
                ]
            )
            for movie, bookings, tickets, revenue, cancellations, offset in rows
        ]
        session.sql(sql.render(exp.insert(exp.Values(expressions=values), sql.table(GOLD)), pretty=False)).collect()
    return now


def create_rejected(session: LocalSession, count: int) -> None:
    """The rejected table as a plain table with its columns; ``count`` rows missing their movie."""
    rejected, cdc = CONFIG.name("rejected_table"), BOOKINGS.cdc
    columns = [
        *BOOKINGS.columns,
        Column(cdc.latest_change_timestamp, "TIMESTAMP_NTZ"),
        Column(cdc.reject_reason, "VARCHAR"),
    ]
    session.sql(sql.create_table(rejected, columns)).collect()
    for number in range(count):
        session.sql(
            f"INSERT INTO {rejected.sql} VALUES ('B{number}', 'C{number}', NULL, '2026-01-01', 'BOOKED', 1, 9.50, "
            f"'2026-01-01 10:0{number}:00', 'movie_id is missing')"
        ).collect()


def gold_totals(session: LocalSession, movies: Sequence[str] = ()) -> dict[str, Any]:
    """Gold summed by an independent query (not through moviecdc.dashboard)."""
    where = f"WHERE MOVIE_ID IN ({', '.join(repr(m) for m in movies)})" if movies else ""
    row = session.sql(
        "SELECT COALESCE(SUM(TOTAL_BOOKINGS), 0), COALESCE(SUM(TOTAL_TICKETS_SOLD), 0), "
        f"COALESCE(SUM(TOTAL_REVENUE), 0), COALESCE(SUM(TOTAL_CANCELLATIONS), 0) FROM {GOLD.sql} {where}"
    ).collect()[0]
    return metrics_text(int(row[0]), int(row[1]), Decimal(str(row[2])), int(row[3]))


KPI_LABELS = ("Bookings", "Tickets sold", "Revenue", "Cancellations", "Cancellation rate")


def shown_metrics(app: AppTest) -> dict[str, str]:
    """The KPI row of the page (the health tab has a metric of its own)."""
    return {metric.label: metric.value for metric in app.metric if metric.label in KPI_LABELS}


def shown_metric(app: AppTest, label: str) -> str:
    return next(metric.value for metric in app.metric if metric.label == label)


def run_app(session: Any | None, config: PipelineConfig = CONFIG) -> AppTest:
    dash.set_session(session, config)
    app = AppTest.from_file(str(APP), default_timeout=60)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


@pytest.fixture(autouse=True)
def _no_registered_session() -> Iterator[None]:
    dash.set_session(None)
    yield
    dash.set_session(None)


@pytest.fixture
def session() -> Iterator[LocalSession]:
    with LocalSession() as s:
        yield s


@pytest.fixture
def gold_session(session: LocalSession) -> LocalSession:
    create_gold(session, GOLD_ROWS)
    return session


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    """The deployed pipeline with simulated bookings; tests that read it must not change it."""
    with LocalSession() as s:
        yield run_live(s)


# -- SQL ------------------------------------------------------------------------------------------------------


def test_docstring_examples_run() -> None:
    result = doctest.testmod(dash)
    assert result.failed == 0
    assert result.attempted > 0


def test_gold_query_reads_gold_with_every_identifier_quoted() -> None:
    assert dash.gold_query(CONFIG) == (
        'SELECT "MOVIE_ID", "TOTAL_BOOKINGS", "TOTAL_TICKETS_SOLD", "TOTAL_REVENUE", "TOTAL_CANCELLATIONS", '
        '"REFRESH_TIMESTAMP" FROM "MOVIES"."PUBLIC"."MOVIES_BOOKING_INSIGHTS" ORDER BY "MOVIE_ID"'
    )
    custom = PipelineConfig(database='"Mixed db"', schema_name="analytics", gold_table="gold")
    assert 'FROM "Mixed db"."ANALYTICS"."GOLD" ORDER BY' in dash.gold_query(custom)


def test_rejected_query_takes_the_newest_rows_first() -> None:
    assert dash.rejected_query(CONFIG, 7) == (
        'SELECT "BOOKING_ID", "CUSTOMER_ID", "MOVIE_ID", "BOOKING_DATE", "STATUS", "TICKET_COUNT", '
        '"TICKET_PRICE", "LATEST_CHANGE_TIMESTAMP", "REJECT_REASON" FROM "MOVIES"."PUBLIC"."MOVIES_BOOKING_REJECTED" '
        'ORDER BY "LATEST_CHANGE_TIMESTAMP" DESC NULLS LAST, "BOOKING_ID" LIMIT 7'
    )


# -- Gold, KPIs, filter, top movies ---------------------------------------------------------------------------


def test_read_gold_returns_exact_values_with_proper_dtypes(session: LocalSession) -> None:
    now = create_gold(session, GOLD_ROWS)
    gold = dash.read_gold(session, CONFIG)
    assert (gold.problem, gold.missing, gold.empty) == (None, False, False)
    assert gold.frame.dtypes.astype(str).to_dict() == {
        "MOVIE_ID": "string",
        "TOTAL_BOOKINGS": "int64",
        "TOTAL_TICKETS_SOLD": "int64",
        "TOTAL_REVENUE": "float64",
        "TOTAL_CANCELLATIONS": "int64",
        "REFRESH_TIMESTAMP": "datetime64[ns]",
    }
    records = gold.frame.drop(columns="REFRESH_TIMESTAMP").to_dict("records")
    assert records == [
        {
            "MOVIE_ID": m,
            "TOTAL_BOOKINGS": b,
            "TOTAL_TICKETS_SOLD": t,
            "TOTAL_REVENUE": float(r),
            "TOTAL_CANCELLATIONS": c,
        }
        for m, b, t, r, c, _ in GOLD_ROWS
    ]
    assert gold.movies == ["M001", "M002", "M003", "M004"]
    assert gold.as_of == now - dt.timedelta(seconds=20)


def test_kpis_filter_and_top_movies(gold_session: LocalSession) -> None:
    frame = dash.read_gold(gold_session, CONFIG).frame
    assert dash.kpis(frame) == dash.Kpis(bookings=17, tickets_sold=28, revenue=345.5, cancellations=5)
    assert dash.kpis(frame).cancellation_rate == pytest.approx(5 / 17)

    chosen = dash.filter_movies(frame, ["M002", "M004", "M999"])
    assert list(chosen["MOVIE_ID"]) == ["M002", "M004"]
    assert dash.kpis(chosen) == dash.Kpis(bookings=4, tickets_sold=4, revenue=48.0, cancellations=2)
    assert dash.kpis(chosen).cancellation_rate == 0.5
    assert dash.filter_movies(frame, []) is frame  # nothing selected: every movie

    top = dash.top_movies(frame, 3)
    assert list(top["MOVIE_ID"]) == ["M003", "M001", "M002"]
    assert list(top["CANCELLATION_RATE"]) == pytest.approx([2 / 8, 1 / 5, 1 / 3])
    assert list(dash.top_movies(frame, 2, by=dash.CANCELLATIONS)["MOVIE_ID"]) == ["M003", "M001"]  # ties by id


def test_not_deployed_gives_an_empty_gold_that_says_why(session: LocalSession) -> None:
    gold = dash.read_gold(session, CONFIG)
    assert gold.missing
    assert gold.empty
    assert "does not exist" in (gold.problem or "")
    assert list(gold.frame.columns) == list(dash.GOLD_COLUMNS)
    assert (gold.movies, gold.as_of) == ([], None)
    assert dash.kpis(gold.frame) == dash.Kpis(0, 0, 0.0, 0)
    assert dash.kpis(gold.frame).cancellation_rate == 0.0
    assert dash.top_movies(gold.frame).empty


def test_empty_gold_is_deployed_but_has_no_rows(session: LocalSession) -> None:
    Pipeline(session, CONFIG).deploy()
    session.advance(seconds=180)
    gold = dash.read_gold(session, CONFIG)
    assert (gold.problem, gold.missing, gold.empty, gold.as_of) == (None, False, True, None)
    fresh = dash.freshness(session, CONFIG, gold)
    assert not fresh.stale
    assert fresh.summary == "No data in Gold yet."


# -- on the real pipeline -----------------------------------------------------------------------------------------


def test_gold_read_from_the_pipeline_equals_gold_from_the_simulator(live: Live) -> None:
    gold = dash.read_gold(live.session, CONFIG)
    assert gold.problem is None
    shown = {
        r.MOVIE_ID: (r.TOTAL_BOOKINGS, r.TOTAL_TICKETS_SOLD, Decimal(str(r.TOTAL_REVENUE)), r.TOTAL_CANCELLATIONS)
        for r in gold.frame.itertuples()
    }
    assert shown == live.expected_gold()
    assert len(shown) == SIMULATION.movies
    assert str(gold.frame.dtypes["TOTAL_BOOKINGS"]) == "int64"
    assert str(gold.frame.dtypes["REFRESH_TIMESTAMP"]) == "datetime64[ns]"
    kpis = dash.kpis(gold.frame)
    assert metrics_text(kpis.bookings, kpis.tickets_sold, Decimal(str(kpis.revenue)), kpis.cancellations) == (
        live.expected_metrics()
    )


def test_health_of_the_running_pipeline(live: Live) -> None:
    health = dash.pipeline_health(live.session, CONFIG, sample_size=5)
    assert health.problem is None
    status = health.status
    assert status is not None
    assert status.healthy
    assert status.rejected_reasons == dict(live.rejected_reasons())
    assert status.rejected_rows == sum(live.rejected_reasons().values()) > 0
    tasks = dash.tasks_frame(status)
    assert set(tasks["task"]) == {CONFIG.ingest_task}
    assert set(tasks["run state"]) <= {"SUCCEEDED", "SKIPPED"}
    assert "SUCCEEDED" in set(tasks["run state"])
    refreshes = dash.refreshes_frame(status)
    assert list(dict.fromkeys(refreshes["dynamic table"])) == [CONFIG.silver_table, CONFIG.rejected_table, GOLD.name]
    sample = health.rejected_sample
    assert len(sample) == min(5, status.rejected_rows)
    assert set(sample["REJECT_REASON"]) <= set(status.rejected_reasons)
    stamps = list(sample["LATEST_CHANGE_TIMESTAMP"])
    assert stamps == sorted(stamps, reverse=True)


def test_freshness_of_the_running_pipeline(live: Live) -> None:
    gold = dash.read_gold(live.session, CONFIG)
    health = dash.pipeline_health(live.session, CONFIG)
    fresh = dash.freshness(live.session, CONFIG, gold, health.status)
    assert fresh.refreshed_through is not None  # the engine reports Gold's DATA_TIMESTAMP
    assert fresh.lag_seconds is not None
    assert fresh.lag_seconds <= 120
    assert not fresh.stale
    assert fresh.summary.startswith("Data as of ")


class SnowflakeLike:
    """Answers as a Snowpark session on Snowflake does: ``Row`` objects, NUMBER as ``Decimal``."""

    def __init__(self, *, deployed: bool = True) -> None:
        self.sent: list[str] = []
        self.deployed = deployed

    def sql(self, query: str) -> Any:
        owner = self

        class Result:
            def collect(self) -> list[Row]:
                owner.sent.append(query)
                return owner.answer(query)

        return Result()

    def answer(self, text: str) -> list[Row]:
        if "MOVIES_BOOKING_INSIGHTS" in text and text.startswith('SELECT "MOVIE_ID"'):
            if not self.deployed:
                raise RuntimeError(
                    "002003 (42S02): SQL compilation error:\nObject 'X' does not exist or not authorized."
                )
            return [
                Row(
                    MOVIE_ID="M9",
                    TOTAL_BOOKINGS=Decimal(1),
                    TOTAL_TICKETS_SOLD=Decimal(0),
                    TOTAL_REVENUE=Decimal("0.00"),
                    TOTAL_CANCELLATIONS=Decimal(1),
                    REFRESH_TIMESTAMP=T0,
                ),
                Row(
                    MOVIE_ID="M7",
                    TOTAL_BOOKINGS=Decimal(1),
                    TOTAL_TICKETS_SOLD=Decimal(3),
                    TOTAL_REVENUE=Decimal("36.00"),
                    TOTAL_CANCELLATIONS=Decimal(0),
                    REFRESH_TIMESTAMP=T0 - dt.timedelta(seconds=50),
                ),
            ]
        if text.startswith("SELECT CONVERT_TIMEZONE"):
            return [Row(NOW=T0 + dt.timedelta(seconds=70))]
        if not self.deployed or ("MOVIES_BOOKING_REJECTED" in text and text.startswith('SELECT "BOOKING_ID"')):
            return []
        if text.startswith("SHOW STREAMS"):
            return [Row(name="RAW_MOVIES_BOOKING_STREAM", schema_name="PUBLIC", stale="false", mode="DEFAULT")]
        if text.startswith("SELECT SYSTEM$STREAM_HAS_DATA"):
            return [Row(HAS_DATA=False)]
        if text.startswith("SHOW TASKS"):
            return [
                Row(name="INGEST_MOVIES_BOOKING_CDC_EVENTS", schema_name="PUBLIC", state="started", schedule="1 MINUTE")
            ]
        if "TASK_HISTORY" in text:
            return [Row(NAME="I", STATE="FAILED", SCHEDULED_TIME=T0, COMPLETED_TIME=T0, ERROR_MESSAGE="boom")]
        if text.startswith("SHOW DYNAMIC TABLES"):
            name = text.split("LIKE '")[1].split("'", maxsplit=1)[0]
            return [
                Row(
                    name=name,
                    schema_name="PUBLIC",
                    target_lag="2 minutes",
                    refresh_mode="INCREMENTAL",
                    scheduling_state="RUNNING",
                    data_timestamp=T0,
                )
            ]
        if "DYNAMIC_TABLE_REFRESH_HISTORY" in text:
            return [
                Row(
                    NAME="X",
                    STATE="SUCCEEDED",
                    REFRESH_ACTION="INCREMENTAL",
                    DATA_TIMESTAMP=T0,
                    REFRESH_START_TIME=T0,
                    REFRESH_END_TIME=T0,
                    STATE_MESSAGE=None,
                )
            ]
        if text.startswith('SELECT "REJECT_REASON"'):
            return [Row(REASON="movie_id is missing", ROWS=2)]
        raise AssertionError(f"unexpected statement: {text}")


def test_everything_goes_through_session_sql_on_a_snowflake_session() -> None:
    session = SnowflakeLike()
    gold = dash.read_gold(session, CONFIG)
    assert session.sent == [dash.gold_query(CONFIG)]
    assert dash.kpis(gold.frame) == dash.Kpis(bookings=2, tickets_sold=3, revenue=36.0, cancellations=1)
    health = dash.pipeline_health(session, CONFIG, sample_size=5)
    assert health.problem is None
    assert health.status is not None
    assert health.status.rejected_reasons == {"movie_id is missing": 2}
    assert session.sent[-1] == dash.rejected_query(CONFIG, 5)
    fresh = dash.freshness(session, CONFIG, gold, health.status)
    assert (fresh.now, fresh.as_of, fresh.refreshed_through) == (T0 + dt.timedelta(seconds=70), T0, T0)
    assert not fresh.stale


def test_not_deployed_on_snowflake() -> None:
    gold = dash.read_gold(SnowflakeLike(deployed=False), CONFIG)
    assert gold.missing
    assert gold.problem == "002003 (42S02): SQL compilation error: Object 'X' does not exist or not authorized."


# -- freshness --------------------------------------------------------------------------------------------------


def test_fresh_gold_is_within_target_lag_plus_the_ingest_interval(session: LocalSession) -> None:
    now = create_gold(session, [("M1", 1, 1, "1.00", 0, 0)], age_offset=-150)
    fresh = dash.freshness(session, CONFIG, dash.read_gold(session, CONFIG))
    assert fresh.as_of == now - dt.timedelta(seconds=150)
    assert (fresh.target_lag, fresh.target_seconds, fresh.allowed_seconds) == ("2 minutes", 120, 180)
    assert fresh.age_seconds == pytest.approx(150, abs=10)
    assert not fresh.stale
    assert fresh.summary.startswith(
        f"Data as of {now - dt.timedelta(seconds=150):%Y-%m-%d %H:%M:%S} UTC, pipeline time (2 min 30 s before "
        "the pipeline clock)"
    )
    assert fresh.summary.endswith("; target lag 2 minutes.")


def test_stale_gold_is_flagged(session: LocalSession) -> None:
    create_gold(session, [("M1", 1, 1, "1.00", 0, 0)], age_offset=-600)
    fresh = dash.freshness(session, CONFIG, dash.read_gold(session, CONFIG))
    assert fresh.stale
    assert fresh.summary.startswith("STALE: Data as of ")


def test_freshness_uses_golds_data_timestamp_when_the_engine_reports_it(session: LocalSession) -> None:
    now = create_gold(session, [("M1", 1, 1, "1.00", 0, 0)], age_offset=-3600)  # no booking for an hour
    gold = dash.read_gold(session, CONFIG)
    just_refreshed = status_with_gold_data_timestamp(now - dt.timedelta(seconds=30))
    assert not dash.freshness(session, CONFIG, gold, just_refreshed).stale
    behind = status_with_gold_data_timestamp(now - dt.timedelta(seconds=400))
    assert dash.freshness(session, CONFIG, gold, behind).stale


def test_task_driven_gold_is_judged_against_its_refresh_schedule(session: LocalSession) -> None:
    create_gold(session, [("M1", 1, 1, "1.00", 0, 0)])
    config = PipelineConfig(gold_refresh=GoldRefresh.TASK, gold_refresh_schedule="5 MINUTES")
    fresh = dash.freshness(session, config, dash.read_gold(session, config))
    assert (fresh.target_lag, fresh.target_seconds, fresh.allowed_seconds) == ("refresh every 5 minutes", 300, 360)


def test_freshness_reports_an_engine_error_instead_of_raising() -> None:
    class Broken:
        def sql(self, query: str) -> Any:
            raise RuntimeError("warehouse suspended\nmore")

    gold = dash.Gold(dash.gold_frame([]))
    fresh = dash.freshness(Broken(), CONFIG, gold)
    assert (fresh.problem, fresh.stale) == ("warehouse suspended", False)
    assert fresh.summary == "Freshness unknown: warehouse suspended"


# -- pipeline health ------------------------------------------------------------------------------------------


def status_with_gold_data_timestamp(stamp: dt.datetime) -> PipelineStatus:
    return PipelineStatus(
        StreamStatus(CONFIG.name("stream"), True),
        (),
        (DynamicTableStatus(GOLD, True, "2 minutes", "INCREMENTAL", "RUNNING", stamp),),
        0,
    )


def full_status() -> PipelineStatus:
    ingest = TaskStatus(
        CONFIG.name("ingest_task"),
        True,
        "started",
        "1 MINUTE",
        (TaskRun("FAILED", T0, T0, "boom"), TaskRun("SUCCEEDED", T0 - dt.timedelta(minutes=1), T0, None)),
    )
    refresh = Refresh("SUCCEEDED", "INCREMENTAL", T0, T0, T0 + dt.timedelta(seconds=2), None)
    tables = (
        DynamicTableStatus(CONFIG.name("silver_table"), True, "DOWNSTREAM", "INCREMENTAL", "RUNNING", T0, (refresh,)),
        DynamicTableStatus(CONFIG.name("rejected_table"), False),
    )
    return PipelineStatus(StreamStatus(CONFIG.name("stream"), True), (ingest,), tables, 3, {"b": 1, "a": 1, "c": 1})


def test_status_frames() -> None:
    status = full_status()
    tasks = dash.tasks_frame(status)
    assert tasks[["task", "task state", "run state", "error"]].values.tolist() == [
        ["INGEST_MOVIES_BOOKING_CDC_EVENTS", "started", "FAILED", "boom"],
        ["INGEST_MOVIES_BOOKING_CDC_EVENTS", "started", "SUCCEEDED", ""],
    ]
    refreshes = dash.refreshes_frame(status)
    assert refreshes[["dynamic table", "scheduling", "refresh state", "action"]].values.tolist() == [
        ["MOVIES_BOOKING_FILTERED", "RUNNING", "SUCCEEDED", "INCREMENTAL"],
        ["MOVIES_BOOKING_REJECTED", "MISSING", "", ""],
    ]
    assert dash.reasons_frame(status).values.tolist() == [["a", 1], ["b", 1], ["c", 1]]


def test_health_on_an_engine_without_status_and_a_rejected_sample(session: LocalSession) -> None:
    create_gold(session, [])
    create_rejected(session, 4)
    health = dash.pipeline_health(session, CONFIG, sample_size=3)
    if health.status is None:  # the local engine answers SHOW TASKS only once it emulates tasks
        assert health.problem
    assert list(health.rejected_sample["BOOKING_ID"]) == ["B3", "B2", "B1"]
    assert list(health.rejected_sample["REJECT_REASON"]) == ["movie_id is missing"] * 3
    cdc = BOOKINGS.cdc
    assert list(health.rejected_sample.columns) == [
        *BOOKINGS.column_names,
        cdc.latest_change_timestamp,
        cdc.reject_reason,
    ]


def test_health_of_an_undeployed_pipeline_never_raises(session: LocalSession) -> None:
    health = dash.pipeline_health(session, CONFIG)
    assert health.rejected_sample.empty
    assert health.status is None or not health.status.deployed


def test_a_demo_hands_its_session_over() -> None:
    session = SnowflakeLike()
    assert dash.get_session() is None
    dash.set_session(session)
    registered = dash.get_session()
    assert registered is not None
    assert registered.session is session
    assert registered.config == PipelineConfig()
    dash.set_session(None)
    assert dash.get_session() is None


def test_a_schema_whose_gold_differs_is_refused() -> None:
    other = dataclasses.replace(BOOKINGS, group_by="CUSTOMER_ID")
    with pytest.raises(ValueError, match="the dashboard reads Gold columns"):
        dash.gold_query(CONFIG, other)


# -- the Streamlit app --------------------------------------------------------------------------------------------


def test_app_shows_the_kpis_of_gold(live: Live) -> None:
    app = run_app(live.session)
    assert shown_metrics(app) == live.expected_metrics() == gold_totals(live.session)
    expected = live.expected_gold()
    top = sorted(expected, key=lambda m: (-expected[m][2], m))[:10]
    table = app.dataframe[0].value
    assert list(table["MOVIE_ID"]) == top  # top movies by revenue
    assert [Decimal(str(v)).quantize(Decimal("0.01")) for v in table["TOTAL_REVENUE"]] == [expected[m][2] for m in top]
    assert app.success[0].value.startswith("Data as of ")
    assert app.multiselect[0].options == sorted(expected)
    assert len(app.get("vega_lite_chart")) == 2


def test_app_filter_narrows_kpis_and_table(live: Live) -> None:
    chosen = sorted(live.expected_gold())[1:3]
    app = run_app(live.session)
    app.multiselect[0].set_value(chosen).run()
    assert shown_metrics(app) == live.expected_metrics(chosen) == gold_totals(live.session, chosen)
    assert sorted(app.dataframe[0].value["MOVIE_ID"]) == chosen
    app.multiselect[0].set_value([]).run()
    assert shown_metrics(app) == live.expected_metrics()


def test_app_keeps_the_filter_while_new_movies_arrive(session: LocalSession) -> None:
    Pipeline(session, CONFIG).deploy()
    raw = CONFIG.name("raw_table").sql
    session.sql(f"INSERT INTO {raw} VALUES ('X1', 'C1', 'M9', '2026-01-01', 'BOOKED', 2, 10.00)").collect()
    session.sql(f"INSERT INTO {raw} VALUES ('X2', 'C1', 'M7', '2026-01-01', 'CANCELLED', 1, 8.50)").collect()
    session.advance(seconds=180)
    app = run_app(session)
    app.multiselect[0].select("M9").run()
    assert shown_metrics(app) == metrics_text(1, 2, Decimal("20.00"), 0)

    session.sql(f"INSERT INTO {raw} VALUES ('X3', 'C2', 'M5', '2026-01-01', 'BOOKED', 3, 12.00)").collect()
    session.advance(seconds=180)
    app.run()
    assert app.multiselect[0].value == ["M9"]
    assert app.multiselect[0].options == ["M5", "M7", "M9"]
    assert shown_metrics(app) == metrics_text(1, 2, Decimal("20.00"), 0)
    app.multiselect[0].set_value([]).run()
    assert shown_metrics(app) == metrics_text(3, 5, Decimal("56.00"), 1) == gold_totals(session)


def test_app_empty_state_when_nothing_is_deployed(session: LocalSession) -> None:
    app = run_app(session)
    assert not app.metric
    assert not app.error
    assert "the pipeline is not deployed" in app.info[0].value
    assert "moviecdc demo" in app.info[0].value


def test_app_empty_state_when_gold_has_no_rows(session: LocalSession) -> None:
    Pipeline(session, CONFIG).deploy()
    session.advance(seconds=180)
    app = run_app(session)
    assert "No bookings in Gold yet" in app.info[0].value
    assert shown_metrics(app) == gold_totals(session) == metrics_text(0, 0, Decimal(0), 0)


def test_app_flags_stale_data(session: LocalSession) -> None:
    Pipeline(session, CONFIG).deploy()
    raw = CONFIG.name("raw_table").sql
    session.sql(f"INSERT INTO {raw} VALUES ('X1', 'C1', 'M9', '2026-01-01', 'BOOKED', 2, 10.00)").collect()
    session.advance(seconds=180)
    session.sql(f"ALTER DYNAMIC TABLE {GOLD.sql} SUSPEND").collect()  # Gold stops refreshing
    session.advance(seconds=600)
    app = run_app(session)
    assert app.error[0].value.startswith("STALE: Data as of ")


def test_app_without_any_session_opens_an_empty_local_engine() -> None:
    app = run_app(None)
    assert "the pipeline is not deployed" in app.info[0].value
    assert "an empty in-memory local engine" in app.caption[0].value


def test_app_shows_pipeline_health_from_a_snowflake_session() -> None:
    app = run_app(SnowflakeLike())
    assert shown_metrics(app)["Bookings"] == "2"
    assert shown_metric(app, "Rejected rows") == "2"
    assert app.warning[0].value.startswith("Pipeline needs attention")  # the last ingest run failed
    frames = [element.value for element in app.dataframe]
    tasks = next(f for f in frames if "task" in f.columns)
    assert tasks[["run state", "error"]].values.tolist() == [["FAILED", "boom"]]
    refreshes = next(f for f in frames if "dynamic table" in f.columns)
    assert list(refreshes["dynamic table"]) == ["MOVIES_BOOKING_FILTERED", "MOVIES_BOOKING_REJECTED", GOLD.name]
    reasons = next(f for f in frames if "reason" in f.columns)
    assert reasons.values.tolist() == [["movie_id is missing", 2]]


def test_app_ignores_the_test_runners_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["pytest", "--db", "/nonexistent", "--co"])
    app = run_app(SnowflakeLike())
    assert "the live local pipeline" in app.caption[0].value


def test_app_shows_pipeline_health_of_the_running_pipeline(live: Live) -> None:
    app = run_app(live.session)
    assert app.success[1].value.startswith("Pipeline healthy")
    assert shown_metric(app, "Rejected rows") == f"{sum(live.rejected_reasons().values()):,}"
    frames = [element.value for element in app.dataframe]
    reasons = next(f for f in frames if list(f.columns) == ["reason", "rows"])
    assert dict(zip(reasons["reason"], reasons["rows"], strict=True)) == dict(live.rejected_reasons())
    sample = next(f for f in frames if "BOOKING_ID" in f.columns)
    assert sample.columns[0] == "REJECT_REASON"


# -- Streamlit in Snowflake deployment files ---------------------------------------------------------------------

APP_DIR = APP.parent
SRC = APP_DIR.parent / "src"
# import name -> package name in Snowflake's Anaconda channel
CONDA_NAMES = {"snowflake": "snowflake-snowpark-python", "tomli": "python<3.11 only"}


def module_files(module: str) -> list[Path]:
    """The files that run when ``module`` is imported: each package's __init__ on the way, then the module."""
    parts = module.split(".")
    files = []
    for depth in range(1, len(parts) + 1):
        base = SRC.joinpath(*parts[:depth])
        for candidate in (base / "__init__.py", base.with_suffix(".py")):
            if candidate.exists():
                files.append(candidate)
    return files


def imported_at_load(path: Path) -> set[str]:
    """Modules ``path`` imports when it loads (not inside functions, not under ``if TYPE_CHECKING``)."""
    import ast

    names: set[str] = set()

    def visit(statements: list[ast.stmt]) -> None:
        for node in statements:
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.If) and "TYPE_CHECKING" not in ast.unparse(node.test):
                visit(node.body + node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)

    visit(ast.parse(path.read_text()).body)
    return names


def third_party_packages_of_the_app() -> set[str]:
    seen: set[Path] = set()
    pending, packages = [APP], set()
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in imported_at_load(path):
            top = name.split(".")[0]
            if top == "moviecdc":
                pending += module_files(name)
            elif top not in sys.stdlib_module_names and top != "__future__":
                packages.add(CONDA_NAMES.get(top, top))
    return packages - {"python<3.11 only"}


def environment_packages() -> set[str]:
    import yaml  # PyYAML comes with Snowpark

    environment = yaml.safe_load((APP_DIR / "environment.yml").read_text())
    assert environment["channels"] == ["snowflake"]
    return {str(d).split("=")[0].split(">")[0].split("<")[0].strip() for d in environment["dependencies"]} - {"python"}


def test_snowflake_yml_deploys_the_app_with_the_library() -> None:
    import yaml  # PyYAML comes with Snowpark

    project = yaml.safe_load((APP_DIR / "snowflake.yml").read_text())
    assert project["definition_version"] == 2
    (entity,) = project["entities"].values()
    assert entity["type"] == "streamlit"
    assert entity["main_file"] == "streamlit_app.py"
    assert entity["query_warehouse"]
    files, (library,) = entity["artifacts"][:2], entity["artifacts"][2:]
    assert files == ["streamlit_app.py", "environment.yml"]
    assert all((APP_DIR / name).is_file() for name in files)
    # The CLI uploads only what is inside app/: the library is copied to app/build/moviecdc before a deploy
    # (docs/dashboard.md) and lands as moviecdc/ beside streamlit_app.py; app/.gitignore keeps the copy out of git.
    assert library == {"src": "build/moviecdc", "dest": "./"}
    assert "build/" in (APP_DIR / ".gitignore").read_text().splitlines()


def test_snowflake_yml_is_safe_for_every_snowflake_cli_from_3_0() -> None:
    # Snowflake CLI before 3.18 rendered the comment into CREATE STREAMLIT unescaped: an apostrophe broke it.
    import yaml  # PyYAML comes with Snowpark

    project = yaml.safe_load((APP_DIR / "snowflake.yml").read_text())
    assert project["definition_version"] == 2  # the project definition version of Snowflake CLI 3.x

    def strings(value: object) -> list[str]:
        if isinstance(value, dict):
            return [s for v in value.values() for s in strings(v)]
        if isinstance(value, list):
            return [s for v in value for s in strings(v)]
        return [value] if isinstance(value, str) else []

    assert [s for s in strings(project) if "'" in s] == []


def test_environment_yml_pins_streamlit() -> None:
    import yaml  # PyYAML comes with Snowpark

    dependencies = yaml.safe_load((APP_DIR / "environment.yml").read_text())["dependencies"]
    (streamlit,) = [d for d in dependencies if str(d).startswith("streamlit")]
    name, _, version = str(streamlit).partition("=")
    assert name == "streamlit"
    assert version.count(".") == 2  # an exact version (Snowflake recommends pinning Streamlit)
    assert tuple(int(part) for part in version.split(".")) >= (1, 37, 0)  # st.fragment


def test_environment_yml_lists_every_package_the_app_imports() -> None:
    assert third_party_packages_of_the_app() <= environment_packages()


# -- issue 12.9: one labelled pipeline clock, readable health tables, numbers formatted as the KPIs -------------


def test_app_labels_its_two_clocks(session: LocalSession) -> None:
    Pipeline(session, CONFIG).deploy()
    raw = CONFIG.name("raw_table").sql
    session.sql(f"INSERT INTO {raw} VALUES ('X1', 'C1', 'M9', '2026-01-01', 'BOOKED', 2, 10.00)").collect()
    session.advance(seconds=180)
    app = run_app(session)
    now = dash.engine_now(session)
    assert app.success[0].value.startswith("Data as of ")
    assert ", pipeline time (" in app.success[0].value
    clock = [c.value for c in app.caption if c.value.startswith("Pipeline clock")]
    assert len(clock) == 1
    assert clock[0].startswith(f"Pipeline clock {now:%Y-%m-%d %H:%M}")
    assert "(simulated, local engine) · page refreshed at " in clock[0]
    assert clock[0].endswith(" UTC (wall clock)")
    assert not [c.value for c in app.caption if c.value.startswith("Updated")]


def test_app_top_table_formats_numbers_as_the_kpis_and_has_no_as_of_column(live: Live) -> None:
    app = run_app(live.session)
    top = app.dataframe[0].proto
    order = list(top.column_order)
    assert dash.AS_OF not in order
    assert order == [*dash.GOLD_COLUMNS[:5], "CANCELLATION_RATE"]
    config = json.loads(top.columns)
    assert {name: config[name]["type_config"].get("format") for name in order[1:5]} == {
        dash.BOOKINGS_COLUMN: "%,d",
        dash.TICKETS: "%,d",
        dash.REVENUE: "%,.2f",
        dash.CANCELLATIONS: "%,d",
    }


def test_health_tables_put_the_explaining_column_next_to_the_outcome(live: Live) -> None:
    status = Pipeline(live.session, CONFIG).status()
    assert list(dash.tasks_frame(status).columns[:3]) == ["task", "run state", "error"]
    assert list(dash.refreshes_frame(status).columns[:3]) == ["dynamic table", "refresh state", "message"]
    app = run_app(live.session)
    widths = [json.loads(f.proto.columns) for f in app.dataframe if "error" in f.value.columns or "message" in f.value]
    assert [w.get("error", w.get("message"))["width"] for w in widths] == ["medium", "medium"]
