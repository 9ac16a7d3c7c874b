"""QUALIFY: filtering on window functions, after WHERE / GROUP BY / HAVING, by alias or inline."""

from __future__ import annotations

from datetime import datetime

from .case import Case, family

Q = "https://docs.snowflake.com/en/sql-reference/constructs/qualify"

SALES = (
    "CREATE TABLE SALES (REGION VARCHAR, REP VARCHAR, AMT INT)",
    "INSERT INTO SALES VALUES ('east', 'ann', 100), ('east', 'bob', 300), ('east', 'cid', 300), "
    "('west', 'dee', 200), ('west', 'eve', 50)",
)
EVENTS = (
    "CREATE TABLE EV (K VARCHAR, TS TIMESTAMP_NTZ, STATUS VARCHAR)",
    "INSERT INTO EV VALUES ('x', '2024-01-01 10:00:00', 'BOOKED'), ('x', '2024-01-01 11:00:00', 'CANCELLED'), "
    "('y', '2024-01-01 09:00:00', 'BOOKED')",
)

CASES = family(
    "qualify",
    [
        Case(
            "top_row_per_partition",
            Q,
            setup=SALES,
            query="SELECT REGION, REP, AMT FROM SALES "
            "QUALIFY ROW_NUMBER() OVER (PARTITION BY REGION ORDER BY AMT DESC, REP) = 1 ORDER BY REGION",
            expect=[("east", "bob", 300), ("west", "dee", 200)],
        ),
        Case(
            "filter_on_select_list_alias",
            Q,
            setup=SALES,
            query="SELECT REGION, REP, ROW_NUMBER() OVER (PARTITION BY REGION ORDER BY AMT) AS RN FROM SALES "
            "QUALIFY RN = 1 ORDER BY REGION",
            expect=[("east", "ann", 1), ("west", "eve", 1)],
        ),
        Case(
            "rank_keeps_ties",
            Q,
            setup=SALES,
            query="SELECT REGION, REP FROM SALES QUALIFY RANK() OVER (PARTITION BY REGION ORDER BY AMT DESC) = 1 "
            "ORDER BY REGION, REP",
            expect=[("east", "bob"), ("east", "cid"), ("west", "dee")],
        ),
        Case(
            "where_is_applied_before_the_window",
            Q,
            setup=SALES,
            query="SELECT REGION, REP FROM SALES WHERE AMT < 300 "
            "QUALIFY ROW_NUMBER() OVER (PARTITION BY REGION ORDER BY AMT DESC) = 1 ORDER BY REGION",
            expect=[("east", "ann"), ("west", "dee")],
        ),
        Case(
            "after_group_by_on_aggregates",
            Q,
            setup=SALES,
            query="SELECT REGION, MIN(AMT) AS LOW FROM SALES GROUP BY REGION "
            "QUALIFY RANK() OVER (ORDER BY MIN(AMT) DESC) = 1",
            expect=[("east", 100)],
        ),
        Case(
            "after_having",
            Q,
            setup=SALES,
            query="SELECT REGION, COUNT(*) AS N FROM SALES GROUP BY REGION HAVING COUNT(*) > 1 "
            "QUALIFY ROW_NUMBER() OVER (ORDER BY REGION DESC) = 1",
            expect=[("west", 2)],
        ),
        Case(
            "find_duplicates_with_count_over",
            Q,
            setup=SALES,
            query="SELECT REP FROM SALES QUALIFY COUNT(*) OVER (PARTITION BY AMT) > 1 ORDER BY REP",
            expect=[("bob",), ("cid",)],
        ),
        Case(
            "dense_rank_top_two_values",
            Q,
            setup=SALES,
            query="SELECT REP FROM SALES QUALIFY DENSE_RANK() OVER (ORDER BY AMT DESC) <= 2 ORDER BY REP",
            expect=[("bob",), ("cid",), ("dee",)],
        ),
        Case(
            "order_by_and_limit_apply_after",
            Q,
            setup=SALES,
            query="SELECT REP, AMT FROM SALES QUALIFY ROW_NUMBER() OVER (PARTITION BY REGION ORDER BY AMT) = 1 "
            "ORDER BY AMT DESC LIMIT 1",
            expect=[("ann", 100)],
        ),
        Case(
            "compare_with_lag",
            Q,
            setup=SALES,
            query="SELECT REP FROM SALES QUALIFY AMT > LAG(AMT) OVER (PARTITION BY REGION ORDER BY REP) ORDER BY REP",
            expect=[("bob",)],
        ),
        Case(
            "latest_event_per_key",
            Q,
            setup=EVENTS,
            query="SELECT K, TS, STATUS FROM EV QUALIFY ROW_NUMBER() OVER (PARTITION BY K ORDER BY TS DESC) = 1 "
            "ORDER BY K",
            expect=[("x", datetime(2024, 1, 1, 11, 0), "CANCELLED"), ("y", datetime(2024, 1, 1, 9, 0), "BOOKED")],
        ),
        Case(
            "inside_a_cte",
            Q,
            setup=SALES,
            query="WITH TOP AS (SELECT REGION, AMT FROM SALES "
            "QUALIFY ROW_NUMBER() OVER (PARTITION BY REGION ORDER BY AMT DESC, REP) = 1) "
            "SELECT COUNT(*), MIN(AMT) FROM TOP",
            expect=[(2, 200)],
        ),
        Case(
            "without_a_window_function_is_an_error",
            Q,
            setup=SALES,
            query="SELECT REP FROM SALES QUALIFY AMT > 100",
            error="",
        ),
    ],
)
