"""Exact NUMBER arithmetic and Snowflake's result types (``moviecdc.local.dialect.numbers``).

Every expected value is exact, with its Python type: ``int`` for a scale-0 NUMBER (the connector converts FIXED
with scale 0 to int) and ``Decimal`` with the type's scale otherwise. Rules and pages:

- ARITH: "Scale and precision in arithmetic operations",
  https://docs.snowflake.com/en/sql-reference/operators-arithmetic#scale-and-precision-in-arithmetic-operations
  (addition: scale max(S1, S2); multiplication: min(S1 + S2, max(S1, S2, 12)); division: max(S1, min(S1 + 6,
  12)); the page's examples 2 / 7 = 0.285714 and 10.1 / 2.1 = 4.8095238).
- NUMERIC: "Numeric data types", https://docs.snowflake.com/en/sql-reference/data-types-numeric (NUMBER is exact
  to 38 digits; INT, BIGINT … are NUMBER(38, 0)).
- SUM: https://docs.snowflake.com/en/sql-reference/functions/sum and the Snowpark example
  https://docs.snowflake.com/en/developer-guide/snowpark/reference/python/latest/snowpark/api/snowflake.snowpark.functions.sum
  (``Row(SUM("N")=13)``: an integer sum is an int).
- AVG: https://docs.snowflake.com/en/sql-reference/functions/avg and the Snowpark example
  https://docs.snowflake.com/en/developer-guide/snowpark/reference/python/latest/snowpark/api/snowflake.snowpark.functions.avg
  (AVG of 1, 2, 2 is 1.666667: the division scale).
- COUNT: https://docs.snowflake.com/en/sql-reference/functions/count (an integer count).
- MIN / MAX: https://docs.snowflake.com/en/sql-reference/functions/min (the argument's type).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from moviecdc.errors import LocalEngineError
from moviecdc.local import LocalSession


@pytest.fixture(scope="module")
def session() -> Iterator[LocalSession]:
    with LocalSession(database="NUMS", schema="PUBLIC") as s:
        s.sql(
            "CREATE TABLE BOOKINGS (ID INT, STATUS VARCHAR, TICKET_COUNT INT, TICKET_PRICE NUMBER(10, 2), "
            "RATE FLOAT, AMOUNT VARCHAR)"
        ).collect()
        s.sql(
            "INSERT INTO BOOKINGS VALUES (1, 'BOOKED', 2, 1.10, 0.5, '1.5'), (2, 'BOOKED', 3, 2.20, 0.25, '2'), "
            "(3, 'CANCELLED', 5, 3.00, 0.125, NULL)"
        ).collect()
        yield s


def one(session: LocalSession, query: str) -> tuple[Any, ...]:
    rows = session.sql(query).collect()
    assert len(rows) == 1
    return tuple(rows[0])


def exactly(values: tuple[Any, ...], expected: tuple[Any, ...]) -> None:
    """Equal values of equal types, and for a Decimal the same scale (Decimal('3.3') != Decimal('3.30') here)."""
    assert [(type(v), str(v)) for v in values] == [(type(e), str(e)) for e in expected]


# -- SUM --------------------------------------------------------------------------------------------------------


def test_sum_of_number_p_s_is_exact_with_its_scale(session: LocalSession) -> None:
    """SUM of NUMBER(10, 2) 1.10 + 2.20 is 3.30 (NUMBER(38, 2)), not 3.3000000000000003. SUM, ARITH."""
    exactly(one(session, "SELECT SUM(TICKET_PRICE) FROM BOOKINGS WHERE ID <= 2"), (Decimal("3.30"),))


def test_sum_of_integers_is_an_int(session: LocalSession) -> None:
    """SUM of INT (NUMBER(38, 0)) is an int, not 10.0. SUM, NUMERIC."""
    exactly(one(session, "SELECT SUM(TICKET_COUNT) AS T FROM BOOKINGS"), (10,))


def test_sum_of_iff_counts_as_an_int(session: LocalSession) -> None:
    """SUM(IFF(c, 1, 0)): integer literals are NUMBER, so the sum is an int (fakesnow gave 2.0). SUM, ARITH."""
    exactly(one(session, "SELECT SUM(IFF(STATUS = 'BOOKED', 1, 0)) AS N FROM BOOKINGS"), (2,))


def test_sum_of_a_product_keeps_the_product_scale(session: LocalSession) -> None:
    """Revenue: SUM(count * price), INT * NUMBER(10, 2) has scale 2: 2.20 + 6.60 + 15.00. SUM, ARITH (product)."""
    exactly(one(session, "SELECT SUM(TICKET_COUNT * TICKET_PRICE) AS R FROM BOOKINGS"), (Decimal("23.80"),))
    exactly(
        one(session, "SELECT SUM(IFF(STATUS = 'BOOKED', TICKET_COUNT * TICKET_PRICE, 0)) AS R FROM BOOKINGS"),
        (Decimal("8.80"),),
    )


def test_sum_distinct_and_windowed_sum_are_exact(session: LocalSession) -> None:
    """SUM(DISTINCT x) and SUM(x) OVER () follow the same type rule. SUM."""
    exactly(one(session, "SELECT SUM(DISTINCT TICKET_PRICE) AS S FROM BOOKINGS"), (Decimal("6.30"),))
    rows = session.sql("SELECT ID, SUM(TICKET_COUNT) OVER () AS S FROM BOOKINGS ORDER BY ID").collect()
    assert [tuple(r) for r in rows] == [(1, 10), (2, 10), (3, 10)]
    assert all(type(r[1]) is int for r in rows)


def test_sum_of_aggregates_over_a_window(session: LocalSession) -> None:
    """SUM(SUM(x)) OVER () (a share of the total) and SUM(COUNT(*)) OVER () keep exact types. SUM, ARITH."""
    rows = session.sql(
        "SELECT STATUS, SUM(SUM(TICKET_PRICE)) OVER () AS TOTAL, SUM(TICKET_PRICE) / SUM(SUM(TICKET_PRICE)) OVER () "
        "AS SHARE, SUM(COUNT(*)) OVER () AS N FROM BOOKINGS GROUP BY STATUS ORDER BY STATUS"
    ).collect()
    assert [tuple(map(str, r)) for r in rows] == [
        ("BOOKED", "6.30", "0.52380952", "3"),
        ("CANCELLED", "6.30", "0.47619048", "3"),
    ]
    assert [type(v) for v in rows[0]] == [str, Decimal, Decimal, int]


def test_sum_of_float_stays_float(session: LocalSession) -> None:
    """SUM of FLOAT is FLOAT. SUM."""
    exactly(one(session, "SELECT SUM(RATE) AS S FROM BOOKINGS"), (0.875,))


def test_sum_of_varchar_still_converts(session: LocalSession) -> None:
    """A VARCHAR argument is converted to a number as before (fakesnow's implicit cast; the docs do not settle
    the type of that conversion, kept as FLOAT)."""
    exactly(one(session, "SELECT SUM(AMOUNT) AS S FROM BOOKINGS"), (3.5,))


def test_sum_of_nothing_is_null(session: LocalSession) -> None:
    """SUM over no rows is NULL. SUM."""
    assert one(session, "SELECT SUM(TICKET_PRICE) AS S FROM BOOKINGS WHERE ID > 99") == (None,)


# -- AVG, COUNT, MIN, MAX ---------------------------------------------------------------------------------------


def test_avg_of_integers_has_scale_6(session: LocalSession) -> None:
    """AVG of integers: scale 6 (Snowpark's example: AVG of 1, 2, 2 = 1.666667). AVG, ARITH (division)."""
    exactly(one(session, "SELECT AVG(TICKET_COUNT) AS A FROM BOOKINGS"), (Decimal("3.333333"),))
    exactly(
        one(session, "SELECT AVG(V) AS A FROM (SELECT 1 AS V UNION ALL SELECT 2 UNION ALL SELECT 2)"),
        (Decimal("1.666667"),),
    )


def test_avg_of_number_p_s_has_the_division_scale(session: LocalSession) -> None:
    """AVG of NUMBER(10, 2): scale max(2, min(2 + 6, 12)) = 8. AVG, ARITH (division)."""
    exactly(one(session, "SELECT AVG(TICKET_PRICE) AS A FROM BOOKINGS"), (Decimal("2.10000000"),))


def test_avg_over_a_window_is_exact(session: LocalSession) -> None:
    """AVG(x) OVER (ORDER BY …) has the same type as the aggregate. AVG."""
    rows = session.sql("SELECT ID, AVG(TICKET_PRICE) OVER (ORDER BY ID) AS A FROM BOOKINGS ORDER BY ID").collect()
    assert [(r[0], str(r[1])) for r in rows] == [(1, "1.10000000"), (2, "1.65000000"), (3, "2.10000000")]


def test_avg_of_a_quotient(session: LocalSession) -> None:
    """AVG(price / count): the quotient has scale 8, its average max(8, min(14, 12)) = 12. AVG, ARITH."""
    exactly(
        one(session, "SELECT AVG(TICKET_PRICE / TICKET_COUNT) AS A FROM BOOKINGS"),
        (Decimal("0.627777776667"),),
    )


def test_avg_of_float_stays_float(session: LocalSession) -> None:
    """AVG of FLOAT is FLOAT. AVG."""
    exactly(one(session, "SELECT AVG(RATE) AS A FROM BOOKINGS"), (0.2916666666666667,))


def test_count_min_max_keep_their_types(session: LocalSession) -> None:
    """COUNT is an integer; MIN / MAX return the argument's type. COUNT, MIN / MAX."""
    exactly(
        one(
            session,
            "SELECT COUNT(*) AS N, COUNT(AMOUNT) AS C, MIN(TICKET_PRICE) AS LO, MAX(TICKET_COUNT) AS HI FROM BOOKINGS",
        ),
        (3, 2, Decimal("1.10"), 5),
    )


# -- arithmetic -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # ARITH, division examples: 2 / 7 and 10.1 / 2.1.
        ("2 / 7", Decimal("0.285714")),
        ("10.1 / 2.1", Decimal("4.8095238")),
        # integer / integer has scale 6 (7 / 2 is not 3, and not the FLOAT 3.5).
        ("7 / 2", Decimal("3.500000")),
        ("2 / 3", Decimal("0.666667")),
        ("-2 / 3", Decimal("-0.666667")),
        # S1 = 8 → min(14, 12) = 12; S1 = 13 → 13.
        ("1.00000000 / 3", Decimal("0.333333333333")),
        ("1.0000000000000 / 3", Decimal("0.3333333333333")),
        # addition: max(S1, S2); multiplication: S1 + S2 (≤ 12). ARITH examples 10.01 * 1.1 = 11.011.
        ("1.10 + 2.2", Decimal("3.30")),
        ("10.01 * 1.1", Decimal("11.011")),
        ("3 * 4", 12),
        ("3 - 5", -2),
    ],
)
def test_arithmetic_scale_rules(session: LocalSession, expression: str, expected: Any) -> None:
    exactly(one(session, f"SELECT {expression} AS V"), (expected,))


def test_division_of_columns(session: LocalSession) -> None:
    """NUMBER(10, 2) / INT has scale 8; INT / INT scale 6; anything with FLOAT is FLOAT. ARITH (division)."""
    rows = session.sql(
        "SELECT TICKET_PRICE / TICKET_COUNT AS UNIT, TICKET_COUNT / 2 AS HALF, RATE / 2 AS R FROM BOOKINGS ORDER BY ID"
    ).collect()
    assert [tuple(map(str, r)) for r in rows] == [
        ("0.55000000", "1.000000", "0.25"),
        ("0.73333333", "1.500000", "0.125"),
        ("0.60000000", "2.500000", "0.0625"),
    ]
    assert [type(v) for v in rows[0]] == [Decimal, Decimal, float]


def test_division_of_aggregates_through_a_cte(session: LocalSession) -> None:
    """Types flow through a CTE: SUM(count * price) is scale 2, so the quotient has scale 8. ARITH, SUM."""
    exactly(
        one(
            session,
            "WITH R AS (SELECT TICKET_COUNT * TICKET_PRICE AS REVENUE FROM BOOKINGS) "
            "SELECT SUM(REVENUE) / COUNT(*) AS MEAN FROM R",
        ),
        (Decimal("7.93333333"),),
    )


def test_a_quotient_never_loses_digits_to_an_inferred_type(session: LocalSession) -> None:
    """AVG over a UNION of NUMBER(2, 1) and NUMBER(3, 2) values: the quotient is computed from the operands'
    actual scales, so the value is exactly 1.875 whatever scale the type inference settles on. AVG, ARITH."""
    (value,) = one(session, "SELECT AVG(X) AS A FROM (SELECT 1.5 AS X UNION ALL SELECT 2.25)")
    assert type(value) is Decimal
    assert value == Decimal("1.875")


def test_division_in_dml_is_exact() -> None:
    """INSERT … SELECT, CREATE TABLE … AS and UPDATE … SET divide with the same rule (a NUMBER(38, 12) value / 3
    has scale 12, also when stored in a FLOAT column). ARITH (division)."""
    with LocalSession(database="DML", schema="PUBLIC") as s:
        s.sql("CREATE TABLE T (C INT, P NUMBER(10, 2))").collect()
        s.sql("INSERT INTO T VALUES (7, 2.00)").collect()
        s.sql("CREATE TABLE X (Q NUMBER(38, 12), R FLOAT)").collect()
        s.sql("INSERT INTO X SELECT P / C, 0 FROM T").collect()
        s.sql("UPDATE X SET R = Q / 3").collect()
        s.sql("CREATE TABLE Y AS SELECT P / C AS Q FROM T").collect()
        exactly(one(s, "SELECT Q, R FROM X"), (Decimal("0.285714290000"), 0.095238096667))
        exactly(one(s, "SELECT Q FROM Y"), (Decimal("0.28571429"),))


def test_division_by_zero_raises(session: LocalSession) -> None:
    """Division by zero is an error in Snowflake ("Division by zero"), never NULL or infinity. ARITH."""
    with pytest.raises(LocalEngineError, match="Division by zero"):
        session.sql("SELECT TICKET_COUNT / 0 AS V FROM BOOKINGS").collect()


def test_division_by_null_is_null(session: LocalSession) -> None:
    assert one(session, "SELECT 1 / NULL AS V") == (None,)


# -- large values -----------------------------------------------------------------------------------------------


def test_large_sums_keep_every_digit() -> None:
    """900000000000000000 + 3 tickets: exact (DOUBLE gave 900000000100000000). NUMERIC (38 digits)."""
    with LocalSession(database="BIG", schema="PUBLIC") as s:
        s.sql("CREATE TABLE T (N INT)").collect()
        s.sql("INSERT INTO T VALUES (900000000000000000), (3)").collect()
        exactly(one(s, "SELECT SUM(N) AS S FROM T"), (900000000000000003,))


# -- values at the edge -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def edge() -> Iterator[LocalSession]:
    """A ticket count of 2^63 - 1 (the largest INT the local engine stores) and NUMBER(38, 2) values of 38 digits."""
    with LocalSession(database="EDGE", schema="PUBLIC") as s:
        s.sql("CREATE TABLE T (K VARCHAR, C INT, P NUMBER(10, 2), W NUMBER(38, 2))").collect()
        s.sql(
            "INSERT INTO T VALUES ('a', 9223372036854775807, 12.34, 999999999999999999999999999999999999.99), "
            "('a', 9223372036854775807, 0.01, 1.00)"
        ).collect()
        yield s


def test_sums_beyond_64_bits_are_exact(edge: LocalSession) -> None:
    """Two tickets counts of 2^63 - 1 sum to 2^64 - 2, an int (NUMBER(38, 0) holds 38 digits). NUMERIC, SUM."""
    exactly(one(edge, "SELECT SUM(C) AS S FROM T"), (18446744073709551614,))
    exactly(one(edge, "SELECT SUM(C * P) AS R FROM T"), (Decimal("113908644655156481216.45"),))
    exactly(one(edge, "SELECT AVG(C) AS A FROM T"), (Decimal("9223372036854775807.000000"),))
    exactly(one(edge, "SELECT MAX(C) / 3 AS Q FROM T"), (Decimal("3074457345618258602.333333"),))


def test_a_sum_beyond_38_digits_raises(edge: LocalSession) -> None:
    """A NUMBER result needs more than 38 digits: Snowflake raises a numeric overflow; never a wrapped, rounded or
    float value here (the message is DuckDB's "Overflow …"; the docs give no text for Snowflake's). NUMERIC."""
    for query in ("SELECT SUM(W) AS S FROM T", "SELECT W + W AS S FROM T", "SELECT W * 10 AS S FROM T"):
        with pytest.raises(LocalEngineError, match="Overflow"):
            edge.sql(query).collect()


def test_integer_arithmetic_beyond_64_bits_raises_rather_than_wrapping(edge: LocalSession) -> None:
    """INT columns are stored in 64 bits (fakesnow's BIGINT): ``C + 1`` at 2^63 - 1 raises instead of giving
    Snowflake's 9223372036854775808 (a documented local limit, docs/local_engine.md), and never wraps."""
    with pytest.raises(LocalEngineError, match="Overflow"):
        edge.sql("SELECT C + 1 AS S FROM T").collect()


def test_an_integer_beyond_64_bits_names_the_limit() -> None:
    """https://docs.snowflake.com/en/sql-reference/data-types-numeric: NUMBER(38, 0) holds 38 digits; the engine's
    integer columns are 64-bit, so a larger value raises UnsupportedSqlError naming the limit (never a wrapped or
    rounded value); a bad string is still the plain conversion error."""
    from moviecdc.errors import LocalEngineError, UnsupportedSqlError
    from moviecdc.local import LocalSession

    with LocalSession(database="D", schema="PUBLIC") as s:
        s.sql("CREATE TABLE I (X INT)").collect()
        for sql in ("INSERT INTO I VALUES (99999999999999999999)", "SELECT CAST('99999999999999999999' AS INT)"):
            with pytest.raises(UnsupportedSqlError, match="Integer columns are 64-bit"):
                s.sql(sql).collect()
        s.sql("INSERT INTO I VALUES (9223372036854775807)").collect()
        with pytest.raises(UnsupportedSqlError, match="NUMBER\\(38, 0\\) holds 38 digits"):
            s.sql("SELECT X + 1 FROM I").collect()
        with pytest.raises(LocalEngineError) as raised:
            s.sql("SELECT CAST('abc' AS INT)").collect()
        assert not isinstance(raised.value, UnsupportedSqlError)
