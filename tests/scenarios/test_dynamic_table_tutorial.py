"""A two-table dynamic-table pipeline (Snowflake documentation, "Create a dynamic table",
https://docs.snowflake.com/user-guide/dynamic-tables/create)."""

from __future__ import annotations

from decimal import Decimal

from scenario_helpers import rows, run

from moviecdc import LocalSession


def test_the_pipeline_holds_its_query_result_and_follows_new_rows(session: LocalSession) -> None:
    run(
        session,
        """CREATE OR REPLACE TABLE raw_orders (
               order_id INT, customer_id INT, order_date TIMESTAMP_NTZ, product_name VARCHAR,
               quantity INT, unit_price DECIMAL(10, 2), order_status VARCHAR,
               CONSTRAINT pk_raw_orders PRIMARY KEY (order_id) RELY)""",
        """CREATE OR REPLACE TABLE customers (
               customer_id INT, customer_name VARCHAR, region VARCHAR,
               CONSTRAINT pk_customers PRIMARY KEY (customer_id) RELY)""",
        """INSERT INTO raw_orders VALUES
               (501, 1, '2026-02-01 09:00:00', 'Lamp', 2, 19.90, 'completed'),
               (502, 2, '2026-02-01 10:30:00', 'Desk', 1, 149.00, 'completed'),
               (503, 1, '2026-02-02 16:15:00', 'Chair', 4, 45.50, 'pending')""",
        "INSERT INTO customers VALUES (1, 'Nadia', 'North'), (2, 'Omar', 'South')",
        """CREATE OR REPLACE DYNAMIC TABLE enriched_orders
               TARGET_LAG = DOWNSTREAM
               WAREHOUSE = COMPUTE_WH
           AS
           SELECT o.order_id, o.order_date, c.customer_name, c.region,
                  o.quantity * o.unit_price AS line_total, o.order_status
           FROM raw_orders o JOIN customers c ON o.customer_id = c.customer_id""",
        """CREATE OR REPLACE DYNAMIC TABLE revenue_by_region
               TARGET_LAG = '1 minute'
               WAREHOUSE = COMPUTE_WH
           AS
           SELECT region, COUNT(*) AS orders, SUM(line_total) AS revenue
           FROM enriched_orders
           WHERE order_status = 'completed'
           GROUP BY region""",
    )
    # Initialised at creation with the query's result.
    assert rows(session, "SELECT * FROM revenue_by_region ORDER BY region") == [
        ("North", 1, Decimal("39.80")),
        ("South", 1, Decimal("149.00")),
    ]

    run(
        session,
        "INSERT INTO raw_orders VALUES (504, 2, '2026-02-03 08:00:00', 'Lamp', 1, 19.90, 'completed')",
        "UPDATE raw_orders SET order_status = 'completed' WHERE order_id = 503",
    )
    assert rows(session, "SELECT SUM(orders) FROM revenue_by_region") == [(2,)]  # not refreshed yet
    session.advance(minutes=1)
    assert rows(session, "SELECT * FROM revenue_by_region ORDER BY region") == [
        ("North", 2, Decimal("221.80")),
        ("South", 2, Decimal("168.90")),
    ]
