"""Which dynamic-table queries refresh incrementally, and the rewrite that does it.

The local engine refreshes a dynamic table incrementally by **partition-local recompute**. A query is
*local in* a column ``K`` of its single source table when the result rows that carry ``K = k`` depend only
on the source rows with ``K = k``. Then a refresh needs only the keys its source's changes touched:

1. the source's change log since the last refresh gives the affected ``K`` values (old and new images);
2. the table's rows with an affected key are deleted;
3. the query, with its source replaced by the source rows whose key is affected, is inserted.

This module decides locality from the query text (sqlglot), without running anything. The rules, scope
by scope (a CTE or derived table is a scope, analysed once per name):

- one source table, referenced any number of times; no joins, no subqueries in expressions, no
  ``LATERAL`` / ``FLATTEN`` / ``VALUES`` / ``PIVOT`` / ``SAMPLE``, no ``LIMIT`` / ``OFFSET``;
- every window function has a ``PARTITION BY`` containing ``K`` as a plain column;
- a ``GROUP BY`` contains ``K`` as a plain column (no ``ROLLUP`` / ``CUBE`` / ``GROUPING SETS``), and an
  aggregate without ``GROUP BY`` (a grand total) disqualifies the query;
- ``K`` is carried unchanged (a plain column, possibly renamed) from the source to every scope's output
  and to the query's output; set operations carry it only at the same position in every branch;
- nothing non-deterministic (``CURRENT_TIMESTAMP``, ``RANDOM``, ``UUID_STRING``, ``SEQ4`` …): a partial
  recompute would mix values computed at different times.

Filters, expressions, ``DISTINCT``, ``QUALIFY``, ``HAVING`` and ``UNION`` / ``INTERSECT`` / ``EXCEPT`` of
local branches keep locality. The rules are sufficient, not necessary: a query they reject is refreshed
in full, with the reason.

>>> from fakesnow.dialect import parse_one
>>> from moviecdc.local.core.names import ObjectName
>>> t = ObjectName("DB", "S", "EVENTS")
>>> q = parse_one("SELECT K, COUNT(*) AS N FROM DB.S.EVENTS GROUP BY K")
>>> plan = analyse(q, lambda node: t, lambda name: ["K", "V"])
>>> plan.key, plan.output_key, plan.reason
('K', 'K', None)
>>> analyse(parse_one("SELECT COUNT(*) AS N FROM DB.S.EVENTS"), lambda node: t, lambda name: ["K"]).reason
'an aggregate without GROUP BY (a grand total) reads every row'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlglot import exp

from moviecdc.local.core.names import ObjectName, Part

Resolver = Callable[[exp.Table], ObjectName | None]
ColumnsOf = Callable[[ObjectName], Sequence[str]]

_NON_DETERMINISTIC = (
    exp.CurrentTimestamp, exp.CurrentDate, exp.CurrentTime, exp.CurrentDatetime, exp.CurrentTimestampLTZ,
    exp.Localtimestamp, exp.Localtime, exp.Rand, exp.Randn, exp.Uuid, exp.Seq1, exp.Seq2, exp.Seq4, exp.Seq8,
    exp.Normal, exp.Uniform, exp.Randstr,
)  # fmt: skip
_NON_DETERMINISTIC_NAMES = frozenset(
    {"RANDOM", "UUID_STRING", "SYSDATE", "GETDATE", "SYSTIMESTAMP", "ZIPF", "CURRENT_TIMESTAMP", "NOW"}
)
_SCOPE_ARGS = ("expressions", "where", "group", "having", "qualify", "order", "distinct")


@dataclass(frozen=True)
class Plan:
    """What :func:`analyse` found: the sources, and the key of partition-local refresh (or why there is none)."""

    sources: tuple[ObjectName, ...]
    key: str | None = None
    output_key: str | None = None
    reason: str | None = None

    @property
    def incremental(self) -> bool:
        return self.key is not None


class _NotLocalError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class _Relation:
    """A scope's output: (column name, source column it carries unchanged) by position, and its local keys."""

    columns: tuple[tuple[str | None, str | None], ...]
    keys: frozenset[str]

    def carried(self, name: str) -> str | None:
        for column, source in self.columns:
            if column == name:
                return source
        return None


def cte_names(query: exp.Expr) -> set[str]:
    """Names of the CTEs anywhere in ``query``, as Snowflake resolves them."""
    return {_resolved(cte.args["alias"].this) for cte in query.find_all(exp.CTE) if cte.args.get("alias")}


def table_references(query: exp.Expr) -> list[exp.Table]:
    """Every reference to a stored object (tables, views, streams): table nodes that are not CTE names."""
    ctes = cte_names(query)
    found = []
    for node in query.find_all(exp.Table):
        if not isinstance(node.this, exp.Identifier):
            continue
        if not node.args.get("db") and _resolved(node.this) in ctes:
            continue
        found.append(node)
    return found


def analyse(query: exp.Expr, resolve: Resolver, columns_of: ColumnsOf) -> Plan:
    """Decide whether ``query`` is local in one column of its single source (see the module docstring)."""
    sources: list[ObjectName] = []
    for node in table_references(query):
        name = resolve(node)
        if name is not None and name not in sources:
            sources.append(name)
    if len(sources) != 1:
        reason = "the query reads no table" if not sources else "the query reads more than one table"
        return Plan(tuple(sources), reason=reason)
    try:
        relation = _Analyser(resolve, columns_of).relation(query, {})
    except _NotLocalError as e:
        return Plan(tuple(sources), reason=e.reason)
    for column, source in relation.columns:
        if column is not None and source is not None and source in relation.keys:
            return Plan(tuple(sources), key=source, output_key=column)
    return Plan(
        tuple(sources),
        reason="no column of the source is both in every PARTITION BY / GROUP BY and unchanged in the output",
    )


def deterministic(query: exp.Expr) -> bool:
    """No call whose value depends on when or how often the query runs (its SQL can be cached)."""
    return not any(_non_deterministic(node) for node in query.walk())


def _non_deterministic(node: exp.Expr) -> bool:
    return isinstance(node, _NON_DETERMINISTIC) or (
        isinstance(node, exp.Anonymous) and str(node.this).upper() in _NON_DETERMINISTIC_NAMES
    )


def replace_source(
    query: exp.Expr, source: ObjectName, resolve: Resolver, replacement: exp.Table | exp.Subquery
) -> exp.Expr:
    """A copy of ``query`` reading ``replacement`` (a table or a subquery) wherever it read ``source``.

    The reference's alias is kept (or the table's name becomes the alias), so qualified columns still bind.
    """
    copy = query.copy()
    for node in table_references(copy):
        if resolve(node) != source:
            continue
        new = replacement.copy()
        alias = node.args.get("alias")
        new.set("alias", alias.copy() if isinstance(alias, exp.TableAlias) else exp.TableAlias(this=node.this.copy()))
        node.replace(new)
    return copy


def qualify(query: exp.Expr, resolve: Callable[[exp.Table], ObjectName]) -> exp.Expr:
    """A copy of ``query`` whose table references are fully qualified and quoted (CTE names untouched)."""
    copy = query.copy()
    for node in table_references(copy):
        new = resolve(node).table()
        for arg in ("alias", "sample", "joins", "pivots", "hints", "version"):
            if node.args.get(arg) is not None:
                new.set(arg, node.args[arg])
        node.replace(new)
    return copy


def _resolved(ident: exp.Expr) -> str:
    if isinstance(ident, exp.Identifier):
        return Part(str(ident.this), quoted=bool(ident.args.get("quoted"))).resolved
    return str(ident.name).upper()


class _Analyser:
    def __init__(self, resolve: Resolver, columns_of: ColumnsOf) -> None:
        self._resolve = resolve
        self._columns_of = columns_of

    def relation(self, node: exp.Expr, ctes: dict[str, _Relation]) -> _Relation:
        if isinstance(node, exp.Table):
            return self._table(node, ctes)
        if isinstance(node, exp.Subquery):
            return self._renamed(self.relation(node.this, ctes), node.args.get("alias"))
        if isinstance(node, (exp.Select, exp.SetOperation)):
            ctes = self._with(node, ctes)
            if isinstance(node, exp.Select):
                return self._select(node, ctes)
            return self._set_operation(node, ctes)
        raise _NotLocalError(f"{_label(node)} is not analysed for incremental refresh")

    def _with(self, node: exp.Expr, ctes: dict[str, _Relation]) -> dict[str, _Relation]:
        with_ = node.args.get("with_")
        if not isinstance(with_, exp.With):
            return ctes
        if with_.args.get("recursive"):
            raise _NotLocalError("a recursive CTE")
        scope = dict(ctes)
        for cte in with_.expressions:
            scope[_resolved(cte.args["alias"].this)] = self._renamed(self.relation(cte.this, scope), cte.args["alias"])
        return scope

    def _table(self, node: exp.Table, ctes: dict[str, _Relation]) -> _Relation:
        for arg in ("sample", "joins", "pivots", "laterals"):
            if node.args.get(arg):
                raise _NotLocalError(f"{arg.upper().rstrip('S')} on a table")
        if not node.args.get("db") and isinstance(node.this, exp.Identifier) and _resolved(node.this) in ctes:
            return ctes[_resolved(node.this)]
        name = self._resolve(node)
        if name is None:
            raise _NotLocalError(f"table {node.sql(dialect='snowflake')} cannot be resolved")
        columns = tuple(self._columns_of(name))
        return _Relation(tuple((c, c) for c in columns), frozenset(columns))

    @staticmethod
    def _renamed(relation: _Relation, alias: exp.Expr | None) -> _Relation:
        names = alias.args.get("columns") if isinstance(alias, exp.TableAlias) else None
        if not names:
            return relation
        renamed: list[tuple[str | None, str | None]] = [
            (_resolved(n), source) for n, (_, source) in zip(names, relation.columns, strict=False)
        ]
        renamed += [(None, None) for _ in relation.columns[len(names) :]]
        return _Relation(tuple(renamed), relation.keys)

    def _set_operation(self, node: exp.SetOperation, ctes: dict[str, _Relation]) -> _Relation:
        if node.args.get("limit") or node.args.get("offset"):
            raise _NotLocalError("LIMIT / OFFSET")
        if node.args.get("by_name"):
            raise _NotLocalError("UNION BY NAME")
        left, right = self.relation(node.this, ctes), self.relation(node.expression, ctes)
        if len(left.columns) != len(right.columns):
            raise _NotLocalError("set operation branches of different widths")
        columns = tuple(
            (name, source if source is not None and source == other else None)
            for (name, source), (_, other) in zip(left.columns, right.columns, strict=True)
        )
        aligned = {source for _, source in columns if source is not None}
        return _Relation(columns, left.keys & right.keys & aligned)

    @staticmethod
    def _source(node: exp.Select) -> exp.Expr:
        """The one relation a SELECT reads; clauses that read across keys are refused here."""
        for arg in ("limit", "offset", "fetch", "top"):
            if node.args.get(arg):
                raise _NotLocalError("LIMIT / OFFSET / TOP")
        for arg in ("laterals", "into", "connect", "match"):
            if node.args.get(arg):
                raise _NotLocalError(arg.upper())
        if node.args.get("joins"):
            raise _NotLocalError("a join")
        source = node.args.get("from_")
        if not isinstance(source, exp.From):
            raise _NotLocalError("a SELECT without FROM")
        relation: exp.Expr = source.this
        return relation

    def _select(self, node: exp.Select, ctes: dict[str, _Relation]) -> _Relation:
        relation = self.relation(self._source(node), ctes)
        inputs = {name: src for name, src in relation.columns if name is not None}
        outputs = self._outputs(node, relation)
        aliases = {name: src for name, src in outputs if name is not None}

        def key_of(expression: exp.Expr) -> str | None:
            """The source column a PARTITION BY item is, if it is a plain column."""
            if isinstance(expression, exp.Column) and isinstance(expression.this, exp.Identifier):
                name = _resolved(expression.this)
                return inputs[name] if name in inputs else aliases.get(name)
            return None

        def group_key_of(expression: exp.Expr) -> str | None:
            """A GROUP BY item may also be a position in the select list (``GROUP BY 1``)."""
            if isinstance(expression, exp.Literal) and not expression.is_string:
                position = int(expression.this) - 1
                return outputs[position][1] if 0 <= position < len(outputs) else None
            return key_of(expression)

        keys = set(relation.keys)
        aggregated = False
        for arg in _SCOPE_ARGS:
            value = node.args.get(arg)
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, exp.Expr):
                    aggregated |= self._scan(item, key_of, keys)
        distinct = node.args.get("distinct")
        if isinstance(distinct, exp.Distinct) and isinstance(distinct.args.get("on"), exp.Expr):
            keys &= {k for k in map(key_of, distinct.args["on"].expressions) if k is not None}
        group = node.args.get("group")
        if isinstance(group, exp.Group):
            if any(group.args.get(a) for a in ("rollup", "cube", "grouping_sets", "totals")) or group.find(
                exp.Rollup, exp.Cube, exp.GroupingSets
            ):
                raise _NotLocalError("ROLLUP / CUBE / GROUPING SETS")
            items = (
                [e for e in node.expressions if not e.find(exp.AggFunc)]
                if group.args.get("all")
                else list(group.expressions)
            )
            keys &= {k for k in map(group_key_of, [i.unalias() for i in items]) if k is not None}
        elif aggregated:
            raise _NotLocalError("an aggregate without GROUP BY (a grand total) reads every row")
        keys &= {src for _, src in outputs if src is not None}
        return _Relation(tuple(outputs), frozenset(keys))

    @staticmethod
    def _scan(item: exp.Expr, key_of: Callable[[exp.Expr], str | None], keys: set[str]) -> bool:
        """Check one clause of a scope; narrow ``keys`` by its windows; return whether it aggregates."""
        aggregated = False
        for sub in item.walk():
            if isinstance(sub, (exp.Subquery, exp.Select, exp.Exists)) or (
                isinstance(sub, exp.In) and sub.args.get("query") is not None
            ):
                raise _NotLocalError("a subquery in an expression")
            if _non_deterministic(sub):
                raise _NotLocalError(f"a non-deterministic function ({sub.sql(dialect='snowflake')})")
            if isinstance(sub, exp.Window):
                partition = sub.args.get("partition_by") or []
                if not partition:
                    raise _NotLocalError("a window function without PARTITION BY")
                keys &= {k for k in map(key_of, partition) if k is not None}
            elif isinstance(sub, exp.AggFunc) and not sub.find_ancestor(exp.Window):
                aggregated = True
        return aggregated

    @staticmethod
    def _outputs(node: exp.Select, relation: _Relation) -> list[tuple[str | None, str | None]]:
        inputs = {name: src for name, src in relation.columns if name is not None}
        outputs: list[tuple[str | None, str | None]] = []
        for expression in node.expressions:
            star = expression.this if isinstance(expression, exp.Column) else expression
            if isinstance(star, exp.Star):
                outputs += _expand_star(star, relation)
                continue
            inner = expression.this if isinstance(expression, exp.Alias) else expression
            source = None
            if isinstance(inner, exp.Column) and isinstance(inner.this, exp.Identifier):
                source = inputs.get(_resolved(inner.this))
            if isinstance(expression, exp.Alias):
                outputs.append((_resolved(expression.args["alias"]), source))
            elif isinstance(expression, exp.Column) and isinstance(expression.this, exp.Identifier):
                outputs.append((_resolved(expression.this), source))
            else:
                outputs.append((None, None))
        return outputs


def _expand_star(star: exp.Star, relation: _Relation) -> list[tuple[str | None, str | None]]:
    excluded = {_resolved(c.this if isinstance(c, exp.Column) else c) for c in star.args.get("except_") or []}
    replaced = {_resolved(a.args["alias"]) for a in star.args.get("replace") or [] if isinstance(a, exp.Alias)}
    renamed = {
        _resolved(a.this.this if isinstance(a.this, exp.Column) else a.this): _resolved(a.args["alias"])
        for a in star.args.get("rename") or []
        if isinstance(a, exp.Alias)
    }
    expanded: list[tuple[str | None, str | None]] = []
    for name, source in relation.columns:
        if name is None or name in excluded:
            continue
        expanded.append((renamed.get(name, name), None if name in replaced else source))
    return expanded


def _label(node: exp.Expr) -> str:
    return type(node).__name__.upper()
