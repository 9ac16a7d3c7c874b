"""Incremental refresh: which queries qualify, and (property-based) that it always equals a full recompute.

The property tests run the pipeline's real Silver, Rejected and Gold SQL (``SilverLayer().silver_sql()``
…) over a Bronze table created by the pipeline's own plan, apply random DML to Bronze (inserts of any
values, NULLs included; updates; deletes; truncation), refresh, and compare every dynamic table with its
query evaluated from scratch on the same data, value for value and Python type for type (a kept SUM of NUMBER
is a Decimal of the sum's scale, an integer sum an int, never a float: "Scale and precision in arithmetic
operations", https://docs.snowflake.com/en/sql-reference/operators-arithmetic). They also check that the
refreshes really ran incrementally (REFRESH_ACTION INCREMENTAL or NO_DATA, never FULL) and that no aggregate
state column is a DOUBLE.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from dynamic_helpers import rows
from fakesnow.dialect import parse_one
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moviecdc import GoldLayer, Pipeline, SilverLayer, StatementKind
from moviecdc.local import LocalSession
from moviecdc.local.core.engine import quiet
from moviecdc.local.core.names import ObjectName
from moviecdc.local.core.results import Result
from moviecdc.local.dynamic_tables import aggregates
from moviecdc.local.dynamic_tables.incremental import analyse

T0 = datetime(2026, 1, 1, 12, 0)


BOOKING = ["BOOKING_ID", "CUSTOMER_ID", "MOVIE_ID", "BOOKING_DATE", "STATUS", "TICKET_COUNT", "TICKET_PRICE"]
COLUMNS = {
    "EVENTS": ["K", "J", "V", "TS"],
    "OTHER": ["K", "J", "V", "TS"],
    "MOVIES_BOOKING_CDC_EVENTS": [*BOOKING, "CHANGE_TYPE", "IS_UPDATE", "CHANGE_TIMESTAMP", "ROW_ID"],
    "MOVIES_BOOKING_FILTERED": [*BOOKING, "LATEST_CHANGE_TIMESTAMP"],
}


def plan_of(query: str) -> tuple[str | None, str | None, str | None]:
    """(key, output key, reason) of a query whose tables are named as in COLUMNS."""

    def resolve(node: Any) -> ObjectName:
        return ObjectName("DB", "S", node.name.upper())

    found = analyse(parse_one(query), resolve, lambda name: COLUMNS[name.name])
    return found.key, found.output_key, found.reason


# -- the analysis ------------------------------------------------------------------------------------------------


def test_the_pipeline_queries_are_local_in_their_keys() -> None:
    assert plan_of(str(SilverLayer().silver_sql()))[:2] == ("BOOKING_ID", "BOOKING_ID")
    assert plan_of(str(SilverLayer().rejected_sql()))[:2] == ("BOOKING_ID", "BOOKING_ID")
    assert plan_of(str(GoldLayer().gold_sql()))[:2] == ("MOVIE_ID", "MOVIE_ID")


def test_which_group_by_queries_keep_aggregate_state() -> None:
    gold = aggregates.analyse(parse_one(str(GoldLayer().gold_sql())))
    assert gold is not None
    assert ([c.kind for c in gold.calls], gold.group_outputs) == (
        ["COUNT_STAR", "SUM", "SUM", "SUM", "MAX"],
        ("MOVIE_ID",),
    )
    assert aggregates.analyse(parse_one(GENERIC[1])) is not None
    assert aggregates.analyse(parse_one(GENERIC[5])) is not None
    assert aggregates.analyse(parse_one(GENERIC[6])) is not None
    for query in (
        "SELECT K, AVG(V) AS A FROM T GROUP BY K",  # AVG is not kept
        "SELECT K, COUNT(DISTINCT V) AS D FROM T GROUP BY K",
        "SELECT K, SUM(V) AS S FROM T GROUP BY K HAVING SUM(V) > 1",
        "SELECT K, SUM(V) FROM T GROUP BY K",  # unaliased: DuckDB names it
        "SELECT SUM(V) AS S FROM T GROUP BY K",  # the group column must be in the output
        "SELECT K, V, COUNT(*) AS N FROM T GROUP BY K",  # V is not grouped
        "SELECT K, SUM(V) OVER (PARTITION BY K) AS S FROM T GROUP BY K, V",
    ):
        assert aggregates.analyse(parse_one(query)) is None, query


@pytest.mark.parametrize(
    ("query", "key", "output"),
    [
        ("SELECT K, V FROM EVENTS WHERE V > 0", "K", "K"),
        ("SELECT K AS KEY, SUM(V) AS S FROM EVENTS GROUP BY K", "K", "KEY"),
        ("SELECT K, J, COUNT(*) AS N FROM EVENTS GROUP BY K, J", "K", "K"),
        ("SELECT K, COUNT(*) AS N FROM EVENTS GROUP BY 1", "K", "K"),
        ("SELECT K, COUNT(*) AS N FROM EVENTS GROUP BY ALL", "K", "K"),
        ("SELECT DISTINCT K, V FROM EVENTS", "K", "K"),
        ("SELECT * FROM EVENTS QUALIFY ROW_NUMBER() OVER (PARTITION BY J, K ORDER BY TS DESC) = 1", "K", "K"),
        ("SELECT J, K, SUM(V) OVER (PARTITION BY J) AS S FROM EVENTS", "J", "J"),
        ("WITH A AS (SELECT K AS X, V FROM EVENTS) SELECT X, MAX(V) AS M FROM A GROUP BY X", "K", "X"),
        ("SELECT X FROM (SELECT K AS X FROM EVENTS) AS D", "K", "X"),
        ("SELECT K, V FROM EVENTS UNION ALL SELECT K, V + 1 FROM EVENTS WHERE V > 2", "K", "K"),
        ("SELECT K FROM EVENTS EXCEPT SELECT K FROM EVENTS WHERE V IS NULL", "K", "K"),
        ("SELECT * EXCLUDE (J) FROM EVENTS", "K", "K"),
    ],
)
def test_local_queries(query: str, key: str, output: str) -> None:
    assert plan_of(query) == (key, output, None)


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("SELECT COUNT(*) AS N FROM EVENTS", "an aggregate without GROUP BY (a grand total) reads every row"),
        ("SELECT K, SUM(V) OVER () AS S FROM EVENTS", "a window function without PARTITION BY"),
        ("SELECT K, SUM(V) OVER (PARTITION BY J) AS S FROM EVENTS", "no column of the source is both in every"),
        ("SELECT K FROM EVENTS ORDER BY V LIMIT 10", "LIMIT / OFFSET / TOP"),
        ("SELECT K, CURRENT_TIMESTAMP() AS AT FROM EVENTS", "a non-deterministic function"),
        ("SELECT K, RANDOM() AS R FROM EVENTS", "a non-deterministic function"),
        ("SELECT K FROM EVENTS WHERE V > (SELECT AVG(V) FROM EVENTS)", "a subquery in an expression"),
        ("SELECT K FROM EVENTS WHERE K IN (SELECT K FROM EVENTS WHERE V > 1)", "a subquery in an expression"),
        ("SELECT E.K FROM EVENTS AS E JOIN OTHER AS O ON E.K = O.K", "the query reads more than one table"),
        ("SELECT A.K FROM EVENTS AS A JOIN EVENTS AS B ON A.K = B.K", "a join"),
        ("SELECT UPPER(K) AS K FROM EVENTS", "no column of the source is both in every"),
        ("SELECT K, COUNT(*) AS N FROM EVENTS GROUP BY ROLLUP (K)", "ROLLUP / CUBE / GROUPING SETS"),
        ("SELECT K FROM EVENTS UNION ALL SELECT J FROM EVENTS", "no column of the source is both in every"),
        ("SELECT 1 AS ONE", "the query reads no table"),
        ("SELECT K FROM EVENTS SAMPLE (10)", "SAMPLE on a table"),
    ],
)
def test_queries_refreshed_in_full(query: str, reason: str) -> None:
    key, output, found = plan_of(query)
    assert (key, output) == (None, None)
    assert found is not None
    assert found.startswith(reason)


# -- incremental == full recompute ------------------------------------------------------------------------------

BRONZE = '"MOVIES"."PUBLIC"."MOVIES_BOOKING_CDC_EVENTS"'
SILVER = '"MOVIES"."PUBLIC"."MOVIES_BOOKING_FILTERED"'
REJECTED = '"MOVIES"."PUBLIC"."MOVIES_BOOKING_REJECTED"'
GOLD = '"MOVIES"."PUBLIC"."MOVIES_BOOKING_INSIGHTS"'

event = st.tuples(
    st.none() | st.sampled_from(["B1", "B2", "B3", "B4"]),  # booking_id
    st.just("C1"),
    st.none() | st.sampled_from(["M1", "M2", "M3"]),  # movie_id
    st.just("2026-01-02 19:30:00"),
    st.none() | st.sampled_from(["BOOKED", "CANCELLED", "COMPLETED", "LOST"]),
    st.none() | st.sampled_from([-1, 0, 1, 2, 5]),  # ticket_count
    st.none() | st.sampled_from(["0.00", "8.50", "12.00", "-1.00"]),  # ticket_price
    st.sampled_from(["INSERT", "DELETE"]),
    st.booleans(),
    st.sampled_from(["2026-01-01 10:00:00", "2026-01-01 10:01:00", "2026-01-01 10:02:00"]),
    st.sampled_from(["r1", "r2", "r3"]),  # row_id
)
step = st.one_of(
    st.tuples(st.just("insert"), st.lists(event, min_size=1, max_size=6)),
    st.tuples(st.just("delete"), st.sampled_from(["B1", "B2", "B3", "B4", None])),
    st.tuples(st.just("update"), st.tuples(st.sampled_from(["r1", "r2", "r3"]), st.sampled_from(["BOOKED", "LOST"]))),
    st.tuples(st.just("truncate"), st.none()),
)


def literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value) + "'"


def apply(session: LocalSession, kind: str, arg: Any) -> None:
    if kind == "insert":
        # Only histories a stream can produce: one event per (booking_id, row_id, run, action). Two events
        # that tie on Silver's window order but differ in their values make Silver depend on row order, and
        # then no refresh strategy can be compared with a recompute.
        seen = {tuple(map(str, r)) for r in rows(session, f"SELECT {_TIE_KEY} FROM {BRONZE}")}
        events = []
        for e in arg:
            tie = (str(e[0]), str(e[10]), e[9], e[7])
            if tie not in seen:
                seen.add(tie)
                events.append(e)
        if not events:
            return
        values = ", ".join("(" + ", ".join(map(literal, e)) + ")" for e in events)
        session.sql(f"INSERT INTO {BRONZE} VALUES {values}").collect()
    elif kind == "delete":
        test = '"BOOKING_ID" IS NULL' if arg is None else f"\"BOOKING_ID\" = '{arg}'"
        session.sql(f"DELETE FROM {BRONZE} WHERE {test}").collect()
    elif kind == "update":
        session.sql(f"UPDATE {BRONZE} SET \"STATUS\" = '{arg[1]}' WHERE \"ROW_ID\" = '{arg[0]}'").collect()
    else:
        session.sql(f"TRUNCATE TABLE {BRONZE}").collect()


_TIE_KEY = '"BOOKING_ID", "ROW_ID", "CHANGE_TIMESTAMP", "CHANGE_TYPE"'


def key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple((v is None, str(v)) for v in row)


def typed(row: tuple[Any, ...]) -> tuple[tuple[str, str], ...]:
    """A row compared exactly: each value's Python type and text (so Decimal('3.30') != Decimal('3.3') != 3.3)."""
    return tuple((type(v).__name__, str(v)) for v in row)


def recompute(session: LocalSession, query: str) -> list[tuple[Any, ...]]:
    """The query evaluated from scratch, in DuckDB (translated once per query: fakesnow's rewrites are slow), with
    the Python types a statement's rows get (``Result.rows``)."""
    engine = session._engine
    if query not in _TRANSLATED:
        _TRANSLATED[query] = engine.transform(parse_one(query))
    with quiet():
        return [tuple(r) for r in Result(engine.arrow(_TRANSLATED[query])).rows()]


_TRANSLATED: dict[str, str] = {}


def same(session: LocalSession, table: str, query: str) -> None:
    stored = sorted(rows(session, f"SELECT * FROM {table}"), key=key)
    assert [typed(r) for r in stored] == [typed(r) for r in sorted(recompute(session, query), key=key)]
    assert not any(isinstance(v, float) for r in stored for v in r), "no float in a query over NUMBER columns"


def no_double_state(session: LocalSession) -> None:
    """Every per-group aggregate state column is exact (NUMBER sums are DECIMAL(38, s), counts integers)."""
    found = session._engine.con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE table_name LIKE 'DT%\\_STATE' ESCAPE '\\' AND data_type IN ('DOUBLE', 'FLOAT', 'REAL')"
    ).fetchall()
    assert found == []


def last_actions(session: LocalSession) -> dict[str, str]:
    """Each table's latest REFRESH_ACTION."""
    found = rows(
        session,
        "SELECT NAME, REFRESH_ACTION FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY(RESULT_LIMIT => 20)) "
        "ORDER BY DATA_TIMESTAMP",
    )
    return {str(name): str(action) for name, action in found}


@pytest.fixture(scope="module")
def pipeline_session() -> Iterator[LocalSession]:
    """Bronze and the three dynamic tables, created by the pipeline's own statements (no task, no stream)."""
    with LocalSession(start=T0) as session:
        for statement in Pipeline(session).plan():
            if statement.kind in (StatementKind.CREATE_DATABASE, StatementKind.CREATE_SCHEMA) or (
                statement.kind in (StatementKind.CREATE_TABLE, StatementKind.CREATE_DYNAMIC_TABLE)
                and 'RAW_MOVIES_BOOKING"' not in statement.sql.split("\n")[0]
            ):
                session.sql(statement.sql).collect()
        yield session


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.lists(step, min_size=1, max_size=3), min_size=1, max_size=3))
def test_pipeline_incremental_refresh_equals_full_recompute(
    pipeline_session: LocalSession, steps: list[list[tuple[str, Any]]]
) -> None:
    session = pipeline_session
    silver, rejected, gold = SilverLayer().silver_sql(), SilverLayer().rejected_sql(), GoldLayer().gold_sql()
    for batch in steps:
        for kind, arg in batch:
            apply(session, kind, arg)
        session.sql(f"ALTER DYNAMIC TABLE {GOLD} REFRESH").collect()  # refreshes Silver first
        session.sql(f"ALTER DYNAMIC TABLE {REJECTED} REFRESH").collect()
        same(session, SILVER, str(silver))
        same(session, REJECTED, str(rejected))
        same(session, GOLD, str(gold))
        assert set(last_actions(session).values()) <= {"INCREMENTAL", "NO_DATA"}
        no_double_state(session)
    for row in session.sql(f"SELECT * FROM {GOLD}").collect():
        assert type(row["TOTAL_TICKETS_SOLD"]) is int
        assert type(row["TOTAL_REVENUE"]) is Decimal
        assert row["TOTAL_REVENUE"].as_tuple().exponent == -2


GENERIC = [
    "SELECT K, J, V FROM T QUALIFY ROW_NUMBER() OVER (PARTITION BY K ORDER BY V DESC NULLS LAST, J) = 1",
    "SELECT K, COUNT(*) AS N, SUM(V) AS S, MIN(J) AS LO, MAX(V) AS HI FROM T GROUP BY K",
    "WITH D AS (SELECT DISTINCT K, V FROM T WHERE V IS NOT NULL) SELECT K AS KEY, COUNT(*) AS N FROM D GROUP BY K",
    "SELECT K, V, COUNT(*) OVER (PARTITION BY K, J) AS C FROM T UNION ALL SELECT K, -V, 0 FROM T WHERE J = 'x'",
    "SELECT K, J, SUM(V) AS S FROM T GROUP BY K, J HAVING COUNT(*) > 1",
    "SELECT J, K, CAST(SUM(V * 2) AS DECIMAL(10, 1)) AS S2, COUNT(V) AS CV, MAX(V) - MIN(V) AS SPREAD, "
    "MAX(J) AS TOP_J FROM T WHERE V <> 0 GROUP BY K, J",
    # kept sums of NUMBER(p, 2) products and of IFF(…, 1, 0): exact Decimal and int, never DOUBLE
    "SELECT K, SUM(V * 1.25) AS PRICED, SUM(IFF(V > 0, 1, 0)) AS POSITIVE, SUM(V) AS TOTAL FROM T GROUP BY K",
]
generic_row = st.tuples(
    st.none() | st.sampled_from(["a", "b", "c"]),
    st.none() | st.sampled_from(["x", "y"]),
    st.none() | st.integers(-3, 3),
)
generic_step = st.one_of(
    st.tuples(st.just("insert"), st.lists(generic_row, min_size=1, max_size=5)),
    st.tuples(st.just("update"), st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(-3, 3))),
    st.tuples(st.just("delete"), st.none() | st.sampled_from(["a", "b", "c", "x"])),
)


@pytest.fixture(scope="module")
def generic_session() -> Iterator[LocalSession]:
    with LocalSession(database="G", schema="P", start=T0) as session:
        session.sql("CREATE TABLE T (K VARCHAR, J VARCHAR, V INT)").collect()
        for number, query in enumerate(GENERIC):
            session.sql(f"CREATE DYNAMIC TABLE D{number} TARGET_LAG = '1 minute' WAREHOUSE = W AS {query}").collect()
        yield session


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(generic_step, min_size=1, max_size=4))
def test_generic_incremental_refresh_equals_full_recompute(
    generic_session: LocalSession, steps: list[tuple[str, Any]]
) -> None:
    session = generic_session
    for kind, arg in steps:
        if kind == "insert":
            values = ", ".join("(" + ", ".join(map(literal, r)) + ")" for r in arg)
            session.sql(f"INSERT INTO T VALUES {values}").collect()
        elif kind == "update":
            session.sql(f"UPDATE T SET V = {arg[1]}, K = 'c' WHERE K = '{arg[0]}' AND V > 0").collect()
        else:
            test = "K IS NULL" if arg is None else f"K = '{arg}' OR J = '{arg}'"
            session.sql(f"DELETE FROM T WHERE {test}").collect()
    for number, query in enumerate(GENERIC):
        session.sql(f"ALTER DYNAMIC TABLE D{number} REFRESH").collect()
        same(session, f"D{number}", query)
    assert set(last_actions(session).values()) <= {"INCREMENTAL", "NO_DATA"}
    no_double_state(session)
