"""The one place SQL text is rendered, and the plan's steps (:class:`Statement`) that carry it.

Statements sqlglot models (CREATE DATABASE / SCHEMA / TABLE, DROP TABLE, SELECT, INSERT) are built as
sqlglot trees from quoted identifiers and rendered by :func:`render`. The Snowflake statements sqlglot
only parses as an opaque command (CREATE STREAM, CREATE OR ALTER TASK, ALTER TASK, ALTER / DROP DYNAMIC
TABLE) use one small fixed template each, whose slots accept only :class:`Fragment` values: text this
module rendered itself from a quoted identifier, an escaped literal, a keyword from a closed set, or a
rendered sqlglot tree. A plain ``str`` in a slot is a ``TypeError``, so a user string cannot reach SQL.

CREATE OR ALTER DYNAMIC TABLE is also a template, although sqlglot parses it: sqlglot 30 renders
``CREATE OR ALTER`` back as ``CREATE OR REPLACE`` (which would drop the table's data on every deploy)
and drops the quotes around ``WAREHOUSE``.

>>> from moviecdc.identifiers import QualifiedName
>>> str(create_stream(QualifiedName("M", "P", "S"), QualifiedName("M", "P", "T")))
'CREATE STREAM IF NOT EXISTS "M"."P"."S" ON TABLE "M"."P"."T" SHOW_INITIAL_ROWS = TRUE'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from sqlglot import exp

from moviecdc.identifiers import QualifiedName, quote
from moviecdc.schema import Column

# -- a plan's steps -------------------------------------------------------------------------------------


class StatementKind(str, Enum):
    CREATE_DATABASE = "CREATE DATABASE"
    CREATE_SCHEMA = "CREATE SCHEMA"
    CREATE_TABLE = "CREATE TABLE"
    CREATE_STREAM = "CREATE STREAM"
    CREATE_DYNAMIC_TABLE = "CREATE DYNAMIC TABLE"
    CREATE_TASK = "CREATE TASK"
    SUSPEND_TASK = "SUSPEND TASK"
    RESUME_TASK = "RESUME TASK"
    EXECUTE_TASK = "EXECUTE TASK"
    REFRESH_DYNAMIC_TABLE = "REFRESH DYNAMIC TABLE"
    DROP_TASK = "DROP TASK"
    DROP_DYNAMIC_TABLE = "DROP DYNAMIC TABLE"
    DROP_STREAM = "DROP STREAM"
    DROP_TABLE = "DROP TABLE"
    COMPACT = "COMPACT"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Statement:
    """One SQL statement of a plan. ``str(statement)`` is its SQL text.

    ``target`` is the object it acts on: a :class:`QualifiedName`, or the database / schema name for
    CREATE DATABASE / SCHEMA.
    """

    kind: StatementKind
    target: QualifiedName | str
    sql: str

    def __str__(self) -> str:
        return self.sql

    @property
    def summary(self) -> str:
        """A one-line description, e.g. ``CREATE STREAM "MOVIES"."PUBLIC"."RAW_MOVIES_BOOKING_STREAM"``."""
        return f"{self.kind} {self.target}"


# -- rendering ------------------------------------------------------------------------------------------

DIALECT = "snowflake"


class Fragment(str):
    """SQL text that this module rendered; the only thing a template slot accepts."""

    __slots__ = ()


# -- sqlglot building blocks --------------------------------------------------------------------------------


def ident(name: str) -> exp.Identifier:
    """A quoted identifier node (``name`` is canonical; it is never parsed)."""
    return exp.Identifier(this=name, quoted=True)


def column(name: str, table: str | None = None) -> exp.Column:
    return exp.Column(this=ident(name), table=ident(table) if table else None)


def table(name: QualifiedName) -> exp.Table:
    return exp.Table(this=ident(name.name), db=ident(name.schema), catalog=ident(name.database))


def string(value: str) -> exp.Literal:
    return exp.Literal.string(value)


def data_type(type_text: str) -> exp.DataType:
    """A column type from :mod:`moviecdc.schema` (library constants, not user input)."""
    return exp.DataType.build(type_text, dialect=DIALECT)


def render(expression: exp.Expression, *, pretty: bool = True) -> Fragment:
    """Render a sqlglot tree as Snowflake SQL, every identifier quoted."""
    return Fragment(expression.sql(dialect=DIALECT, identify=True, pretty=pretty))


def quote_name(name: str) -> str:
    """A quoted identifier as plain text, for Snowpark column references (``F.col('"BOOKING_ID"')``)."""
    return quote(name)


def name_sql(name: QualifiedName) -> Fragment:
    return Fragment(name.sql)


def identifier_sql(name: str) -> Fragment:
    return Fragment(quote(name))


def literal_sql(value: str) -> Fragment:
    """A string literal with Snowflake escaping."""
    return render(string(value), pretty=False)


def keyword(value: str, allowed: Sequence[str]) -> Fragment:
    """A bare keyword, only from the closed set ``allowed``."""
    if value not in allowed:
        raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")
    return Fragment(value)


def _fill(template: str, **slots: Fragment) -> str:
    for slot, value in slots.items():
        if not isinstance(value, Fragment):
            raise TypeError(f"slot {slot!r} takes a rendered Fragment, not {type(value).__name__}")
    return template.format(**slots)


# -- statements sqlglot models ------------------------------------------------------------------------------


def create_database(database: str) -> Fragment:
    return render(exp.Create(this=exp.Table(this=ident(database)), kind="DATABASE", exists=True))


def create_schema(database: str, schema: str) -> Fragment:
    return render(exp.Create(this=exp.Table(db=ident(schema), catalog=ident(database)), kind="SCHEMA", exists=True))


def create_table(name: QualifiedName, columns: Sequence[Column]) -> Fragment:
    definitions = [exp.ColumnDef(this=ident(c.name), kind=data_type(c.type)) for c in columns]
    return render(exp.Create(this=exp.Schema(this=table(name), expressions=definitions), kind="TABLE", exists=True))


def drop_table(name: QualifiedName) -> Fragment:
    return render(exp.Drop(tables=[table(name)], kind="TABLE", exists=True))


# -- templates for statements sqlglot does not model ----------------------------------------------------------

# SHOW_INITIAL_ROWS = TRUE: the stream's first consumption returns the rows already in the table as inserts, so
# deploying onto a table that holds bookings brings them into Bronze on the first ingest
# (https://docs.snowflake.com/en/sql-reference/sql/create-stream). IF NOT EXISTS keeps an existing stream and its
# offset on a redeploy: the option only acts when the stream is first created.
_CREATE_STREAM = "CREATE STREAM IF NOT EXISTS {name} ON TABLE {table} SHOW_INITIAL_ROWS = TRUE"
_CREATE_TASK = "CREATE OR ALTER TASK {name}\n{properties}\nAS\n{body}"
_CREATE_DYNAMIC_TABLE = (
    "CREATE OR ALTER DYNAMIC TABLE {name}\n"
    "  TARGET_LAG = {lag}\n"
    "  WAREHOUSE = {warehouse}\n"
    "  REFRESH_MODE = {refresh_mode}\n"
    "AS\n{query}"
)
_ALTER_TASK = "ALTER TASK {exists}{name} {action}"
_EXECUTE_TASK = "EXECUTE TASK {name}"
_ALTER_DYNAMIC_TABLE = "ALTER DYNAMIC TABLE {name} {action}"
_DROP = "DROP {kind} IF EXISTS {name}"

REFRESH_MODES = ("INCREMENTAL", "FULL", "AUTO")


def create_stream(name: QualifiedName, on_table: QualifiedName) -> Fragment:
    return Fragment(_fill(_CREATE_STREAM, name=name_sql(name), table=name_sql(on_table)))


def create_task(
    name: QualifiedName,
    *,
    body: Fragment,
    schedule: str,
    warehouse: str | None,
    suspend_after_failures: int,
    when_stream_has_data: QualifiedName | None = None,
) -> Fragment:
    """CREATE OR ALTER TASK; ``warehouse=None`` makes a serverless task.

    ``schedule`` was validated by :mod:`moviecdc.config`; it still goes into SQL only as an escaped literal.
    """
    properties = []
    if warehouse is not None:
        properties.append(Fragment(f"  WAREHOUSE = {identifier_sql(warehouse)}"))
    properties.append(Fragment(f"  SCHEDULE = {literal_sql(schedule)}"))
    properties.append(Fragment(f"  SUSPEND_TASK_AFTER_NUM_FAILURES = {int(suspend_after_failures)}"))
    if when_stream_has_data is not None:
        properties.append(Fragment(f"  WHEN SYSTEM$STREAM_HAS_DATA({literal_sql(when_stream_has_data.sql)})"))
    return Fragment(_fill(_CREATE_TASK, name=name_sql(name), properties=Fragment("\n".join(properties)), body=body))


def create_dynamic_table(
    name: QualifiedName, *, query: Fragment, target_lag: str, warehouse: str, refresh_mode: str
) -> Fragment:
    lag = Fragment("DOWNSTREAM") if target_lag == "DOWNSTREAM" else literal_sql(target_lag)
    return Fragment(
        _fill(
            _CREATE_DYNAMIC_TABLE,
            name=name_sql(name),
            lag=lag,
            warehouse=identifier_sql(warehouse),
            refresh_mode=keyword(refresh_mode, REFRESH_MODES),
            query=query,
        )
    )


def alter_task(name: QualifiedName, action: str, *, if_exists: bool = False) -> Fragment:
    return Fragment(
        _fill(
            _ALTER_TASK,
            exists=Fragment("IF EXISTS " if if_exists else ""),
            name=name_sql(name),
            action=keyword(action, ("RESUME", "SUSPEND")),
        )
    )


def execute_task(name: QualifiedName) -> Fragment:
    return Fragment(_fill(_EXECUTE_TASK, name=name_sql(name)))


def alter_dynamic_table(name: QualifiedName, action: str) -> Fragment:
    return Fragment(
        _fill(_ALTER_DYNAMIC_TABLE, name=name_sql(name), action=keyword(action, ("REFRESH", "SUSPEND", "RESUME")))
    )


def drop(kind: str, name: QualifiedName) -> Fragment:
    """DROP TASK / DYNAMIC TABLE / STREAM IF EXISTS (tables go through sqlglot: :func:`drop_table`)."""
    return Fragment(_fill(_DROP, kind=keyword(kind, ("TASK", "DYNAMIC TABLE", "STREAM")), name=name_sql(name)))


# -- operational queries (status / refresh) -------------------------------------------------------------------

_SHOW = "SHOW {kind} LIKE {pattern} IN SCHEMA {schema}"
_STREAM_HAS_DATA = 'SELECT SYSTEM$STREAM_HAS_DATA({stream}) AS "HAS_DATA"'
# TASK_HISTORY (https://docs.snowflake.com/en/sql-reference/functions/task_history): without
# SCHEDULED_TIME_RANGE_END it also returns the next scheduled run (STATE SCHEDULED, QUERY_ID NULL), and even with
# it "a task that is executed immediately before the current time might still be identified as scheduled", so
# SCHEDULED rows are filtered out too. TASK_NAME takes an unqualified name and matches that name in every
# schema: the WHERE keeps this schema's task. RESULT_LIMIT applies before the WHERE, hence a wide scan.
_TASK_HISTORY = (
    'SELECT "NAME", "STATE", "SCHEDULED_TIME", "COMPLETED_TIME", "ERROR_MESSAGE"{origin} '
    "FROM TABLE({database}.INFORMATION_SCHEMA.TASK_HISTORY(SCHEDULED_TIME_RANGE_END => CURRENT_TIMESTAMP(), "
    "TASK_NAME => {task}, RESULT_LIMIT => {scan})) "
    'WHERE "DATABASE_NAME" = {database_name} AND "SCHEMA_NAME" = {schema_name} AND "STATE" <> \'SCHEDULED\' '
    'ORDER BY "SCHEDULED_TIME" DESC LIMIT {limit}'
)
TASK_HISTORY_SCAN = 1000
_REFRESH_HISTORY = (
    'SELECT "NAME", "STATE", "REFRESH_ACTION", "DATA_TIMESTAMP", "REFRESH_START_TIME", "REFRESH_END_TIME", '
    '"STATE_MESSAGE" '
    "FROM TABLE({database}.INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY(NAME => {table}, "
    "RESULT_LIMIT => {limit})) "
    'ORDER BY "REFRESH_START_TIME" DESC'
)
_REJECTED_REASONS = (
    'SELECT {reason} AS "REASON", COUNT(*) AS "ROWS" FROM {table} GROUP BY {reason} ORDER BY "ROWS" DESC, "REASON"'
)


def show(kind: str, name: QualifiedName) -> Fragment:
    """``SHOW STREAMS | TASKS | DYNAMIC TABLES LIKE '<name>' IN SCHEMA db.schema``.

    LIKE treats ``_`` as a wildcard, so callers keep only the row whose name is exactly ``name.name``.
    """
    return Fragment(
        _fill(
            _SHOW,
            kind=keyword(kind, ("STREAMS", "TASKS", "DYNAMIC TABLES")),
            pattern=literal_sql(name.name),
            schema=Fragment(f"{quote(name.database)}.{quote(name.schema)}"),
        )
    )


def stream_has_data(stream: QualifiedName) -> Fragment:
    return Fragment(_fill(_STREAM_HAS_DATA, stream=literal_sql(stream.sql)))


def task_history(task: QualifiedName, limit: int, *, origin: bool = False) -> Fragment:
    """The task's ``limit`` newest past runs (finished or executing), this schema's task only; ``origin`` adds
    ``SCHEDULED_FROM`` (``SCHEDULE`` or ``EXECUTE TASK``)."""
    return Fragment(
        _fill(
            _TASK_HISTORY,
            origin=Fragment(', "SCHEDULED_FROM"' if origin else ""),
            database=identifier_sql(task.database),
            task=literal_sql(task.name),
            scan=_int(max(limit, TASK_HISTORY_SCAN)),
            database_name=literal_sql(task.database),
            schema_name=literal_sql(task.schema),
            limit=_int(limit),
        )
    )


def refresh_history(table: QualifiedName, limit: int) -> Fragment:
    return Fragment(
        _fill(
            _REFRESH_HISTORY,
            database=identifier_sql(table.database),
            table=literal_sql(table.sql),
            limit=_int(limit),
        )
    )


def rejected_reasons(table: QualifiedName, reason_column: str) -> Fragment:
    return Fragment(_fill(_REJECTED_REASONS, reason=identifier_sql(reason_column), table=name_sql(table)))


def _int(value: int) -> Fragment:
    return Fragment(str(int(value)))


# -- access control (the preflight: moviecdc.preflight) --------------------------------------------------------

_CURRENT_CONTEXT = 'SELECT CURRENT_ROLE() AS "ROLE", CURRENT_WAREHOUSE() AS "WAREHOUSE"'
_SHOW_GRANTS_TO_ROLE = "SHOW GRANTS TO ROLE {role}"
_SHOW_DATABASES = "SHOW DATABASES LIKE {pattern}"
_SHOW_SCHEMAS = "SHOW SCHEMAS LIKE {pattern} IN DATABASE {database}"
_GRANT = "GRANT {privileges} ON {target} TO ROLE {role}"

PRIVILEGES = (
    "CREATE DATABASE",
    "CREATE SCHEMA",
    "USAGE",
    "CREATE TABLE",
    "CREATE STREAM",
    "CREATE TASK",
    "CREATE DYNAMIC TABLE",
    "EXECUTE TASK",
    "EXECUTE MANAGED TASK",
)
GRANT_TARGETS = ("ACCOUNT", "WAREHOUSE", "DATABASE", "SCHEMA")


def current_context() -> Fragment:
    return Fragment(_CURRENT_CONTEXT)


def show_grants_to_role(role: str) -> Fragment:
    """``SHOW GRANTS TO ROLE "<role>"``: the privileges granted to the role itself (not those it inherits)."""
    return Fragment(_fill(_SHOW_GRANTS_TO_ROLE, role=identifier_sql(role)))


def show_databases(database: str) -> Fragment:
    return Fragment(_fill(_SHOW_DATABASES, pattern=literal_sql(database)))


def show_schemas(database: str, schema: str) -> Fragment:
    return Fragment(_fill(_SHOW_SCHEMAS, pattern=literal_sql(schema), database=identifier_sql(database)))


def grant(privileges: Sequence[str], kind: str, parts: Sequence[str], role: str) -> Fragment:
    """``GRANT <privileges> ON ACCOUNT | <kind> <name> TO ROLE <role>``, every name quoted.

    >>> str(grant(["EXECUTE TASK"], "ACCOUNT", [], "SYSADMIN"))
    'GRANT EXECUTE TASK ON ACCOUNT TO ROLE "SYSADMIN"'
    >>> str(grant(["CREATE TABLE", "CREATE TASK"], "SCHEMA", ["MOVIES", "PUBLIC"], "LOADER"))
    'GRANT CREATE TABLE, CREATE TASK ON SCHEMA "MOVIES"."PUBLIC" TO ROLE "LOADER"'
    """
    listed = Fragment(", ".join(keyword(p, PRIVILEGES) for p in privileges))
    kind = keyword(kind, GRANT_TARGETS)
    target = Fragment(kind if kind == "ACCOUNT" else f"{kind} " + ".".join(quote(part) for part in parts))
    return Fragment(_fill(_GRANT, privileges=listed, target=target, role=identifier_sql(role)))
