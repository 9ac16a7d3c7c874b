"""Change capture: DML on a tracked table, rewritten so it also writes the table's change log.

Each form costs O(rows it changes):

- INSERT (VALUES or SELECT) runs against the table's storage with ``RETURNING`` the new rows and their
  fresh ROW_IDs, which become INSERT events;
- DELETE finds its rows' rowids first, then logs their images from the storage and deletes them, in SQL
  (:func:`delete_logged`, which dynamic tables' refreshes use too): DELETE events;
- UPDATE reads, in one query with the statement's own FROM and WHERE, each matched row's old image and the
  values its SET computes (from the rows as they were, as an UPDATE does); then it deletes those rows and
  inserts their new images under the same ROW_IDs, and logs an old-image and a new-image event per row.
  DuckDB rewrites every column of a row it updates in place, which costs several times a delete and an
  append of the same rows (``benchmarks/README.md``); a row's ROW_ID, not its place, is its identity;
- MERGE reads the old images of matched rows, then returns ``merge_action`` with each row;
- TRUNCATE logs every row as deleted (Snowflake's streams show a truncate as deletes too);
- ``write_pandas`` appends an Arrow table to the storage and to the log directly.

All of it runs in the statement's transaction, so the change and its events commit, or vanish, together.
When no stream is left on the table, nothing is logged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from moviecdc.errors import LocalEngineError, UnsupportedSqlError
from moviecdc.local.core import catalog
from moviecdc.local.core.catalog import DELETE, INSERT, ROW_ID, UPDATE_NEW, UPDATE_OLD, TrackedTable
from moviecdc.local.core.names import ObjectName, literal, quote
from moviecdc.local.core.results import SUCCESS, Result, counts, status

if TYPE_CHECKING:
    from moviecdc.local.core.engine import Engine

# The rowids a logged DELETE or UPDATE matches (see _matched); replaced by the next such statement.
_MATCHED = ObjectName("temp", "main", "_MOVIECDC_MATCHED")


def is_logged(engine: Engine, tracked: TrackedTable) -> bool:
    """Changes are logged while at least one live stream reads the table, or while its log is kept as its
    history (CHANGE_TRACKING = TRUE: time travel and CHANGES read it)."""
    if (tracked.name.database, tracked.uid) in engine.history:
        return True
    return any(
        s.table_uid == tracked.uid and s.catalog_db == tracked.name.database and not s.stale
        for s in engine.streams.values()
    )


def _ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def _alias_of(node: exp.Table) -> exp.Identifier:
    alias = node.args.get("alias")
    if isinstance(alias, exp.TableAlias) and isinstance(alias.this, exp.Identifier):
        return alias.this.copy()
    assert isinstance(node.this, exp.Identifier)
    return node.this.copy()


def _image(tracked: TrackedTable, alias: exp.Identifier | None) -> list[exp.Expr]:
    """ROW_ID and every column of the table, as returned rows or selected old images."""
    table = alias.copy() if alias is not None else None
    return [exp.column(_ident(c), table=table.copy() if table else None) for c in (ROW_ID, *tracked.columns)]


def write_log(engine: Engine, tracked: TrackedTable, seq: int, action: int, rows: pa.Table) -> None:
    if rows.num_rows == 0:
        return
    name = engine.register(rows)
    try:
        cols = tracked.quoted_columns
        engine.con.execute(
            f"INSERT INTO {tracked.log.sql} (SEQ, {quote(ROW_ID)}, ACTION, {cols}) "
            f"SELECT {int(seq)}, {quote(ROW_ID)}, {int(action)}, {cols} FROM {quote(name)}"
        )
    finally:
        engine.unregister(name)


def _log_update(engine: Engine, tracked: TrackedTable, seq: int, old: pa.Table, new: pa.Table) -> None:
    """Log an update pair per changed row: the old images of exactly the rows that came back updated."""
    changed = pc.is_in(old.column(ROW_ID), value_set=new.column(ROW_ID))
    write_log(engine, tracked, seq, UPDATE_OLD, old.filter(changed))
    write_log(engine, tracked, seq, UPDATE_NEW, new)


def insert(engine: Engine, ast: exp.Insert, tracked: TrackedTable) -> Result:
    sql, logged = insert_sql(engine, ast, tracked)
    return run_insert(engine, tracked, sql, logged=logged)


def insert_sql(engine: Engine, ast: exp.Insert, tracked: TrackedTable) -> tuple[str, bool]:
    """The DuckDB text of an INSERT into a tracked table's storage (``RETURNING`` its new rows when they are
    logged), and whether they are; a pure function of the statement and the catalog, so it can be cached by
    shape (:mod:`moviecdc.local.ordinary.plans`)."""
    target = ast.this
    if isinstance(target, exp.Schema):
        columns = [c.copy() for c in target.expressions]
    else:
        columns = [_ident(c) for c in tracked.columns]
    if ast.args.get("overwrite"):  # ordinary.dml.insert_overwrite reads the query's rows first
        raise UnsupportedSqlError("INSERT OVERWRITE reached change capture unprepared; this is a bug.")
    ast.set("this", exp.Schema(this=tracked.data.table(), expressions=columns))
    logged = is_logged(engine, tracked)
    if logged:
        ast.set("returning", exp.Returning(expressions=_image(tracked, None)))
    return engine.transform(ast), logged


def run_insert(engine: Engine, tracked: TrackedTable, sql: str, *, logged: bool) -> Result:
    """Run :func:`insert_sql`'s text in the statement's transaction and log its rows."""
    if not logged:
        return counts(number_of_rows_inserted=_count(engine, sql))
    seq = engine.change_seq(tracked.name.database)
    rows = engine.arrow(sql)
    write_log(engine, tracked, seq, INSERT, rows)
    return counts(number_of_rows_inserted=rows.num_rows)


def delete(engine: Engine, ast: exp.Delete, tracked: TrackedTable) -> Result:
    alias = _alias_of(ast.this)
    storage = tracked.data.table(alias)
    ast.set("this", storage)
    if not is_logged(engine, tracked):
        return counts(number_of_rows_deleted=_count(engine, engine.transform(ast)))
    seq = engine.change_seq(tracked.name.database)
    where = ast.args.get("where")
    if isinstance(where, exp.Where) and not tracked.shadows_rowid:
        using = ast.args.get("using") or []
        _matched(engine, storage, alias, [exp.Join(this=u.copy()) for u in using], where)
        deleted = delete_logged(engine, tracked, seq, f'rowid IN (SELECT "X" FROM {_MATCHED.sql})')
        return counts(number_of_rows_deleted=deleted)
    ast.set("returning", exp.Returning(expressions=_image(tracked, alias)))
    rows = engine.arrow(engine.transform(ast))
    write_log(engine, tracked, seq, DELETE, rows)
    return counts(number_of_rows_deleted=rows.num_rows)


def update(engine: Engine, ast: exp.Update, tracked: TrackedTable) -> Result:
    alias = _alias_of(ast.this)
    storage = tracked.data.table(alias)
    ast.set("this", storage)
    if not is_logged(engine, tracked):
        if ast.args.get("from_") is not None:
            updated, multi_joined = update_from_counts(engine, ast)
            engine.con.execute(engine.transform(ast))
            return counts(number_of_rows_updated=updated, number_of_multi_joined_rows_updated=multi_joined)
        count = _count(engine, engine.transform(ast))
        return counts(number_of_rows_updated=count, number_of_multi_joined_rows_updated=0)
    seq = engine.change_seq(tracked.name.database)
    assigned = _assignments(ast, tracked)
    # Old image and new values of every matched row: the update's own FROM and WHERE, read before it runs.
    new_values = [
        exp.alias_(assigned.get(c) or exp.column(_ident(c), table=alias.copy()), _new(i), quoted=True)
        for i, c in enumerate(tracked.columns)
    ]
    select = exp.Select(expressions=[*_image(tracked, alias), *new_values])
    select.set("from_", exp.From(this=storage.copy()))
    source = ast.args.get("from_")
    if isinstance(source, exp.From):
        select.set("joins", [exp.Join(this=source.this.copy())])
    where = ast.args.get("where")
    if isinstance(where, exp.Where):
        # Without FROM, two passes (the WHERE runs once, in the first); with FROM, the join condition is in the
        # WHERE and the SET values need the joined row, so one pass.
        two_pass = source is None and not tracked.shadows_rowid
        select.set("where", _matched(engine, storage, alias, [], where) if two_pass else where.copy())
    joined = engine.arrow(engine.transform(select))
    rows = _distinct_rows(joined)
    # a multi-joined row: a target row the FROM joins more than once (updated once, from one of them)
    multi_joined = 0
    if rows.num_rows != joined.num_rows:
        ids = joined.column(ROW_ID)
        multi_joined = int(pc.sum(pc.greater(pc.value_counts(ids).field("counts"), 1)).as_py() or 0)
    if rows.num_rows:
        old = rows.select([ROW_ID, *tracked.columns])
        new = rows.select([ROW_ID, *(_new(i) for i in range(len(tracked.columns)))])
        new = new.rename_columns([ROW_ID, *tracked.columns])
        name = engine.register(new)
        try:
            rid, cols = quote(ROW_ID), tracked.quoted_columns
            engine.con.execute(f"DELETE FROM {tracked.data.sql} WHERE {rid} IN (SELECT {rid} FROM {quote(name)})")
            engine.con.execute(
                f"INSERT INTO {tracked.data.sql} ({rid}, {cols}) SELECT {rid}, {cols} FROM {quote(name)}"
            )
        finally:
            engine.unregister(name)
        write_log(engine, tracked, seq, UPDATE_OLD, old)
        write_log(engine, tracked, seq, UPDATE_NEW, new)
    return counts(number_of_rows_updated=rows.num_rows, number_of_multi_joined_rows_updated=multi_joined)


def update_from_counts(engine: Engine, ast: exp.Update) -> tuple[int, int]:
    """The target rows an UPDATE … FROM updates, and how many of them are multi-joined (the FROM joins them
    more than once; each is updated once), from one grouped pass over the join: DuckDB's UPDATE counts every
    joined pair. Run before the UPDATE."""
    target, source = ast.this, ast.args.get("from_")
    assert isinstance(target, exp.Table)
    assert isinstance(source, exp.From)
    rowid = exp.column("rowid", table=exp.to_identifier(target.alias_or_name))
    joined = exp.alias_(exp.func("COUNT", exp.Star()), "N", quoted=True)
    pairs = exp.select(joined).from_(target.copy()).join(source.this.copy())
    where = ast.args.get("where")
    if isinstance(where, exp.Where):
        pairs.set("where", where.copy())
    pairs = pairs.group_by(rowid)  # by the expression, not an alias: the target's own alias may be any name
    multi = exp.func("COUNT_IF", exp.GT(this=exp.column(_ident("N")), expression=exp.Literal.number(1)))
    totals = exp.select(exp.func("COUNT", exp.Star()), multi).from_(pairs.subquery("P"))
    updated, multi_joined = engine.con.execute(engine.transform(totals)).fetchall()[0]
    return int(updated), int(multi_joined or 0)


def delete_logged(engine: Engine, tracked: TrackedTable, seq: int, matched: str) -> int:
    """Log the rows ``matched`` (a DuckDB condition on the storage, aliased ``T``) as deleted, then delete them.

    In SQL, with no round trip of the rows (``DELETE … RETURNING``). ``matched`` is evaluated by both
    statements, in one transaction, so both see the same rows; a rowid set made beforehand keeps it cheap
    (the caller with a ROWID column, which hides DuckDB's rowid, passes its WHERE as it is).
    """
    logged = _count(
        engine,
        f"INSERT INTO {tracked.log.sql} (SEQ, {quote(ROW_ID)}, ACTION, {tracked.quoted_columns}) "
        f"SELECT {int(seq)}, {quote(ROW_ID)}, {DELETE}, {tracked.quoted_columns} FROM {tracked.data.sql} AS T "
        f"WHERE {matched}",
    )
    engine.con.execute(f"DELETE FROM {tracked.data.sql} AS T WHERE {matched}")
    return logged


def _matched(
    engine: Engine, storage: exp.Table, alias: exp.Identifier, joins: list[exp.Expr], where: exp.Where
) -> exp.Where:
    """``WHERE <the rows a DELETE or UPDATE matches>``, as DuckDB rowids found by a first pass.

    The first pass reads only the columns the statement's WHERE (and join) needs; the second then reads whole
    rows by rowid, which skips the other row groups. One pass reads every column of every row: about 40 %
    slower at a million rows (``benchmarks/README.md``). Both passes run in the statement's transaction, so
    the rowids cannot move in between; the WHERE runs once, in the first. Not for a table with a column named
    ROWID, which hides DuckDB's (``TrackedTable.shadows_rowid``).
    """
    rowid = exp.column("rowid", table=alias.copy())
    first = exp.Select(expressions=[exp.alias_(rowid, "X", quoted=True)])
    first.set("from_", exp.From(this=storage.copy()))
    first.set("joins", [j.copy() for j in joins])
    first.set("where", where.copy())
    engine.con.execute(f"CREATE OR REPLACE TEMP TABLE {_MATCHED.sql} AS {engine.transform(first)}")
    rows = exp.select(exp.column(_ident("X"))).from_(_MATCHED.table())
    return exp.Where(this=exp.In(this=rowid.copy(), query=rows.subquery()))


def _assignments(ast: exp.Update, tracked: TrackedTable) -> dict[str, exp.Expr]:
    """SET's expressions by the (resolved) name of the column each assigns."""
    assigned: dict[str, exp.Expr] = {}
    for eq in ast.expressions:
        target = eq.this if isinstance(eq, exp.EQ) else None
        ident = target.this if isinstance(target, exp.Column) else None
        if not isinstance(ident, exp.Identifier):
            raise UnsupportedSqlError(f"UPDATE … SET {eq.sql(dialect='snowflake')} is not supported.")
        name = str(ident.name) if ident.args.get("quoted") else str(ident.name).upper()
        if name not in tracked.columns:
            raise LocalEngineError(f"SQL compilation error: error line 0 at position 0 invalid identifier '{name}'")
        if name in assigned:
            raise LocalEngineError(f"SQL compilation error: column '{name}' is assigned more than once in UPDATE.")
        assigned[name] = eq.expression.copy()
    return assigned


def _new(index: int) -> str:
    return f"__MOVIECDC_NEW_{index}"


def merge(engine: Engine, ast: exp.Merge, tracked: TrackedTable) -> Result:
    alias = _alias_of(ast.this)
    storage = tracked.data.table(alias)
    ast.set("this", storage)
    whens = ast.args.get("whens")
    for when in whens.expressions if isinstance(whens, exp.Whens) else []:
        then = when.args.get("then")
        if isinstance(then, exp.Insert) and then.this is None:
            # INSERT VALUES (…) names every column; the storage has one more
            then.set("this", exp.Tuple(expressions=[_ident(c) for c in tracked.columns]))
    logged = is_logged(engine, tracked)
    seq = engine.change_seq(tracked.name.database) if logged else 0
    old = None
    if logged:
        using, on = ast.args.get("using"), ast.args.get("on")
        assert isinstance(using, exp.Expr)
        assert isinstance(on, exp.Expr)
        select = exp.Select(expressions=_image(tracked, alias)).distinct()
        select.set("from_", exp.From(this=storage.copy()))
        select.set("joins", [exp.Join(this=using.copy(), on=on.copy())])
        old = engine.arrow(engine.transform(select))
    action = exp.alias_(exp.column("merge_action"), "MOVIECDC_MERGE_ACTION", quoted=True)
    ast.set("returning", exp.Returning(expressions=[action, *_image(tracked, alias)]))
    rows = engine.arrow(engine.transform(ast))
    kinds = rows.column(0)
    by_kind = {
        k: rows.filter(pc.equal(kinds, k)).drop_columns([rows.column_names[0]]) for k in ("INSERT", "UPDATE", "DELETE")
    }
    changed = pa.concat_arrays([by_kind[k].column(ROW_ID).combine_chunks() for k in ("UPDATE", "DELETE")])
    if pc.count_distinct(changed).as_py() != len(changed):
        # DuckDB updates such a row once per matching source row; Snowflake refuses the statement
        # (ERROR_ON_NONDETERMINISTIC_MERGE, on by default). The statement's transaction rolls back.
        raise LocalEngineError(
            "100090 (42P18): Duplicate row detected during DML action: a row of "
            f"{tracked.name.display} matches more than one row of the MERGE's source. "
            "Make the source hold at most one row per join key (e.g. QUALIFY ROW_NUMBER() … = 1)."
        )
    if logged and old is not None:
        write_log(engine, tracked, seq, DELETE, by_kind["DELETE"])
        _log_update(engine, tracked, seq, old, by_kind["UPDATE"])
        write_log(engine, tracked, seq, INSERT, by_kind["INSERT"])
    return merge_counts(ast, kinds)


def merge_counts(ast: exp.Merge, kinds: pa.ChunkedArray | pa.Array) -> Result:
    """MERGE's answer: a count per operation its WHEN clauses name, in Snowflake's order (inserted, updated,
    deleted), from the ``merge_action`` of each changed row."""
    named: set[str] = set()
    whens = ast.args.get("whens")
    for when in whens.expressions if isinstance(whens, exp.Whens) else []:
        then = when.args.get("then")
        named.add("INSERT" if isinstance(then, exp.Insert) else "UPDATE" if isinstance(then, exp.Update) else "DELETE")
    order = (("inserted", "INSERT"), ("updated", "UPDATE"), ("deleted", "DELETE"))
    return counts(
        **{
            f"number_of_rows_{op}": int(pc.sum(pc.equal(kinds, kind)).as_py() or 0)
            for op, kind in order
            if kind in named
        }
    )


def truncate(engine: Engine, tracked: TrackedTable) -> Result:
    if is_logged(engine, tracked):
        seq = engine.change_seq(tracked.name.database)
        engine.con.execute(
            f"INSERT INTO {tracked.log.sql} (SEQ, {quote(ROW_ID)}, ACTION, {tracked.quoted_columns}) "
            f"SELECT {int(seq)}, {quote(ROW_ID)}, {DELETE}, {tracked.quoted_columns} FROM {tracked.data.sql}"
        )
    engine.con.execute(f"DELETE FROM {tracked.data.sql}")
    return status(SUCCESS)


def bulk_insert(engine: Engine, tracked: TrackedTable, rows: pa.Table) -> int:
    """Append Arrow rows (columns named as the table's) to a tracked table: the write_pandas path."""
    unknown = [c for c in rows.column_names if c not in tracked.columns]
    if unknown:
        raise UnsupportedSqlError(f"Columns {unknown} are not in table {tracked.name.display}.")
    sequence = literal(catalog.hidden(tracked.name.database, "ROW_ID_SEQ").sql)
    ids = engine.con.execute(f"SELECT nextval({sequence}) AS ID FROM range(?)", [rows.num_rows]).fetchnumpy()
    rows = rows.append_column(ROW_ID, pa.array(ids["ID"], pa.int64()))
    count: int = rows.num_rows
    cols = ", ".join(quote(c) for c in rows.column_names)
    name = engine.register(rows)
    try:
        engine.con.execute(f"INSERT INTO {tracked.data.sql} ({cols}) SELECT {cols} FROM {quote(name)}")
        if is_logged(engine, tracked):
            seq = engine.change_seq(tracked.name.database)
            engine.con.execute(
                f"INSERT INTO {tracked.log.sql} (SEQ, ACTION, {cols}) SELECT {int(seq)}, {INSERT}, {cols} "
                f"FROM {quote(name)}"
            )
    finally:
        engine.unregister(name)
    return count


def _count(engine: Engine, sql: str) -> int:
    row = engine.con.execute(sql).fetchall()
    return int(row[0][0]) if row else 0


def _distinct_rows(rows: pa.Table) -> pa.Table:
    """One new image per ROW_ID (an UPDATE … FROM can match a target row more than once)."""
    ids = rows.column(ROW_ID)
    if pc.count_distinct(ids).as_py() == rows.num_rows:
        return rows
    first = pc.index_in(pc.unique(ids), value_set=ids)
    return rows.take(first)
