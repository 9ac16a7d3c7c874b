"""The engine under :class:`~moviecdc.local.LocalSession`: fakesnow on DuckDB, transactions, catalog caches.

One ``Engine`` owns one fakesnow instance and the single DuckDB connection every statement runs on, so a
user's DML, the change log it writes and a stream offset it moves share one DuckDB transaction. The
engine keeps no state that DuckDB does not also hold: its caches of the catalog are rebuilt from the
``_MOVIECDC`` tables on demand, and dropped by whatever may change them: DDL, a rollback or a failure
(:meth:`Engine.invalidate`), and a stream's consumption (:meth:`Engine.advance_stream`). A run of DML
statements loads them once.
"""

from __future__ import annotations

import atexit
import bisect
import os
import shutil
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import fakesnow.info_schema as fs_info_schema
import fakesnow.macros as fs_macros
import fakesnow.transforms.stage as fs_stage
import pyarrow as pa
from fakesnow.instance import FakeSnow
from sqlglot import exp

from moviecdc.errors import LocalEngineError
from moviecdc.local.core import catalog
from moviecdc.local.core.catalog import History, StreamDef, TrackedTable
from moviecdc.local.core.clock import STAMP_META, Clock, wall_clock
from moviecdc.local.core.names import ObjectName, Part, from_table, quote, resolve
from moviecdc.local.core.results import Result

# DuckDB warns that Arrow output of a DB-API result copies the rows; fakesnow fetches every result that
# way. The copy is of result rows only, and pytest (rightly) turns warnings into errors.
_ARROW_COPY = r"Arrow output on a DB-API result makes an extra copy"

# Statements whose translation is cached (see Engine.transform), and how many translations are kept.
_CACHEABLE = (exp.Query, exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.TruncateTable)
_TRANSLATIONS = 512
_IN_MEMORY_CHECKPOINT = "256MB"
# How many (change-clock value, instant) pairs each database remembers (see Engine.seq_at).
_CHANGE_TIMES = 200_000
# DuckDB's answer to a ROLLBACK after a COMMIT that failed (and so already ended the transaction).
_NO_TRANSACTION = "no transaction is active"
PUBLIC = "PUBLIC"

# fakesnow makes a temporary folder for its stages when it is imported (``fakesnow_bucket_*`` in the temp
# directory, one per process) and never removes it: a process that used LocalSession left one behind each time.
# It is shared by every session of the process, so it goes when the process exits, not at a session's close.
atexit.register(shutil.rmtree, fs_stage.LOCAL_BUCKET_PATH, ignore_errors=True)

Rewriter = Callable[[exp.Expr], exp.Expr]
# Wraps fakesnow's translation of one parsed statement: gets the Snowflake AST and fakesnow's translation
# function, returns the translated (DuckDB) AST. What it does is cached with the translation.
TranslationHook = Callable[[exp.Expr, Callable[[exp.Expr], exp.Expr]], exp.Expr]


class Engine:
    """Shared state of one local session; see the module docstring."""

    def __init__(self, path: Path | None, database: str | None, schema: str | None, clock: Clock | None = None) -> None:
        self.path = path
        # The folder's identity when the session opened it (see :meth:`check_folder`).
        self._folder = _identity(path) if path is not None else None
        self.lock = threading.RLock()
        if schema is not None and database is None:
            raise LocalEngineError(
                "LocalSession(schema=...) needs database=... too: a schema is found in the current database."
            )
        with quiet():
            self._fakesnow = FakeSnow(db_path=path)
            if path is not None:
                self._attach_existing(path)
            self.conn = self._fakesnow.connect(database, schema)
        self.con: duckdb.DuckDBPyConnection = self.conn._duck_conn
        # fakesnow's macros (_fs_to_timestamp behind every CAST to TIMESTAMP, _fs_flatten, ...) live in the
        # database it created them in, and DuckDB finds a function only in its current database: without one,
        # or in another database, "Scalar Function _fs_to_timestamp does not exist". The same macros in this
        # connection's temporary catalog are found whatever the current database is.
        self.con.execute(_temporary_macros())
        if database is not None:
            # Every Snowflake database has PUBLIC, the session's schema when none is named (CREATE DATABASE).
            self.con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(self.conn.database or database)}.{quote(PUBLIC)}")
            self.use(self.conn.database, self.conn.schema or PUBLIC)
        if path is None:
            # In memory, DuckDB's automatic checkpoint makes nothing durable: it recompresses the changed row
            # groups. At its default 16 MB of changes it ran every few commits and took a third of the
            # pipeline's time at a million rows; never checkpointing kept ~40 % more memory. 256 MB: as fast as
            # never, and bounded (benchmarks/README.md).
            self.con.execute(f"SET checkpoint_threshold = '{_IN_MEMORY_CHECKPOINT}'")
        self.in_transaction = False
        # CURRENT_TRANSACTION() / LAST_TRANSACTION(): the open explicit transaction's id, the last ended one's.
        self.transaction_id: str | None = None
        self.last_transaction_id: str | None = None
        self._txn_snapshots: dict[str, int] = {}
        # Offsets that consuming statements of the open explicit transaction move at its COMMIT (see
        # :meth:`advance_stream`), by (catalog database, stream uid).
        self._txn_advances: dict[tuple[str, int], tuple[StreamDef, int]] = {}
        self._tracked: dict[ObjectName, TrackedTable] | None = None
        self._streams: dict[ObjectName, StreamDef] | None = None
        self._holders: dict[str, list[str]] | None = None
        self._history: dict[tuple[str, int], History] | None = None
        # Catalog caches of statement families, by family (e.g. every task, by name: tasks.catalog.load);
        # dropped with the rest by :meth:`invalidate`, and by a family whenever it writes its own rows.
        self.family_caches: dict[str, Any] = {}
        # Moved by invalidate(): what cached translations by shape are valid for (ordinary/plans.py).
        self.catalog_version = 0
        self._temp_counter = 0
        # Names of reusable temporary views in use now (see :meth:`reusable_temp_name`).
        self._live_temps: set[str] = set()
        self._unregister_later: list[str] = []
        # fakesnow's translation of a statement, by its Snowflake text and the session state it reads.
        self._translations: OrderedDict[tuple[str, str | None, str | None, str], str] = OrderedDict()
        # AST rewrites applied to every parsed statement before it runs (the clock's CURRENT_TIMESTAMP(),
        # TASK_HISTORY(...)); LocalSession registers them.
        self.rewriters: list[Rewriter] = []
        # Wrappers of fakesnow's translation (see TranslationHook), innermost first; dialect modules register
        # them (exact NUMBER arithmetic, dialect/numbers.py). Both the cached and the plain fakesnow path use them.
        self.translation_hooks: list[TranslationHook] = []
        # Runs one statement as the session runs it, through its router; LocalSession sets it. Task bodies run
        # through it (see :meth:`run`).
        self.runner: Callable[[str], Result] | None = None
        self.clock = clock if clock is not None else Clock(wall_clock())
        # The stamp of the statement running now: engine.now(), CURRENT_TIMESTAMP().
        self.statement_time = self.clock.now()
        # When each tick of a database's change clock happened, in this session (see seq_at): in memory, so the
        # hot path writes nothing more than the tick; the first pair is the value the clock had since opened_at.
        self.opened_at = self.statement_time
        self._change_times: dict[str, list[tuple[int, datetime]]] = {}
        self.closed = False

    # -- set-up --------------------------------------------------------------------------------------

    def _attach_existing(self, path: Path) -> None:
        """Re-attach the databases a previous session created (fakesnow attaches only on CREATE)."""
        con = self._fakesnow.duck_conn
        for file in sorted(path.glob("*.db")):
            name = file.stem
            con.execute(f"ATTACH IF NOT EXISTS {_string(str(file))} AS {quote(name)}")
            con.execute(fs_info_schema.per_db_creation_sql(name))
            con.execute(fs_macros.creation_sql(name))

    def close(self) -> None:
        if self.closed:
            return
        with quiet():
            if self.in_transaction:
                self.rollback()
            self.conn.close()
            self._fakesnow.duck_conn.close()
        self.closed = True

    # -- names and catalog caches ---------------------------------------------------------------------

    @property
    def database(self) -> str | None:
        return self.conn.database if self.conn.database_set else None

    @property
    def schema(self) -> str | None:
        return self.conn.schema if self.conn.schema_set and self.conn.database_set else None

    def use(self, database: str | None, schema: str | None) -> None:
        """Make ``database`` and ``schema`` (resolved names; None: no current one) the session's context.

        fakesnow reads the context from its connection, DuckDB resolves unqualified names against its own
        search path: both are set. Without a current schema DuckDB still needs one; it gets the database's
        ``main``, which no Snowflake statement can reach (fakesnow refuses unqualified names then), and
        without a database, DuckDB's in-memory default (the same).
        """
        conn = self.conn
        conn.database, conn.database_set = database, database is not None
        stored = "_FS_INFORMATION_SCHEMA" if schema == "INFORMATION_SCHEMA" else schema
        conn._schema, conn.schema_set = stored, database is not None and schema is not None
        duck_schema = "main" if stored is None else stored.lower() if schema == "INFORMATION_SCHEMA" else stored
        path = f"{quote(database)}.{quote(duck_schema)}" if database is not None else "memory.main"
        self.con.execute(f"SET schema = {_string(path)}")

    @contextmanager
    def context(self, database: str | None, schema: str | None) -> Iterator[None]:
        """Run a block in another database and schema context (a task's), then restore the session's."""
        saved = (self.database, self.schema)
        if saved == (database, schema):
            yield
            return
        self.use(database, schema)
        try:
            yield
        finally:
            if not self.closed:
                self.use(*saved)

    def resolve(self, parts: tuple[Part, ...]) -> ObjectName:
        return resolve(parts, self.database, self.schema)

    def resolve_table(self, node: exp.Table) -> ObjectName | None:
        """The resolved name of a table reference, or None when it cannot be resolved here."""
        if not isinstance(node.this, exp.Identifier):
            return None
        try:
            return from_table(node, self.database, self.schema)
        except LocalEngineError:
            return None

    def invalidate(self) -> None:
        """Drop every cached catalog entry and move ``catalog_version``: after DDL, any routed statement but DML
        and transaction control, a rollback or a failure."""
        self.catalog_version += 1
        self._tracked = None
        self._streams = None
        self._holders = None
        self._history = None
        self.family_caches.clear()

    def advance_stream(self, stream: StreamDef, offset: int) -> None:
        """Move a stream's offset (in the caller's transaction); the cached streams are dropped.

        Inside an explicit transaction the move waits for its COMMIT. Snowflake's streams are repeatable
        read: "multiple SQL statements within a transaction see the same set of records in a stream", and
        "the stream position advances to the transaction start time if the transaction commits" (Introduction
        to streams, Repeatable read isolation). So a second statement of the same transaction that reads the
        stream, e.g. to fan the same changes out to a second table, gets them again.
        """
        if self.in_transaction:
            self._txn_advances[(stream.catalog_db, stream.uid)] = (stream, offset)
            return
        keep = (stream.catalog_db, stream.table_uid) in self.history
        timed = stream.catalog_db in self.holders("STREAM_OFFSET_TIMES")
        catalog.advance(self.con, stream, offset, self.now(), keep_log=keep, timed=timed)
        self._streams = None
        if not timed:
            self._holders = None  # catalog.advance made the table

    @property
    def catalog_databases(self) -> list[str]:
        """The attached databases that hold an engine catalog (cached like the catalog)."""
        return self.holders("STREAMS")

    def holders(self, table: str) -> list[str]:
        """The attached databases whose ``_MOVIECDC`` schema has ``table`` (e.g. ``TASK_HISTORY``), in name
        order; one query for every table, cached until :meth:`invalidate` (only DDL creates them)."""
        if self._holders is None:
            self._holders = catalog.holders(self.con)
        return self._holders.get(table, [])

    @property
    def tracked(self) -> dict[ObjectName, TrackedTable]:
        if self._tracked is None:
            self._tracked = catalog.load_tracked(self.con, self.catalog_databases)
        return self._tracked

    @property
    def streams(self) -> dict[ObjectName, StreamDef]:
        if self._streams is None:
            self._streams = catalog.load_streams(self.con, self.catalog_databases, self.holders("STREAM_OFFSET_TIMES"))
        return self._streams

    @property
    def history(self) -> dict[tuple[str, int], History]:
        """Tracked tables whose change log is kept as their history (CHANGE_TRACKING = TRUE), by (database, uid)."""
        if self._history is None:
            self._history = catalog.load_history(self.con, self.holders("HISTORY"))
        return self._history

    def tracked_by_uid(self, database: str, uid: int) -> TrackedTable | None:
        for table in self.tracked.values():
            if table.uid == uid and table.name.database == database:
                return table
        return None

    @property
    def session_variables(self) -> dict[str, str]:
        """The session's variables (``SET v = …``), by name, each as the SQL text of its value (fakesnow keeps them)."""
        values: dict[str, str] = self.conn.variables._variables
        return values

    def now(self) -> datetime:
        """The time of the statement running now (naive UTC): the one source of time of the engine.

        Each statement (and each task run) takes a fresh, strictly increasing stamp from the clock with
        :meth:`begin_statement`; everything it records (``created_on``, ``CURRENT_TIMESTAMP()``, history
        times) reads this value.
        """
        return self.statement_time

    def begin_statement(self) -> datetime:
        """Take the clock's next stamp for the statement about to run (first: :meth:`check_folder`)."""
        self.check_folder()
        self.statement_time = self.clock.stamp()
        return self.statement_time

    def check_folder(self) -> None:
        """Refuse to go on when the session's folder was deleted or moved away while the session was open.

        DuckDB keeps writing to its open (now unlinked or renamed) file, and everything written after that
        would be lost at close without a word. One ``stat`` of the folder (about a microsecond) per statement
        and per transaction is the price of saying so on the next write.
        """
        if self.path is None or self.closed:
            return
        if _identity(self.path) != self._folder:
            raise LocalEngineError(
                f"The folder {self.path} of this LocalSession was deleted or moved away while the session was open; "
                "nothing more can be saved there. Close this session; to go on, put the folder back (or open a "
                "new LocalSession on the path where it is now)."
            )

    # -- the change clock and transactions ------------------------------------------------------------

    def snapshot(self, database: str) -> int:
        """The change-clock value a stream read sees: the transaction's start inside BEGIN…COMMIT."""
        if self.in_transaction:
            if database not in self._txn_snapshots:
                self._txn_snapshots[database] = catalog.current_seq(self.con, database)
            return self._txn_snapshots[database]
        return catalog.current_seq(self.con, database)

    def change_seq(self, database: str) -> int:
        """Tick the change clock for one changing statement."""
        if self.in_transaction:
            self.snapshot(database)  # pin the transaction's snapshot before its own first change
        seq = catalog.next_seq(self.con, database)
        times = self._change_times.get(database)
        if times is None:
            times = self._change_times[database] = [(seq - 1, self.opened_at)]
        while times and times[-1][0] >= seq:  # a rolled-back tick's value is taken again
            times.pop()
        times.append((seq, max(self.statement_time, times[-1][1]) if times else self.statement_time))
        if len(times) > _CHANGE_TIMES:
            del times[: _CHANGE_TIMES // 2]
        return seq

    def seq_at(self, database: str, instant: datetime) -> int | None:
        """The value ``database``'s change clock had at ``instant`` (changes of statements stamped ``instant``
        included), or None when this session does not know it (before it opened, or forgotten)."""
        times = self._change_times.get(database)
        if not times:
            return catalog.current_seq(self.con, database) if instant >= self.opened_at else None
        if instant < times[0][1]:
            return None
        index = bisect.bisect_right(times, instant, key=lambda pair: pair[1])
        return times[index - 1][0]

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Run a block in the user's open transaction, or in a transaction of its own."""
        if self.in_transaction:
            try:
                yield
            except BaseException:
                # DuckDB cannot roll back one statement of a transaction, so the whole one goes.
                self.end_transaction(commit=False)
                raise
            return
        self.check_folder()
        self.con.begin()
        try:
            yield
            self.con.commit()
        except BaseException:
            self.rollback()
            self.invalidate()
            raise

    def rollback(self) -> None:
        """Roll back DuckDB's transaction after a failure, keeping that failure the one reported.

        A COMMIT that fails (e.g. "No space left on device" while writing the file) has already ended DuckDB's
        transaction, and a ROLLBACK then raises "cannot rollback - no transaction is active", which would hide
        the real error: that one is ignored. Nothing of the failed transaction was written.
        """
        try:
            self.con.rollback()
        except duckdb.TransactionException as e:
            if _NO_TRANSACTION not in str(e):
                raise

    def begin(self) -> None:
        if not self.in_transaction:
            self.check_folder()
            self.con.begin()
            self.in_transaction = True
            self.transaction_id = self._next_transaction_id()
            self._txn_snapshots = {}
            self._txn_advances = {}

    def end_transaction(self, *, commit: bool) -> None:
        if not self.in_transaction:
            return
        self.in_transaction = False
        self.last_transaction_id, self.transaction_id = self.transaction_id, None
        self._txn_snapshots = {}
        advances, self._txn_advances = list(self._txn_advances.values()), {}
        if commit:
            try:
                for stream, offset in advances:  # the offsets move with the transaction's own commit
                    self.advance_stream(stream, offset)
                self.con.commit()
            except BaseException:  # DuckDB's transaction must not stay open behind in_transaction = False
                self.rollback()
                self.invalidate()
                raise
        else:
            self.rollback()
            self.invalidate()

    def _next_transaction_id(self) -> str:
        """Snowflake's ids read as the start's epoch milliseconds times a million ('1661899308790000000',
        https://docs.snowflake.com/en/sql-reference/functions/current_transaction); the statement's instant
        gives them here, one more than the last id when two transactions start in the same millisecond."""
        millis = int(self.statement_time.timestamp() * 1000)
        value = millis * 1_000_000
        if self.last_transaction_id is not None and value <= int(self.last_transaction_id):
            value = int(self.last_transaction_id) + 1
        return str(value)

    def implicit_commit(self) -> None:
        """Snowflake commits an open transaction before running DDL; so do we."""
        self.end_transaction(commit=True)

    # -- running SQL ----------------------------------------------------------------------------------

    def run(self, text: str) -> Result:
        """Run one Snowflake statement through the session's router (caller holds the lock; errors are raw)."""
        if self.runner is None:
            raise LocalEngineError("Internal error of the local engine: no statement runner; use LocalSession.")
        return self.runner(text)

    def fakesnow(self, sql: str) -> Result:
        """Run Snowflake SQL through fakesnow's translator."""
        cursor = self.conn.cursor()
        if self.translation_hooks:
            # fakesnow's execute() calls self._transform per statement; the hooks wrap it for this cursor only.
            translate = cursor._transform
            cursor._transform = lambda expression, params: self._hooked(  # type: ignore[method-assign]
                expression, lambda e: translate(e, params)
            )
        cursor.execute(sql)
        table = cursor._arrow_table
        return Result(table if table is not None else pa.table({}))

    def transform(self, expression: exp.Expr) -> str:
        """Translate a Snowflake AST with fakesnow's rewrites and render it for DuckDB.

        fakesnow's rewrites cost tens of milliseconds a statement and the same statements come back every
        simulated minute, so the DuckDB text of a query or DML statement is cached by its Snowflake text and
        the session state the rewrites read (current database, schema, session variables). The rewrites of
        these statements do not read the catalog (only CREATE TABLE … AS does, and DDL is never cached), so
        no DDL has to invalidate the cache. ``expression`` may be modified in place, as fakesnow does.
        """
        if not isinstance(expression, _CACHEABLE):
            return self._translate(expression)
        stamps = [node for node in expression.find_all(exp.Literal) if node.meta_get(STAMP_META)]
        values = [str(node.this) for node in stamps]
        for index, node in enumerate(stamps):
            node.set("this", _marker(index))
        key = (
            expression.sql(dialect="snowflake"),
            self.database,
            self.schema,
            repr(sorted(self.conn.variables._variables.items())) if self.conn.variables._variables else "",
        )
        template = self._translations.get(key)
        if template is not None:
            self._translations.move_to_end(key)
        else:
            template = self._translate(expression.copy() if stamps else expression)
            if not all(template.count(f"'{_marker(index)}'") == 1 for index in range(len(stamps))):
                # fakesnow rewrote a time literal: translate this statement with its values, uncached.
                for node, value in zip(stamps, values, strict=True):
                    node.set("this", value)
                return self._translate(expression)
            self._translations[key] = template
            if len(self._translations) > _TRANSLATIONS:
                self._translations.popitem(last=False)
        for index, value in enumerate(values):
            template = template.replace(f"'{_marker(index)}'", _string(value))
        return template

    def _translate(self, expression: exp.Expr) -> str:
        cursor = self.conn.cursor()
        transformed = self._hooked(expression, lambda e: cursor._transform(e, None))
        return str(transformed.sql(dialect="duckdb"))

    def _hooked(self, expression: exp.Expr, translate: Callable[[exp.Expr], exp.Expr]) -> exp.Expr:
        for hook in self.translation_hooks:
            translate = _wrapped(hook, translate)
        return translate(expression)

    def arrow(self, sql: str, params: list[Any] | None = None) -> pa.Table:
        """Run DuckDB SQL and fetch its result as Arrow."""
        self.con.execute(sql, params)
        return self.con.to_arrow_table()

    def temp_name(self, stem: str) -> ObjectName:
        self._temp_counter += 1
        return ObjectName("temp", "main", f"_MOVIECDC_{stem}_{self._temp_counter}")

    def reusable_temp_name(self, stem: str) -> ObjectName:
        """A temporary-object name free now, the same from one statement to the next (release it when done).

        Statements that read a stream are rewritten to read a temporary view; a name that repeats keeps
        their text, and so their cached translation (:meth:`transform`), the same every time.
        """
        index = 1
        while f"{stem}_{index}" in self._live_temps:
            index += 1
        self._live_temps.add(f"{stem}_{index}")
        return ObjectName("temp", "main", f"_MOVIECDC_{stem}_{index}")

    def release_temp_name(self, name: ObjectName) -> None:
        self._live_temps.discard(name.name.removeprefix("_MOVIECDC_"))

    def register(self, table: pa.Table) -> str:
        """Expose an Arrow table to DuckDB SQL under a fresh name (unregister with :meth:`unregister`)."""
        for name in self._unregister_later:
            with suppress(duckdb.Error):
                self.con.unregister(name)
        self._unregister_later.clear()
        self._temp_counter += 1
        name = f"_moviecdc_arrow_{self._temp_counter}"
        self.con.register(name, table)
        return name

    def unregister(self, name: str) -> None:
        try:
            self.con.unregister(name)
        except duckdb.TransactionException:
            # A statement failed and aborted the transaction: its error is the one to report, and the name
            # is unregistered after the rollback, before the next registration.
            self._unregister_later.append(name)


@contextmanager
def quiet() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_ARROW_COPY, category=UserWarning)
        yield


def _temporary_macros() -> str:
    """fakesnow's macro definitions, as temporary macros of the connection."""
    placeholder = "__MOVIECDC_CATALOG__"
    text = fs_macros.creation_sql(placeholder)
    temporary = text.replace(f"CREATE OR REPLACE MACRO {placeholder}.", "CREATE OR REPLACE TEMP MACRO ")
    if placeholder in temporary:  # a fakesnow whose macros read differently: fail loudly, not at a CAST
        raise LocalEngineError("Internal error of the local engine: fakesnow's macro definitions changed shape.")
    return temporary


def _identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of a folder, or None when nothing is at ``path``."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_dev, status.st_ino


def _marker(index: int) -> str:
    return f"__MOVIECDC_STAMP_{index}__"


def _string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _wrapped(hook: TranslationHook, translate: Callable[[exp.Expr], exp.Expr]) -> Callable[[exp.Expr], exp.Expr]:
    return lambda expression: hook(expression, translate)
