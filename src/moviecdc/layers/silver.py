"""Silver: the latest state of every booking, and the bookings that fail validation.

Both dynamic tables read Bronze and share one derivation:

1. **Latest event per (booking, raw row).** A raw row is identified by the stream's ``ROW_ID`` (stable for
   the row's life, shared by both halves of an update). For each ``(BOOKING_ID, ROW_ID)`` pair the newest
   Bronze event by ``CHANGE_TIMESTAMP`` says whether that row currently holds that booking; within one task
   run (same timestamp) the ``INSERT`` half of an update wins over its ``DELETE`` half.
2. **Rows that exist.** A pair whose newest event is a ``DELETE`` is gone: a hard delete, or an update that
   moved the row to another booking_id (the DELETE half carries the old values, the INSERT half the new
   ones, each in its own pair). What remains mirrors the raw table exactly, so Silver depends only on the
   raw table's final state, never on when the ingest task ran. Rows with a missing booking_id stay apart
   because their ``ROW_ID`` values differ.
3. **Validation.** Each remaining row gets the reason of the first rule it fails, or NULL. A booking_id held
   by more than one raw row is rejected too, so Silver has exactly one row per booking and nothing is
   dropped silently. Valid rows are Silver; the others are ``MOVIES_BOOKING_REJECTED``.

Every step is local to one booking_id (both windows partition by it), so a change to one booking only
touches that booking's rows: the shape incremental refresh handles best.
"""

from __future__ import annotations

from snowflake.snowpark import DataFrame, Window
from snowflake.snowpark import functions as F
from sqlglot import exp

from moviecdc import sql
from moviecdc.layers.base import Layer, create_dynamic_table, drop_dynamic_table
from moviecdc.layers.expressions import reject_reason_column, reject_reason_sql
from moviecdc.sql import Statement

_LATEST = "LATEST_EVENT"
_CURRENT = "CURRENT_STATE"


class SilverLayer(Layer):
    """``MOVIES_BOOKING_FILTERED`` (valid bookings) and ``MOVIES_BOOKING_REJECTED`` (with a reason)."""

    def statements(self) -> list[Statement]:
        return [
            create_dynamic_table(
                self.config.name("silver_table"), self.silver_sql(), self.config.silver_target_lag, self.config
            ),
            # Nothing reads the rejected table, so it needs a lag of its own: DOWNSTREAM would never refresh.
            create_dynamic_table(
                self.config.name("rejected_table"), self.rejected_sql(), self.config.rejected_target_lag, self.config
            ),
        ]

    def teardown_statements(self, *, drop_data: bool = False) -> list[Statement]:
        return [drop_dynamic_table(self.config.name(f)) for f in ("rejected_table", "silver_table")]

    # -- SQL --------------------------------------------------------------------------------------------------

    def silver_sql(self) -> sql.Fragment:
        return sql.render(self._current_state_sql(valid=True))

    def rejected_sql(self) -> sql.Fragment:
        return sql.render(self._current_state_sql(valid=False))

    def _current_state_sql(self, *, valid: bool) -> exp.Select:
        schema, cdc = self.schema, self.schema.cdc
        columns = [sql.column(name) for name in schema.column_names]
        insert_first = (
            exp.Case()
            .when(exp.EQ(this=sql.column(cdc.change_type), expression=sql.string(cdc.insert)), exp.Literal.number(0))
            .else_(exp.Literal.number(1))
        )
        newest_first = exp.Window(
            this=exp.RowNumber(),
            partition_by=[sql.column(schema.key), sql.column(cdc.change_row_id)],
            order=exp.Order(
                expressions=[
                    exp.Ordered(this=sql.column(cdc.change_timestamp), desc=True),
                    exp.Ordered(this=insert_first),
                ]
            ),
        )
        latest_event = (
            exp.select(
                *columns,
                exp.alias_(sql.column(cdc.change_timestamp), sql.ident(cdc.latest_change_timestamp)),
                sql.column(cdc.change_type),
            )
            .from_(sql.table(self.config.name("bronze_table")))
            .qualify(exp.EQ(this=newest_first, expression=exp.Literal.number(1)))
        )
        rows_per_key = exp.Window(this=exp.Count(this=exp.Star()), partition_by=[sql.column(schema.key)])
        duplicate = exp.GT(this=rows_per_key, expression=exp.Literal.number(1))
        current_state = (
            exp.select(
                *columns,
                sql.column(cdc.latest_change_timestamp),
                exp.alias_(
                    reject_reason_sql(self.rules, duplicate, self.duplicate_key_reason),
                    sql.ident(cdc.reject_reason),
                ),
            )
            .from_(exp.Table(this=sql.ident(_LATEST)))
            .where(exp.EQ(this=sql.column(cdc.change_type), expression=sql.string(cdc.insert)))
        )
        output = [*columns, sql.column(cdc.latest_change_timestamp)]
        reason = sql.column(cdc.reject_reason)
        if valid:
            condition: exp.Expression = exp.Is(this=reason, expression=exp.Null())
        else:
            output.append(sql.column(cdc.reject_reason))
            condition = exp.Not(this=exp.Is(this=reason, expression=exp.Null()))
        return (
            exp.select(*output)
            .from_(exp.Table(this=sql.ident(_CURRENT)))
            .where(condition)
            .with_(sql.ident(_LATEST), as_=latest_event)
            .with_(sql.ident(_CURRENT), as_=current_state)
        )

    @property
    def duplicate_key_reason(self) -> str:
        return f"{self.schema.key.lower()} appears in more than one row"

    # -- Snowpark DataFrames ----------------------------------------------------------------------------------

    def transform(self, bronze_df: DataFrame) -> DataFrame:
        """Silver from a Bronze DataFrame: the latest state of every valid booking."""
        current = self._current_state(bronze_df)
        reason = sql.quote_name(self.schema.cdc.reject_reason)
        return current.filter(F.col(reason).is_null()).drop(reason)

    def rejected(self, bronze_df: DataFrame) -> DataFrame:
        """The rejected table from a Bronze DataFrame: latest state of invalid bookings, with the reason."""
        current = self._current_state(bronze_df)
        return current.filter(F.col(sql.quote_name(self.schema.cdc.reject_reason)).is_not_null())

    def _current_state(self, bronze_df: DataFrame) -> DataFrame:
        schema, cdc = self.schema, self.schema.cdc
        q = sql.quote_name
        change_type = F.col(q(cdc.change_type))
        newest_first = Window.partition_by(F.col(q(schema.key)), F.col(q(cdc.change_row_id))).order_by(
            F.col(q(cdc.change_timestamp)).desc(),
            F.when(change_type == F.lit(cdc.insert), F.lit(0)).otherwise(F.lit(1)),
        )
        rank = q("_MOVIECDC_RANK")
        latest = bronze_df.with_column(rank, F.row_number().over(newest_first)).filter(
            (F.col(rank) == F.lit(1)) & (change_type == F.lit(cdc.insert))
        )
        duplicate = F.count(F.lit(1)).over(Window.partition_by(F.col(q(schema.key)))) > F.lit(1)
        return latest.select(
            *(F.col(q(name)) for name in schema.column_names),
            F.col(q(cdc.change_timestamp)).alias(q(cdc.latest_change_timestamp)),
            reject_reason_column(self.rules, duplicate, self.duplicate_key_reason).alias(q(cdc.reject_reason)),
        )
