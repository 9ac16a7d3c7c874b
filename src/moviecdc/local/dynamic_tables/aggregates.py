"""Incremental GROUP BY: each group's aggregate state, moved by the source's changes.

Partition-local recompute (:mod:`moviecdc.local.dynamic_tables.incremental`) recomputes every group a change touches,
from all of the group's rows: when a few thousand changes touch every group (Gold: every movie, every
refresh) that is a full recompute. For a query of the form

    SELECT <group columns>, <expressions over aggregates> FROM <one table> [WHERE <row filter>] GROUP BY <columns>

whose aggregates are ``COUNT(*)``, ``COUNT(x)``, ``SUM(x)``, ``MIN(x)`` and ``MAX(x)`` (no DISTINCT, FILTER
or OVER), the engine keeps a hidden *state* table with, per group, the row count and each aggregate's
running value, and a refresh reads only the source's change log:

1. the delta per group: added images count +1, removed images -1 (an update is one of each); sums of the
   added and of the removed values; the largest / smallest removed and added values;
2. the new state: counts and sums move by the delta (a sum whose non-NULL count reaches 0 is NULL); a MAX
   (MIN) moves to the largest (smallest) added value, unless a removed value reaches the current extreme
   and no added value goes beyond every removed one: then that group's state is recomputed from its source
   rows (for those groups only). In the pipeline an update always adds a newer timestamp than it removes,
   so Gold's ``MAX(LATEST_CHANGE_TIMESTAMP)`` is never recomputed that way;
3. groups whose count reaches 0 disappear; the output rows of the changed groups are written again from
   their state.

The cost follows the number of changes and of changed groups, not the table. The aggregates are evaluated
by the same translation as the query itself, exact for NUMBER (:mod:`moviecdc.local.dialect.numbers`: a kept
``SUM`` of NUMBER(p, s) is a NUMBER(38, s) column, never DOUBLE), so a refresh equals a full recompute
exactly, with the same types.

>>> from fakesnow.dialect import parse_one
>>> plan = analyse(parse_one("SELECT K, COUNT(*) AS N, MAX(V) AS TOP FROM T GROUP BY K"))
>>> [c.kind for c in plan.calls], plan.group_outputs
(['COUNT_STAR', 'MAX'], ('K',))
>>> analyse(parse_one("SELECT K, AVG(V) AS A FROM T GROUP BY K")) is None
True
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fakesnow.dialect import parse_one
from sqlglot import exp

from moviecdc.local.core import catalog
from moviecdc.local.core.catalog import TrackedTable
from moviecdc.local.core.names import ObjectName, Part, quote
from moviecdc.local.dynamic_tables.incremental import deterministic

if TYPE_CHECKING:
    from moviecdc.local.dynamic_tables.catalog import DynamicTable

AGGREGATE = "AGGREGATE"
_KINDS = {exp.Sum: "SUM", exp.Min: "MIN", exp.Max: "MAX", exp.Count: "COUNT"}


@dataclass(frozen=True)
class Call:
    kind: str  # COUNT_STAR | COUNT | SUM | MIN | MAX
    argument: exp.Expr | None
    state: str  # the state column holding its value


@dataclass(frozen=True)
class Aggregation:
    """What :func:`analyse` extracted from a qualifying query."""

    source: exp.Table
    where: exp.Expr | None
    groups: tuple[exp.Expr, ...]  # the GROUP BY columns, as written
    group_outputs: tuple[str, ...]  # the output column carrying each
    calls: tuple[Call, ...]
    outputs: tuple[exp.Expr, ...]  # the select list over the state table (G0…, N, C0…, S0…, V0…)

    @property
    def alias(self) -> exp.Identifier:
        alias = self.source.args.get("alias")
        if isinstance(alias, exp.TableAlias) and isinstance(alias.this, exp.Identifier):
            return alias.this
        assert isinstance(self.source.this, exp.Identifier)
        return self.source.this


def _name(ident: exp.Expr) -> str:
    if isinstance(ident, exp.Identifier):
        return Part(str(ident.this), quoted=bool(ident.args.get("quoted"))).resolved
    return str(ident.name).upper()


def analyse(query: exp.Expr) -> Aggregation | None:
    """The aggregation of ``query``, or None when it is not of the supported form (see the module docstring)."""
    shape = _shape(query)
    if shape is None:
        return None
    select, source, groups = shape
    keys = [_name(g.this) for g in groups]
    calls: dict[str, Call] = {}
    outputs: list[exp.Expr] = []
    group_outputs: dict[int, str] = {}
    for item in select.expressions:
        inner = item.this if isinstance(item, exp.Alias) else item
        name = _name(item.args["alias"]) if isinstance(item, exp.Alias) else None
        if isinstance(inner, exp.Column) and isinstance(inner.this, exp.Identifier) and _name(inner.this) in keys:
            position = keys.index(_name(inner.this))
            name = name or _name(inner.this)
            group_outputs.setdefault(position, name)
            outputs.append(exp.alias_(exp.column(f"G{position}", quoted=True), name, quoted=True))
            continue
        # An unaliased expression is named by DuckDB after its text, which the state's would not match.
        rewritten = _over_state(inner.copy(), keys, calls) if name is not None else None
        if rewritten is None or name is None:
            return None
        outputs.append(exp.alias_(rewritten, name, quoted=True))
    if len(group_outputs) != len(keys):
        return None  # every group column must be in the output, to find a group's rows
    where = select.args.get("where")
    return Aggregation(
        source=source,
        where=where.this if isinstance(where, exp.Where) else None,
        groups=groups,
        group_outputs=tuple(group_outputs[i] for i in range(len(keys))),
        calls=tuple(calls.values()),
        outputs=tuple(outputs),
    )


def _shape(query: exp.Expr) -> tuple[exp.Select, exp.Table, tuple[exp.Column, ...]] | None:
    """(the SELECT, its one table, its GROUP BY columns) when the query has the supported shape."""
    if (
        not isinstance(query, exp.Select)
        or not deterministic(query)
        or any(query.args.get(a) for a in ("with_", "joins", "laterals", "distinct", "having", "qualify", "limit"))
        or query.find(exp.Window, exp.Subquery, exp.Filter, exp.Exists)
    ):
        return None
    source, group = query.args.get("from_"), query.args.get("group")
    if not isinstance(source, exp.From) or not isinstance(source.this, exp.Table) or not isinstance(group, exp.Group):
        return None
    if any(group.args.get(a) for a in ("all", "rollup", "cube", "grouping_sets", "totals")):
        return None
    groups = [g for g in group.expressions if isinstance(g, exp.Column) and isinstance(g.this, exp.Identifier)]
    names = [_name(g.this) for g in groups]
    if not groups or len(groups) != len(group.expressions) or len(set(names)) != len(names):
        return None
    return query, source.this, tuple(groups)


@functools.lru_cache(maxsize=128)
def plan_of(query: str) -> Aggregation | None:
    """:func:`analyse` of a stored query text (cached: a refresh needs it every time)."""
    return analyse(parse_one(query))


def state_columns(plan: Aggregation) -> list[str]:
    """The state table's columns, in order: G0…, N, then each call's count and value."""
    columns = [f"G{i}" for i in range(len(plan.groups))] + ["N"]
    for call in plan.calls:
        if call.kind == "COUNT_STAR":
            continue
        columns.append(_count(call))
        if call.kind != "COUNT":
            columns.append(call.state)
    return columns


def output_query(plan: Aggregation, state: ObjectName) -> exp.Select:
    """The table's rows, computed from (some of) the state's rows."""
    return exp.select(*(o.copy() for o in plan.outputs)).from_(state.table())


def _over_state(expression: exp.Expr, keys: list[str], calls: dict[str, Call]) -> exp.Expr | None:
    """``expression`` with each aggregate call replaced by its state column; None if unsupported."""
    failed = False

    def visit(node: exp.Expr) -> exp.Expr:
        nonlocal failed
        if isinstance(node, exp.AggFunc):
            kind = _KINDS.get(type(node))
            argument = node.this
            if kind is None or isinstance(argument, exp.Distinct) or argument.find(exp.AggFunc):
                failed = True  # another aggregate, COUNT(DISTINCT …), or an aggregate of an aggregate
                return node
            star = kind == "COUNT" and isinstance(argument, exp.Star)
            text = node.sql(dialect="snowflake")
            if text not in calls:
                i = len(calls)
                state = "N" if star else f"{'V' if kind in ('MIN', 'MAX') else 'S' if kind == 'SUM' else 'C'}{i}"
                calls[text] = Call("COUNT_STAR" if star else kind, None if star else argument.copy(), state)
            return exp.column(calls[text].state, quoted=True)
        if isinstance(node, exp.Column):
            if not isinstance(node.this, exp.Identifier) or _name(node.this) not in keys:
                failed = True  # a column outside an aggregate must be grouped by
                return node
            return exp.column(f"G{keys.index(_name(node.this))}", quoted=True)
        return node

    result = expression.transform(visit, copy=False)
    return None if failed else result


# -- the queries the engine runs ------------------------------------------------------------------------------


def state_query(plan: Aggregation, source: exp.Expr) -> exp.Select:
    """Each group's state, computed from ``source`` (the table, or the rows of some groups)."""
    columns: list[exp.Expr] = [exp.alias_(g.copy(), f"G{i}", quoted=True) for i, g in enumerate(plan.groups)]
    columns.append(exp.alias_(exp.Count(this=exp.Star()), "N", quoted=True))
    for call in plan.calls:
        if call.kind == "COUNT_STAR":
            continue
        assert call.argument is not None
        columns.append(exp.alias_(exp.Count(this=call.argument.copy()), _count(call), quoted=True))
        if call.kind != "COUNT":
            function = {"SUM": exp.Sum, "MIN": exp.Min, "MAX": exp.Max}[call.kind]
            columns.append(exp.alias_(function(this=call.argument.copy()), call.state, quoted=True))
    select = exp.select(*columns).from_(source).group_by(*(g.copy() for g in plan.groups))
    if plan.where is not None:
        select = select.where(plan.where.copy())
    return select


def delta_query(plan: Aggregation, events: ObjectName) -> exp.Select:
    """The change of each group's state over ``events`` (the source's log rows since the last refresh)."""
    alias = plan.alias
    added = exp.EQ(
        this=exp.Mod(this=exp.column("ACTION", table=alias.copy()), expression=exp.Literal.number(2)),
        expression=exp.Literal.number(1),
    )

    def when(condition: exp.Expr, value: exp.Expr) -> exp.Case:
        return exp.Case(ifs=[exp.If(this=condition.copy(), true=value.copy())])

    removed = exp.Not(this=added.copy())
    sign = exp.Case(ifs=[exp.If(this=added.copy(), true=exp.Literal.number(1))], default=exp.Literal.number(-1))
    columns: list[exp.Expr] = [exp.alias_(g.copy(), f"G{i}", quoted=True) for i, g in enumerate(plan.groups)]
    columns.append(exp.alias_(exp.Sum(this=sign), "N", quoted=True))
    for call in plan.calls:
        if call.kind == "COUNT_STAR":
            continue
        assert call.argument is not None
        arg = call.argument
        count = exp.Sub(this=exp.Count(this=when(added, arg)), expression=exp.Count(this=when(removed, arg)))
        columns.append(exp.alias_(count, _count(call), quoted=True))
        if call.kind != "COUNT":
            function = {"SUM": exp.Sum, "MIN": exp.Min, "MAX": exp.Max}[call.kind]
            columns.append(exp.alias_(function(this=when(added, arg)), f"A_{call.state}", quoted=True))
            removal = exp.Max if call.kind == "MAX" else exp.Min if call.kind == "MIN" else exp.Sum
            columns.append(exp.alias_(removal(this=when(removed, arg)), f"R_{call.state}", quoted=True))
    table = events.table(alias)
    select = exp.select(*columns).from_(table).group_by(*(g.copy() for g in plan.groups))
    if plan.where is not None:
        select = select.where(plan.where.copy())
    return select


def _count(call: Call) -> str:
    return call.state if call.kind == "COUNT" else f"C_{call.state}"


def merge_sql(plan: Aggregation, delta: ObjectName, state: ObjectName) -> str:
    """DuckDB SQL: each changed group's new state, with DIRTY when a MIN / MAX must be recomputed."""
    groups = [f"G{i}" for i in range(len(plan.groups))]
    same = " AND ".join(f"S.{quote(g)} IS NOT DISTINCT FROM D.{quote(g)}" for g in groups)
    out = [f"D.{quote(g)} AS {quote(g)}" for g in groups]
    out.append('coalesce(S."N", 0) + D."N" AS "N"')
    dirty = ["FALSE"]
    for call in plan.calls:
        if call.kind == "COUNT_STAR":
            continue
        c = quote(_count(call))
        out.append(f"coalesce(S.{c}, 0) + D.{c} AS {c}")
        v, a, r = quote(call.state), quote(f"A_{call.state}"), quote(f"R_{call.state}")
        if call.kind == "SUM":
            out.append(
                f"CASE WHEN coalesce(S.{c}, 0) + D.{c} = 0 THEN NULL "
                f"ELSE coalesce(S.{v}, 0) + coalesce(D.{a}, 0) - coalesce(D.{r}, 0) END AS {v}"
            )
        elif call.kind in ("MIN", "MAX"):
            best, reached, beyond = ("greatest", ">=", ">") if call.kind == "MAX" else ("least", "<=", "<")
            out.append(f"{best}(S.{v}, D.{a}) AS {v}")  # DuckDB's greatest / least skip NULLs
            # The old extreme may be gone (a removed value reaches it) and no surviving added value is beyond
            # it: an added value beyond every removed one was not removed, so it is the new extreme.
            reaches = f"(S.{v} IS NULL OR D.{r} {reached} S.{v})"
            replaced = f"(D.{a} IS NOT NULL AND D.{a} {beyond} D.{r} AND (S.{v} IS NULL OR D.{a} {reached} S.{v}))"
            dirty.append(f"(D.{r} IS NOT NULL AND {reaches} AND NOT {replaced})")
    out.append(f"({' OR '.join(dirty)}) AS DIRTY")
    return f"SELECT {', '.join(out)} FROM {delta.sql} AS D LEFT JOIN {state.sql} AS S ON {same}"


def state_table(table: DynamicTable) -> ObjectName:
    return catalog.hidden(table.database, f"DT{table.uid}_STATE")


def matches(plan: Aggregation, groups: ObjectName, alias: str, columns: tuple[str, ...] | None = None) -> str:
    """DuckDB SQL: is the row ``alias`` one of the groups listed in ``groups`` (NULL-safe)?"""
    names = columns or tuple(f"G{i}" for i in range(len(plan.groups)))
    same = " AND ".join(f"K.{quote(f'G{i}')} IS NOT DISTINCT FROM {alias}.{quote(n)}" for i, n in enumerate(names))
    return f"EXISTS (SELECT 1 FROM {groups.sql} AS K WHERE {same})"


def restricted_source(plan: Aggregation, source: TrackedTable, groups: ObjectName) -> exp.Subquery:
    """The source rows of the groups in ``groups`` (a subquery in Snowflake SQL, aliased like the source)."""
    keys = tuple(_name(g.this) for g in plan.groups)
    rows = parse_one(
        f"SELECT {source.quoted_columns} FROM {source.data.sql} AS SRC WHERE {matches(plan, groups, 'SRC', keys)}"
    )
    return exp.Subquery(this=rows, alias=exp.TableAlias(this=plan.alias.copy()))


def group_rows(plan: Aggregation, groups: ObjectName) -> str:
    """DuckDB SQL: is the output row ``T`` one of the groups in ``groups``? (for :func:`delete_rows`)."""
    return matches(plan, groups, "T", plan.group_outputs)
