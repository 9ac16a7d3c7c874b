"""The booking schema: the one place that names columns, types, the key, validation rules and metrics.

Every layer, in SQL and in Snowpark DataFrame code alike, reads these declarations; no column name is
spelled inside layer code. The declarations are plain data so that :mod:`moviecdc.sql` can turn them into
sqlglot trees and :mod:`moviecdc.layers` into Snowpark columns, from the same source.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

RuleCheck = Literal["not_null", "positive", "non_negative", "one_of", "at_most"]
Aggregate = Literal["count", "sum", "max"]


@dataclass(frozen=True)
class Column:
    """A column and its Snowflake type (as Snowflake spells it)."""

    name: str
    type: str


@dataclass(frozen=True)
class Rule:
    """A validation rule; a row that *fails* it is rejected with ``reason``.

    ``not_null``: the value is present. ``positive``: present and > 0. ``non_negative``: present and >= 0.
    ``one_of``: present and one of ``values``. ``at_most``: present and <= ``limit`` (a business bound).
    """

    column: str
    check: RuleCheck
    reason: str
    values: tuple[str, ...] = ()
    limit: int | Decimal | None = None


def at_most(column: str, limit: int | Decimal) -> Rule:
    """A business bound: a row whose ``column`` is above ``limit`` is rejected.

    >>> at_most("TICKET_COUNT", 1000).reason
    'ticket_count must be at most 1,000'
    """
    return Rule(column, "at_most", f"{column.lower()} must be at most {limit:,}", limit=limit)


@dataclass(frozen=True)
class Metric:
    """A Gold measure: ``aggregate`` over rows whose ``filter_column`` is in ``filter_values`` (all if empty).

    ``count`` counts rows; ``sum`` adds the product of ``factors``; ``max`` takes the largest ``factors[0]``.
    """

    name: str
    aggregate: Aggregate
    type: str
    factors: tuple[str, ...] = ()
    filter_column: str | None = None
    filter_values: tuple[str, ...] = ()


@dataclass(frozen=True)
class CdcColumns:
    """Names of the change-data columns: the stream's metadata and what Bronze, Silver and Rejected add."""

    action: str = "METADATA$ACTION"
    is_update: str = "METADATA$ISUPDATE"
    row_id: str = "METADATA$ROW_ID"
    change_type: str = "CHANGE_TYPE"
    change_is_update: str = "IS_UPDATE"
    change_timestamp: str = "CHANGE_TIMESTAMP"
    change_row_id: str = "ROW_ID"
    latest_change_timestamp: str = "LATEST_CHANGE_TIMESTAMP"
    reject_reason: str = "REJECT_REASON"
    insert: str = "INSERT"
    delete: str = "DELETE"


@dataclass(frozen=True)
class EntitySchema:
    """What the pipeline needs to know about the entity it tracks."""

    columns: tuple[Column, ...]
    key: str
    group_by: str
    rules: tuple[Rule, ...]
    metrics: tuple[Metric, ...]
    rank_by: str  # the metric that orders "top" lists (dashboard, CLI)
    cdc: CdcColumns = CdcColumns()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def bronze_columns(self) -> tuple[Column, ...]:
        """Raw columns plus the CDC columns of the Bronze log."""
        return (
            *self.columns,
            Column(self.cdc.change_type, "VARCHAR"),
            Column(self.cdc.change_is_update, "BOOLEAN"),
            Column(self.cdc.change_timestamp, "TIMESTAMP_NTZ"),
            Column(self.cdc.change_row_id, "VARCHAR"),
        )


STATUSES = ("BOOKED", "CANCELLED", "COMPLETED")
SOLD_STATUSES = ("BOOKED", "COMPLETED")
CANCELLED_STATUSES = ("CANCELLED",)

BOOKINGS = EntitySchema(
    columns=(
        Column("BOOKING_ID", "VARCHAR"),
        Column("CUSTOMER_ID", "VARCHAR"),
        Column("MOVIE_ID", "VARCHAR"),
        Column("BOOKING_DATE", "TIMESTAMP_NTZ"),
        Column("STATUS", "VARCHAR"),
        Column("TICKET_COUNT", "INT"),
        Column("TICKET_PRICE", "NUMBER(10, 2)"),
    ),
    key="BOOKING_ID",
    group_by="MOVIE_ID",
    # Checked in this order; a rejected row carries the reason of the first rule it fails. The business
    # bounds (PipelineConfig.max_tickets_per_booking, max_ticket_price) are checked after these.
    rules=(
        Rule("BOOKING_ID", "not_null", "booking_id is missing"),
        Rule("MOVIE_ID", "not_null", "movie_id is missing"),
        Rule("TICKET_COUNT", "positive", "ticket_count must be a positive number"),
        Rule("TICKET_PRICE", "non_negative", "ticket_price must be zero or more"),
        Rule("STATUS", "one_of", "status must be BOOKED, CANCELLED or COMPLETED", STATUSES),
    ),
    metrics=(
        # NUMBER(38, s): what Snowflake's SUM of NUMBER(p, s) returns, so no sum of valid rows can overflow
        # the declared type (with the business bounds of PipelineConfig, 10^24 bookings would not).
        Metric("TOTAL_BOOKINGS", "count", "NUMBER(38, 0)"),
        Metric("TOTAL_TICKETS_SOLD", "sum", "NUMBER(38, 0)", ("TICKET_COUNT",), "STATUS", SOLD_STATUSES),
        Metric(
            "TOTAL_REVENUE",
            "sum",
            "NUMBER(38, 2)",
            ("TICKET_COUNT", "TICKET_PRICE"),
            "STATUS",
            SOLD_STATUSES,
        ),
        Metric("TOTAL_CANCELLATIONS", "count", "NUMBER(38, 0)", (), "STATUS", CANCELLED_STATUSES),
        Metric("REFRESH_TIMESTAMP", "max", "TIMESTAMP_NTZ", ("LATEST_CHANGE_TIMESTAMP",)),
    ),
    rank_by="TOTAL_REVENUE",
)
