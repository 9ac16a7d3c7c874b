"""ALTER TABLE on a tracked table (one with a stream, or read by a dynamic table), and SWAP WITH.

A tracked table is a view over ``_MOVIECDC.T<uid>_DATA`` with a change log ``T<uid>_CHANGES`` (see
:mod:`moviecdc.local.core.catalog`), so a column change is made to the rows, to the log and to the view, in one
DuckDB transaction. What Snowflake documents, and what the engine does:

- "The stream uses the current table schema" (https://docs.snowflake.com/en/user-guide/streams-intro, Offset
  storage): after ``ADD | DROP | RENAME COLUMN`` or ``ALTER COLUMN … SET DATA TYPE`` a stream's columns are the
  table's current columns, and its pending changes stay pending. A change logged before ``ADD COLUMN`` shows the
  column's default (NULL without one), as the table's rows do (the docs do not settle it).
- "Renaming a source object does not break a stream or cause it to go stale"
  (https://docs.snowflake.com/en/user-guide/streams-intro, Stream staleness / Data retention): ``RENAME TO`` and
  ``SWAP WITH`` move the table's streams with the table (SHOW STREAMS then names the new name).
- ``CLUSTER BY`` / ``DROP CLUSTERING KEY``, ``SUSPEND | RESUME RECLUSTER``: clustering changes how Snowflake lays
  micro-partitions out, never a query's result; accepted and not recorded.
- ``SET | UNSET`` of ``COMMENT``, ``DATA_RETENTION_TIME_IN_DAYS``, ``MAX_DATA_EXTENSION_TIME_IN_DAYS`` and
  ``CHANGE_TRACKING``: recorded (the first three in ``_MOVIECDC.TABLE_PARAMETERS``, which stream staleness reads).

Refused with :class:`UnsupportedSqlError`: renaming or swapping a table that a dynamic table reads (the dynamic
table names it in its query), renaming or swapping across schemas or databases, and every other action.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local.core import catalog
from moviecdc.local.core.catalog import TrackedTable, hidden
from moviecdc.local.core.names import ObjectName, literal, quote
from moviecdc.local.core.results import SUCCESS, Result, status

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine

# Table parameters the engine records (https://docs.snowflake.com/en/sql-reference/sql/alter-table).
PARAMETERS = ("COMMENT", "DATA_RETENTION_TIME_IN_DAYS", "MAX_DATA_EXTENSION_TIME_IN_DAYS")
_PARAMETERS_DDL = (
    "CREATE TABLE IF NOT EXISTS {table} (SCHEMA_NAME VARCHAR NOT NULL, TABLE_NAME VARCHAR NOT NULL, "
    "NAME VARCHAR NOT NULL, VALUE VARCHAR)"
)
_COLUMN_ACTIONS = (exp.ColumnDef, exp.Drop, exp.RenameColumn, exp.AlterColumn)


def handles(ast: exp.Expr) -> bool:
    """Is ``ast`` an ALTER TABLE this module runs on any table (SWAP WITH, SET/UNSET of a recorded parameter)?

    fakesnow fails on these with a parser error."""
    if not isinstance(ast, exp.Alter) or str(ast.args.get("kind") or "").upper() != "TABLE":
        return False
    actions = ast.args.get("actions") or []
    return bool(actions) and all(isinstance(a, exp.SwapTable) or _parameter_names(a) is not None for a in actions)


def alter(engine: Engine, ast: exp.Alter, name: ObjectName, tracked: TrackedTable | None) -> Result:
    """Run an ALTER TABLE on ``name`` (``tracked``: its tracking, None for a plain table)."""
    actions = list(ast.args.get("actions") or [])
    if not actions:
        raise UnsupportedSqlError(f"ALTER TABLE {ast.sql(dialect='snowflake')!r} is not supported by the local engine.")
    first = actions[0]
    if isinstance(first, exp.SwapTable):
        other = engine.resolve_table(first.this) if isinstance(first.this, exp.Table) else None
        if other is None or len(actions) != 1:
            raise LocalEngineError("SQL compilation error: ALTER TABLE … SWAP WITH takes one table name.")
        return _swap(engine, name, other)
    if isinstance(first, exp.AlterRename):
        target = first.this
        new = engine.resolve_table(target) if isinstance(target, exp.Table) else None
        if new is None or tracked is None:
            raise LocalEngineError("SQL compilation error: ALTER TABLE … RENAME TO takes one table name.")
        return _rename(engine, tracked, new)
    if all(_parameter_names(a) is not None for a in actions):
        return _parameters(engine, name, actions)
    if tracked is None:
        raise UnsupportedSqlError("Internal error of the local engine: a plain ALTER TABLE reached the tracked path.")
    if isinstance(first, exp.ClusterProperty) or _is_clustering(first):
        return status(SUCCESS)  # layout only: never changes a result
    if all(isinstance(a, _COLUMN_ACTIONS) for a in actions):
        return _columns(engine, ast, tracked)
    action_text = ", ".join(a.sql(dialect="snowflake") for a in actions)
    raise UnsupportedSqlError(
        f"ALTER TABLE … {action_text} on {tracked.name.display}, which has a stream or is read by a dynamic table, "
        "is not supported by the local engine (supported: ADD / DROP / RENAME COLUMN, ALTER COLUMN "
        "… SET DATA TYPE, RENAME TO, SWAP WITH, CLUSTER BY, SET / UNSET COMMENT, DATA_RETENTION_TIME_IN_DAYS, "
        "MAX_DATA_EXTENSION_TIME_IN_DAYS, CHANGE_TRACKING)."
    )


def _is_clustering(action: exp.Expr) -> bool:
    text = action.sql(dialect="snowflake").upper() if isinstance(action, exp.Command) else ""
    return "CLUSTERING KEY" in text or "RECLUSTER" in text


# -- columns --------------------------------------------------------------------------------------------------


def _columns(engine: Engine, ast: exp.Alter, tracked: TrackedTable) -> Result:
    """Each action on the rows and on the change log, then the view again over the new columns."""
    steps: list[tuple[str, exp.Expr]] = []
    for action in _single_actions(ast):
        data_alter = ast.copy()
        data_alter.set("this", tracked.data.table())
        data_alter.set("exists", None)
        data_alter.set("actions", [action.copy()])
        steps.append((engine.transform(data_alter), action))  # fakesnow's types (NUMBER → DECIMAL …)
    with engine.atomic():
        for rows_sql, action in steps:
            engine.con.execute(rows_sql)
            _log_action(engine, tracked, action)
        columns = [c.name for c in catalog.table_columns(engine.con, tracked.data) if c.name != catalog.ROW_ID]
        engine.con.execute(
            f"CREATE OR REPLACE VIEW {tracked.name.sql} AS SELECT {', '.join(quote(c) for c in columns)} "
            f"FROM {tracked.data.sql}"
        )
    engine.invalidate()
    return status(SUCCESS)


def _single_actions(ast: exp.Alter) -> list[exp.Expr]:
    """The actions one at a time (``DROP COLUMN a, b`` → two drops: DuckDB drops one column a statement)."""
    found: list[exp.Expr] = []
    for action in ast.args.get("actions") or []:
        if isinstance(action, exp.Drop):
            for column in action.args.get("tables") or ([action.this] if action.this is not None else []):
                single = action.copy()
                single.set("tables", [column.copy()])
                found.append(single)
        else:
            found.append(action)
    return found


def _log_action(engine: Engine, tracked: TrackedTable, action: exp.Expr) -> None:
    """The column change of one action, made to the change log (its images follow the table's columns)."""
    log = tracked.log.sql
    if isinstance(action, exp.ColumnDef):
        name = _column_name(action.this)
        column = next(c for c in catalog.table_columns(engine.con, tracked.data) if c.name == name)
        default = f" DEFAULT {column.default}" if column.default is not None else ""
        # Logged images of rows that existed before the column read its default, as the rows themselves do.
        engine.con.execute(f"ALTER TABLE {log} ADD COLUMN {quote(name)} {column.type}{default}")
        if default:
            engine.con.execute(f"ALTER TABLE {log} ALTER COLUMN {quote(name)} DROP DEFAULT")
    elif isinstance(action, exp.Drop):
        for node in action.args.get("tables") or []:
            engine.con.execute(f"ALTER TABLE {log} DROP COLUMN {quote(_column_name(node))}")
    elif isinstance(action, exp.RenameColumn):
        old, new = _column_name(action.this), _column_name(action.args["to"])
        engine.con.execute(f"ALTER TABLE {log} RENAME COLUMN {quote(old)} TO {quote(new)}")
    elif isinstance(action, exp.AlterColumn):
        name = _column_name(action.this)
        column = next(c for c in catalog.table_columns(engine.con, tracked.data) if c.name == name)
        engine.con.execute(f"ALTER TABLE {log} ALTER COLUMN {quote(name)} SET DATA TYPE {column.type}")


def _column_name(node: exp.Expr) -> str:
    ident = node.this if isinstance(node, exp.Column) else node
    if isinstance(ident, exp.Identifier):
        return str(ident.name) if ident.args.get("quoted") else str(ident.name).upper()
    raise LocalEngineError(f"SQL compilation error: invalid column name {node.sql(dialect='snowflake')!r}.")


# -- the table's name -----------------------------------------------------------------------------------------


def _readers(engine: Engine, name: ObjectName) -> bool:
    """Does a dynamic table read ``name``? (its sources, in the catalog of the table's database)"""
    if name.database not in engine.holders("DYNAMIC_TABLE_SOURCES"):
        return False
    rows = engine.con.execute(
        f"SELECT 1 FROM {hidden(name.database, 'DYNAMIC_TABLE_SOURCES').sql} WHERE SOURCE_SCHEMA = ? "
        "AND SOURCE_NAME = ?",
        [name.schema, name.name],
    ).fetchall()
    return bool(rows)


def _check_movable(engine: Engine, name: ObjectName, new: ObjectName, verb: str) -> None:
    if _readers(engine, name):
        raise UnsupportedSqlError(
            f"ALTER TABLE … {verb} on {name.display}, which a dynamic table reads, is not supported by the local "
            "engine (the dynamic table names it in its query). Recreate the dynamic table over the new name."
        )
    if (new.database, new.schema) != (name.database, name.schema):
        raise UnsupportedSqlError(
            f"ALTER TABLE … {verb} across schemas or databases ({name.display} → {new.display}) is not supported "
            "by the local engine when a table has a stream. Keep both names in one schema."
        )


def _rename(engine: Engine, tracked: TrackedTable, new: ObjectName) -> Result:
    _check_movable(engine, tracked.name, new, "RENAME TO")
    if catalog.object_kind(engine.con, new) is not None:
        raise LocalEngineError(f"SQL compilation error: Object '{new.display}' already exists.")
    with engine.atomic():
        _move(engine, tracked.name, new)
    engine.invalidate()
    return status(SUCCESS)


def _swap(engine: Engine, name: ObjectName, other: ObjectName) -> Result:
    """SWAP WITH: the two tables exchange names; each keeps its rows and its streams."""
    for table in (name, other):
        if catalog.object_kind(engine.con, table) is None:
            raise LocalEngineError(f"SQL compilation error: Table '{table.display}' does not exist or not authorized.")
    tracked = {t for t in (name, other) if t in engine.tracked}
    for table in tracked:
        _check_movable(engine, table, other if table == name else name, "SWAP WITH")
    if not tracked and name.database != other.database:
        raise UnsupportedSqlError("ALTER TABLE … SWAP WITH across databases is not supported by the local engine.")
    if not tracked and name.schema != other.schema:
        raise UnsupportedSqlError("ALTER TABLE … SWAP WITH across schemas is not supported by the local engine.")
    scratch = ObjectName(name.database, name.schema, "_MOVIECDC_SWAP")
    with engine.atomic():
        _move(engine, name, scratch)
        _move(engine, other, name)
        _move(engine, scratch, other)
    engine.invalidate()
    return status(SUCCESS)


def _move(engine: Engine, old: ObjectName, new: ObjectName) -> None:
    """Rename one table or tracked table (its view, its catalog rows, its streams' base, its parameters)."""
    kind = "VIEW" if catalog.object_kind(engine.con, old) == "VIEW" else "TABLE"
    engine.con.execute(f"ALTER {kind} {old.sql} RENAME TO {quote(new.name)}")
    db = old.database
    holders = set(engine.holders("TRACKED")) | set(engine.holders("TABLE_PARAMETERS"))
    if db not in holders:
        return
    if db in engine.holders("TRACKED"):
        engine.con.execute(
            f"UPDATE {hidden(db, 'TRACKED').sql} SET TABLE_NAME = ? WHERE SCHEMA_NAME = ? AND TABLE_NAME = ?",
            [new.name, old.schema, old.name],
        )
        engine.con.execute(
            f"UPDATE {hidden(db, 'STREAMS').sql} SET TABLE_NAME = ? WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? "
            "AND NOT STALE",
            [new.name, old.schema, old.name],
        )
    if db in engine.holders("TABLE_PARAMETERS"):
        engine.con.execute(
            f"UPDATE {hidden(db, 'TABLE_PARAMETERS').sql} SET TABLE_NAME = ? WHERE SCHEMA_NAME = ? AND TABLE_NAME = ?",
            [new.name, old.schema, old.name],
        )


# -- parameters -----------------------------------------------------------------------------------------------


def _parameter_names(action: exp.Expr) -> list[tuple[str, exp.Expr | None]] | None:
    """(name, value or None for UNSET) of a SET / UNSET of recorded parameters; None for anything else."""
    if isinstance(action, exp.AlterSet):
        found: list[tuple[str, exp.Expr | None]] = []
        for group in action.expressions:
            items = group.expressions if isinstance(group, exp.Properties) else [group]
            for item in items:
                if isinstance(item, exp.SchemaCommentProperty):
                    found.append(("COMMENT", item.this))
                elif isinstance(item, exp.Property) and item.name.upper() in PARAMETERS:
                    found.append((item.name.upper(), item.args.get("value")))
                else:
                    return None
        return found or None
    if isinstance(action, exp.Set) and action.args.get("unset"):
        names = [
            e.name.upper() if isinstance(e, (exp.Identifier, exp.Var, exp.Column)) else "" for e in action.expressions
        ]
        return [(n, None) for n in names] if names and all(n in PARAMETERS for n in names) else None
    return None


def _parameters(engine: Engine, name: ObjectName, actions: list[exp.Expr]) -> Result:
    if catalog.object_kind(engine.con, name) is None:
        raise LocalEngineError(f"SQL compilation error: Table '{name.display}' does not exist or not authorized.")
    settings = [item for action in actions for item in _parameter_names(action) or []]
    with engine.atomic():
        catalog.ensure(engine.con, name.database)
        table = hidden(name.database, "TABLE_PARAMETERS").sql
        engine.con.execute(_PARAMETERS_DDL.format(table=table))
        for key, value in settings:
            text = _value(key, value)
            engine.con.execute(
                f"DELETE FROM {table} WHERE SCHEMA_NAME = ? AND TABLE_NAME = ? AND NAME = ?",
                [name.schema, name.name, key],
            )
            if value is not None:
                engine.con.execute(f"INSERT INTO {table} VALUES (?, ?, ?, ?)", [name.schema, name.name, key, text])
            if key == "COMMENT":
                comment = "NULL" if value is None else literal(text or "")
                engine.con.execute(f"COMMENT ON {_kind(engine, name)} {name.sql} IS {comment}")
    engine.invalidate()
    return status(SUCCESS)


def _kind(engine: Engine, name: ObjectName) -> str:
    return "VIEW" if catalog.object_kind(engine.con, name) == "VIEW" else "TABLE"


def _value(key: str, value: exp.Expr | None) -> str | None:
    if value is None:
        return None
    if key == "COMMENT":
        return str(value.this) if isinstance(value, exp.Literal) else value.sql(dialect="snowflake")
    if not (isinstance(value, exp.Literal) and not value.is_string and str(value.this).isdigit()):
        raise LocalEngineError(f"SQL compilation error: {key} takes a whole number of days, not {value.sql()!r}.")
    days = int(str(value.this))
    if key == "DATA_RETENTION_TIME_IN_DAYS" and days > 90:
        raise LocalEngineError(f"SQL compilation error: {key} must be between 0 and 90.")
    return str(days)


def parameter(engine: Engine, name: ObjectName, key: str) -> str | None:
    """A recorded table parameter (None: never set, or unset)."""
    if name.database not in engine.holders("TABLE_PARAMETERS"):
        return None
    rows = engine.con.execute(
        f"SELECT VALUE FROM {hidden(name.database, 'TABLE_PARAMETERS').sql} WHERE SCHEMA_NAME = ? AND TABLE_NAME = ? "
        "AND NAME = ?",
        [name.schema, name.name, key],
    ).fetchall()
    return str(rows[0][0]) if rows and rows[0][0] is not None else None
