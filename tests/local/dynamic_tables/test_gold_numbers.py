"""Gold's measures are exact NUMBERs on LocalSession: ``TOTAL_REVENUE`` a Decimal with scale 2, counts ints.

Gold declares TOTAL_REVENUE as NUMBER(18, 2) and TOTAL_TICKETS_SOLD as NUMBER(18, 0) (``moviecdc.schema``), and
SUM of NUMBER(p, s) is NUMBER(38, s), exact ("Scale and precision in arithmetic operations",
https://docs.snowflake.com/en/sql-reference/operators-arithmetic; "Numeric data types",
https://docs.snowflake.com/en/sql-reference/data-types-numeric). The connector returns scale-0 NUMBER as int and
other NUMBERs as Decimal. Gold is refreshed incrementally (per-group aggregate state), so these also check that
the kept state is exact: prices like 1.10 and 2.20 whose DOUBLE sum is 3.3000000000000003.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from moviecdc import Pipeline
from moviecdc.local import LocalSession

T0 = datetime(2026, 1, 1, 9, 0)
RAW = '"MOVIES"."PUBLIC"."RAW_MOVIES_BOOKING"'
GOLD = '"MOVIES"."PUBLIC"."MOVIES_BOOKING_INSIGHTS"'


@pytest.fixture
def session() -> Iterator[LocalSession]:
    with LocalSession(start=T0) as s:
        Pipeline(s).deploy()
        yield s


def insert(session: LocalSession, *bookings: tuple[str, str, str, int, str]) -> None:
    values = ", ".join(
        f"('{b}', 'C1', '{m}', '2026-01-01 19:30:00', '{status}', {count}, {price})"
        for b, m, status, count, price in bookings
    )
    session.sql(f"INSERT INTO {RAW} VALUES {values}").collect()


def gold(session: LocalSession) -> list[tuple[Any, ...]]:
    rows = session.sql(
        "SELECT MOVIE_ID, TOTAL_BOOKINGS, TOTAL_TICKETS_SOLD, TOTAL_REVENUE, TOTAL_CANCELLATIONS "
        f"FROM {GOLD} ORDER BY MOVIE_ID"
    ).collect()
    return [tuple(r) for r in rows]


def typed(rows: list[tuple[Any, ...]]) -> list[tuple[tuple[str, str], ...]]:
    return [tuple((type(v).__name__, str(v)) for v in row) for row in rows]


def test_gold_revenue_is_an_exact_decimal(session: LocalSession) -> None:
    """1 * 1.10 + 1 * 2.20 is Decimal('3.30'), not 3.3000000000000003; tickets are ints."""
    insert(session, ("B1", "M1", "BOOKED", 1, "1.10"), ("B2", "M1", "COMPLETED", 1, "2.20"))
    session.advance(minutes=3)
    assert typed(gold(session)) == typed([("M1", 2, 2, Decimal("3.30"), 0)])


def test_gold_follows_the_worked_example_exactly(session: LocalSession) -> None:
    """MISSION.md's worked example: M9 → 1, 0, 0.00, 1 and M7 → 1, 3, 36.00, 0, incrementally refreshed."""
    insert(session, ("X1", "M9", "BOOKED", 2, "10.00"), ("X2", "M9", "BOOKED", 1, "8.50"))
    session.advance(minutes=3)
    assert typed(gold(session)) == typed([("M9", 2, 3, Decimal("28.50"), 0)])
    session.sql(f"UPDATE {RAW} SET STATUS = 'CANCELLED' WHERE BOOKING_ID = 'X1'").collect()
    insert(session, ("X3", "M7", "BOOKED", 3, "12.00"))
    session.sql(f"DELETE FROM {RAW} WHERE BOOKING_ID = 'X2'").collect()
    session.advance(minutes=3)
    expected = [("M7", 1, 3, Decimal("36.00"), 0), ("M9", 1, 0, Decimal("0.00"), 1)]
    assert typed(gold(session)) == typed(expected)
    actions = session.sql(
        "SELECT REFRESH_ACTION FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY("
        "NAME => 'MOVIES.PUBLIC.MOVIES_BOOKING_INSIGHTS')) WHERE REFRESH_TRIGGER <> 'CREATION'"
    ).collect()
    assert {a[0] for a in actions} == {"INCREMENTAL", "NO_DATA"}


def test_gold_sums_many_cents_without_drift(session: LocalSession) -> None:
    """300 bookings of 3 tickets at 0.10 and 0.20: 135.00 exactly (a DOUBLE sum drifts in the last digits)."""
    insert(
        session,
        *((f"B{i}", "M1", "BOOKED", 3, "0.10" if i % 2 else "0.20") for i in range(300)),
    )
    session.advance(minutes=3)
    assert typed(gold(session)) == typed([("M1", 300, 900, Decimal("135.00"), 0)])
    session.sql(f"UPDATE {RAW} SET TICKET_PRICE = 0.30 WHERE TICKET_PRICE = 0.10").collect()
    session.advance(minutes=3)
    assert typed(gold(session)) == typed([("M1", 300, 900, Decimal("225.00"), 0)])


def test_gold_keeps_exact_aggregate_state(session: LocalSession) -> None:
    """The per-group state behind Gold's incremental refresh holds NUMBER sums (fakesnow kept them in DOUBLE):
    the revenue sum is DECIMAL(38, 2), ticket sums exact integers (SUM of NUMBER(p, s) is NUMBER(38, s)):
    DECIMAL(38, 0), or HUGEINT when Gold casts each term to NUMBER(38, 0) (which fakesnow stores as BIGINT,
    summed into 128 bits)."""
    insert(session, ("B1", "M1", "BOOKED", 1, "1.10"))
    session.advance(minutes=3)
    types = session._engine.con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name LIKE 'DT%\\_STATE' ESCAPE '\\' "
        "AND column_name LIKE 'S%' ORDER BY column_name"
    ).fetchall()
    exact_integer = {"DECIMAL(38,0)", "HUGEINT"}
    assert [name for name, _ in types] == ["S1", "S2", "S3"]
    assert types[0][1] in exact_integer
    assert types[1][1] == "DECIMAL(38,2)"
    assert types[2][1] in exact_integer


def test_kept_sums_beyond_64_bits_are_exact() -> None:
    """A dynamic table's kept SUM of INT ticket counts of 2^63 - 1 goes beyond 64 bits exactly (NUMBER(38, 0)),
    refreshed incrementally after an insert and a delete, equal to the query run from scratch."""
    query = "SELECT K, SUM(C) AS TICKETS, SUM(C * P) AS REVENUE, COUNT(*) AS N FROM T GROUP BY K"
    with LocalSession(database="EDGE", schema="PUBLIC", start=T0) as s:
        s.sql("CREATE TABLE T (K VARCHAR, C INT, P NUMBER(10, 2))").collect()
        s.sql("INSERT INTO T VALUES ('a', 9223372036854775807, 0.10)").collect()
        s.sql(f"CREATE DYNAMIC TABLE D TARGET_LAG = '1 minute' WAREHOUSE = W AS {query}").collect()
        s.sql("INSERT INTO T VALUES ('a', 9223372036854775807, 0.20), ('a', 2, 1.10)").collect()
        s.sql("ALTER DYNAMIC TABLE D REFRESH").collect()
        expected = [("a", 18446744073709551616, Decimal("2767011611056432744.30"), 3)]
        assert typed([tuple(r) for r in s.sql("SELECT * FROM D").collect()]) == typed(expected)
        assert typed([tuple(r) for r in s.sql(query).collect()]) == typed(expected)
        s.sql("DELETE FROM T WHERE C = 2").collect()
        s.sql("ALTER DYNAMIC TABLE D REFRESH").collect()
        expected = [("a", 18446744073709551614, Decimal("2767011611056432742.10"), 2)]
        assert typed([tuple(r) for r in s.sql("SELECT * FROM D").collect()]) == typed(expected)
        actions = s.sql(
            "SELECT REFRESH_ACTION FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY(NAME => 'D')) "
            "WHERE REFRESH_TRIGGER = 'MANUAL'"
        ).collect()
        assert [a[0] for a in actions] == ["INCREMENTAL", "INCREMENTAL"]
