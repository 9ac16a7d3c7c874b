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

from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa
import snowflake.connector.errors as sf_errors
import sqlglot.errors
from fakesnow.pandas_tools import sql_type

from moviecdc.errors import LocalEngineError, MoviecdcError, UnsupportedSqlError
from moviecdc.local import capture, catalog, streams
from moviecdc.local.dispatch import Dispatcher, Statement, unsupported
from moviecdc.local.engine import Engine, quiet
from moviecdc.local.names import ObjectName, Part, parse_name, quote
from moviecdc.local.results import LocalDataFrame, Result
from moviecdc.local.statements import run_parsed, transaction

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped]

_LATER = "Tasks and dynamic tables are not emulated yet; run this statement on Snowflake."


def default_dispatcher() -> Dispatcher:
    """The statement families LocalSession knows; the rest goes to fakesnow."""
    d = Dispatcher(run_parsed)
    d.register(r"CREATE (OR REPLACE )?STREAM", streams.create)
    d.register(r"DROP STREAM", streams.drop)
    d.register(r"SHOW (TERSE )?STREAMS", streams.show)
    d.register(r"DESC(RIBE)? STREAM", streams.describe)
    d.register(r"ALTER STREAM", unsupported("ALTER STREAM", "Drop the stream and create it again."))
    d.register(r"BEGIN|START TRANSACTION|COMMIT|ROLLBACK", transaction)
    d.register(
        r"(CREATE (OR (REPLACE|ALTER) )?|ALTER |DROP |EXECUTE |SHOW |DESC(RIBE)? )(TASKS?|DYNAMIC TABLES?)",
        unsupported("Tasks and dynamic tables", _LATER),
    )
    d.register(r"UNDROP", unsupported("UNDROP", "Time Travel is not emulated."))
    return d


class LocalSession:
    """An embedded Snowflake: ``sql(text).collect()`` like a Snowpark ``Session``, no account needed.

    ``path`` is a folder (created if missing) holding one DuckDB file per Snowflake database, the layout
    of fakesnow's ``db_path``; without it everything lives in memory. ``database`` and ``schema`` set the
    session's current database and schema, creating them if needed (Snowflake's connection parameters).
    """

    def __init__(
        self, path: str | Path | None = None, *, database: str | None = None, schema: str | None = None
    ) -> None:
        folder = Path(path) if path is not None else None
        if folder is not None:
            if folder.exists() and not folder.is_dir():
                raise LocalEngineError(f"{folder} is a file; LocalSession(path=...) takes a folder. Pick another path.")
            folder.mkdir(parents=True, exist_ok=True)
        try:
            self._engine = Engine(folder, database, schema)
        except duckdb.Error as e:
            raise LocalEngineError(f"Cannot open the local engine at {folder}: {e}") from e
        self._dispatcher = default_dispatcher()

    @property
    def path(self) -> Path | None:
        return self._engine.path

    @property
    def dispatcher(self) -> Dispatcher:
        """Where statement families are registered (see :mod:`moviecdc.local.dispatch`)."""
        return self._dispatcher

    def get_current_database(self) -> str | None:
        return self._engine.database

    def get_current_schema(self) -> str | None:
        return self._engine.schema

    # -- statements -----------------------------------------------------------------------------------

    def sql(self, query: str) -> LocalDataFrame:
        """A lazy result of one Snowflake statement; like Snowpark, each ``collect()`` runs it."""
        return LocalDataFrame(lambda: self.execute(query), query)

    def execute(self, query: str) -> Result:
        """Run one statement now and return its result."""
        statement = Statement.of(query)
        self._check_open()
        with self._engine.lock, quiet():
            self._engine.invalidate()
            try:
                return self._dispatcher.handler_for(statement)(self._engine, statement)
            except Exception as e:
                raise _translate(e, statement.text) from e

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
            self._engine.invalidate()
            text = f"write_pandas into {name.display}"
            try:
                if auto_create_table:
                    if overwrite:
                        self.execute(f"DROP TABLE IF EXISTS {name.sql}")
                    types = [f"{quote(c)} {sql_type(t)}" for c, t in zip(columns, df.dtypes, strict=True)]
                    self.execute(f"CREATE TABLE IF NOT EXISTS {name.sql} ({', '.join(types)})")
                self._engine.implicit_commit()
                self._engine.invalidate()
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
        """Release DuckDB (an open transaction is rolled back, as when a Snowflake session ends)."""
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

    def __repr__(self) -> str:
        return f"LocalSession(path={str(self.path) if self.path else None!r})"


def _translate(error: Exception, text: str) -> MoviecdcError:
    """Foreign errors become LocalEngineError (or UnsupportedSqlError) quoting the statement."""
    where = f"\n  Statement: {text}"
    if isinstance(error, UnsupportedSqlError):
        return UnsupportedSqlError(f"{error}{where}")
    if isinstance(error, MoviecdcError):
        return LocalEngineError(f"{error}{where}")
    message: Any = getattr(error, "msg", None) or str(error)
    if isinstance(error, sf_errors.ProgrammingError) and getattr(error, "errno", None) == 9999:
        return UnsupportedSqlError(f"fakesnow does not translate this statement ({message}).{where}")
    if isinstance(error, NotImplementedError):
        return UnsupportedSqlError(f"fakesnow does not translate this statement ({message}).{where}")
    if isinstance(error, (sf_errors.Error, duckdb.Error, sqlglot.errors.SqlglotError)):
        first = str(message).strip().splitlines()[0] if str(message).strip() else type(error).__name__
        return LocalEngineError(f"{first}{where}")
    return LocalEngineError(f"Internal error of the local engine ({type(error).__name__}: {error}).{where}")
