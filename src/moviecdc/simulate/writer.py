"""`BookingWriter`: apply simulator batches to the raw table through any session, in bulk.

Per batch, at most five round trips whatever its size, never one statement per row:

1. inserts: ``session.write_pandas(...)`` straight into the raw table;
2. updates and deletes: ``TRUNCATE TABLE`` the staging table, ``write_pandas`` the changed rows into it
   (deletes carry only their booking_id), then one ``UPDATE raw ... FROM staging`` and one
   ``DELETE FROM raw WHERE booking_id IN (SELECT ... FROM staging)``.

The staging table lives beside the raw table, named ``<RAW>_SIMULATOR_STAGING``, created once per writer with
``CREATE TABLE IF NOT EXISTS`` and truncated before every use, so rows a crashed run left behind never leak
into the next batch; :meth:`BookingWriter.drop_staging` removes it. On Snowflake, ``temporary_staging=True``
makes it ``TEMPORARY`` instead (session-scoped, so two simulators writing to one schema never share it).
It is not the default because DuckDB, under fakesnow and ``LocalSession``, accepts a temporary table only
in its own ``temp`` catalog, not in ``MOVIES.PUBLIC``.
UPDATE ... FROM and DELETE ... IN (subquery) are the plainest DML forms Snowflake has for a keyed bulk
change, and the statements are fixed sqlglot trees over quoted names: no value ever enters SQL text.

>>> from unittest import mock
>>> from moviecdc.simulate import BookingSimulator, BookingWriter, SimulationConfig
>>> session = mock.Mock()
>>> writer = BookingWriter(session)
>>> counts = writer.write_all(BookingSimulator(SimulationConfig(seed=3)).batches(max_events=500))
>>> counts.total
500
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd  # type: ignore[import-untyped, unused-ignore]  # no pandas-stubs in the env
from sqlglot import exp

from moviecdc import sql
from moviecdc.config import PipelineConfig
from moviecdc.errors import ConfigError
from moviecdc.identifiers import MAX_LENGTH, QualifiedName
from moviecdc.schema import BOOKINGS, Column
from moviecdc.simulate.model import COLUMNS, KEY, Batch, Booking, bookings_frame

STAGING_SUFFIX = "_SIMULATOR_STAGING"
CHANGE_COLUMN = "SIMULATOR_CHANGE"  # staging only: which change a staging row carries
UPDATE, DELETE = "UPDATE", "DELETE"
_RAW_ALIAS, _STAGING_ALIAS = "R", "S"
# sqlglot renamed the FROM argument of UPDATE ("from" -> "from_"); accept either version.
_FROM_ARG = "from_" if "from_" in exp.Update.arg_types else "from"


class SessionLike(Protocol):
    """What the writer needs of a session: Snowpark's ``Session`` and moviecdc's ``LocalSession`` both fit."""

    def sql(self, query: str) -> Any: ...

    def write_pandas(
        self,
        df: pd.DataFrame,
        table_name: str,
        *,
        database: str | None = ...,
        schema: str | None = ...,
        quote_identifiers: bool = ...,
    ) -> Any: ...


@dataclass(frozen=True)
class WriteCounts:
    """Rows written by kind, and batches applied."""

    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    batches: int = 0

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.deleted

    def __add__(self, other: WriteCounts) -> WriteCounts:
        return WriteCounts(
            self.inserted + other.inserted,
            self.updated + other.updated,
            self.deleted + other.deleted,
            self.batches + other.batches,
        )


def staging_name(raw: QualifiedName) -> QualifiedName:
    """The staging table of ``raw``: same database and schema, ``<RAW>_SIMULATOR_STAGING``."""
    name = raw.name + STAGING_SUFFIX
    if len(name) > MAX_LENGTH:
        raise ConfigError(f"raw table name {raw.name[:40]!r}... is too long to derive a staging table name from")
    return QualifiedName(raw.database, raw.schema, name)


# -- the fixed statements -----------------------------------------------------------------------------------


def create_staging_sql(staging: QualifiedName, *, temporary: bool = False) -> str:
    """``CREATE [TEMPORARY] TABLE IF NOT EXISTS staging (raw columns..., SIMULATOR_CHANGE VARCHAR)``."""
    columns = (*BOOKINGS.columns, Column(CHANGE_COLUMN, "VARCHAR"))
    definitions = [exp.ColumnDef(this=sql.ident(c.name), kind=sql.data_type(c.type)) for c in columns]
    properties = exp.Properties(expressions=[exp.TemporaryProperty()]) if temporary else None
    create = exp.Create(
        this=exp.Schema(this=sql.table(staging), expressions=definitions),
        kind="TABLE",
        exists=True,
        properties=properties,
    )
    return str(sql.render(create, pretty=False))


def truncate_sql(staging: QualifiedName) -> str:
    return str(sql.render(exp.TruncateTable(expressions=[sql.table(staging)]), pretty=False))


def _change_is(kind: str, table: str | None = None) -> exp.EQ:
    return exp.EQ(this=sql.column(CHANGE_COLUMN, table), expression=sql.string(kind))


def update_sql(raw: QualifiedName, staging: QualifiedName) -> str:
    """One UPDATE for every updated row of the batch.

    ``UPDATE raw AS R SET <each non-key column> = S.<column> FROM staging AS S
    WHERE R.<key> = S.<key> AND S.SIMULATOR_CHANGE = 'UPDATE'``
    """
    target = sql.table(raw).as_(_RAW_ALIAS)
    source = sql.table(staging).as_(_STAGING_ALIAS)
    assignments = [
        exp.EQ(this=sql.column(name), expression=sql.column(name, _STAGING_ALIAS)) for name in COLUMNS if name != KEY
    ]
    condition = exp.and_(
        exp.EQ(this=sql.column(KEY, _RAW_ALIAS), expression=sql.column(KEY, _STAGING_ALIAS)),
        _change_is(UPDATE, _STAGING_ALIAS),
    )
    update = exp.Update(this=target, expressions=assignments, where=exp.Where(this=condition))
    update.set(_FROM_ARG, exp.From(this=source))
    return str(sql.render(update, pretty=False))


def delete_sql(raw: QualifiedName, staging: QualifiedName) -> str:
    """``DELETE FROM raw WHERE key IN (SELECT key FROM staging WHERE change = 'DELETE')``."""
    keys = exp.select(sql.column(KEY)).from_(sql.table(staging)).where(_change_is(DELETE))
    delete = exp.Delete(this=sql.table(raw), where=exp.Where(this=exp.In(this=sql.column(KEY), query=keys.subquery())))
    return str(sql.render(delete, pretty=False))


@dataclass(frozen=True)
class Frames:
    """A batch as the DataFrames the writer sends: ``inserts`` (raw rows) and ``changes`` (staging rows: full
    updated rows and deleted keys, marked in ``SIMULATOR_CHANGE``); ``None`` when there is nothing of a kind.

    Made by :func:`frames`, which converts every row from Python objects. A producer that has them ready (a
    benchmark that times the pipeline, not the load generator, e.g. read back from Parquet) passes these
    to :meth:`BookingWriter.write` instead of the :class:`Batch`.
    """

    index: int
    inserts: pd.DataFrame | None
    changes: pd.DataFrame | None

    @property
    def size(self) -> int:
        """Number of change events, as :attr:`Batch.size`."""
        return sum(len(frame) for frame in (self.inserts, self.changes) if frame is not None)


def frames(batch: Batch) -> Frames:
    """The batch's inserts (:func:`bookings_frame`) and its updates and deletes (:func:`staging_frame`)."""
    return Frames(
        batch.index,
        bookings_frame(batch.inserts) if batch.inserts else None,
        staging_frame(batch) if batch.updates or batch.deletes else None,
    )


def staging_frame(batch: Batch) -> pd.DataFrame:
    """The batch's updates (full rows) and deletes (key only) as rows of the staging table."""
    deleted = [Booking(key, None, None, None, None, None, None) for key in batch.deletes]  # type: ignore[arg-type]
    frame = bookings_frame([*batch.updates, *deleted])
    frame[CHANGE_COLUMN] = pd.array([UPDATE] * len(batch.updates) + [DELETE] * len(batch.deletes), dtype=object)
    return frame


# -- the writer ---------------------------------------------------------------------------------------------


class BookingWriter:
    """Writes batches into the raw table of ``config`` (default ``PipelineConfig()``) through ``session``.

    ``counts`` holds the running totals; :meth:`write` returns one batch's.

    ``use_logical_type=True`` is passed on to Snowpark's ``write_pandas``: without it Snowflake reads the
    Parquet files' timestamps of naive ``datetime64`` columns as raw integers and loads wrong dates into
    ``BOOKING_DATE`` (the file format option USE_LOGICAL_TYPE,
    https://docs.snowflake.com/en/sql-reference/sql/create-file-format#type-parquet). Use it on Snowflake;
    ``LocalSession.write_pandas`` takes no such option and needs none.
    """

    def __init__(
        self,
        session: SessionLike,
        config: PipelineConfig | None = None,
        *,
        temporary_staging: bool = False,
        use_logical_type: bool | None = None,
    ) -> None:
        self.session = session
        self.use_logical_type = use_logical_type
        self.config = config or PipelineConfig()
        self.raw = self.config.name("raw_table")
        self.staging = staging_name(self.raw)
        self.temporary_staging = temporary_staging
        self.counts = WriteCounts()
        self._staging_ready = False
        self._update_sql = update_sql(self.raw, self.staging)
        self._delete_sql = delete_sql(self.raw, self.staging)
        self._truncate_sql = truncate_sql(self.staging)

    def write(self, batch: Batch | Frames) -> WriteCounts:
        """Apply ``batch`` (or its :class:`Frames`): inserts, then updates, then deletes. Empty parts send
        nothing."""
        ready = batch if isinstance(batch, Frames) else frames(batch)
        if ready.inserts is not None and len(ready.inserts):
            self._write_pandas(ready.inserts, self.raw)
        changes = ready.changes if ready.changes is not None else pd.DataFrame(columns=[KEY, CHANGE_COLUMN])
        if len(changes):
            if changes[KEY].duplicated().any():
                raise ValueError(f"batch {ready.index} changes a booking twice; a batch must be a net change set")
            if not self._staging_ready:
                self._run(create_staging_sql(self.staging, temporary=self.temporary_staging))
                self._staging_ready = True
            self._run(self._truncate_sql)
            self._write_pandas(changes, self.staging)
        marks = changes[CHANGE_COLUMN]
        if not marks.isin([UPDATE, DELETE]).all():
            raise ValueError(f"batch {ready.index}: {CHANGE_COLUMN} must be {UPDATE!r} or {DELETE!r} in every row")
        updated, deleted = int((marks == UPDATE).sum()), int((marks == DELETE).sum())
        if updated:
            self._run(self._update_sql)
        if deleted:
            self._run(self._delete_sql)
        inserted = 0 if ready.inserts is None else len(ready.inserts)
        written = WriteCounts(inserted, updated, deleted, 1)
        self.counts += written
        return written

    def write_all(
        self, batches: Iterable[Batch], *, on_batch: Callable[[Batch, WriteCounts], None] | None = None
    ) -> WriteCounts:
        """Write every batch; ``on_batch(batch, running_totals)`` after each (e.g. to move a progress bar)."""
        written = WriteCounts()
        for batch in batches:
            written += self.write(batch)
            if on_batch is not None:
                on_batch(batch, self.counts)
        return written

    def drop_staging(self) -> None:
        """Drop the staging table (``DROP TABLE IF EXISTS``); the next batch with changes recreates it."""
        self._run(str(sql.drop_table(self.staging)))
        self._staging_ready = False

    def _run(self, statement: str) -> None:
        self.session.sql(statement).collect()

    def _write_pandas(self, frame: pd.DataFrame, table: QualifiedName) -> None:
        options: dict[str, Any] = {}
        if self.use_logical_type is not None:
            options["use_logical_type"] = self.use_logical_type
        self.session.write_pandas(
            frame, table.name, database=table.database, schema=table.schema, quote_identifiers=True, **options
        )
