"""Statements cached by shape: a repeated query or ``INSERT … VALUES`` skips sqlglot entirely.

A test sends the same statement again and again with other values (``INSERT INTO T VALUES (1, 'a')``, then
``(2, 'b')``; ``SELECT … WHERE ID = 7``), and parsing, the engine's rewriters and fakesnow's translation cost
several milliseconds each time. So the literals of a statement's text are lifted out by a small lexer (no
sqlglot), and what is left, its *shape*, finds the DuckDB text the statement becomes, with a slot for each
lifted literal; a hit fills the slots with the new literals as written and runs it.

Only literals whose value cannot change the translation are lifted, which the first statement of a shape decides
on its parsed tree: a cell of a ``VALUES`` row, and an operand compared with a column (``=``, ``<>``, ``<``,
``<=``, ``>``, ``>=``, ``IN (…)``), each possibly negated. Every other literal (a ``LIMIT``, a function's
argument, a select-list constant, which names its column) stays in the key with its value. The key also holds
each lifted literal's *kind* (a string, or a number's digit pattern: ``12.50`` is ``99.99``, so a literal of
another precision or scale, which Snowflake types differently, is another shape), the current database and
schema, the session variables, and the engine's ``catalog_version``, which DDL, every routed statement that is
not DML, a rollback and a failure move (:meth:`moviecdc.local.core.engine.Engine.invalidate`): a table that gets
a stream, a new function or a changed role gives the same text another translation, and never an old one.

A shape is cached only when it is *proved* to translate by substitution: the first statement is translated
twice, with its own literals and with other literals of the same kinds, and both translations must be the same
text with each lifted literal appearing as written (a rewrite that reads or changes a value fails this). It is
also not cached when an engine rewriter changes the statement (``CURRENT_TIMESTAMP()``, ``CURRENT_ROLE()``,
``SYSTEM$STREAM_HAS_DATA``, TASK_HISTORY: values of the moment), when it reads a stream (a stream read is a
temporary view of the moment), when it has no current database and schema, or when its text has a comment, a
``$$`` string, a backslash in a string, a bind variable or a ``$`` variable. A construct whose meaning depends
on the moment is never cached, whatever rewrites it: ``AT``/``BEFORE``, ``CHANGES``, ``LAST_QUERY_ID``,
``RESULT_SCAN``, sequences, random numbers. The dialect's rewrites (:func:`moviecdc.local.dialect.rewrites.parse`)
must stay pure functions of the text and the catalog; one that reads data or the clock belongs among the engine's
rewriters, which this module checks.

Two plans are cached: a query (its rows) and an ``INSERT … VALUES`` (into a plain table: its count; into a
tracked table: its count, and the change-log events of its rows when a stream reads the table).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import count
from typing import TYPE_CHECKING, TypeVar

import duckdb
import pyarrow as pa
import snowflake.connector.errors as sf_errors
from sqlglot import exp

from moviecdc.local.core.results import Result
from moviecdc.local.dialect import rewrites
from moviecdc.local.streams import capture
from moviecdc.local.streams import reads as streams

if TYPE_CHECKING:
    from moviecdc.local.core.catalog import TrackedTable
    from moviecdc.local.core.engine import Engine
    from moviecdc.local.core.names import ObjectName

# A statement with more literals than this is not cached (a bulk VALUES is one of a kind: values.py).
MAX_LITERALS = 256
_PLANS = 1024
_TOKEN = re.compile(
    r"""(?P<ws>\s+)
    |(?P<quoted>"(?:[^"]|"")*")
    |(?P<string>'(?:[^'\\]|'')*')
    |(?P<word>[A-Za-z_][A-Za-z0-9_$]*)
    |(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    |(?P<refuse>--|/\*|//|\$|\?|'|\\|:(?=\d))
    |(?P<other>::|[^\s"'A-Za-z0-9_$?\\])""",
    re.VERBOSE,
)
_BEFORE_BIND = " \t\n(,=<>"
_COMPARED = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)
# fakesnow runs a statement with these specially (a seed first, a cached result, a sequence), or their meaning
# depends on the moment (time travel, CHANGES, the last query): never cached, whatever rewrites them.
_SPECIAL = (exp.Rand, exp.Randn, exp.HistoricalData, exp.Changes)
_SPECIAL_NAMES = (
    "RESULT_SCAN", "LAST_QUERY_ID", "NEXTVAL", "SEQ1", "SEQ2", "SEQ4", "SEQ8", "UUID_STRING", "RANDSTR", "CHANGES",
)  # fmt: skip

_STARTS = ("SELECT", "INSERT", "WITH")
QUERY, INSERT, TRACKED_INSERT = "query", "insert", "tracked insert"


@dataclass(frozen=True)
class Lifted:
    """A statement's text cut at its literals: ``pieces`` between them, each literal as written, and its kind."""

    pieces: tuple[str, ...]
    literals: tuple[str, ...]
    kinds: tuple[str, ...]
    starts: tuple[int, ...]

    @property
    def shape(self) -> str:
        return "\x00".join(self.pieces)


@dataclass(frozen=True)
class Translation:
    """What :func:`translate` makes of a statement: the plan kind, its DuckDB text, the tracked table it inserts
    into (if any) and the table that stores the rows (a tracked table's storage)."""

    kind: str
    sql: str
    tracked: TrackedTable | None
    target: ObjectName | None


@dataclass(frozen=True)
class Plan:
    """What a shape runs: a DuckDB text whose int pieces are slots for the statement's lifted literals."""

    kind: str
    template: tuple[str | int, ...]
    tracked: TrackedTable | None = None

    def sql(self, literals: tuple[str, ...]) -> str:
        return "".join(p if isinstance(p, str) else literals[p] for p in self.template)


# The engine's plans by key; None: a shape known not to be cacheable. And which literals each shape lifts.
_Key = tuple[object, ...]
_V = TypeVar("_V")


class Cache:
    """One engine's plans (bounded, least recently used first out)."""

    def __init__(self) -> None:
        self.lifts: OrderedDict[_Key, tuple[bool, ...] | None] = OrderedDict()
        self.plans: OrderedDict[_Key, Plan | None] = OrderedDict()


def tokens(text: str, max_literals: int | None = None) -> list[tuple[str, str]] | None:
    """``text`` as (kind, text) tokens: ws, quoted, string, word, number, other; None when it has what this lexer
    does not read (a comment, ``$``, ``?``, a bind variable, a backslash or an unterminated string), or more than
    ``max_literals`` literals."""
    found: list[tuple[str, str]] = []
    position = 0
    literals = 0
    for match in _TOKEN.finditer(text):
        group, token = match.lastgroup or "", match.group(0)
        start = match.start()
        if start != position or group == "refuse":
            return None  # a character no token matches, or one refused
        if group == "other" and match.group(0) == ":" and (start == 0 or text[start - 1] in _BEFORE_BIND):
            return None  # a bind variable (``:name``), not a path (``v:name``)
        if group == "number" and start > 0 and text[start - 1] == ".":
            return None  # ``a.5``: not a literal sqlglot reads as one
        if group in ("string", "number") and max_literals is not None:
            literals += 1
            if literals > max_literals:
                return None
        found.append((group, token))
        position = match.end()
    return found if position == len(text) else None


def lift(text: str) -> Lifted | None:
    """Cut ``text`` at its literals, or None when it has what :func:`tokens` does not read or too many literals."""
    read = tokens(text, MAX_LITERALS)
    if read is None:
        return None
    pieces: list[str] = []
    literals: list[str] = []
    kinds: list[str] = []
    starts: list[int] = []
    piece: list[str] = []
    position = 0
    for group, token in read:
        if group in ("string", "number"):
            pieces.append("".join(piece))
            piece = []
            literals.append(token)
            kinds.append("s" if group == "string" else re.sub(r"\d", "9", token))
            starts.append(position)
        else:
            piece.append(token)
        position += len(token)
    pieces.append("".join(piece))
    return Lifted(tuple(pieces), tuple(literals), tuple(kinds), tuple(starts))


def _context(engine: Engine) -> _Key:
    variables = engine.session_variables
    return (
        engine.catalog_version,
        engine.database,
        engine.schema,
        repr(sorted(variables.items())) if variables else "",
    )


def _cache(engine: Engine) -> Cache:
    cache = engine.family_caches.get("ordinary.plans")
    if not isinstance(cache, Cache):
        cache = Cache()
        engine.family_caches["ordinary.plans"] = cache
    return cache


def run(engine: Engine, text: str) -> Result | None:
    """Run ``text`` by its cached plan (building it on the shape's first statement); None: run it the usual way."""
    if engine.database is None or engine.schema is None or not text[:6].upper().startswith(_STARTS):
        return None
    lifted = lift(text)
    if lifted is None:
        return None
    cache = _cache(engine)
    coarse: _Key = (lifted.shape, lifted.kinds, *_context(engine))
    if coarse in cache.lifts:
        mask = cache.lifts[coarse]
        cache.lifts.move_to_end(coarse)
    else:
        mask = _lifted_mask(engine, text, lifted)
        _remember(cache.lifts, coarse, mask)
    if mask is None:
        return None
    key = (coarse, tuple(v for v, lifted_ in zip(lifted.literals, mask, strict=True) if not lifted_))
    if key in cache.plans:
        plan = cache.plans[key]
        cache.plans.move_to_end(key)
    else:
        plan = _build(engine, text, lifted, mask)
        _remember(cache.plans, key, plan)
    if plan is None:
        return None
    return execute(engine, plan, lifted.literals)


def _remember(store: OrderedDict[_Key, _V], key: _Key, value: _V) -> None:
    store[key] = value
    store.move_to_end(key)
    if len(store) > _PLANS:
        store.popitem(last=False)


def execute(engine: Engine, plan: Plan, literals: tuple[str, ...]) -> Result:
    sql = plan.sql(literals)
    if plan.kind == QUERY and not engine.in_transaction:
        # one DuckDB statement is its own transaction: no BEGIN/COMMIT around it
        try:
            return Result(engine.arrow(sql))
        except duckdb.Error as e:
            engine.invalidate()  # as a failing statement does on the usual path
            raise _as_fakesnow(e) from e
    with engine.atomic():
        try:
            if plan.kind == QUERY:
                return Result(engine.arrow(sql))
            if plan.kind == TRACKED_INSERT:
                assert plan.tracked is not None
                return capture.run_insert(engine, plan.tracked, sql, logged=True)
            if plan.tracked is not None:
                return capture.run_insert(engine, plan.tracked, sql, logged=False)
            (inserted,) = engine.con.execute(sql).fetchall()[0]
        except duckdb.Error as e:
            raise _as_fakesnow(e) from e
    # fakesnow's own answer: SELECT <n> AS 'number of rows inserted' (a DuckDB INTEGER while it fits)
    kind = pa.int32() if inserted < 2**31 else pa.int64()
    return Result(pa.table({"number of rows inserted": pa.array([inserted], kind)}))


def _as_fakesnow(error: duckdb.Error) -> Exception:
    """The error fakesnow's cursor raises for the same DuckDB error (its ``_execute``), so a cached statement
    fails as the uncached one does."""
    message = str(error.args[0]) if error.args else str(error)
    if isinstance(error, duckdb.BinderException):
        return sf_errors.ProgrammingError(msg=message, errno=2043, sqlstate="02000")
    if isinstance(error, duckdb.CatalogException):
        return sf_errors.ProgrammingError(msg=message.split("\n")[0], errno=2003, sqlstate="42S02")
    if isinstance(error, duckdb.ParserException):
        return sf_errors.ProgrammingError(msg=message, errno=1003, sqlstate="42000")
    if isinstance(error, duckdb.ConversionException):
        return sf_errors.ProgrammingError(msg=message.split("\n")[0], errno=100035, sqlstate="22007")
    return error


# -- building a plan: the shape's first statement ------------------------------------------------------------


def _lifted_mask(engine: Engine, text: str, lifted: Lifted) -> tuple[bool, ...] | None:
    """Which of the statement's literals are lifted (see the module doc), read from its parsed tree."""
    try:
        ast = rewrites.parse(engine, text)
    except Exception:
        return None  # the usual path reports it
    if not _plannable(ast):
        return None
    by_start: dict[int, exp.Literal] = {}
    for literal in ast.find_all(exp.Literal):
        start = literal.meta.get("start")
        if isinstance(start, int):
            by_start[start] = literal
    mask = []
    for start, kind in zip(lifted.starts, lifted.kinds, strict=True):
        node = by_start.get(start)
        # an exponent float stays in the key: its digit pattern does not bound its magnitude
        mask.append(node is not None and "e" not in kind.lower() and _safe(node))
    return tuple(mask)


def _plannable(ast: exp.Expr) -> bool:
    if isinstance(ast, exp.Insert):
        if not _literal_insert(ast):
            return False
    elif not isinstance(ast, exp.Query):
        return False
    if ast.find(*_SPECIAL):
        return False
    return not any(
        (str(node.this) if isinstance(node, exp.Anonymous) else str(node.name)).upper() in _SPECIAL_NAMES
        for node in ast.find_all(exp.Anonymous, exp.Column, exp.Table)
    )


def _literal_insert(ast: exp.Insert) -> bool:
    """A plain ``INSERT … VALUES`` (no OVERWRITE, no query or table in its rows)."""
    values = ast.expression
    if not isinstance(values, exp.Values):
        return False
    if any(ast.args.get(arg) for arg in ("overwrite", "returning", "alternative", "conflict", "where")):
        return False
    return not any(values.find_all(exp.Query, exp.Table, exp.Subquery))


def _safe(node: exp.Literal) -> bool:
    """A literal in a place whose value no translation reads: a VALUES cell, or compared with a column."""
    child: exp.Expr = node
    parent = node.parent
    if isinstance(parent, exp.Neg):
        child, parent = parent, parent.parent
    if isinstance(parent, exp.Tuple) and isinstance(parent.parent, exp.Values):
        return True
    if isinstance(parent, _COMPARED):
        other = parent.expression if child is parent.this else parent.this
        return isinstance(other, exp.Column)
    if isinstance(parent, exp.In):
        return child is not parent.this and isinstance(parent.this, exp.Column)
    return False


def _build(engine: Engine, text: str, lifted: Lifted, mask: tuple[bool, ...]) -> Plan | None:
    """The shape's plan, when its translation is proved to be a substitution; else None (never cached)."""
    variant_literals = _variants(lifted, mask)
    if variant_literals is None:
        return None
    variant_text = "".join(
        piece + (variant_literals[i] if i < len(variant_literals) else "") for i, piece in enumerate(lifted.pieces)
    )
    try:
        real = translate(engine, text)
        other = translate(engine, variant_text)
    except Exception:
        return None  # the usual path runs it, and reports what is wrong with it
    if real is None or other is None or real.kind != other.kind or real.tracked != other.tracked:
        return None
    template = _template(real.sql, other.sql, lifted.literals, variant_literals, mask)
    if template is None:
        return None
    return Plan(real.kind, template, real.tracked)


def _variants(lifted: Lifted, mask: tuple[bool, ...]) -> list[str] | None:
    """Other literals of the same kinds for the lifted ones, each different from every literal of the text."""
    taken = set(lifted.literals)
    pools: dict[str, Iterator[str]] = {}
    result = []
    for index, (literal, kind, lifted_) in enumerate(zip(lifted.literals, lifted.kinds, mask, strict=True)):
        if not lifted_:
            result.append(literal)
            continue
        pool = pools.setdefault(kind, _candidates(kind, index))
        candidate = next((c for c in pool if c not in taken), None)
        if candidate is None:
            return None
        taken.add(candidate)
        result.append(candidate)
    return result


def _candidates(kind: str, salt: int) -> Iterator[str]:
    """Literals of ``kind``: strings, or numbers with its digit pattern (no leading zero)."""
    if kind == "s":
        for n in count(salt):
            yield f"'mvc{n}v'"
    digits = kind.count("9")
    if digits == 0 or digits > 18:
        return
    low = 10 ** (digits - 1) if digits > 1 else 1
    for value in range(low, min(10**digits, low + 10_000)):
        it = iter(str(value))
        yield "".join(next(it) if ch == "9" else ch for ch in kind)


def translate(engine: Engine, text: str) -> Translation | None:
    """A statement's plan kind, DuckDB text, tracked target and resolved target, without running it; None when
    it is not plannable (see the module doc)."""
    ast = rewrites.parse(engine, text)
    if not _plannable(ast):
        return None
    before = ast.sql(dialect="snowflake")
    for rewrite in engine.rewriters:
        ast = rewrite(ast)
    ast = streams.replace_has_data(engine, ast)
    if ast.sql(dialect="snowflake") != before or _reads_a_stream(engine, ast):
        return None  # an engine rewriter put a value of the moment in it, or a stream read (a view of the moment)
    if isinstance(ast, exp.Query):
        return Translation(QUERY, engine.transform(ast), None, None)
    assert isinstance(ast, exp.Insert)
    node = ast.this.this if isinstance(ast.this, exp.Schema) else ast.this
    target = engine.resolve_table(node) if isinstance(node, exp.Table) else None
    if target is None:
        return None
    tracked = engine.tracked.get(target)
    if tracked is None:
        return Translation(INSERT, engine.transform(ast), None, target)
    sql, logged = capture.insert_sql(engine, ast, tracked)
    return Translation(TRACKED_INSERT if logged else INSERT, sql, tracked, tracked.data)


def _reads_a_stream(engine: Engine, ast: exp.Expr) -> bool:
    """Does the statement name a stream (a read, or a DML target the usual path refuses)?"""
    if not engine.streams:
        return False
    for node in ast.find_all(exp.Table):
        name = engine.resolve_table(node)
        if name is not None and name in engine.streams:
            return True
    return False


def _template(
    real: str, other: str, literals: tuple[str, ...], variants: list[str], mask: tuple[bool, ...]
) -> tuple[str | int, ...] | None:
    """``real`` with a slot where each lifted literal is, proved by ``other`` (the same text with the variants)."""
    a, b = lift(real), lift(other)
    if a is None or b is None or a.pieces != b.pieces:
        return None
    slots = {(literals[i], variants[i]): i for i in range(len(literals)) if mask[i]}
    template: list[str | int] = []
    used = set()
    for index, piece in enumerate(a.pieces):
        template.append(piece)
        if index == len(a.literals):
            break
        x, y = a.literals[index], b.literals[index]
        if x == y:
            template.append(x)
            continue
        slot = slots.get((x, y))
        if slot is None:
            return None  # a literal the translation changed
        template.append(slot)
        used.add(slot)
    if used != set(slots.values()):
        return None  # a lifted literal the translation dropped or moved: its value may matter
    return tuple(_joined(template))


def _joined(template: list[str | int]) -> Iterator[str | int]:
    text = ""
    for piece in template:
        if isinstance(piece, str):
            text += piece
            continue
        yield text
        yield piece
        text = ""
    yield text
