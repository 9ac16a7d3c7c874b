"""Bronze: the append-only CDC log, filled by a task that consumes the raw table's stream."""

from __future__ import annotations

from datetime import datetime, timedelta

from snowflake.snowpark import DataFrame
from snowflake.snowpark import functions as F
from sqlglot import exp

from moviecdc import sql
from moviecdc.identifiers import QualifiedName
from moviecdc.layers.base import Layer, drop_task, suspend_task
from moviecdc.layers.expressions import snowpark_type
from moviecdc.sql import Statement, StatementKind


class BronzeLayer(Layer):
    """``MOVIES_BOOKING_CDC_EVENTS`` and the ``INGEST_MOVIES_BOOKING_CDC_EVENTS`` task.

    The task runs one ``INSERT ... SELECT ... FROM <stream>``: reading the stream and writing Bronze is a
    single DML statement, so the stream's offset advances exactly when the rows are committed to Bronze; a
    failed run leaves both untouched. ``WHEN SYSTEM$STREAM_HAS_DATA`` skips runs (and warehouse credits)
    while nothing changed.
    """

    def statements(self) -> list[Statement]:
        bronze, task = self.config.name("bronze_table"), self.config.name("ingest_task")
        create_task = sql.create_task(
            task,
            body=self.ingest_sql(),
            schedule=self.config.ingest_schedule,
            warehouse=self.config.warehouse,
            suspend_after_failures=self.config.suspend_task_after_num_failures,
            when_stream_has_data=self.config.name("stream"),
        )
        return [
            Statement(StatementKind.CREATE_TABLE, bronze, sql.create_table(bronze, self.schema.bronze_columns)),
            # CREATE OR ALTER TASK needs a suspended task; deploy resumes it after every object exists.
            suspend_task(task),
            Statement(StatementKind.CREATE_TASK, task, create_task),
        ]

    def teardown_statements(self, *, drop_data: bool = False) -> list[Statement]:
        task, bronze = self.config.name("ingest_task"), self.config.name("bronze_table")
        statements = [drop_task(task)]
        if drop_data:
            statements.append(Statement(StatementKind.DROP_TABLE, bronze, sql.drop_table(bronze)))
        return statements

    @property
    def tasks(self) -> list[QualifiedName]:
        return [self.config.name("ingest_task")]

    def ingest_sql(self) -> sql.Fragment:
        """The task body: every row of the stream, as returned, into Bronze with the run's timestamp."""
        cdc = self.schema.cdc
        # The run's time in UTC as TIMESTAMP_NTZ: CURRENT_TIMESTAMP() is one value for the whole statement,
        # and converting to UTC keeps the log independent of the task session's TIMEZONE parameter.
        run_timestamp = _utc_now()
        select = exp.select(
            *(sql.column(name) for name in self.schema.column_names),
            sql.column(cdc.action),
            sql.column(cdc.is_update),
            run_timestamp,
            sql.column(cdc.row_id),
        ).from_(sql.table(self.config.name("stream")))
        target = exp.Schema(
            this=sql.table(self.config.name("bronze_table")),
            expressions=[sql.ident(c.name) for c in self.schema.bronze_columns],
        )
        return sql.render(exp.Insert(this=target, expression=select))

    def compact_sql(self, retention: timedelta) -> sql.Fragment:
        """The DELETE that removes Bronze events superseded by a later event and older than ``retention``.

        An event is superseded when its ``(BOOKING_ID, ROW_ID)`` pair, the partition Silver ranks events in
        (see :mod:`moviecdc.layers.silver`), has an event Silver ranks above it: one with a later
        ``CHANGE_TIMESTAMP``, or, for the DELETE half of an update, the INSERT of the same run (same timestamp).
        Silver reads only each pair's top event, which always stays, so Silver, Rejected and Gold do not
        change; each pair keeps one event once compacted. The cutoff is
        measured on the same clock the ingest task stamps events with (UTC as TIMESTAMP_NTZ), at the
        statement's start, so events the task writes while it runs are newer and never touched.

        On Snowflake the statement can run as a task of its own (``CREATE TASK … AS <this DELETE>``); the
        dynamic tables see its deletes as changes and, recomputing the affected bookings, get the same rows.
        """
        seconds = int(retention.total_seconds())
        if seconds < 0 or retention != timedelta(seconds=seconds):
            raise ValueError(f"retention must be a whole number of seconds >= 0, not {retention}")
        cdc, key = self.schema.cdc, self.schema.key
        bronze = self.config.name("bronze_table")
        latest, newest, newest_insert = "LATEST_EVENT", "NEWEST_CHANGE_TIMESTAMP", "NEWEST_INSERT_TIMESTAMP"
        is_insert = exp.EQ(this=sql.column(cdc.change_type), expression=sql.string(cdc.insert))
        newest_per_pair = (
            exp.select(
                sql.column(key),
                sql.column(cdc.change_row_id),
                exp.alias_(exp.Max(this=sql.column(cdc.change_timestamp)), sql.ident(newest)),
                exp.alias_(
                    exp.Max(this=exp.If(this=is_insert, true=sql.column(cdc.change_timestamp), false=exp.Null())),
                    sql.ident(newest_insert),
                ),
            )
            .from_(sql.table(bronze))
            .group_by(sql.column(key), sql.column(cdc.change_row_id))
        )
        cutoff = exp.DateAdd(this=_utc_now(), expression=exp.Literal.number(-seconds), unit=exp.var("SECOND"))
        event = bronze.name  # the target table, as Snowflake's DELETE … USING examples name it
        stamp = sql.column(cdc.change_timestamp, event)
        superseded = exp.or_(
            exp.LT(this=stamp, expression=sql.column(newest, latest)),
            # the DELETE half of an update: the INSERT of the same run (same timestamp) wins in Silver
            exp.and_(
                exp.EQ(this=sql.column(cdc.change_type, event), expression=sql.string(cdc.delete)),
                exp.EQ(this=stamp, expression=sql.column(newest_insert, latest)),
            ),
        )
        condition = exp.and_(
            exp.EQ(this=sql.column(cdc.change_row_id, event), expression=sql.column(cdc.change_row_id, latest)),
            # a NULL booking_id is a partition of its own in Silver's window: match it NULL-safely
            exp.NullSafeEQ(this=sql.column(key, event), expression=sql.column(key, latest)),
            exp.paren(superseded),
            exp.LT(this=stamp, expression=cutoff),
        )
        delete = exp.Delete(
            this=sql.table(bronze),
            using=[exp.Subquery(this=newest_per_pair, alias=exp.TableAlias(this=sql.ident(latest)))],
            where=exp.Where(this=condition),
        )
        return sql.render(delete)

    def transform(self, stream_df: DataFrame, change_timestamp: datetime) -> DataFrame:
        """What one task run appends to Bronze, given the stream's rows and the run's time.

        ``stream_df`` has the raw columns and ``METADATA$ACTION``, ``METADATA$ISUPDATE``, ``METADATA$ROW_ID``.
        """
        cdc = self.schema.cdc
        return stream_df.select(
            *(F.col(sql.quote_name(name)) for name in self.schema.column_names),
            F.col(sql.quote_name(cdc.action)).alias(sql.quote_name(cdc.change_type)),
            F.col(sql.quote_name(cdc.is_update)).alias(sql.quote_name(cdc.change_is_update)),
            F.lit(change_timestamp).cast(snowpark_type("TIMESTAMP_NTZ")).alias(sql.quote_name(cdc.change_timestamp)),
            F.col(sql.quote_name(cdc.row_id)).cast(snowpark_type("VARCHAR")).alias(sql.quote_name(cdc.change_row_id)),
        )


def _utc_now() -> exp.Expression:
    """The statement's time in UTC as TIMESTAMP_NTZ: how Bronze's CHANGE_TIMESTAMP is stamped."""
    return exp.Cast(
        this=exp.ConvertTimezone(target_tz=sql.string("UTC"), timestamp=exp.CurrentTimestamp()),
        to=sql.data_type("TIMESTAMP_NTZ"),
    )
