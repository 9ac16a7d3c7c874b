"""Numbers: NUMBER(p,s) exact arithmetic, result scales of + * /, SUM/AVG/MIN/MAX/COUNT types, casts, FLOAT."""

from __future__ import annotations

from decimal import Decimal

from .case import Case, family

NUMERIC = "https://docs.snowflake.com/en/sql-reference/data-types-numeric"
ARITHMETIC = "https://docs.snowflake.com/en/sql-reference/operators-arithmetic"
F = "https://docs.snowflake.com/en/sql-reference/functions/"
SUM = F + "sum"
COUNT = F + "count"
MIN = F + "min"
MAX = F + "max"
CAST = F + "cast"
DIV0 = F + "div0"
MOD = F + "mod"
ABS = F + "abs"
IFF = F + "iff"
SNOWPARK = "https://docs.snowflake.com/en/developer-guide/snowpark/reference/python/1.8.0/api/"
MEAN = SNOWPARK + "snowflake.snowpark.functions.mean"
AVG = SNOWPARK + "snowflake.snowpark.functions.avg"

PRICES = (
    "CREATE TABLE P (PRICE NUMBER(10,2), QTY INT, NOTE VARCHAR)",
    "INSERT INTO P VALUES (1.10, 2, 'x'), (2.20, 1, NULL), (NULL, 3, 'y')",
)
INTS = ("CREATE TABLE I (X INT)",)

CASES = family(
    "numeric",
    [
        Case(
            "sum_of_number_keeps_scale_exactly",
            SUM,
            setup=PRICES,
            query="SELECT SUM(PRICE) FROM P",
            expect=[(Decimal("3.30"),)],
        ),
        Case("sum_of_integers_is_an_integer", SUM, setup=PRICES, query="SELECT SUM(QTY) FROM P", expect=[(6,)]),
        Case(
            "sum_of_large_integers_is_exact",
            SUM,
            setup=(*INTS, "INSERT INTO I VALUES (900000000000000000), (3)"),
            query="SELECT SUM(X) FROM I",
            expect=[(900000000000000003,)],
        ),
        Case(
            "sum_of_products_keeps_scale",
            ARITHMETIC,
            setup=PRICES,
            query="SELECT SUM(QTY * PRICE) FROM P",
            expect=[(Decimal("4.40"),)],
        ),
        Case(
            "sum_of_iff_is_an_integer", IFF, setup=PRICES, query="SELECT SUM(IFF(QTY > 1, 1, 0)) FROM P", expect=[(2,)]
        ),
        Case(
            "sum_and_count_of_no_rows",
            SUM,
            setup=PRICES,
            query="SELECT SUM(PRICE), COUNT(PRICE) FROM P WHERE QTY > 9",
            expect=[(None, 0)],
        ),
        Case(
            "count_star_and_count_column",
            COUNT,
            setup=PRICES,
            query="SELECT COUNT(*), COUNT(NOTE) FROM P",
            expect=[(3, 2)],
        ),
        Case(
            "count_distinct_is_an_integer",
            COUNT,
            setup=PRICES,
            query="SELECT COUNT(DISTINCT QTY) FROM P",
            expect=[(3,)],
        ),
        Case(
            "min_max_keep_the_column_type",
            MIN,
            setup=PRICES,
            query="SELECT MIN(PRICE), MAX(PRICE) FROM P",
            expect=[(Decimal("1.10"), Decimal("2.20"))],
        ),
        Case("max_of_integers_is_an_integer", MAX, setup=PRICES, query="SELECT MAX(QTY) FROM P", expect=[(3,)]),
        Case(
            "avg_of_integers_has_scale_six",
            MEAN,
            setup=(*INTS, "INSERT INTO I VALUES (1), (3), (10), (1), (3)"),
            query="SELECT AVG(X) FROM I",
            expect=[(Decimal("3.600000"),)],
        ),
        Case(
            "avg_of_integers_rounds_at_scale_six",
            AVG,
            setup=(*INTS, "INSERT INTO I VALUES (1), (2), (2)"),
            query="SELECT AVG(X) FROM I",
            expect=[(Decimal("1.666667"),)],
        ),
        Case("decimal_literal_is_a_number", NUMERIC, query="SELECT 1.10", expect=[(Decimal("1.10"),)]),
        Case("addition_scale_is_the_larger_scale", ARITHMETIC, query="SELECT 1.10 + 2.2", expect=[(Decimal("3.30"),)]),
        Case("multiplication_scale_adds_scales", ARITHMETIC, query="SELECT 10.01 * 1.1", expect=[(Decimal("11.011"),)]),
        Case("integer_division_has_scale_six", ARITHMETIC, query="SELECT 1 / 4", expect=[(Decimal("0.250000"),)]),
        Case("integer_division_one_third", ARITHMETIC, query="SELECT 1 / 3", expect=[(Decimal("0.333333"),)]),
        Case(
            "division_scale_is_numerator_scale_plus_six",
            ARITHMETIC,
            query="SELECT 1.00 / 3",
            expect=[(Decimal("0.33333333"),)],
        ),
        Case("integer_arithmetic_stays_integer", ARITHMETIC, query="SELECT 7 + 5 * 2 - 1", expect=[(16,)]),
        Case(
            "large_integer_product_is_exact",
            NUMERIC,
            query="SELECT 123456789012345678 * 10",
            expect=[(1234567890123456780,)],
        ),
        Case("mod_of_integers", MOD, query="SELECT MOD(10, 3)", expect=[(1,)]),
        Case("abs_keeps_scale", ABS, query="SELECT ABS(-2.50)", expect=[(Decimal("2.50"),)]),
        Case("div0_returns_zero", DIV0, query="SELECT DIV0(1, 0) = 0", expect=[(True,)]),
        Case(
            "cast_to_smaller_scale_rounds",
            CAST,
            query="SELECT CAST('1.2345' AS NUMBER(15,2))",
            expect=[(Decimal("1.23"),)],
        ),
        Case("cast_to_integer_rounds", CAST, query="SELECT CAST(1.6 AS INTEGER)", expect=[(2,)]),
        Case(
            "string_cast_to_number_keeps_scale", CAST, query="SELECT '12.5'::NUMBER(10,2)", expect=[(Decimal("12.50"),)]
        ),
        Case(
            "stored_number_has_column_scale",
            NUMERIC,
            setup=("CREATE TABLE S (V NUMBER(10,2))", "INSERT INTO S VALUES (2.5)"),
            query="SELECT V FROM S",
            expect=[(Decimal("2.50"),)],
        ),
        Case("float_stays_float", NUMERIC, query="SELECT 1.5::FLOAT", expect=[(1.5,)]),
        Case(
            "sum_of_floats_is_a_float",
            SUM,
            setup=("CREATE TABLE FL (V FLOAT)", "INSERT INTO FL VALUES (0.5), (0.25)"),
            query="SELECT SUM(V) FROM FL",
            expect=[(0.75,)],
        ),
        Case(
            "number_38_0_holds_38_digits",
            NUMERIC,
            setup=(*INTS, "INSERT INTO I VALUES (99999999999999999999)"),
            query="SELECT X FROM I",
            expect=[(99999999999999999999,)],
        ),
    ],
)
