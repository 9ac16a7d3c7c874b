"""Dynamic tables: initialization, TARGET_LAG (time and DOWNSTREAM), REFRESH/SUSPEND/RESUME, SHOW, limits."""

from __future__ import annotations

from decimal import Decimal

from .case import Case, adv, family

CREATE = "https://docs.snowflake.com/en/sql-reference/sql/create-dynamic-table"
ALTER = "https://docs.snowflake.com/en/sql-reference/sql/alter-dynamic-table"
SHOW = "https://docs.snowflake.com/en/sql-reference/sql/show-dynamic-tables"
LAG = "https://docs.snowflake.com/en/user-guide/dynamic-tables-target-lag"
LIMITS = "https://docs.snowflake.com/en/user-guide/dynamic-tables-limitations"
HISTORY = "https://docs.snowflake.com/en/sql-reference/functions/dynamic_table_refresh_history"
DROP = "https://docs.snowflake.com/en/sql-reference/sql/drop-dynamic-table"

BASE = ("CREATE TABLE B (K VARCHAR, AMT NUMBER(10,2))", "INSERT INTO B VALUES ('a', 1.10), ('a', 2.20), ('b', 5.00)")
# MAX and COUNT keep the refresh cases independent of SUM's result type, which has a case of its own.
DT = (
    "CREATE DYNAMIC TABLE D TARGET_LAG = '1 minute' WAREHOUSE = COMPUTE_WH "
    "AS SELECT K, MAX(AMT) AS TOP, COUNT(*) AS N FROM B GROUP BY K"
)
TOTALS = "SELECT K, TOP, N FROM D ORDER BY K"
INITIAL = [("a", Decimal("2.20"), 2), ("b", Decimal("5.00"), 1)]
MORE = "INSERT INTO B VALUES ('c', 1.00)"
WITH_C = [*INITIAL, ("c", Decimal("1.00"), 1)]
DOWNSTREAM = (
    "CREATE DYNAMIC TABLE D1 TARGET_LAG = DOWNSTREAM WAREHOUSE = COMPUTE_WH AS SELECT K, AMT FROM B WHERE AMT > 2"
)

CASES = family(
    "dynamic_tables",
    [
        Case("populated_at_creation", CREATE, setup=(*BASE, DT), query=TOTALS, expect=INITIAL),
        Case(
            "sum_column_keeps_the_number_type",
            CREATE,
            setup=(
                *BASE,
                "CREATE DYNAMIC TABLE D TARGET_LAG = '1 minute' WAREHOUSE = COMPUTE_WH "
                "AS SELECT K, SUM(AMT) AS TOTAL FROM B GROUP BY K",
            ),
            query="SELECT K, TOTAL FROM D ORDER BY K",
            expect=[("a", Decimal("3.30")), ("b", Decimal("5.00"))],
        ),
        Case(
            "count_column_is_an_integer",
            CREATE,
            setup=(
                *BASE,
                "CREATE DYNAMIC TABLE C TARGET_LAG = '1 minute' WAREHOUSE = COMPUTE_WH "
                "AS SELECT K, COUNT(*) AS N FROM B GROUP BY K",
            ),
            query="SELECT K, N FROM C ORDER BY K",
            expect=[("a", 2), ("b", 1)],
        ),
        Case("not_refreshed_before_its_lag", LAG, setup=(*BASE, DT, MORE), query=TOTALS, expect=INITIAL),
        Case(
            "manual_refresh_applies_changes",
            ALTER,
            setup=(*BASE, DT, MORE, "ALTER DYNAMIC TABLE D REFRESH"),
            query=TOTALS,
            expect=WITH_C,
        ),
        Case("refreshed_automatically_within_lag", LAG, setup=(*BASE, DT, MORE, adv(120)), query=TOTALS, expect=WITH_C),
        Case(
            "refresh_applies_updates",
            ALTER,
            setup=(*BASE, DT, "UPDATE B SET AMT = 10 WHERE K = 'b'", "ALTER DYNAMIC TABLE D REFRESH"),
            query=TOTALS,
            expect=[("a", Decimal("2.20"), 2), ("b", Decimal("10.00"), 1)],
        ),
        Case(
            "refresh_applies_deletes",
            ALTER,
            setup=(*BASE, DT, "DELETE FROM B WHERE K = 'b'", "ALTER DYNAMIC TABLE D REFRESH"),
            query=TOTALS,
            expect=[("a", Decimal("2.20"), 2)],
        ),
        Case(
            "suspended_table_is_not_refreshed",
            ALTER,
            setup=(*BASE, DT, "ALTER DYNAMIC TABLE D SUSPEND", MORE, adv(600)),
            query=TOTALS,
            expect=INITIAL,
        ),
        Case(
            "resumed_table_catches_up",
            ALTER,
            setup=(
                *BASE,
                DT,
                "ALTER DYNAMIC TABLE D SUSPEND",
                MORE,
                adv(300),
                "ALTER DYNAMIC TABLE D RESUME",
                adv(120),
            ),
            query=TOTALS,
            expect=WITH_C,
        ),
        Case(
            "show_lists_it_by_name",
            SHOW,
            setup=(*BASE, DT),
            query="SHOW DYNAMIC TABLES LIKE 'D'",
            pick=("name",),
            expect=[("D",)],
        ),
        Case(
            "show_scheduling_state_suspended",
            SHOW,
            setup=(*BASE, DT, "ALTER DYNAMIC TABLE D SUSPEND"),
            query="SHOW DYNAMIC TABLES LIKE 'D'",
            pick=("scheduling_state",),
            expect=[("SUSPENDED",)],
        ),
        Case(
            "downstream_alone_is_not_refreshed",
            LAG,
            setup=(*BASE, DOWNSTREAM, "INSERT INTO B VALUES ('d', 9.00)", adv(600)),
            query="SELECT K, AMT FROM D1 ORDER BY K",
            expect=[("a", Decimal("2.20")), ("b", Decimal("5.00"))],
        ),
        Case(
            "downstream_is_refreshed_for_its_consumer",
            LAG,
            setup=(
                *BASE,
                DOWNSTREAM,
                "CREATE DYNAMIC TABLE D2 TARGET_LAG = '1 minute' WAREHOUSE = COMPUTE_WH "
                "AS SELECT COUNT(*) AS N FROM D1",
                "INSERT INTO B VALUES ('d', 9.00)",
                adv(120),
            ),
            query="SELECT (SELECT COUNT(*) FROM D1), (SELECT N FROM D2)",
            expect=[(3, 3)],
        ),
        Case(
            "chain_of_timed_tables_refreshes",
            LAG,
            setup=(
                *BASE,
                DT,
                "CREATE DYNAMIC TABLE D2 TARGET_LAG = '1 minute' WAREHOUSE = COMPUTE_WH "
                "AS SELECT COUNT(*) AS GROUPS, MIN(TOP) AS LOWEST FROM D",
                MORE,
                adv(180),
            ),
            query="SELECT GROUPS, LOWEST FROM D2",
            expect=[(3, Decimal("1.00"))],
        ),
        Case(
            "refresh_history_records_success",
            HISTORY,
            setup=(*BASE, DT, MORE, "ALTER DYNAMIC TABLE D REFRESH"),
            query="SELECT COUNT_IF(STATE = 'SUCCEEDED') > 0 "
            "FROM TABLE(INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY(NAME => 'CONF.PUBLIC.D'))",
            expect=[(True,)],
        ),
        Case(
            "create_or_replace_changes_the_query",
            CREATE,
            setup=(
                *BASE,
                DT,
                "CREATE OR REPLACE DYNAMIC TABLE D TARGET_LAG = '1 minute' WAREHOUSE = COMPUTE_WH "
                "AS SELECT K, MIN(AMT) AS TOP, COUNT(*) AS N FROM B GROUP BY K",
            ),
            query=TOTALS,
            expect=[("a", Decimal("1.10"), 2), ("b", Decimal("5.00"), 1)],
        ),
        Case(
            "drop_removes_it",
            DROP,
            setup=(*BASE, DT, "DROP DYNAMIC TABLE D"),
            query="SHOW DYNAMIC TABLES LIKE 'D'",
            pick=("name",),
            expect=[],
        ),
        Case(
            "lag_under_one_minute_is_refused",
            CREATE,
            setup=BASE,
            query="CREATE DYNAMIC TABLE D TARGET_LAG = '30 seconds' WAREHOUSE = COMPUTE_WH AS SELECT K FROM B",
            error="",
        ),
        Case(
            "dml_on_a_dynamic_table_is_refused",
            LIMITS,
            setup=(*BASE, DT),
            query="INSERT INTO D VALUES ('z', 1.00)",
            error="",
        ),
        Case(
            "reading_a_stream_is_refused",
            LIMITS,
            setup=(*BASE, "CREATE STREAM S ON TABLE B"),
            query="CREATE DYNAMIC TABLE D TARGET_LAG = '1 minute' WAREHOUSE = COMPUTE_WH AS SELECT K FROM S",
            error="",
        ),
    ],
)
