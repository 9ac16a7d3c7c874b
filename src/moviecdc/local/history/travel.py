"""Time travel ``AT | BEFORE`` and the ``CHANGES`` clause, read from a tracked table's change log.

Snowflake (https://docs.snowflake.com/en/sql-reference/constructs/at-before): ``AT`` "is inclusive of any changes
made by a statement or transaction with a timestamp equal to the specified parameter", ``BEFORE`` "refers to a point
immediately preceding" it; ``TIMESTAMP => t``, ``OFFSET => -N`` seconds from now, ``STATEMENT => '<query id>'``,
``STREAM => '<name>'`` (this one "only when creating a stream … or querying change data"). A point beyond the
retention period (``DATA_RETENTION_TIME_IN_DAYS``, default 1, 0 turns time travel off) or at or before the table's
creation fails with ``000707 (02000): Time travel data is not available for table T. …``.
CHANGES (https://docs.snowflake.com/en/sql-reference/constructs/changes) returns the change tracking metadata of
an interval: ``INFORMATION => DEFAULT`` the net change per row, exactly what a stream whose offset is the start
returns at the end, ``APPEND_ONLY`` the inserted rows; ``END(…)`` is inclusive; change tracking must be on.

How (docs/local_engine.md, "Time travel and CHANGES"): the table's state at change-clock value S is its current
rows with every row changed after S put back as it was, i.e. for each such row the image its first later event
removes, if that event removes one (the inverse of the later changes); CHANGES over (S, E] is the stream delta
of :mod:`moviecdc.local.streams.delta`. Either becomes a temporary view the statement reads instead of the table
(the name is the same each time, ``_MOVIECDC_PAST_<n>``, so the statement's translation stays cached). Instants
map to change-clock values through :meth:`Engine.seq_at`, statement ids to instants through the session's
:class:`~moviecdc.local.history.queries.QueryLog`.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local.core import catalog
from moviecdc.local.core.catalog import ROW_ID, StreamDef, TrackedTable
from moviecdc.local.core.names import ObjectName, parse_name, quote
from moviecdc.local.dialect import constraints
from moviecdc.local.history.queries import QueryLog, constant
from moviecdc.local.streams.delta import delta_sql

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine

MICROSECOND = timedelta(microseconds=1)
HOW_TO_KEEP = (
    "The local engine keeps a table's history only while CHANGE_TRACKING = TRUE is set on it (CREATE TABLE … "
    "CHANGE_TRACKING = TRUE or ALTER TABLE … SET CHANGE_TRACKING = TRUE), from that moment on"
)


def not_available(table: ObjectName) -> LocalEngineError:
    return LocalEngineError(
        f"000707 (02000): Time travel data is not available for table {table.name}. The requested time is either "
        "beyond the allowed time travel period or before the object creation time."
    )


def not_tracked(table: ObjectName) -> LocalEngineError:
    """The message of Snowflake's error 091930 (docs: dynamic tables' error code reference)."""
    return LocalEngineError(
        "091930: Change tracking is not enabled or has been missing for the time range requested on table "
        f"{table.name}."
    )


def rewriter(engine: Engine, log: QueryLog) -> Any:
    """An engine rewriter: each ``t AT|BEFORE(…)`` and ``t CHANGES(…) AT|BEFORE(…) [END(…)]`` becomes a temporary
    view of that past state or change set."""

    def rewrite(ast: exp.Expr) -> exp.Expr:
        nodes = [t for t in ast.find_all(exp.Table) if t.args.get("when") or t.args.get("changes")]
        if not nodes:
            return ast
        if isinstance(ast, exp.Create) and str(ast.args.get("kind") or "").upper() == "VIEW":
            raise UnsupportedSqlError(
                "A view over AT | BEFORE or CHANGES is not supported by the local engine; select from it directly."
            )
        for index, node in enumerate(nodes, start=1):
            if isinstance(node.parent, exp.Clone):
                raise UnsupportedSqlError("CREATE … CLONE is not supported by the local engine.")
            view = ObjectName("temp", "main", f"_MOVIECDC_PAST_{index}")
            engine.con.execute(f"CREATE OR REPLACE TEMP VIEW {view.sql} AS {_query(engine, log, node)}")
            replacement = view.table()
            alias = node.args.get("alias") or exp.TableAlias(this=node.this.copy())
            replacement.set("alias", alias.copy())
            node.replace(replacement)
        return ast

    return rewrite


def _query(engine: Engine, log: QueryLog, node: exp.Table) -> str:
    name = engine.resolve_table(node)
    if name is None or catalog.object_kind(engine.con, name) is None:
        shown = name.display if name is not None else node.sql(dialect="snowflake")
        message = f"002003 (42S02): SQL compilation error:\nObject '{shown}' does not exist or not authorized."
        raise LocalEngineError(message)
    tracked = engine.tracked.get(name)
    changes = node.args.get("changes")
    if changes is None:
        seq, instant = _point(engine, log, name, node.args["when"], changes=False)
        _check(engine, name, tracked, seq, instant, changes=False)
        assert tracked is not None
        return _past_sql(tracked, seq)
    start_clause, end_clause = changes.args.get("at_before"), changes.args.get("end")
    if start_clause is None:
        raise LocalEngineError("SQL compilation error: CHANGES needs AT(…) or BEFORE(…): the start of the interval.")
    start, instant = _point(engine, log, name, start_clause, changes=True)
    _check(engine, name, tracked, start, instant, changes=True)
    assert tracked is not None
    end = engine.snapshot(name.database)
    if end_clause is not None:
        end, end_instant = _point(engine, log, name, end_clause, changes=True)
        _check(engine, name, tracked, end, end_instant, changes=True)
    information = str(changes.args.get("information") or "DEFAULT").upper()
    if information not in ("DEFAULT", "APPEND_ONLY"):
        raise LocalEngineError(f"SQL compilation error: invalid value [{information}] for parameter 'INFORMATION'")
    interval = StreamDef(
        uid=0, name=name, table=name, table_uid=tracked.uid, mode=information, show_initial_rows=False,
        initial_pending=False, offset=start, stale=False, invalid_reason=None, comment=None, created_on=None,
    )  # fmt: skip
    return delta_sql(interval, tracked, max(end, start))


def _past_sql(tracked: TrackedTable, seq: int) -> str:
    """The table's rows as they were when its change clock read ``seq``: the rows no later event touched, and for
    each row that later events touched, the image the first of them removes (none: it did not exist yet)."""
    rid, cols, log = quote(ROW_ID), tracked.quoted_columns, tracked.log.sql
    return (
        f"SELECT {cols} FROM {tracked.data.sql} WHERE {rid} NOT IN (SELECT {rid} FROM {log} WHERE SEQ > {int(seq)}) "
        f"UNION ALL SELECT {cols} FROM (SELECT *, row_number() OVER (PARTITION BY {rid} ORDER BY SEQ, ACTION % 2) "
        f'AS "__MOVIECDC_N" FROM {log} WHERE SEQ > {int(seq)}) WHERE "__MOVIECDC_N" = 1 AND ACTION % 2 = 0'
    )


def _point(
    engine: Engine, log: QueryLog, table: ObjectName, clause: exp.Expr, *, changes: bool
) -> tuple[int, datetime | None]:
    """A point in time as (change-clock value, instant); the instant is None for ``STREAM =>``."""
    word = str(clause.this).upper()  # AT | BEFORE | END
    kind = str(clause.args.get("kind") or "").upper()
    value = constant(clause.args["expression"])
    if kind == "STREAM":
        if not changes or word == "END":
            raise LocalEngineError("SQL compilation error: STREAM => is supported only as the start of CHANGES.")
        if not (isinstance(value, exp.Literal) and value.is_string):
            raise LocalEngineError("SQL compilation error: STREAM => takes the stream's name as a string.")
        stream = engine.streams.get(engine.resolve(parse_name(str(value.this))))
        if stream is None or stream.table != table:
            message = f"SQL compilation error: Stream '{value.this}' does not exist on table {table.name}."
            raise LocalEngineError(message)
        return stream.offset, None
    if kind == "TIMESTAMP":
        instant = _instant(engine, value)
    elif kind == "OFFSET":
        seconds = _evaluate(engine, value)
        if not isinstance(seconds, (int, float)) and not hasattr(seconds, "__float__"):
            raise LocalEngineError("SQL compilation error: OFFSET => takes a number of seconds, e.g. -60*5.")
        instant = engine.now() + timedelta(seconds=float(seconds))
    elif kind == "STATEMENT":
        if not (isinstance(value, exp.Literal) and value.is_string):
            raise LocalEngineError("SQL compilation error: STATEMENT => takes a query id.")
        query = log.get(str(value.this))
        if query is None:
            raise LocalEngineError(f"Statement {value.this} not found")
        instant = query.at
    else:
        raise UnsupportedSqlError(f"{word}({kind} => …) is not supported by the local engine.")
    if word == "BEFORE":
        instant -= MICROSECOND
    seq = engine.seq_at(table.database, instant) if table in engine.tracked else None
    return (seq if seq is not None else -1), instant


def _evaluate(engine: Engine, node: exp.Expr) -> Any:
    """A constant expression's value (fakesnow evaluates it, as any SELECT)."""
    result = engine.fakesnow(f"SELECT {node.sql(dialect='snowflake')}")
    return result.table.column(0)[0].as_py()


def _instant(engine: Engine, node: exp.Expr) -> datetime:
    """``TIMESTAMP => …`` as a naive UTC instant: a TIMESTAMP_LTZ / _TZ by its offset, anything else as UTC."""
    value = _evaluate(engine, node)
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise LocalEngineError("SQL compilation error: TIMESTAMP => takes a timestamp.")
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def _check(
    engine: Engine,
    table: ObjectName,
    tracked: TrackedTable | None,
    seq: int,
    instant: datetime | None,
    *,
    changes: bool,
) -> None:
    """Refuse a point whose data Snowflake would not have (its errors), or the engine did not keep
    (UnsupportedSqlError)."""
    if instant is not None:
        days = constraints.retention_days(engine, table)
        if days == 0 or instant < engine.now() - timedelta(days=days):
            raise not_available(table)
    history = engine.history.get((table.database, tracked.uid)) if tracked is not None else None
    if history is not None:
        if seq >= history.since_seq and (instant is None or instant > history.since_at):
            return
        if history.at_create:
            raise not_available(table)  # at or before the table's creation
        if changes:
            raise not_tracked(table)  # before change tracking was turned on
        raise UnsupportedSqlError(
            f"Time travel on {table.display} to before {history.since_at:%Y-%m-%d %H:%M:%S}: {HOW_TO_KEEP}."
        )
    live = [
        s.offset for s in engine.streams.values()
        if tracked is not None and s.table_uid == tracked.uid and s.catalog_db == table.database and not s.stale
    ]  # fmt: skip
    if live and seq >= min(live):
        return  # a stream's log holds every change after the oldest live stream's offset
    if changes and not live:
        raise not_tracked(table)
    raise UnsupportedSqlError(
        f"{'CHANGES' if changes else 'Time travel'} on {table.display} at this point: {HOW_TO_KEEP} (a stream alone "
        "keeps the changes after its offset only, and only those this session can place in time)."
    )
