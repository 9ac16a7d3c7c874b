"""``LocalSession``: Snowflake SQL in-process, on DuckDB, with faithful streams.

>>> from moviecdc.local import LocalSession
>>> with LocalSession(database="MOVIES", schema="PUBLIC") as session:
...     _ = session.sql("CREATE TABLE T (ID INT)").collect()
...     _ = session.sql("CREATE STREAM S ON TABLE T").collect()
...     _ = session.sql("INSERT INTO T VALUES (1)").collect()
...     session.sql('SELECT ID, "METADATA$ACTION" FROM S').collect()
[Row(ID=1, METADATA$ACTION='INSERT')]
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa
from fakesnow.pandas_tools import sql_type

from moviecdc.errors import LocalEngineError, MoviecdcError, UnsupportedSqlError
from moviecdc.local import scheduler
from moviecdc.local.account import routes as account_routes
from moviecdc.local.account import store as account_store
from moviecdc.local.core import catalog, script
from moviecdc.local.core.clock import REALTIME_ADVANCE, Clock, check_time, time_functions, utc_naive, wall_clock
from moviecdc.local.core.engine import Engine, quiet
from moviecdc.local.core.names import ObjectName, Part, parse_name, quote
from moviecdc.local.core.results import LocalDataFrame, Result
from moviecdc.local.core.router import Router, Statement
from moviecdc.local.dialect import context_functions, conversions, numbers, rewrites
from moviecdc.local.dialect.dml import unqualify_set_targets
from moviecdc.local.dialect.errors import translate as _translate
from moviecdc.local.dynamic_tables import history as dynamic_history
from moviecdc.local.dynamic_tables import statements as dynamic_tables
from moviecdc.local.functions import statements as udfs
from moviecdc.local.history import queries, travel
from moviecdc.local.ordinary.statements import run_parsed, transaction
from moviecdc.local.routes import default_router
from moviecdc.local.streams import capture
from moviecdc.local.tasks import functions as task_functions

if TYPE_CHECKING:
    import pandas as pd
    from snowflake.snowpark import Row

# Statement kinds that change no catalog (DML, queries, transaction control; DDL that reaches run_parsed moves
# the catalog version itself).
_DATA_HANDLERS = (run_parsed, dynamic_tables.guard, transaction)


# A failing statement inside BEGIN … COMMIT: Snowflake rolls back that statement only and keeps the transaction
# open; DuckDB aborts the whole transaction and cannot undo one statement (it has no SAVEPOINT). Never silently.
_LOST_TRANSACTION = (
    "The local engine cannot undo one statement of an open transaction (DuckDB aborts the whole transaction): "
    "every statement since BEGIN was rolled back with it, and the session is no longer in a transaction "
    "(statements run in autocommit until the next BEGIN). Snowflake rolls back only the failing statement and "
    "keeps the transaction open."
)


def _lost_transaction(statement: Statement, error: MoviecdcError) -> bool:
    """Did a statement of the user's transaction fail and take the transaction with it (not COMMIT / ROLLBACK
    themselves, and not a refusal that already says so)?"""
    return not isinstance(error, UnsupportedSqlError) and not statement.keywords.startswith(("COMMIT", "ROLLBACK"))


class LocalSession:
    """An embedded Snowflake: ``sql(text).collect()`` like a Snowpark ``Session``, no account needed.

    ``path`` is a folder (created if missing) holding one DuckDB file per Snowflake database, the layout
    of fakesnow's ``db_path``; without it everything lives in memory. ``database`` and ``schema`` set the
    session's current database and schema, creating them if needed (Snowflake's connection parameters).

    Time (see :mod:`moviecdc.local.core.clock`): the clock starts at ``start`` (naive = UTC; default: the wall
    clock, truncated to the second), or after the latest time recorded under ``path`` if that is later. By
    default it is manual: :meth:`advance` moves it and runs every task run and dynamic-table refresh that
    falls due. ``realtime=True`` runs a background scheduler instead, with simulated time = start + real
    elapsed time * ``speed`` (``speed=60.0`` runs a "1 MINUTE" task every real second) until :meth:`close`.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        database: str | None = None,
        schema: str | None = None,
        start: datetime | None = None,
        realtime: bool = False,
        speed: float = 1.0,
    ) -> None:
        if not realtime and speed != 1.0:
            raise LocalEngineError("speed applies to LocalSession(realtime=True, speed=...) only.")
        folder = Path(path) if path is not None else None
        if folder is not None:
            if folder.exists() and not folder.is_dir():
                raise LocalEngineError(f"{folder} is a file; LocalSession(path=...) takes a folder. Pick another path.")
            folder.mkdir(parents=True, exist_ok=True)
        clock = Clock(utc_naive(start) if start is not None else wall_clock(), speed=speed if realtime else None)
        try:
            self._engine = Engine(folder, database, schema, clock)
        except duckdb.Error as e:
            raise LocalEngineError(f"Cannot open the local engine at {folder}: {e}") from e
        engine = self._engine
        self._router = default_router()
        engine.runner = lambda text: self._route(Statement.of(text))
        # Every statement sql()/execute() runs gets a query id; LAST_QUERY_ID() and RESULT_SCAN read this log.
        self._queries = queries.QueryLog()
        engine.rewriters.append(task_functions.rewriter(engine))  # TASK_HISTORY, TASK_DEPENDENTS, SYSTEM$…
        engine.rewriters.append(dynamic_history.rewriter(engine))
        engine.rewriters.append(time_functions(engine.now))
        engine.rewriters.append(unqualify_set_targets)
        engine.rewriters.extend(account_routes.rewriters(engine))
        engine.rewriters.append(
            context_functions.rewriter(lambda: engine.database, lambda: engine.schema, engine.resolve_table)
        )
        engine.rewriters.append(queries.rewriter(engine, self._queries))
        engine.rewriters.append(travel.rewriter(engine, self._queries))
        engine.rewriters.append(udfs.rewriter(engine))
        engine.rewriters.append(rewrites.rewriter(engine))
        engine.rewriters.append(context_functions.case_rewriter(engine))  # "lower_t" is not LOWER_T
        numbers.install(engine)
        with engine.lock, quiet():
            account_store.open_store(engine)
            conversions.install(engine)
            rewrites.install(engine)
            udfs.on_open(engine)
            scheduler.on_open(engine)
        self._scheduler = scheduler.RealtimeScheduler(engine) if realtime else None
        if self._scheduler is not None:
            self._scheduler.start()

    @property
    def path(self) -> Path | None:
        return self._engine.path

    @property
    def router(self) -> Router:
        """Where statements are routed (:mod:`moviecdc.local.routes`); ``router.register(pattern, handler)`` adds
        a statement kind of your own after the built-in ones."""
        return self._router

    @property
    def realtime(self) -> bool:
        """True when a background scheduler drives the clock (``LocalSession(realtime=True)``)."""
        return self._engine.clock.realtime

    # -- time -----------------------------------------------------------------------------------------

    def now(self) -> datetime:
        """The clock's current time (naive UTC)."""
        return self._engine.clock.now()

    def advance(self, seconds: float = 0.0, *, minutes: float = 0.0, hours: float = 0.0) -> datetime:
        """Move the manual clock forward, running every task run and refresh that falls due on the way.

        Work runs in time order, each at its own scheduled instant (``CURRENT_TIMESTAMP()`` reads that
        instant); at equal instants task runs go before dynamic-table refreshes. Returns the new time.
        Refused in real-time mode and inside an open transaction.

        >>> from datetime import datetime
        >>> with LocalSession(start=datetime(2026, 1, 1)) as session:
        ...     session.advance(minutes=2)
        datetime.datetime(2026, 1, 1, 0, 2)
        """
        what = f"advance(seconds={seconds:g}, minutes={minutes:g}, hours={hours:g})"
        try:
            step = timedelta(seconds=seconds, minutes=minutes, hours=hours)
        except OverflowError:
            step = timedelta.max
        if step < timedelta(0):
            raise LocalEngineError(f"advance() moves time forward only; got {step}.")
        self._check_open()
        engine = self._engine
        if engine.clock.realtime:
            raise LocalEngineError(REALTIME_ADVANCE)
        with engine.lock, quiet():
            engine.check_folder()
            try:
                target = check_time(engine.clock.now() + step, what)
            except OverflowError:
                target = check_time(datetime.max, what)
            try:
                scheduler.advance(engine, target)
            except MoviecdcError:
                raise
            except Exception as e:
                raise _translate(e, f"advance(seconds={step.total_seconds():g})") from e
        return engine.clock.now()

    def get_current_database(self) -> str | None:
        return self._engine.database

    def get_current_schema(self) -> str | None:
        return self._engine.schema

    # -- statements -----------------------------------------------------------------------------------

    def sql(self, query: str) -> LocalDataFrame:
        """A lazy result of one Snowflake statement; like Snowpark, each ``collect()`` runs it."""
        return LocalDataFrame(lambda: self.execute(query), query)

    def execute(self, query: str) -> Result:
        """Run one statement now and return its result (several statements: :meth:`execute_script`)."""
        statement = Statement.of(query)
        self._check_open()
        with self._engine.lock, quiet():
            at = self._engine.begin_statement()
            query_id = self._queries.new_id()
            in_transaction = self._engine.in_transaction
            try:
                result = self._route(statement)
            except Exception as e:
                self._queries.record(query_id, at, None)
                error = _translate(e, statement.text)
                if in_transaction and not self._engine.in_transaction and _lost_transaction(statement, error):
                    raise UnsupportedSqlError(f"{error}\n  {_LOST_TRANSACTION}") from e
                raise error from e
            self._queries.record(query_id, at, result.table)
            return result

    def execute_script(self, text: str) -> list[list[Row]]:
        """Run a script of several statements, in order; return each statement's rows, in order.

        ``sql()`` takes one statement, as Snowflake does by default (a text of several is refused with error
        000008); this is the explicit way to run several, like the connector's ``execute_string``. Statements
        are split where Snowflake splits them (not at a ``;`` inside a string, a quoted name, a ``$$`` body or a
        comment). Each runs as its own ``sql()`` would: the first that fails raises, naming it, and the ones
        after it do not run, while the ones before it stay done (wrap the script in ``BEGIN`` … ``COMMIT`` to
        make it all-or-nothing). Snowflake Scripting blocks are refused before anything runs.

        >>> with LocalSession() as session:
        ...     results = session.execute_script('''
        ...         CREATE DATABASE D;  -- D.PUBLIC becomes current
        ...         CREATE TABLE T (A INT, B VARCHAR);
        ...         INSERT INTO T VALUES (1, 'x;y');
        ...         SELECT * FROM T;
        ...     ''')
        >>> results[-1]
        [Row(A=1, B='x;y')]
        """
        statements = script.split(text)
        return [self.execute(statement).rows() for statement in statements]

    def _route(self, statement: Statement) -> Result:
        handler = self._router.handler_for(statement)
        if handler not in _DATA_HANDLERS:
            # A stream, task, function, role, USE …: what a statement translates to may change with it, so the
            # translations cached by shape (ordinary/plans.py) are for an older catalog from now on.
            self._engine.catalog_version += 1
        return handler(self._engine, statement)

    def write_pandas(
        self,
        df: pd.DataFrame,
        table_name: str,
        *,
        database: str | None = None,
        schema: str | None = None,
        auto_create_table: bool = False,
        overwrite: bool = False,
        quote_identifiers: bool = True,
    ) -> LocalDataFrame:
        """Bulk-load a DataFrame, like Snowpark's ``Session.write_pandas``; returns the table's rows lazily.

        The rows go in as one Arrow batch (never row by row). On a table with streams, each row is one
        INSERT change in the same transaction.
        """
        self._check_open()
        name = self._table_name(table_name, database, schema, quote_identifiers)
        columns = [str(c) if quote_identifiers else Part(str(c), quoted=False).resolved for c in df.columns]
        rows = pa.Table.from_pandas(df, preserve_index=False).rename_columns(columns)
        with self._engine.lock, quiet():
            self._engine.begin_statement()
            text = f"write_pandas into {name.display}"
            try:
                if auto_create_table:
                    if overwrite:
                        self.execute(f"DROP TABLE IF EXISTS {name.sql}")
                    types = [f"{quote(c)} {sql_type(t)}" for c, t in zip(columns, df.dtypes, strict=True)]
                    self.execute(f"CREATE TABLE IF NOT EXISTS {name.sql} ({', '.join(types)})")
                self._engine.implicit_commit()
                with self._engine.atomic():
                    self._load(name, rows, truncate=overwrite and not auto_create_table)
            except MoviecdcError:
                raise
            except Exception as e:
                raise _translate(e, text) from e
        return self.sql(f"SELECT * FROM {name.sql}")

    def _load(self, name: ObjectName, rows: pa.Table, *, truncate: bool) -> None:
        engine = self._engine
        tracked = engine.tracked.get(name)
        if tracked is not None and dynamic_tables.is_dynamic(engine, name):
            raise LocalEngineError(
                f"Dynamic table {name.display} cannot be written by write_pandas: its rows come from its query."
            )
        if tracked is not None:
            if truncate:
                capture.truncate(engine, tracked)
            capture.bulk_insert(engine, tracked, rows)
            return
        if catalog.object_kind(engine.con, name) != "TABLE":
            raise LocalEngineError(f"Table '{name.display}' does not exist or not authorized.")
        if truncate:
            engine.con.execute(f"DELETE FROM {name.sql}")
        registered = engine.register(rows)
        try:
            cols = ", ".join(quote(c) for c in rows.column_names)
            engine.con.execute(f"INSERT INTO {name.sql} ({cols}) SELECT {cols} FROM {quote(registered)}")
        finally:
            engine.unregister(registered)

    def _table_name(self, table: str, database: str | None, schema: str | None, quoted: bool) -> ObjectName:
        def part(text: str) -> Part:
            return Part(text, quoted=True) if quoted else parse_name(text)[-1]

        parts = (*(part(p) for p in (database, schema) if p is not None), part(table))
        if database is not None and schema is None:
            current = self._engine.schema
            if current is None:
                raise LocalEngineError("write_pandas with a database needs a schema too.")
            parts = (parts[0], Part(current, quoted=True), parts[1])
        return self._engine.resolve(parts)

    # -- lifecycle ------------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop the real-time scheduler (joining its thread), then release DuckDB.

        An open transaction is rolled back, as when a Snowflake session ends. Calling it twice is harmless.
        """
        if self._scheduler is not None:
            self._scheduler.stop()
        with self._engine.lock:
            self._engine.close()

    def __enter__(self) -> LocalSession:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._engine.closed:
            raise LocalEngineError("This LocalSession is closed. Create a new one.")
        if self._scheduler is not None and self._scheduler.error is not None:
            error = self._scheduler.error
            raise LocalEngineError(
                f"The real-time scheduler of this LocalSession stopped after an internal error ({error}). "
                "Close the session and open a new one."
            ) from error

    def __repr__(self) -> str:
        return f"LocalSession(path={str(self.path) if self.path else None!r})"
