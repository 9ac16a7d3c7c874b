"""PRIMARY KEY, UNIQUE and FOREIGN KEY as Snowflake has them: accepted, not enforced; CHANGE_TRACKING; and
inline column comments (which fakesnow would drop: they are set with COMMENT ON COLUMN once the table exists).

Snowflake "supports defining and maintaining constraints, but doesn't enforce them, except for NOT NULL"
(https://docs.snowflake.com/en/sql-reference/constraints), and "a PRIMARY KEY constraint implies that the column
is both NOT NULL and UNIQUE" (https://docs.snowflake.com/en/sql-reference/constraints-overview): a duplicate key
inserts fine, a NULL key does not. DuckDB enforces all of them, and rejects the properties RELY / NORELY /
NOT ENFORCED (https://docs.snowflake.com/en/sql-reference/constraints-properties). So before CREATE TABLE or
ALTER TABLE runs, :func:`prepare` removes the key constraints (a primary key's columns become NOT NULL), and
``ALTER TABLE … ADD | DROP CONSTRAINT`` of a key becomes a statement with nothing left to run. The constraints
themselves are not recorded (SHOW PRIMARY KEYS is not emulated).

``CHANGE_TRACKING = TRUE | FALSE`` in CREATE TABLE and ``ALTER TABLE … SET CHANGE_TRACKING``
(https://docs.snowflake.com/en/sql-reference/sql/alter-table) is recorded in the table's database, in
``_MOVIECDC.CHANGE_TRACKING`` (:func:`finish`, after the statement succeeded), and turning it on tracks the table
(its changes go to a change log, as under a stream) and keeps that log as the table's history
(``_MOVIECDC.HISTORY``), which time travel and CHANGES read (:mod:`moviecdc.local.history`).
``DATA_RETENTION_TIME_IN_DAYS = n`` (CREATE TABLE, ALTER TABLE … SET / UNSET) is recorded in
``_MOVIECDC.RETENTION``: how far back time travel may reach (0 turns it off).

>>> from fakesnow.dialect import parse_one
>>> _strip_keys(parse_one("CREATE TABLE T (ID INT PRIMARY KEY, R INT REFERENCES P (ID))")).sql("snowflake")
'CREATE TABLE T (ID INT NOT NULL, R INT)'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlglot import exp

from moviecdc.errors import LocalEngineError
from moviecdc.local.core import catalog
from moviecdc.local.core.catalog import hidden
from moviecdc.local.core.names import ObjectName, literal, quote

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine
    from moviecdc.local.core.results import Result

_TABLE_KEYS = (exp.PrimaryKey, exp.ForeignKey, exp.UniqueColumnConstraint)
_COLUMN_KEYS = (exp.PrimaryKeyColumnConstraint, exp.UniqueColumnConstraint, exp.Reference, exp.ForeignKey)
_DROP_KEY_WORDS = ("PRIMARY KEY", "UNIQUE", "FOREIGN KEY")
DEFAULT_RETENTION_DAYS = 1
_RETENTION = "DATA_RETENTION_TIME_IN_DAYS"


@dataclass(frozen=True)
class Prepared:
    """A table DDL statement ready to run (``ast`` None: nothing is left to run) and the CHANGE_TRACKING it sets
    on ``table`` (None: unchanged)."""

    ast: exp.Expr | None
    table: ObjectName | None = None
    change_tracking: bool | None = None
    if_exists: bool = False
    # DATA_RETENTION_TIME_IN_DAYS it sets (-1: UNSET, back to the default), None: unchanged.
    retention: int | None = None
    # Inline column comments (``ID INT COMMENT '…'``), which fakesnow drops: set after the table is made.
    column_comments: tuple[tuple[str, str], ...] = ()


def prepare(engine: Engine, ast: exp.Expr) -> Prepared:
    """Remove unenforced keys and CHANGE_TRACKING from CREATE / ALTER TABLE; note what DROP TABLE forgets."""
    kind = str(ast.args.get("kind") or "").upper()
    if kind != "TABLE" or not isinstance(ast, (exp.Create, exp.Alter, exp.Drop)):
        return Prepared(ast)
    node = ast.this.this if isinstance(ast.this, exp.Schema) else ast.this
    if isinstance(ast, exp.Drop):
        tables = ast.args.get("tables") or []
        node = tables[0] if len(tables) == 1 else None
    table = engine.resolve_table(node) if isinstance(node, exp.Table) else None
    if isinstance(ast, exp.Drop):
        return Prepared(ast, table, change_tracking=False)
    if isinstance(ast, exp.Create):
        tracking = _take_change_tracking(ast)
        retention = _take_retention(ast)
        _strip_keys(ast)
        # A new table starts without change tracking unless the statement asks for it.
        comments = _take_column_comments(ast)
        return Prepared(ast, table, bool(tracking), retention=retention, column_comments=comments)
    tracking = _take_change_tracking(ast)
    retention = _take_retention(ast)
    actions = [a for a in ast.args.get("actions") or [] if not _unenforced_action(a)]
    if len(actions) == len(ast.args.get("actions") or []) and tracking is None and retention is None:
        return Prepared(ast, table)
    if not actions:
        return Prepared(None, table, tracking, if_exists=bool(ast.args.get("exists")), retention=retention)
    ast.set("actions", actions)
    return Prepared(ast, table, tracking, retention=retention)


def finish(engine: Engine, prepared: Prepared, result: Result) -> Result:
    """After the statement ran: check a statement with nothing left to run named a table, record CHANGE_TRACKING."""
    table = prepared.table
    if table is None:
        return result
    if prepared.ast is None and catalog.object_kind(engine.con, table) is None:
        if prepared.if_exists:
            return result
        raise LocalEngineError(
            f"002003 (42S02): SQL compilation error:\nTable '{table.display}' does not exist or not authorized."
        )
    if _status(result).endswith("already exists, statement succeeded."):
        return result  # CREATE … IF NOT EXISTS found the table: nothing changed
    for column, text in prepared.column_comments:
        engine.con.execute(f"COMMENT ON COLUMN {table.sql}.{quote(column)} IS {literal(text)}")
    if prepared.retention is not None:
        _record_retention(engine, table, prepared.retention)
    if prepared.change_tracking is None:
        return result
    if not prepared.change_tracking and table.database not in engine.holders("CHANGE_TRACKING"):
        return result  # nothing recorded in that database: nothing to forget
    with engine.atomic():
        catalog.ensure(engine.con, table.database)
        recorded = hidden(table.database, "CHANGE_TRACKING").sql
        engine.con.execute(
            f"DELETE FROM {recorded} WHERE SCHEMA_NAME = ? AND TABLE_NAME = ?", [table.schema, table.name]
        )
        if prepared.change_tracking:
            engine.con.execute(f"INSERT INTO {recorded} VALUES (?, ?)", [table.schema, table.name])
        _keep_history(engine, table, on=prepared.change_tracking, at_create=isinstance(prepared.ast, exp.Create))
    engine.invalidate()
    return result


def _keep_history(engine: Engine, table: ObjectName, *, on: bool, at_create: bool) -> None:
    """CHANGE_TRACKING = TRUE tracks the table and keeps its change log as its history from now on; FALSE stops
    keeping it (the table stays tracked: its rows keep their ROW_IDs)."""
    tracked = engine.tracked.get(table)
    if not on:
        if tracked is not None and table.database in engine.holders("HISTORY"):
            history = hidden(table.database, "HISTORY").sql
            engine.con.execute(f"DELETE FROM {history} WHERE TABLE_UID = ?", [tracked.uid])
        return
    if catalog.object_kind(engine.con, table) != "TABLE" and tracked is None:
        return  # a view (CHANGE_TRACKING on views is recorded only) or a table that is not there
    if tracked is None:
        tracked = catalog.track(engine.con, table, engine.now())
    elif (table.database, tracked.uid) in engine.history:
        return
    history = hidden(table.database, "HISTORY").sql
    engine.con.execute(
        f"INSERT INTO {history} VALUES (?, ?, ?, ?)",
        [tracked.uid, catalog.current_seq(engine.con, table.database), engine.now(), at_create],
    )


def retention_days(engine: Engine, table: ObjectName) -> int:
    """``table``'s DATA_RETENTION_TIME_IN_DAYS: as set on it, else Snowflake's default, 1."""
    if table.database not in engine.holders("RETENTION"):
        return DEFAULT_RETENTION_DAYS
    rows = engine.con.execute(
        f"SELECT DAYS FROM {hidden(table.database, 'RETENTION').sql} WHERE SCHEMA_NAME = ? AND TABLE_NAME = ?",
        [table.schema, table.name],
    ).fetchall()
    return int(rows[0][0]) if rows else DEFAULT_RETENTION_DAYS


def _record_retention(engine: Engine, table: ObjectName, days: int) -> None:
    with engine.atomic():
        catalog.ensure(engine.con, table.database)
        recorded = hidden(table.database, "RETENTION").sql
        where = "WHERE SCHEMA_NAME = ? AND TABLE_NAME = ?"
        engine.con.execute(f"DELETE FROM {recorded} {where}", [table.schema, table.name])
        if days >= 0:
            engine.con.execute(f"INSERT INTO {recorded} VALUES (?, ?, ?)", [table.schema, table.name, days])
    engine.invalidate()


def _take_retention(ast: exp.Expr) -> int | None:
    """Remove ``DATA_RETENTION_TIME_IN_DAYS = n`` (SET) or the name (UNSET: -1) from the statement's properties."""
    found: int | None = None
    for prop in list(ast.find_all(exp.Property)):
        if prop.name.upper() != _RETENTION:
            continue
        value = prop.args.get("value")
        if isinstance(value, exp.Literal) and not value.is_string:
            found = int(str(value.this))
        elif value is None:
            found = -1
        else:
            raise LocalEngineError("SQL compilation error: DATA_RETENTION_TIME_IN_DAYS takes an integer.")
        _pop_property(prop)
    for unset in list(ast.find_all(exp.Set)):
        names = [e for e in unset.expressions if isinstance(e, exp.Identifier) and e.name.upper() == _RETENTION]
        if unset.args.get("unset") and names:
            found = -1
            kept = [e for e in unset.expressions if e not in names]
            if kept:
                unset.set("expressions", kept)
            else:
                unset.pop()
    return found


def change_tracking(engine: Engine, table: ObjectName) -> bool:
    """Was CHANGE_TRACKING = TRUE set on ``table`` (CREATE TABLE or ALTER TABLE … SET)?"""
    if table.database not in engine.holders("CHANGE_TRACKING"):
        return False
    recorded = hidden(table.database, "CHANGE_TRACKING").sql
    rows = engine.con.execute(
        f"SELECT 1 FROM {recorded} WHERE SCHEMA_NAME = ? AND TABLE_NAME = ?", [table.schema, table.name]
    ).fetchall()
    return bool(rows)


def change_tracked(engine: Engine) -> set[ObjectName]:
    """Every table recorded with CHANGE_TRACKING = TRUE, in every attached database."""
    found: set[ObjectName] = set()
    for database in engine.holders("CHANGE_TRACKING"):
        rows = engine.con.execute(f"SELECT SCHEMA_NAME, TABLE_NAME FROM {hidden(database, 'CHANGE_TRACKING').sql}")
        found.update(ObjectName(database, schema, name) for schema, name in rows.fetchall())
    return found


def _status(result: Result) -> str:
    table = result.table
    if table.num_columns == 1 and table.num_rows == 1 and table.column_names[0] == "status":
        return str(table.column(0)[0])
    return ""


def _take_column_comments(ast: exp.Expr) -> tuple[tuple[str, str], ...]:
    """Remove ``COMMENT '…'`` from the column definitions of a CREATE TABLE and return (column, comment) pairs."""
    schema = ast.this if isinstance(ast.this, exp.Schema) else None
    found: list[tuple[str, str]] = []
    for column in schema.expressions if schema is not None else []:
        if not isinstance(column, exp.ColumnDef):
            continue
        constraints = column.args.get("constraints") or []
        comments = [c for c in constraints if isinstance(c.args.get("kind"), exp.CommentColumnConstraint)]
        for comment in comments:
            ident = column.this
            name = ident.name if ident.args.get("quoted") else ident.name.upper()
            found.append((name, comment.args["kind"].this.name))
        if comments:
            column.set("constraints", [c for c in constraints if c not in comments] or None)
    return tuple(found)


def _take_change_tracking(ast: exp.Expr) -> bool | None:
    """Remove ``CHANGE_TRACKING = …`` from the statement's properties and return its value."""
    found: bool | None = None
    for prop in list(ast.find_all(exp.Property)):
        if prop.name.upper() == "CHANGE_TRACKING":
            value = prop.args.get("value")
            found = value.this is True if isinstance(value, exp.Boolean) else str(value).upper() == "TRUE"
            _pop_property(prop)
    return found


def _pop_property(prop: exp.Expr) -> None:
    """Remove one property; a properties list (and an ALTER … SET) left empty goes with it."""
    parent = prop.parent
    prop.pop()
    if isinstance(parent, exp.Properties) and not parent.expressions:
        holder = parent.parent
        parent.pop()
        if isinstance(holder, exp.AlterSet) and not any(holder.args.values()):
            holder.pop()


def _strip_keys(ast: exp.Expr) -> exp.Expr:
    schema = ast.this if isinstance(ast.this, exp.Schema) else None
    if schema is None:
        return ast
    primary: set[str] = set()
    for item in list(schema.expressions):
        keys = item.expressions if isinstance(item, exp.Constraint) else [item]
        if any(isinstance(k, _TABLE_KEYS) for k in keys):
            for key in keys:
                if isinstance(key, exp.PrimaryKey):
                    primary.update(i.name.upper() if not i.args.get("quoted") else i.name for i in key.expressions)
            item.pop()
    for column in schema.expressions:
        if not isinstance(column, exp.ColumnDef):
            continue
        ident = column.this
        name = ident.name if ident.args.get("quoted") else ident.name.upper()
        constraints = column.args.get("constraints") or []
        kept = [c for c in constraints if not isinstance(c.args.get("kind"), _COLUMN_KEYS)]
        is_key = name in primary or any(
            isinstance(c.args.get("kind"), exp.PrimaryKeyColumnConstraint) for c in constraints
        )
        has_not_null = any(
            isinstance(c.args.get("kind"), exp.NotNullColumnConstraint) and not c.args["kind"].args.get("allow_null")
            for c in kept
        )
        if is_key and not has_not_null:
            kept.append(exp.ColumnConstraint(kind=exp.NotNullColumnConstraint()))
        if len(kept) != len(constraints) or is_key:
            column.set("constraints", kept or None)
    return ast


def _unenforced_action(action: exp.Expr) -> bool:
    """An ALTER TABLE action about an unenforced key: ADD [CONSTRAINT] key, DROP CONSTRAINT, DROP PRIMARY KEY …"""
    if isinstance(action, exp.AddConstraint):
        parts = [
            k for item in action.expressions for k in (item.expressions if isinstance(item, exp.Constraint) else [item])
        ]
        return all(isinstance(k, _TABLE_KEYS) for k in parts)
    if isinstance(action, exp.Drop) and str(action.args.get("kind") or "").upper() == "CONSTRAINT":
        return True
    if isinstance(action, exp.Command) and str(action.this).upper() == "DROP":
        text = " ".join(str(action.expression or "").upper().split())
        return text.startswith(_DROP_KEY_WORDS)
    return False
