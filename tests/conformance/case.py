"""The case format, the runner of one case, and the exact comparison of results.

A :class:`Case` runs in a fresh in-memory :class:`~moviecdc.LocalSession` (about 30 ms to open), so cases never
interfere. Results are compared exactly: same number of rows, same values and the same Python types
(``Decimal('3.30')`` is not ``Decimal('3.3')`` nor ``3.3``; ``1`` is not ``True`` nor ``1.0``; a naive
``datetime`` is not an aware one).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from moviecdc import LocalSession
from moviecdc.errors import LocalEngineError, UnsupportedSqlError

#: Every case's clock starts here (naive UTC), unless the case says otherwise.
T0 = datetime(2024, 1, 1, 9, 0)

PASS = "pass"
WRONG = "wrong result"
UNSUPPORTED = "unsupported (UnsupportedSqlError)"
OTHER = "other error"


@dataclass(frozen=True)
class Advance:
    """A setup step that moves the session's manual clock forward (runs the tasks and refreshes that fall due)."""

    seconds: float


def adv(seconds: float) -> Advance:
    return Advance(seconds)


@dataclass(frozen=True)
class Fails:
    """A setup step that Snowflake rejects: it must raise a LocalEngineError (the case goes on afterwards)."""

    sql: str


class _Any:
    """Matches any value (for a column whose value the docs do not fix, e.g. METADATA$ROW_ID)."""

    def __repr__(self) -> str:
        return "ANY"


ANY: Any = _Any()

Step = str | Advance | Fails


@dataclass(frozen=True)
class Case:
    """One documented behaviour.

    ``setup`` runs in order (SQL text, or :func:`adv` to move the clock), then ``query`` runs and is checked:
    either ``expect`` (the exact rows, as tuples) or ``error`` (a regular expression the message of the
    :class:`~moviecdc.errors.LocalEngineError` it must raise has to match; ``""`` accepts any message).
    ``columns`` optionally checks the result's column names; ``pick`` projects named columns first (for SHOW
    output, whose other columns are not the point of the case). ``ordered=False`` compares rows as a multiset.
    ``bare=True`` opens ``LocalSession()`` with no database; otherwise the session starts in ``CONF.PUBLIC``.
    ``xfail`` says what the engine does wrong today (the case is then a strict xfail).
    """

    id: str
    doc: str
    query: str
    setup: tuple[Step, ...] = ()
    expect: Sequence[tuple[Any, ...]] | None = None
    error: str | None = None
    columns: tuple[str, ...] | None = None
    pick: tuple[str, ...] | None = None
    ordered: bool = True
    bare: bool = False
    xfail: str | None = None
    family: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if (self.expect is None) == (self.error is None):
            raise ValueError(f"case {self.id}: give exactly one of expect= and error=")
        if not self.doc.startswith("https://docs.snowflake.com/"):
            raise ValueError(f"case {self.id}: doc= must be a docs.snowflake.com page")


def family(name: str, cases: Sequence[Case]) -> list[Case]:
    """Stamp a module's cases with their family (and check ids are unique within it)."""
    ids = [c.id for c in cases]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"duplicate case ids in {name}: {sorted(duplicates)}")
    return [Case(**{**c.__dict__, "family": name}) for c in cases]


@dataclass(frozen=True)
class Outcome:
    status: str  # PASS, WRONG, UNSUPPORTED or OTHER
    detail: str = ""

    @property
    def passed(self) -> bool:
        return self.status == PASS


def open_session(case: Case) -> LocalSession:
    if case.bare:
        return LocalSession(start=T0)
    return LocalSession(database="CONF", schema="PUBLIC", start=T0)


def classify(exc: BaseException, where: str) -> Outcome:
    text = f"{where}: {type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
    if isinstance(exc, UnsupportedSqlError):
        return Outcome(UNSUPPORTED, text)
    return Outcome(OTHER, text)


def run_case(case: Case) -> Outcome:
    """Run one case in its own session and say how it went; never raises for what the engine does."""
    try:
        session = open_session(case)
    except Exception as e:  # the report classifies every failure
        return classify(e, "opening the session")
    try:
        for i, step in enumerate(case.setup):
            failed = run_step(session, step, f"setup step {i + 1}")
            if failed is not None:
                return failed
        try:
            rows = session.sql(case.query).collect()
        except Exception as e:
            return judge_error(case, e)
        if case.error is not None:
            return Outcome(WRONG, f"succeeded with {summarize(rows)}; Snowflake raises an error")
        return compare(case, rows)
    finally:
        session.close()


def run_step(session: LocalSession, step: Step, where: str) -> Outcome | None:
    """Run a setup step; None when it went as Snowflake would have it, else how it failed."""
    text = step.sql if isinstance(step, Fails) else str(step)
    where = f"{where} ({text[:60]!r})"
    try:
        if isinstance(step, Advance):
            session.advance(seconds=step.seconds)
        elif isinstance(step, Fails):
            try:
                session.sql(step.sql).collect()
            except LocalEngineError as e:
                if isinstance(e, UnsupportedSqlError):
                    raise
                return None
            return Outcome(WRONG, f"{where} succeeded; Snowflake rejects it")
        else:
            session.sql(step).collect()
    except Exception as e:
        return classify(e, where)
    return None


def judge_error(case: Case, exc: Exception) -> Outcome:
    """The query raised: a pass only when the case expects Snowflake's error and this is it."""
    if case.error is None:
        return classify(exc, "query")
    if not isinstance(exc, LocalEngineError) or isinstance(exc, UnsupportedSqlError):
        return classify(exc, "query (an error was expected)")
    if not re.search(case.error, str(exc), re.IGNORECASE | re.DOTALL):
        return Outcome(WRONG, f"error message {str(exc)[:200]!r} does not match {case.error!r}")
    return Outcome(PASS)


def summarize(rows: Sequence[Any]) -> str:
    text = repr([tuple(r) for r in rows])
    return text if len(text) < 300 else text[:300] + "..."


def row_columns(row: Any) -> list[str]:
    return list(row.as_dict().keys())


def compare(case: Case, rows: Sequence[Any]) -> Outcome:
    assert case.expect is not None
    if case.pick is not None:
        picked = []
        for r in rows:
            d = {k.upper(): v for k, v in r.as_dict().items()}
            missing = [c for c in case.pick if c.upper() not in d]
            if missing:
                return Outcome(WRONG, f"result has no column(s) {missing}; it has {list(d)}")
            picked.append(tuple(d[c.upper()] for c in case.pick))
        got = picked
    else:
        got = [tuple(r) for r in rows]
    if case.columns is not None:
        names = row_columns(rows[0]) if rows else None
        if names is not None and names != list(case.columns):
            return Outcome(WRONG, f"columns {names}, expected {list(case.columns)}")
    want = [tuple(r) for r in case.expect]
    if not case.ordered:
        got = sorted(got, key=sort_key)
        want = sorted(want, key=sort_key)
    if len(got) != len(want) or not all(same_row(g, w) for g, w in zip(got, want, strict=False)):
        return Outcome(WRONG, f"got {typed(got)}, expected {typed(want)}")
    return Outcome(PASS)


def sort_key(row: tuple[Any, ...]) -> str:
    return repr(row)


def same_row(got: tuple[Any, ...], want: tuple[Any, ...]) -> bool:
    return len(got) == len(want) and all(same(g, w) for g, w in zip(got, want, strict=True))


def same(got: Any, want: Any) -> bool:
    """Equal value and equal Python type; a Decimal also keeps its scale; datetimes agree on being aware."""
    if want is ANY:
        return True
    if type(got) is not type(want):
        return False
    if isinstance(want, Decimal):
        return str(got) == str(want)
    if isinstance(want, datetime):
        return got == want and (got.utcoffset() == want.utcoffset())
    if isinstance(want, date | time | str | int | float | bool) or want is None:
        return bool(got == want)
    return bool(got == want)


def typed(rows: Sequence[tuple[Any, ...]]) -> str:
    text = repr(rows)
    return text if len(text) < 400 else text[:400] + "..."
