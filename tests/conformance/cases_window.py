"""Window functions: ranking, offsets, frames, aggregates over windows and their result types."""

from __future__ import annotations

from decimal import Decimal

from .case import Case, family

SYNTAX = "https://docs.snowflake.com/en/sql-reference/functions-window-syntax"
ROW_NUMBER = "https://docs.snowflake.com/en/sql-reference/functions/row_number"
RANK = "https://docs.snowflake.com/en/sql-reference/functions/rank"
DENSE_RANK = "https://docs.snowflake.com/en/sql-reference/functions/dense_rank"
LAG = "https://docs.snowflake.com/en/sql-reference/functions/lag"
LEAD = "https://docs.snowflake.com/en/sql-reference/functions/lead"
FIRST_VALUE = "https://docs.snowflake.com/en/sql-reference/functions/first_value"
LAST_VALUE = "https://docs.snowflake.com/en/sql-reference/functions/last_value"
NTILE = "https://docs.snowflake.com/en/sql-reference/functions/ntile"
SUM = "https://docs.snowflake.com/en/sql-reference/functions/sum"
COUNT = "https://docs.snowflake.com/en/sql-reference/functions/count"
MEAN = "https://docs.snowflake.com/en/developer-guide/snowpark/reference/python/1.8.0/api/snowflake.snowpark.functions.mean"

T = (
    "CREATE TABLE W (G VARCHAR, ID INT, AMT INT, PRICE NUMBER(10,2))",
    "INSERT INTO W VALUES ('a', 1, 300, 1.10), ('a', 2, 300, 2.20), ('a', 3, 100, 0.05), "
    "('b', 4, 50, 9.99), ('b', 5, 70, 0.01)",
)


def over(expr: str) -> str:
    return f"SELECT ID, {expr} FROM W ORDER BY ID"


CASES = family(
    "window",
    [
        Case(
            "row_number_per_partition",
            ROW_NUMBER,
            setup=T,
            query=over("ROW_NUMBER() OVER (PARTITION BY G ORDER BY ID)"),
            expect=[(1, 1), (2, 2), (3, 3), (4, 1), (5, 2)],
        ),
        Case(
            "rank_leaves_gaps_after_ties",
            RANK,
            setup=T,
            query=over("RANK() OVER (PARTITION BY G ORDER BY AMT DESC)"),
            expect=[(1, 1), (2, 1), (3, 3), (4, 2), (5, 1)],
        ),
        Case(
            "dense_rank_has_no_gaps",
            DENSE_RANK,
            setup=T,
            query=over("DENSE_RANK() OVER (PARTITION BY G ORDER BY AMT DESC)"),
            expect=[(1, 1), (2, 1), (3, 2), (4, 2), (5, 1)],
        ),
        Case(
            "lag_is_null_on_first_row",
            LAG,
            setup=T,
            query=over("LAG(AMT) OVER (PARTITION BY G ORDER BY ID)"),
            expect=[(1, None), (2, 300), (3, 300), (4, None), (5, 50)],
        ),
        Case(
            "lag_with_offset_and_default",
            LAG,
            setup=T,
            query=over("LAG(AMT, 2, 0) OVER (PARTITION BY G ORDER BY ID)"),
            expect=[(1, 0), (2, 0), (3, 300), (4, 0), (5, 0)],
        ),
        Case(
            "lag_ignore_nulls",
            LAG,
            setup=("CREATE TABLE N (ID INT, X INT)", "INSERT INTO N VALUES (1, 10), (2, NULL), (3, 30)"),
            query="SELECT ID, LAG(X) IGNORE NULLS OVER (ORDER BY ID) FROM N ORDER BY ID",
            expect=[(1, None), (2, 10), (3, 10)],
        ),
        Case(
            "lead_looks_ahead",
            LEAD,
            setup=T,
            query=over("LEAD(ID) OVER (PARTITION BY G ORDER BY ID)"),
            expect=[(1, 2), (2, 3), (3, None), (4, 5), (5, None)],
        ),
        Case(
            "sum_over_partition_of_integers",
            SUM,
            setup=T,
            query=over("SUM(AMT) OVER (PARTITION BY G)"),
            expect=[(1, 700), (2, 700), (3, 700), (4, 120), (5, 120)],
        ),
        Case(
            "sum_over_partition_of_number_keeps_scale",
            SUM,
            setup=T,
            query=over("SUM(PRICE) OVER (PARTITION BY G)"),
            expect=[
                (1, Decimal("3.35")),
                (2, Decimal("3.35")),
                (3, Decimal("3.35")),
                (4, Decimal("10.00")),
                (5, Decimal("10.00")),
            ],
        ),
        Case(
            "order_by_without_frame_is_cumulative",
            SYNTAX,
            setup=T,
            query=over("COUNT(*) OVER (PARTITION BY G ORDER BY ID)"),
            expect=[(1, 1), (2, 2), (3, 3), (4, 1), (5, 2)],
        ),
        Case(
            "rows_frame_moving_min",
            SYNTAX,
            setup=T,
            query=over("MIN(AMT) OVER (ORDER BY ID ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)"),
            expect=[(1, 300), (2, 300), (3, 100), (4, 50), (5, 50)],
        ),
        Case(
            "running_sum_with_rows_frame",
            SUM,
            setup=T,
            query=over("SUM(AMT) OVER (ORDER BY ID ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"),
            expect=[(1, 300), (2, 600), (3, 700), (4, 750), (5, 820)],
        ),
        Case(
            "first_value_of_partition",
            FIRST_VALUE,
            setup=T,
            query=over("FIRST_VALUE(AMT) OVER (PARTITION BY G ORDER BY ID)"),
            expect=[(1, 300), (2, 300), (3, 300), (4, 50), (5, 50)],
        ),
        Case(
            "last_value_with_full_frame",
            LAST_VALUE,
            setup=T,
            query=over(
                "LAST_VALUE(AMT) OVER (PARTITION BY G ORDER BY ID "
                "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)"
            ),
            expect=[(1, 100), (2, 100), (3, 100), (4, 70), (5, 70)],
        ),
        Case(
            "ntile_splits_in_buckets",
            NTILE,
            setup=T,
            query=over("NTILE(2) OVER (ORDER BY ID)"),
            expect=[(1, 1), (2, 1), (3, 1), (4, 2), (5, 2)],
        ),
        Case(
            "count_over_everything_is_an_integer",
            COUNT,
            setup=T,
            query=over("COUNT(*) OVER ()"),
            expect=[(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)],
        ),
        Case(
            "max_over_partition",
            SYNTAX,
            setup=T,
            query=over("MAX(PRICE) OVER (PARTITION BY G)"),
            expect=[
                (1, Decimal("2.20")),
                (2, Decimal("2.20")),
                (3, Decimal("2.20")),
                (4, Decimal("9.99")),
                (5, Decimal("9.99")),
            ],
        ),
        Case(
            "avg_over_integers_has_scale_six",
            MEAN,
            setup=T,
            query=over("AVG(AMT) OVER (PARTITION BY G)"),
            expect=[
                (1, Decimal("233.333333")),
                (2, Decimal("233.333333")),
                (3, Decimal("233.333333")),
                (4, Decimal("60.000000")),
                (5, Decimal("60.000000")),
            ],
        ),
    ],
)
