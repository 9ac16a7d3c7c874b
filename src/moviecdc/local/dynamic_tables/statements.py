"""Dynamic tables: the statements, and the two functions the scheduler calls.

>>> from moviecdc.local import LocalSession
>>> with LocalSession(database="MOVIES", schema="PUBLIC") as session:
...     _ = session.sql("CREATE TABLE EVENTS (K VARCHAR, N INT)").collect()
...     _ = session.sql("INSERT INTO EVENTS VALUES ('a', 1), ('a', 2), ('b', 5)").collect()
...     session.sql(
...         "CREATE DYNAMIC TABLE TOTALS TARGET_LAG = '1 minute' WAREHOUSE = WH "
...         "AS SELECT K, COUNT(*) AS ROWS, MAX(N) AS TOP FROM EVENTS GROUP BY K"
...     ).collect()
...     session.sql("SELECT * FROM TOTALS ORDER BY K").collect()
...     session.sql("SHOW DYNAMIC TABLES LIKE 'TOTALS'").collect()[0]["refresh_mode"]
[Row(status='Table TOTALS successfully created.')]
[Row(K='a', ROWS=2, TOP=2), Row(K='b', ROWS=1, TOP=5)]
'INCREMENTAL'

The scheduler (:mod:`moviecdc.local` tasks and clock) asks :func:`next_due` when the next refresh falls due
and calls :func:`run_due` at that time. A table with a time lag is due at its DATA_TIMESTAMP plus its lag
(after a failure: the failed attempt plus the lag); a ``DOWNSTREAM`` table refreshes only as the upstream
of a table that refreshes, or manually. Every refresh that falls due at one time, and every upstream table
those read, refresh from one snapshot in one transaction, upstream first (:mod:`moviecdc.local.dynamic_tables.refresh`).
"""

from __future__ import annotations

import re
import weakref
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fakesnow.dialect import parse_one
from sqlglot import exp
from sqlglot.errors import SqlglotError

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local.core import catalog
from moviecdc.local.core.names import _TOKENIZER, ObjectName, display_part, from_table, take_name
from moviecdc.local.core.results import SUCCESS, Result, status
from moviecdc.local.dynamic_tables import aggregates
from moviecdc.local.dynamic_tables import catalog as dynamic_catalog
from moviecdc.local.dynamic_tables import ddl as dynamic_ddl
from moviecdc.local.dynamic_tables import graph as dynamic_graph
from moviecdc.local.dynamic_tables import runs as refresh_runs
from moviecdc.local.dynamic_tables import storage as dynamic_storage
from moviecdc.local.dynamic_tables.catalog import DynamicTable, Source
from moviecdc.local.dynamic_tables.incremental import Plan, analyse, qualify, table_references
from moviecdc.local.dynamic_tables.refresh import FULL, INCREMENTAL, Step, choose_strategy
from moviecdc.local.ordinary.statements import run_parsed

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine
    from moviecdc.local.core.router import Handler, Statement


def changing(handler: Handler) -> Handler:
    """A handler that may change the catalog: the cache of :func:`next_due` is dropped around it."""

    def run(engine: Engine, statement: Statement) -> Result:
        _forget(engine)
        try:
            return handler(engine, statement)
        finally:
            _forget(engine)

    return run


# -- the scheduler's interface --------------------------------------------------------------------------------


def next_due(engine: Engine) -> datetime | None:
    """The earliest time any dynamic-table refresh falls due (naive UTC, the clock of ``engine.now()``).

    Cheap (the scheduler asks after every step): it reads a cache of the catalog that every statement of
    this module drops; :func:`run_due` reads the catalog itself, so a stale answer costs one empty call.
    """
    tables = _cached(engine)
    times = [t for t in (dynamic_graph.due(table, tables) for table in tables.values()) if t is not None]
    return min(times, default=None)


def run_due(engine: Engine, now: datetime) -> None:
    """Run every refresh due at ``now``, upstream tables first, from one snapshot (one DuckDB transaction).

    Call it with the session's clock at ``now``: the refreshes' DATA_TIMESTAMP is ``engine.now()``.
    Failures are recorded in the refresh history (FAILED / UPSTREAM_FAILED) and retried one lag later;
    five consecutive failures suspend the table, as in Snowflake.
    """
    _forget(engine)
    tables = dynamic_catalog.load(engine)
    due = [table for table in tables.values() if (time := dynamic_graph.due(table, tables)) is not None and time <= now]
    if due:
        try:
            refresh_runs.run(
                engine, [Step(t, "SCHEDULED") for t in dynamic_graph.with_upstream(due, tables)], scheduled_for=now
            )
        finally:
            _forget(engine)


def latest_time(engine: Engine) -> datetime | None:
    """The latest instant dynamic tables recorded (DATA_TIMESTAMPs, refresh times; naive UTC).

    A session reopened on a folder should start its clock after it, so that time never runs backwards
    in the refresh history (the scheduler's ``on_open`` does this for tasks).
    """
    found: list[datetime] = []
    for db in dynamic_catalog.databases(engine):
        rows = engine.con.execute(
            f"SELECT max(greatest(DATA_TIMESTAMP, REFRESH_END_TIME)) "
            f"FROM {catalog.hidden(db, 'DYNAMIC_TABLE_REFRESHES').sql}"
        ).fetchall()
        found += [r[0] for r in rows if r[0] is not None]
    return max(found, default=None)


_CACHE: weakref.WeakKeyDictionary[Engine, dict[ObjectName, DynamicTable]] = weakref.WeakKeyDictionary()


def _cached(engine: Engine) -> dict[ObjectName, DynamicTable]:
    tables = _CACHE.get(engine)
    if tables is None:
        tables = _CACHE[engine] = dynamic_catalog.load(engine)
    return tables


def _forget(engine: Engine) -> None:
    _CACHE.pop(engine, None)


def forget(engine: Engine) -> None:
    """Drop the cache :func:`next_due` reads (the scheduler wrote refresh state itself)."""
    _forget(engine)


def cached_tables(engine: Engine) -> dict[ObjectName, DynamicTable]:
    """The tables :func:`next_due` reads (cached; good for an estimate, not for writing state back)."""
    return dict(_cached(engine))


# -- CREATE [OR REPLACE | OR ALTER] DYNAMIC TABLE ----------------------------------------------------------------


def create(engine: Engine, statement: Statement) -> Result:
    spec = dynamic_ddl.parse_create(engine, statement.text)
    engine.implicit_commit()
    label = display_part(spec.name.name)
    tables = dynamic_catalog.load(engine)
    existing = tables.get(spec.name)
    if existing is None and catalog.object_kind(engine.con, spec.name) is not None:
        if spec.if_not_exists:
            return status(f"{label} already exists, statement succeeded.")
        raise LocalEngineError(f"SQL compilation error: Object '{spec.name.display}' already exists.")
    if existing is not None and not (spec.or_replace or spec.or_alter):
        if spec.if_not_exists:
            return status(f"{label} already exists, statement succeeded.")
        raise LocalEngineError(f"SQL compilation error: Object '{spec.name.display}' already exists.")
    query, plan = _define(engine, spec, tables)
    mode, reason = _mode(spec.refresh_mode, plan)
    definition = {
        "text": statement.text, "query": query, "target_lag": spec.target_lag, "lag_seconds": spec.lag_seconds,
        "warehouse": spec.warehouse, "declared_mode": spec.refresh_mode, "refresh_mode": mode, "mode_reason": reason,
        "strategy": None, "source_key": plan.key if mode == INCREMENTAL else None,
        "output_key": plan.output_key if mode == INCREMENTAL else None, "comment": spec.comment,
    }  # fmt: skip
    with engine.atomic():
        catalog.ensure(engine.con, spec.name.database)
        engine.invalidate()  # the catalog tables may be new
        dynamic_catalog.forget_missing(engine.con, spec.name.database)
        if existing is not None and spec.or_alter:
            if existing.query == query and existing.refresh_mode == mode:
                # Snowflake keeps the data when only TARGET_LAG, WAREHOUSE or COMMENT change.
                kept = {k: v for k, v in definition.items() if k != "strategy"}  # chosen at (re)initialisation
                dynamic_catalog.save(engine.con, existing.with_(**kept))
                return status(SUCCESS)
            dynamic_storage.drop_streams(engine, existing)
            sources = tuple(Source(n, None) for n in plan.sources)
            table = existing.with_(**definition, sources=sources, initialized=False)
            dynamic_catalog.save(engine.con, table)
            _initialise(engine, table, tables)
            return status(SUCCESS)
        if existing is not None:
            _drop_objects(engine, existing)
        table = _new_table(engine, spec, definition, plan)
        dynamic_catalog.insert(engine.con, table)
        if spec.initialize == "ON_CREATE":
            _initialise(engine, table, tables)
    engine.invalidate()
    return status(f"Table {label} successfully created.")


def _define(
    engine: Engine, spec: dynamic_ddl.CreateDynamicTable, tables: dict[ObjectName, DynamicTable]
) -> tuple[str, Plan]:
    """Check the query and qualify its names (against the table's own schema, like a view's)."""
    try:
        ast = parse_one(spec.query)
    except SqlglotError as e:
        raise LocalEngineError(f"SQL compilation error in the dynamic table's query: {e}") from e
    if not isinstance(ast, exp.Query):
        raise LocalEngineError("CREATE DYNAMIC TABLE … AS must be followed by a query (SELECT …).")

    def resolve(node: exp.Table) -> ObjectName:
        return from_table(node, spec.name.database, spec.name.schema)

    qualified = qualify(ast, resolve)
    views: list[ObjectName] = []
    for node in table_references(qualified):
        name = resolve(node)
        if name in engine.streams:
            raise LocalEngineError(
                f"SQL compilation error: dynamic table {spec.name.display} cannot read stream {name.display}: "
                "dynamic tables cannot read from streams. Read the stream's base table instead."
            )
        reads = dynamic_graph.with_upstream([tables[name]] if name in tables else [], tables)
        if name == spec.name or spec.name in {t.name for t in reads}:
            raise LocalEngineError(f"SQL compilation error: dynamic table {spec.name.display} would read itself.")
        if name.database != spec.name.database:
            raise UnsupportedSqlError(
                f"Dynamic table {spec.name.display} reads {name.display} from another database; the local engine "
                "refreshes a dynamic table in one DuckDB transaction, which writes one database. "
                "Create the dynamic table in the database of the tables it reads."
            )
        kind = "TABLE" if name in engine.tracked else catalog.object_kind(engine.con, name)
        if kind is None:
            raise LocalEngineError(f"SQL compilation error: Object '{name.display}' does not exist or not authorized.")
        if kind == "VIEW":
            views.append(name)
    plan = analyse(qualified, dynamic_storage.resolver_for(spec.name), lambda n: dynamic_storage.columns_of(engine, n))
    if views and plan.incremental:
        plan = Plan(plan.sources, reason=f"it reads view {views[0].display}; only tables' changes are tracked")
    return qualified.sql(dialect="snowflake"), plan


def _mode(declared: str, plan: Plan) -> tuple[str, str | None]:
    """The refresh mode refreshes use, and SHOW's refresh_mode_reason."""
    if declared == FULL:
        return FULL, None
    if plan.incremental:
        return INCREMENTAL, None
    reason = f"The local engine cannot refresh this query incrementally: {plan.reason}."
    if declared == INCREMENTAL:
        reason += (
            " REFRESH_MODE = INCREMENTAL was requested: Snowflake would refuse to create the table; "
            "the local engine refreshes it in full instead."
        )
    return FULL, reason


def _new_table(
    engine: Engine, spec: dynamic_ddl.CreateDynamicTable, definition: dict[str, Any], plan: Plan
) -> DynamicTable:
    now = engine.now()
    table = DynamicTable(
        uid=catalog.next_uid(engine.con, spec.name.database), name=spec.name, storage_uid=0,
        initialize=spec.initialize, suspended=False, suspend_reason=None, last_suspended_on=None,
        initialized=False, data_timestamp=None, lag_base=None, consecutive_failures=0, created_on=now,
        sources=tuple(Source(n, None) for n in plan.sources), **definition,
    )  # fmt: skip
    shape = dynamic_storage.result_shape(engine, dynamic_storage.duckdb_sql(engine, table))
    table = choose_strategy(table, shape)
    return table.with_(storage_uid=dynamic_storage.create_storage(engine, spec.name, shape).uid)


def _initialise(engine: Engine, table: DynamicTable, tables: dict[ObjectName, DynamicTable]) -> None:
    """The creation refresh: upstream tables first, all at one DATA_TIMESTAMP; a failure fails the statement."""
    upstream = [
        t for t in dynamic_graph.with_upstream(dynamic_graph.upstream(table, tables), tables) if t.name != table.name
    ]
    steps = [Step(t, "CREATION") for t in upstream] + [Step(table, "CREATION", reinitialise=True)]
    try:
        refresh_runs.refresh_all(engine, steps, engine.now())
    except refresh_runs.RefreshError as failure:
        raise LocalEngineError(
            f"The initial refresh of {failure.step.table.name.display} failed: {failure}"
        ) from failure.cause


def _drop_objects(engine: Engine, table: DynamicTable) -> None:
    dynamic_storage.drop_streams(engine, table)
    engine.con.execute(f"DROP TABLE IF EXISTS {aggregates.state_table(table).sql}")
    tracked = engine.tracked_by_uid(table.database, table.storage_uid)
    if tracked is not None:
        catalog.untrack(engine.con, tracked)  # readers' streams on it become stale: they reinitialise
    dynamic_catalog.delete(engine.con, table)
    engine.invalidate()


# -- ALTER / DROP ----------------------------------------------------------------------------------------------


def alter(engine: Engine, statement: Statement) -> Result:
    spec = dynamic_ddl.parse_alter(engine, statement.text)
    engine.implicit_commit()
    tables = dynamic_catalog.load(engine)
    table = tables.get(spec.name)
    if table is None:
        if spec.if_exists:
            return status(SUCCESS)
        raise _missing(spec.name)
    if spec.action == "REFRESH":
        # Like Snowflake, a manual refresh first brings the tables it reads to the same snapshot.
        steps = [Step(t, "MANUAL") for t in dynamic_graph.with_upstream([table], tables)]
        for record in refresh_runs.run(engine, steps):
            if record.table.name == table.name and record.state != "SUCCEEDED":
                raise LocalEngineError(f"Refresh of dynamic table {table.name.display} failed: {record.message}")
        return status(SUCCESS)
    now = engine.now()
    if spec.action == "SUSPEND":
        changed = table.with_(suspended=True, suspend_reason="USER_SUSPENDED", last_suspended_on=now)
    elif spec.action == "RESUME":
        changed = table.with_(suspended=False, suspend_reason=None, consecutive_failures=0)
    else:
        lag = spec.target_lag or (table.target_lag, table.lag_seconds)
        changed = table.with_(target_lag=lag[0], lag_seconds=lag[1], warehouse=spec.warehouse or table.warehouse)
    with engine.atomic():
        dynamic_catalog.save(engine.con, changed)
    return status(SUCCESS)


def drop(engine: Engine, statement: Statement) -> Result:
    name, if_exists = dynamic_ddl.parse_drop(engine, statement.text)
    engine.implicit_commit()
    table = dynamic_catalog.load(engine).get(name)
    if table is None:
        if if_exists:
            return status(f"Drop statement executed successfully ({display_part(name.name)} already dropped).")
        raise _missing(name)
    with engine.atomic():
        _drop_objects(engine, table)
    return status(f"{display_part(name.name)} successfully dropped.")


def _missing(name: ObjectName) -> LocalEngineError:
    return LocalEngineError(f"SQL compilation error: Dynamic table '{name.display}' does not exist or not authorized.")


# -- DML on a dynamic table is refused ------------------------------------------------------------------------------

_OPTIONAL = {"OVERWRITE", "INTO", "FROM", "TABLE", "IF", "EXISTS", "TRANSIENT", "TEMPORARY", "TEMP", "LOCAL",
             "GLOBAL", "VOLATILE", "OR", "REPLACE"}  # fmt: skip


_VALUES = re.compile(r"\bVALUES\b", re.IGNORECASE)


def guard(engine: Engine, statement: Statement) -> Result:
    """INSERT / UPDATE / DELETE / MERGE / TRUNCATE / DROP TABLE / ALTER TABLE / CREATE OR REPLACE TABLE:
    refused when the target is a dynamic table (Snowflake refuses them too), otherwise run as usual."""
    words = statement.keywords.split(" ")
    if words[0] == "INSERT" and ({"ALL", "FIRST"} & set(words[1:3])):
        targets = _multitable_targets(engine, statement)  # INSERT [OVERWRITE] ALL | FIRST: every INTO's table
    else:
        targets = [_target(engine, statement)]
    for target in targets:
        if target is not None and target in engine.tracked and is_dynamic(engine, target):
            _refuse_dml(target, statement)
    return run_parsed(engine, statement)


def _multitable_targets(engine: Engine, statement: Statement) -> list[ObjectName | None]:
    try:
        ast = parse_one(statement.text)
    except SqlglotError:
        return []  # run_parsed reports the syntax error
    if not isinstance(ast, exp.MultitableInserts):
        return []
    return [
        engine.resolve_table(node)
        for clause in ast.expressions
        if isinstance(clause, exp.ConditionalInsert) and isinstance(clause.this, exp.Insert)
        for node in [clause.this.this.this if isinstance(clause.this.this, exp.Schema) else clause.this.this]
        if isinstance(node, exp.Table)
    ]


def _refuse_dml(target: ObjectName, statement: Statement) -> None:
    verb = statement.keywords.split(" ")[0]
    if verb in ("DROP", "ALTER", "CREATE"):
        raise LocalEngineError(
            f"SQL compilation error: Object found is of type 'DYNAMIC_TABLE', not specified type 'TABLE': "
            f"{target.display}. Use {verb} DYNAMIC TABLE."
        )
    raise LocalEngineError(
        f"Dynamic table {target.display} cannot be changed by {verb}: its rows are defined by its query. "
        "Change the tables it reads, or its query with CREATE OR ALTER DYNAMIC TABLE."
    )


def _target(engine: Engine, statement: Statement) -> ObjectName | None:
    words = statement.keywords.split(" ")
    if words[:2] == ["CREATE", "OR"] and "TABLE" not in words[:5]:
        return None
    try:
        tokens = _TOKENIZER.tokenize(statement.text[:2000])
    except Exception:  # a literal cut in half: tokenise up to a bulk INSERT's VALUES, or all of it
        values = _VALUES.search(statement.text)
        try:
            tokens = _TOKENIZER.tokenize(statement.text[: values.start()] if values else statement.text)
        except Exception:
            tokens = _TOKENIZER.tokenize(statement.text)
    i = 1
    while i < len(tokens) and tokens[i].text.upper() in _OPTIONAL:
        i += 1
    parts, _ = take_name(tokens, i)
    if not parts:
        return None
    try:
        return engine.resolve(parts)
    except LocalEngineError:
        return None


def is_dynamic(engine: Engine, name: ObjectName) -> bool:
    """Is ``name`` a dynamic table?"""
    return name in _cached(engine)
