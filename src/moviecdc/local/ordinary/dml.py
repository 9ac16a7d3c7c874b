"""DML forms fakesnow runs wrongly or not at all, on tables with or without a stream.

- **MERGE** on a table without a stream runs as DuckDB's own ``MERGE … RETURNING merge_action``, in the
  statement's transaction. fakesnow splits a MERGE into a scratch ``CREATE TEMPORARY TABLE`` (which writes
  its catalog database ``_fs_global``), an UPDATE, a DELETE and an INSERT: one DuckDB transaction writes one
  database, so inside the engine's transaction it failed, and outside one its parts would not be atomic.
  A target row matched by several source rows where one of them updates it is refused with Snowflake's
  error 100090, as under its default ``ERROR_ON_NONDETERMINISTIC_MERGE``
  (https://docs.snowflake.com/en/sql-reference/sql/merge, "Duplicate join behavior"); several source rows
  that all delete it are deterministic and allowed.
- **MERGE … UPDATE ALL BY NAME / INSERT ALL BY NAME**, which sqlglot cannot parse, are marked in the text and
  expanded to the target's columns.
- **UPDATE … FROM** counts each target row once, and its multi-joined rows (DuckDB counted joined pairs).
- **INSERT OVERWRITE** evaluates its query before it empties the table (fakesnow emptied it first).
- **INSERT ALL / INSERT FIRST** (https://docs.snowflake.com/en/sql-reference/sql/insert-multi-table): the
  source query is evaluated once into a temporary table, then each INTO clause is one INSERT … SELECT from it
  with its WHEN condition (for FIRST, and for ELSE, with the earlier conditions not true), through the same
  path as a single-table INSERT: change capture on a table with a stream.

Stands on the core and :mod:`moviecdc.local.streams` (capture of the INTO clauses on tracked tables).
"""

from __future__ import annotations

import re
from contextlib import suppress
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa
from sqlglot import exp

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local.core.results import Result, counts
from moviecdc.local.streams import capture

if TYPE_CHECKING:
    from moviecdc.local.core.catalog import TrackedTable
    from moviecdc.local.core.engine import Engine
    from moviecdc.local.core.names import ObjectName

_ACTION = "MOVIECDC_MERGE_ACTION"


def merge(engine: Engine, ast: exp.Merge) -> Result:
    """MERGE into a table without a stream: DuckDB's MERGE, one statement, counted by action."""
    _refuse_nondeterministic(engine, ast)
    action = exp.alias_(exp.column("merge_action"), _ACTION, quoted=True)
    ast.set("returning", exp.Returning(expressions=[action]))
    rows = engine.arrow(engine.transform(ast))
    return capture.merge_counts(ast, rows.column(0))


def check_whens(ast: exp.Merge) -> None:
    """A WHEN [NOT] MATCHED clause without AND must be the last of its kind: after it the next one is unreachable,
    which Snowflake refuses (https://docs.snowflake.com/en/sql-reference/sql/merge, usage notes)."""
    for matched in (True, False):
        clauses = [w for w in _whens(ast) if bool(w.args.get("matched")) is matched]
        if any(w.args.get("condition") is None for w in clauses[:-1]):
            kind = "WHEN MATCHED" if matched else "WHEN NOT MATCHED"
            raise LocalEngineError(
                f"SQL compilation error: MERGE has an unreachable {kind} clause: a {kind} clause without AND must "
                f"be the last {kind} clause."
            )


def _refuse_nondeterministic(engine: Engine, ast: exp.Merge) -> None:
    """Snowflake's error 100090 when a target row joins several source rows and one of them updates it.

    Each joined pair takes the first WHEN MATCHED clause whose condition holds (DuckDB and Snowflake alike);
    a row is refused when two or more pairs take a clause and one of those is an UPDATE. Only a MERGE with
    a WHEN MATCHED … UPDATE needs the check (one grouped join); DuckDB would update such a row once per
    source row.
    """
    matched = [w for w in _whens(ast) if w.args.get("matched")]
    if not any(isinstance(w.args.get("then"), exp.Update) for w in matched):
        return
    target, using, on = ast.this, ast.args.get("using"), ast.args.get("on")
    if not isinstance(target, exp.Table) or not isinstance(using, exp.Expr) or not isinstance(on, exp.Expr):
        return
    case = exp.Case()
    for when in matched:
        condition = when.args.get("condition")
        kind = "U" if isinstance(when.args.get("then"), exp.Update) else "D"
        case = case.when(condition.copy() if isinstance(condition, exp.Expr) else exp.true(), exp.Literal.string(kind))
    qualifier = exp.to_identifier(target.alias_or_name)
    pairs = exp.select(
        exp.alias_(exp.column("rowid", table=qualifier), "R", quoted=True), exp.alias_(case, "A", quoted=True)
    ).from_(target.copy())
    pairs = pairs.join(using.copy(), on=on.copy())
    duplicated = (
        exp.select(exp.column(exp.to_identifier("R", quoted=True)))
        .from_(pairs.subquery("P"))
        .where(exp.column(exp.to_identifier("A", quoted=True)).is_(exp.null()).not_())
        .group_by(exp.column(exp.to_identifier("R", quoted=True)))
        .having("COUNT(*) > 1 AND BOOL_OR(\"A\" = 'U')")
        .limit(1)
    )
    if engine.con.execute(engine.transform(duplicated)).fetchall():
        name = engine.resolve_table(target)
        raise LocalEngineError(
            "100090 (42P18): Duplicate row detected during DML action: a row of "
            f"{name.display if name is not None else target.sql(dialect='snowflake')} matches more than one row "
            "of the MERGE's source. Make the source hold at most one row per join key "
            "(e.g. QUALIFY ROW_NUMBER() … = 1)."
        )


def _whens(ast: exp.Merge) -> list[exp.When]:
    whens = ast.args.get("whens")
    return [w for w in whens.expressions if isinstance(w, exp.When)] if isinstance(whens, exp.Whens) else []


# MERGE's ``UPDATE ALL BY NAME`` / ``INSERT ALL BY NAME``, which sqlglot cannot parse: marked in the text, then
# expanded on the tree with the target's columns (see mark_all_by_name).
_BY_NAME = "__MOVIECDC_ALL_BY_NAME"
_UPDATE_BY_NAME = re.compile(r"\bTHEN\s+UPDATE\s+ALL\s+BY\s+NAME\b", re.IGNORECASE)
_INSERT_BY_NAME = re.compile(r"\bTHEN\s+INSERT\s+ALL\s+BY\s+NAME\b", re.IGNORECASE)


def mark_all_by_name(text: str) -> str:
    """MERGE … THEN UPDATE ALL BY NAME / THEN INSERT ALL BY NAME, as clauses sqlglot parses: a marker column.

    "Updates all columns in the target table with values from the source … the column with the same name";
    inserts likewise (https://docs.snowflake.com/en/sql-reference/sql/merge). :func:`expand_all_by_name` turns
    the markers into the column lists. Only a MERGE's text is marked, and only these four-word clauses.
    """
    text = _UPDATE_BY_NAME.sub(f'THEN UPDATE SET "{_BY_NAME}" = NULL', text)
    return _INSERT_BY_NAME.sub(f'THEN INSERT ("{_BY_NAME}") VALUES (NULL)', text)


def expand_all_by_name(engine: Engine, ast: exp.Expr) -> None:
    """Replace the markers of :func:`mark_all_by_name` by every column of the target, each from the source's
    column of the same name (in place). The source must have them all: DuckDB then names the one it lacks."""
    if not isinstance(ast, exp.Merge) or not isinstance(ast.this, exp.Table):
        return
    using = ast.args.get("using")
    source = exp.to_identifier(using.alias_or_name) if isinstance(using, exp.Expr) else None
    name = engine.resolve_table(ast.this)
    if source is None or name is None:
        raise UnsupportedSqlError("MERGE … ALL BY NAME needs a named target and an aliased source.")
    tracked = engine.tracked.get(name)
    columns = list(tracked.columns) if tracked is not None else _columns(engine, name)

    def of_source(column: str) -> exp.Column:
        return exp.column(exp.to_identifier(column, quoted=True), table=source.copy())

    for when in _whens(ast):
        then = when.args.get("then")
        if isinstance(then, exp.Update) and any(_is_marker(e.this) for e in then.expressions):
            then.set(
                "expressions",
                [exp.EQ(this=exp.column(exp.to_identifier(c, quoted=True)), expression=of_source(c)) for c in columns],
            )
        elif (
            isinstance(then, exp.Insert)
            and isinstance(then.this, exp.Tuple)
            and any(_is_marker(e) for e in then.this.expressions)
        ):
            then.set("this", exp.Tuple(expressions=[exp.to_identifier(c, quoted=True) for c in columns]))
            then.set("expression", exp.Tuple(expressions=[of_source(c) for c in columns]))


def _is_marker(node: exp.Expr | None) -> bool:
    ident = node.this if isinstance(node, exp.Column) else node
    return isinstance(ident, exp.Identifier) and ident.name == _BY_NAME


def _columns(engine: Engine, name: ObjectName) -> list[str]:
    rows = engine.con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? AND table_name = ? "
        "ORDER BY column_index",
        [name.database, name.schema, name.name],
    ).fetchall()
    if not rows:
        raise LocalEngineError(f"SQL compilation error: Object '{name.display}' does not exist or not authorized.")
    return [str(r[0]) for r in rows]


def update_from(engine: Engine, ast: exp.Update) -> Result:
    """UPDATE … FROM on a table without a stream, answered with Snowflake's counts.

    A target row that joins several FROM rows is a *multi-joined row*; under the default
    ``ERROR_ON_NONDETERMINISTIC_UPDATE = FALSE`` it is updated once, from one of them
    (https://docs.snowflake.com/en/sql-reference/sql/update, "Usage notes"). DuckDB does the same but counts
    each joined pair as an updated row; the counts come from one grouped pass over the join instead: the
    target rows updated, and among them the multi-joined ones.
    """
    updated, multi_joined = capture.update_from_counts(engine, ast)
    engine.con.execute(engine.transform(ast))
    return counts(number_of_rows_updated=updated, number_of_multi_joined_rows_updated=multi_joined)


def insert_overwrite(engine: Engine, ast: exp.Insert, tracked: TrackedTable | None) -> Result:
    """INSERT OVERWRITE INTO t …: the query's rows first, then the table emptied, then the rows inserted.

    "Truncates the target table before inserting" (https://docs.snowflake.com/en/sql-reference/sql/insert), but
    the query is one statement's query: it reads the table as it was, so ``INSERT OVERWRITE INTO t SELECT …
    FROM t`` rewrites t from its own rows (fakesnow truncated first and inserted nothing). On a table with a
    stream the rows that go are logged as deletes and the new ones as inserts, as a TRUNCATE then an INSERT.
    """
    ast.set("overwrite", None)
    name = tracked.name if tracked is not None else _target_name(engine, ast)
    source = ast.expression
    rows_name = None
    if isinstance(source, exp.Query):
        rows_name = engine.reusable_temp_name("OVERWRITE")
        engine.con.execute(f"CREATE OR REPLACE TEMP TABLE {rows_name.sql} AS {engine.transform(source.copy())}")
        ast.set("expression", exp.select(exp.Star()).from_(rows_name.table()))
    try:
        if tracked is not None:
            capture.truncate(engine, tracked)
            result = capture.insert(engine, ast, tracked)
        else:
            engine.con.execute(f"DELETE FROM {name.sql}")
            row = engine.con.execute(engine.transform(ast)).fetchall()
            result = counts(number_of_rows_inserted=int(row[0][0]) if row else 0)
    finally:
        _drop(engine, rows_name)
    return result


def _drop(engine: Engine, rows_name: ObjectName | None) -> None:
    """Drop a scratch table of the statement; after a failure the transaction's rollback drops it."""
    if rows_name is None:
        return
    engine.release_temp_name(rows_name)
    with suppress(duckdb.Error):
        engine.con.execute(f"DROP TABLE IF EXISTS {rows_name.sql}")


def _target_name(engine: Engine, ast: exp.Insert) -> ObjectName:
    node = ast.this.this if isinstance(ast.this, exp.Schema) else ast.this
    name = engine.resolve_table(node) if isinstance(node, exp.Table) else None
    if name is None:
        raise UnsupportedSqlError(f"INSERT OVERWRITE INTO {ast.this.sql(dialect='snowflake')} is not supported.")
    return name


def multitable_insert(engine: Engine, ast: exp.MultitableInserts, *, overwrite: bool) -> Result:
    """INSERT [OVERWRITE] ALL | FIRST: each INTO clause an INSERT … SELECT from the source, evaluated once."""
    groups = _groups(ast)
    source = ast.args.get("source")
    if not isinstance(source, exp.Query):
        raise UnsupportedSqlError("INSERT ALL / INSERT FIRST needs a query as its source.")
    targets = multitable_targets(engine, ast)
    rows_name = engine.reusable_temp_name("MULTI_INSERT")
    try:
        engine.con.execute(f"CREATE OR REPLACE TEMP TABLE {rows_name.sql} AS {engine.transform(source.copy())}")
        if overwrite:
            for name in dict.fromkeys(targets):
                tracked = engine.tracked.get(name)
                if tracked is not None:
                    capture.truncate(engine, tracked)
                else:
                    engine.con.execute(f"DELETE FROM {name.sql}")
        inserted: dict[ObjectName, int] = {}
        position = 0
        for condition, intos in groups:
            for into in intos:
                name = targets[position]
                position += 1
                count = _insert_one(engine, into, name, rows_name, condition)
                inserted[name] = inserted.get(name, 0) + count
    finally:
        _drop(engine, rows_name)
    columns = {f"number of rows inserted into {n.display}": pa.array([c], pa.int64()) for n, c in inserted.items()}
    return Result(pa.table(columns))


def multitable_targets(engine: Engine, ast: exp.MultitableInserts) -> list[ObjectName]:
    """The target of each INTO clause, in order; a stream is refused (before its name is read as a stream)."""
    targets: list[ObjectName] = []
    for clause in ast.expressions:
        into = clause.this if isinstance(clause, exp.ConditionalInsert) else None
        if not isinstance(into, exp.Insert):
            continue
        node = into.this.this if isinstance(into.this, exp.Schema) else into.this
        name = engine.resolve_table(node) if isinstance(node, exp.Table) else None
        if name is None:
            raise UnsupportedSqlError(f"INSERT ALL into {into.this.sql(dialect='snowflake')} is not supported.")
        if name in engine.streams:
            raise LocalEngineError(f"Stream {name.display} cannot be the target of DML; streams are read-only.")
        targets.append(name)
    return targets


_Group = tuple[exp.Expr | None, list[exp.Insert]]


def _groups(ast: exp.MultitableInserts) -> list[_Group]:
    """The INTO clauses by the condition under which a source row goes to them (None: every row).

    sqlglot gives one ConditionalInsert per INTO; an INTO without its own WHEN or ELSE belongs to the group
    before it. FIRST's conditions include "no earlier WHEN was true", ELSE's "no WHEN was true"; a condition
    is true only when it is TRUE (NULL is not).
    """
    clauses = [c for c in ast.expressions if isinstance(c, exp.ConditionalInsert)]
    conditional = any(c.args.get("expression") is not None or c.args.get("else_") for c in clauses)
    first = str(ast.args.get("kind") or "").upper() == "FIRST"
    if not conditional and first:
        raise LocalEngineError("SQL compilation error: syntax error: INSERT FIRST needs WHEN clauses; use INSERT ALL.")
    groups: list[_Group] = []
    earlier: list[exp.Expr] = []
    for clause in clauses:
        insert = clause.this
        assert isinstance(insert, exp.Insert)
        when = clause.args.get("expression")
        if not conditional:
            groups.append((None, [insert]))
            continue
        if when is None and not clause.args.get("else_") and groups:
            groups[-1][1].append(insert)
            continue
        is_true = exp.func("COALESCE", exp.paren(when.copy()), exp.false()) if when is not None else None
        none_before = [exp.not_(e.copy()) for e in earlier]
        if clause.args.get("else_"):
            condition = exp.and_(*none_before) if none_before else None
        elif first and none_before:
            condition = exp.and_(*none_before, is_true)
        else:
            condition = is_true
        if is_true is not None:
            earlier.append(is_true)
        groups.append((condition, [insert]))
    return groups


def _insert_one(
    engine: Engine, into: exp.Insert, name: ObjectName, rows_name: ObjectName, condition: exp.Expr | None
) -> int:
    """One INTO clause: INSERT INTO target [(cols)] SELECT <values or *> FROM the source rows [WHERE …]."""
    schema = into.this if isinstance(into.this, exp.Schema) else None
    columns = [c.copy() for c in schema.expressions] if schema is not None else []
    values = into.args.get("expression")
    if isinstance(values, exp.Values):
        row = values.expressions[0] if values.expressions else None
        items = list(row.expressions) if isinstance(row, exp.Tuple) else []
        if columns and len(columns) != len(items):
            raise LocalEngineError("SQL compilation error: Insert value list does not match column list.")
        # DEFAULT leaves the column to its default: the column is not inserted at all
        keep = [i for i, v in enumerate(items) if not (isinstance(v, exp.Var) and v.name.upper() == "DEFAULT")]
        if len(keep) != len(items):
            if not columns:
                raise UnsupportedSqlError("VALUES (… DEFAULT …) in INSERT ALL needs the INTO clause's column list.")
            columns = [columns[i] for i in keep]
        select = exp.select(*(items[i].copy() for i in keep))
    else:
        select = exp.select(exp.Star())
    select = select.from_(rows_name.table())
    if condition is not None:
        select = select.where(condition.copy())
    target = name.table()
    insert = exp.Insert(this=exp.Schema(this=target, expressions=columns) if columns else target, expression=select)
    tracked = engine.tracked.get(name)
    if tracked is not None:
        result = capture.insert(engine, insert, tracked)
        return int(result.table.column(0)[0].as_py())
    row = engine.con.execute(engine.transform(insert)).fetchall()
    return int(row[0][0]) if row else 0
