"""A bulk INSERT … VALUES of literals (ordinary/values.py) stores exactly what the usual, parsed path stores.

Snowflake's VALUES: "When a VALUES clause includes multiple values of different data types for the same column,
Snowflake determines a common data type that can encompass all values and implicitly converts each value to that
common type" (https://docs.snowflake.com/en/sql-reference/constructs/values; 1 and 2.5 make a NUMBER(2,1) column),
and the INSERT casts that to the target column's type (https://docs.snowflake.com/en/sql-reference/sql/insert).
The fast path must change nothing of that: the same rows, the same Python types, the same change-log events for a
stream.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moviecdc.local import LocalSession
from moviecdc.local.ordinary import plans, values

COLUMNS = "ID INT, AMOUNT NUMBER(10,2), F FLOAT, NAME VARCHAR, DAY DATE, FLAG BOOLEAN, TS TIMESTAMP_NTZ"


@contextmanager
def slow_path(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with monkeypatch.context() as m:
        m.setattr(values, "run", lambda engine, text: None)
        yield


def stored(session: LocalSession, statement: str, *, stream: bool) -> tuple[Any, ...]:
    session.sql(f"CREATE OR REPLACE TABLE T ({COLUMNS})").collect()
    if stream:
        session.sql("CREATE OR REPLACE STREAM S ON TABLE T").collect()
    answer = session.sql(statement).collect()
    rows = session.sql("SELECT * FROM T").collect()
    changes = session.sql('SELECT * EXCLUDE ("METADATA$ROW_ID") FROM S').collect() if stream else []
    typed = [tuple((v, type(v)) for v in row) for row in rows]
    return answer, sorted(typed, key=repr), sorted(map(repr, changes))


def cell(column: int) -> st.SearchStrategy[str]:
    number = st.one_of(
        st.integers(-(10**6), 10**6).map(str),
        st.sampled_from([0, 1, 2]).flatmap(lambda p: st.decimals(-9999, 9999, places=p, allow_nan=False)).map(str),
        st.builds(lambda m, e: f"{m}e{e}", st.integers(-99, 99), st.integers(-3, 3)),
    )
    text = st.text(st.characters(codec="utf-8", exclude_characters="\\\x00"), max_size=8).map(
        lambda t: "'" + t.replace("'", "''") + "'"
    )
    day = st.dates().filter(lambda d: d.year >= 1000).map(lambda d: f"'{d.isoformat()}'")
    by_column = {
        0: st.integers(-(10**9), 10**9).map(str),
        1: number,
        2: number,
        3: st.one_of(text, number),
        4: day,
        5: st.sampled_from(["TRUE", "FALSE", "true"]),
        6: day.map(lambda d: d[:-1] + " 10:00:00'"),
    }
    return st.one_of(st.just("NULL"), by_column[column])


rows = st.lists(st.tuples(*(cell(i) for i in range(7))), min_size=2, max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=rows, stream=st.booleans())
def test_the_fast_path_stores_what_the_usual_path_stores(
    monkeypatch: pytest.MonkeyPatch, rows: list[tuple[str, ...]], stream: bool
) -> None:
    statement = "INSERT INTO T VALUES " + ", ".join("(" + ", ".join(r) + ")" for r in rows)
    with monkeypatch.context() as m, LocalSession(database="D", schema="PUBLIC") as session:
        m.setattr(plans, "MAX_LITERALS", 0)  # every statement past the plan cache: bulk path or usual path
        fast = _outcome(session, statement, stream)
        with slow_path(monkeypatch):
            slow = _outcome(session, statement, stream)
    assert fast == slow


def _outcome(session: LocalSession, statement: str, stream: bool) -> tuple[Any, ...]:
    try:
        return stored(session, statement, stream=stream)
    except Exception as e:  # both paths must fail alike (e.g. a value out of the column's range)
        return ("error", type(e).__name__)


def test_a_bulk_insert_takes_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    taken = []
    original = values.run

    def spy(engine: Any, text: str) -> Any:
        result = original(engine, text)
        taken.append(result is not None)
        return result

    monkeypatch.setattr(values, "run", spy)
    statement = "INSERT INTO T VALUES " + ", ".join(
        f"({i}, {i}.5, -{i}e2, 'n''{i}', '2026-01-0{1 + i % 9}', TRUE, NULL)" for i in range(300)
    )
    with LocalSession(database="D", schema="PUBLIC") as session:
        answer, stored_rows, changes = stored(session, statement, stream=True)
    assert taken == [True]
    assert answer[0][0] == 300
    assert len(stored_rows) == 300
    assert len(changes) == 300
    first = next(r for r in stored_rows if r[0][0] == 1)
    assert first[1] == (Decimal("1.50"), Decimal)
    assert first[2] == (-100.0, float)
    assert first[3] == ("n'1", str)


def test_mixed_literals_in_one_column_take_their_common_type(monkeypatch: pytest.MonkeyPatch) -> None:
    """1 and 2.5 in one VALUES column: NUMBER(2,1), stored into NUMBER(10,2) as 1.00 and 2.50; into INT, 2.5
    rounds half away from zero (ROUND's default, https://docs.snowflake.com/en/sql-reference/functions/round;
    that an INSERT's cast rounds the same way is not stated there: docs/local_engine.md lists it)."""
    with LocalSession(database="D", schema="PUBLIC") as session:
        session.sql("CREATE TABLE N (A NUMBER(10,2), B INT)").collect()
        session.sql("INSERT INTO N VALUES " + ", ".join(["(1, 1)", "(2.5, 2.5)"] * 200)).collect()
        assert session.sql("SELECT DISTINCT A, B FROM N ORDER BY A").collect() == [
            (Decimal("1.00"), 1),
            (Decimal("2.50"), 3),
        ]
