"""The input: the raw bookings table and the standard stream that records its changes."""

from __future__ import annotations

from snowflake.snowpark import DataFrame, Session

from moviecdc import sql
from moviecdc.layers.base import Layer
from moviecdc.sql import Statement, StatementKind


class RawSource(Layer):
    """``RAW_MOVIES_BOOKING`` and ``RAW_MOVIES_BOOKING_STREAM``.

    Both are created ``IF NOT EXISTS`` and never replaced: replacing the table drops its rows, and
    replacing the stream loses its offset and every change not yet consumed.
    """

    def statements(self) -> list[Statement]:
        table, stream = self.config.name("raw_table"), self.config.name("stream")
        return [
            Statement(StatementKind.CREATE_TABLE, table, sql.create_table(table, self.schema.columns)),
            Statement(StatementKind.CREATE_STREAM, stream, sql.create_stream(stream, table)),
        ]

    def teardown_statements(self, *, drop_data: bool = False) -> list[Statement]:
        if not drop_data:
            return []
        table, stream = self.config.name("raw_table"), self.config.name("stream")
        return [
            Statement(StatementKind.DROP_STREAM, stream, sql.drop("STREAM", stream)),
            Statement(StatementKind.DROP_TABLE, table, sql.drop_table(table)),
        ]

    def dataframe(self, session: Session) -> DataFrame:
        """The raw table as a Snowpark DataFrame."""
        return session.table(self.config.name("raw_table").sql)
