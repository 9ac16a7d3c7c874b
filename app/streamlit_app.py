"""Movie bookings, live: the moviecdc dashboard on the Gold layer.

One file, three places:

* locally on the embedded engine:
  ``streamlit run app/streamlit_app.py --server.address 127.0.0.1 -- --db moviecdc-data``
  (or ``moviecdc demo``, which runs Streamlit in-process and hands its live session over);
* locally against Snowflake:
  ``streamlit run app/streamlit_app.py --server.address 127.0.0.1 -- --connection NAME``
  (a named connection of ``~/.snowflake/connections.toml``);
* in Snowflake (Streamlit in Snowflake): ``snow streamlit deploy`` from ``app/`` (see docs/dashboard.md).

Options after ``--``: ``--connection NAME`` | ``--db FOLDER [--speed N]``, ``--config FILE`` (a moviecdc TOML
config), ``--refresh-seconds N`` (auto-refresh period). Every number comes from Gold (``MOVIES_BOOKING_INSIGHTS``),
never from the raw table; the queries live in :mod:`moviecdc.dashboard`.

The dashboard listens on 127.0.0.1 only: ``--server.address 127.0.0.1`` in the commands above, and the
project's ``.streamlit/config.toml`` when ``streamlit run`` starts from the project folder; ``moviecdc demo``
binds 127.0.0.1 itself.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from moviecdc import PipelineConfig
from moviecdc import dashboard as dash
from moviecdc.errors import MoviecdcError

APP_DIR = Path(__file__).resolve().parent
LOCAL_REFRESH_SECONDS = 5
SIS_REFRESH_SECONDS = 60  # in Snowflake every refresh runs queries on the warehouse: poll gently


# -- where the data comes from ----------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    """Options given after ``--`` to ``streamlit run``; none when the script runs another way (tests, SiS)."""
    parser = argparse.ArgumentParser(prog="streamlit run app/streamlit_app.py --", allow_abbrev=False)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--connection", help="a Snowflake connection name from connections.toml")
    source.add_argument("--db", help="a LocalSession folder (the embedded engine's data)")
    parser.add_argument("--config", help="a moviecdc TOML config file (object names, target lags)")
    parser.add_argument("--refresh-seconds", type=float, default=None, help="auto-refresh period")
    parser.add_argument(
        "--speed",
        type=float,
        default=None,
        help="with --db: run the local engine's tasks and refreshes in real time, this many times faster",
    )
    launched_here = bool(sys.argv) and Path(sys.argv[0]).resolve() == Path(__file__).resolve()
    args, _ = parser.parse_known_args(sys.argv[1:] if launched_here else [])
    return args


@st.cache_resource(show_spinner="Connecting…")
def open_session(kind: str, target: str | None, speed: float | None = None) -> Any:
    """A session the app owns, kept for the life of the server (one per source).

    A local session runs its clock by hand unless ``speed`` is given: then its scheduler runs tasks and
    refreshes in real time (``speed`` times faster), in this process, which then hosts the pipeline.
    """
    if kind == "snowflake":
        from snowflake.snowpark import Session  # noqa: PLC0415 - only this source needs Snowpark's builder

        return Session.builder.config("connection_name", target).create()
    from moviecdc.local import LocalSession  # noqa: PLC0415 - Streamlit in Snowflake never needs the local engine

    if speed is not None:
        return LocalSession(path=target, realtime=True, speed=speed)
    return LocalSession(path=target)


def active_snowpark_session() -> Any | None:
    """The session Streamlit in Snowflake provides, if this runs there."""
    try:
        from snowflake.snowpark.context import get_active_session  # noqa: PLC0415 - may be missing outside SiS

        session = get_active_session()
    except Exception:  # not in Snowflake (no active session), or Snowpark missing
        return None
    # A Snowpark local-testing session cannot run SQL: it is not Streamlit in Snowflake.
    return None if type(getattr(session, "_conn", None)).__name__ == "MockServerConnection" else session


def load_config(args: argparse.Namespace, fallback: PipelineConfig | None) -> PipelineConfig:
    if args.config:
        return PipelineConfig.from_toml(args.config)
    if fallback is not None:
        return fallback
    shipped = APP_DIR / "moviecdc.toml"  # deployed next to the app (Streamlit in Snowflake has no arguments)
    return PipelineConfig.from_toml(shipped) if shipped.exists() else PipelineConfig.from_env()


def choose_source(args: argparse.Namespace) -> tuple[Any, PipelineConfig, str, bool]:
    """(session, config, a description of the source, whether it is Snowflake)."""
    if args.connection:
        session = open_session("snowflake", args.connection)
        return session, load_config(args, None), f"Snowflake connection `{args.connection}`", True
    if args.db:
        folder = str(Path(args.db).resolve())
        session = open_session("local", folder, args.speed)
        return session, load_config(args, None), f"local engine at `{folder}`", False
    registered = dash.get_session()
    if registered is not None:
        return registered.session, load_config(args, registered.config), "the live local pipeline", False
    active = active_snowpark_session()
    if active is not None:
        return active, load_config(args, None), "Streamlit in Snowflake", True
    return open_session("local", None), load_config(args, None), "an empty in-memory local engine", False


# -- rendering --------------------------------------------------------------------------------------------------


def fragment(run_every: float | None) -> Any:
    """``st.fragment(run_every=…)``: reruns only the live part of the page, without reloading it."""
    decorator = getattr(st, "fragment", None) or getattr(st, "experimental_fragment", None)
    if decorator is None:  # Streamlit < 1.33: no partial reruns; the sidebar's button refreshes the page
        return lambda body: body
    return decorator(run_every=run_every)


def show_not_deployed(config: PipelineConfig, problem: str | None) -> None:
    gold = config.name("gold_table")
    st.info(
        f"**Nothing to show yet: the pipeline is not deployed.** There is no Gold table `{gold}`.\n\n"
        "* `moviecdc demo` runs the whole pipeline locally in real time, with simulated bookings, and opens "
        "this dashboard on it;\n"
        "* `moviecdc deploy --db FOLDER` (local) or `moviecdc deploy --connection NAME` (Snowflake) deploys it; "
        "then point the dashboard at the same place.",
    )
    if problem:
        st.caption(f"The engine said: {problem}")


def show_freshness(fresh: dash.Freshness) -> None:
    if fresh.problem is not None or fresh.as_of is None:
        st.info(fresh.summary)
    elif fresh.stale:
        st.error(fresh.summary)
    else:
        st.success(fresh.summary)


def show_kpis(kpis: dash.Kpis) -> None:
    # Revenue, with its cents, is the widest figure: an equal column cut "1,069,129.50" to "1,069,12…".
    columns = st.columns([1, 1, 1.6, 1, 1])
    columns[0].metric("Bookings", f"{kpis.bookings:,}")
    columns[1].metric("Tickets sold", f"{kpis.tickets_sold:,}")
    columns[2].metric("Revenue", f"{kpis.revenue:,.2f}")
    columns[3].metric("Cancellations", f"{kpis.cancellations:,}")
    columns[4].metric("Cancellation rate", f"{kpis.cancellation_rate:.1%}")


def revenue_chart(frame: pd.DataFrame) -> alt.Chart:
    return (
        alt.Chart(frame, title="Revenue by movie")
        .mark_bar()
        .encode(
            x=alt.X(f"{dash.REVENUE}:Q", title="Revenue"),
            y=alt.Y(f"{dash.MOVIE}:N", sort="-x", title=None),
            tooltip=[dash.MOVIE, alt.Tooltip(dash.REVENUE, format=",.2f"), dash.TICKETS],
        )
    )


def bookings_chart(frame: pd.DataFrame) -> alt.Chart:
    """Bookings per movie, split into kept and cancelled (the bar's length is the movie's bookings)."""
    split = pd.DataFrame(
        {
            dash.MOVIE: frame[dash.MOVIE].astype(str),
            "Kept": frame[dash.BOOKINGS_COLUMN] - frame[dash.CANCELLATIONS],
            "Cancelled": frame[dash.CANCELLATIONS],
        }
    ).melt(id_vars=[dash.MOVIE], var_name="Booking", value_name="Bookings")
    order = list(frame.sort_values(dash.BOOKINGS_COLUMN, ascending=False)[dash.MOVIE].astype(str))
    return (
        alt.Chart(split, title="Bookings by movie")
        .mark_bar()
        .encode(
            x=alt.X("Bookings:Q", stack="zero"),
            y=alt.Y(f"{dash.MOVIE}:N", sort=order, title=None),
            color=alt.Color("Booking:N", scale=alt.Scale(domain=["Kept", "Cancelled"], range=["#2e7d32", "#c62828"])),
            tooltip=[dash.MOVIE, "Booking", "Bookings"],
        )
    )


def show_movies(frame: pd.DataFrame, top_n: int) -> None:
    top = dash.top_movies(frame, top_n)
    left, right = st.columns(2)
    left.altair_chart(revenue_chart(top))
    right.altair_chart(bookings_chart(dash.top_movies(frame, top_n, by=dash.BOOKINGS_COLUMN)))
    st.subheader(f"Top {min(top_n, len(frame))} movies by revenue")
    table = top.assign(CANCELLATION_RATE=top["CANCELLATION_RATE"] * 100)
    # Formatted as the KPIs are (thousands separators, cents); the as-of time is the page's, shown once above.
    st.dataframe(
        table,
        hide_index=True,
        column_order=[*dash.GOLD_COLUMNS[:5], "CANCELLATION_RATE"],
        column_config={
            dash.MOVIE: st.column_config.TextColumn("Movie"),
            dash.BOOKINGS_COLUMN: st.column_config.NumberColumn("Bookings", format="%,d"),
            dash.TICKETS: st.column_config.NumberColumn("Tickets sold", format="%,d"),
            dash.REVENUE: st.column_config.NumberColumn("Revenue", format="%,.2f"),
            dash.CANCELLATIONS: st.column_config.NumberColumn("Cancellations", format="%,d"),
            "CANCELLATION_RATE": st.column_config.NumberColumn("Cancellation rate", format="%.1f %%"),
        },
    )


def _when(label: str) -> Any:
    return st.column_config.DatetimeColumn(label, format="HH:mm:ss")


# Columns sized to their content, except the text that explains a failure, which gets a fixed 200 px right
# after the outcome: at 1440 px the whole table, error included, is on screen. (Named widths only: Streamlit
# in Snowflake may run a Streamlit without pixel widths.)
TASK_TABLE = {
    "run state": st.column_config.TextColumn("run state"),
    "error": st.column_config.TextColumn("error", width="medium"),
    "completed": _when("completed"),
    "scheduled": _when("scheduled"),
}
REFRESH_TABLE = {
    "refresh state": st.column_config.TextColumn("refresh state"),
    "message": st.column_config.TextColumn("message", width="medium"),
    "ended": _when("ended"),
    "data timestamp": _when("data as of"),
}


def show_health(health: dash.Health) -> None:
    status = health.status
    if status is None:
        st.info(f"Pipeline status is not available from this engine: {health.problem}")
    else:
        if status.healthy:
            st.success("Pipeline healthy: stream fresh, tasks started, last runs and refreshes succeeded.")
        else:
            st.warning("Pipeline needs attention: see the states below.")
        st.caption(str(status.stream))
        st.caption("Times are the pipeline clock's, UTC.")
        st.subheader("Tasks: last runs")
        st.dataframe(dash.tasks_frame(status), hide_index=True, column_config=TASK_TABLE)
        st.subheader("Dynamic tables: last refreshes")
        st.dataframe(dash.refreshes_frame(status), hide_index=True, column_config=REFRESH_TABLE)
        st.subheader("Rejected rows")
        st.metric("Rejected rows", f"{status.rejected_rows:,}")
        if status.rejected_reasons:
            st.dataframe(dash.reasons_frame(status), hide_index=True)
    sample = health.rejected_sample
    if len(sample):
        st.caption("Newest rejected rows")
        reason = sample.columns[-1]  # REJECT_REASON: shown first, it is what the reader looks for
        st.dataframe(sample[[reason, *sample.columns[:-1]]], hide_index=True)


def live_view(session: Any, config: PipelineConfig, top_n: int) -> None:
    """Everything that changes with the data; rerun on its own every few seconds."""
    gold = dash.read_gold(session, config)
    if gold.missing:
        show_not_deployed(config, gold.problem)
        return
    if gold.problem is not None:
        st.error(f"Cannot read Gold ({config.name('gold_table')}): {gold.problem}")
        return
    health = dash.pipeline_health(session, config)
    fresh = dash.freshness(session, config, gold, health.status)
    if gold.empty:
        st.info(
            "**No bookings in Gold yet.** The pipeline is deployed; bookings written to the raw table appear "
            "here once the ingest task and Gold's refresh have run.",
        )
        frame = gold.frame
    else:
        chosen = st.session_state.get("movies", [])
        options = sorted(set(gold.movies) | set(chosen))  # a chosen movie stays selectable while it is away
        selected = st.multiselect("Movies", options, key="movies", placeholder="All movies")
        frame = dash.filter_movies(gold.frame, selected)
    show_freshness(fresh)
    show_kpis(dash.kpis(frame))
    simulated = type(session).__name__ == "LocalSession"
    st.caption(dash.clocks(fresh, simulated=simulated, page_time=dt.datetime.now(dt.timezone.utc)))
    movies_tab, health_tab = st.tabs(["Movies", "Pipeline health"])
    with movies_tab:
        if len(frame):
            show_movies(frame, top_n)
        else:
            st.caption("No movies to chart yet.")
    with health_tab:
        show_health(health)


def main() -> None:
    st.set_page_config(page_title="Movie bookings · moviecdc", page_icon="🎬", layout="wide")
    st.title("Movie bookings, live")
    try:
        args = parse_args()
        session, config, source, on_snowflake = choose_source(args)
    except (MoviecdcError, SystemExit) as exc:
        st.error(f"Cannot start the dashboard: {exc}")
        return
    except Exception as exc:  # e.g. a Snowflake connection that fails: one line, no traceback
        st.error(f"Cannot connect: {str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}")
        return
    st.caption(f"Gold layer `{config.name('gold_table')}`, read from {source}.")
    with st.sidebar:
        st.header("Display")
        default_every = args.refresh_seconds or (SIS_REFRESH_SECONDS if on_snowflake else LOCAL_REFRESH_SECONDS)
        auto = st.toggle("Auto-refresh", value=True)
        every = st.number_input("Every (seconds)", min_value=1, value=int(default_every), step=1)
        top_n = int(st.slider("Movies in charts and table", min_value=3, max_value=50, value=10))
        st.button("Refresh now")
    fragment(every if auto else None)(live_view)(session, config, top_n)


main()
