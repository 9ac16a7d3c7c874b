"""Every case of the suite, in family order, with the known gaps of the engine applied as strict xfails."""

from __future__ import annotations

from dataclasses import replace

from . import (
    cases_account,
    cases_datetime,
    cases_dml,
    cases_dynamic,
    cases_history,
    cases_numeric,
    cases_qualify,
    cases_semistructured,
    cases_session,
    cases_streams,
    cases_tasks,
    cases_transactions,
    cases_window,
)
from .case import Case
from .gaps import GAPS

MODULES = (
    cases_streams, cases_tasks, cases_dynamic, cases_dml, cases_qualify, cases_window, cases_semistructured,
    cases_datetime, cases_numeric, cases_session, cases_account, cases_transactions, cases_history,
)  # fmt: skip


def key(case: Case) -> str:
    return f"{case.family}/{case.id}"


def all_cases() -> list[Case]:
    cases = [c for m in MODULES for c in m.CASES]
    keys = [key(c) for c in cases]
    unknown = sorted(set(GAPS) - set(keys))
    if unknown:
        raise ValueError(f"gaps.py names cases that do not exist: {unknown}")
    return [replace(c, xfail=GAPS.get(key(c), c.xfail)) for c in cases]


CASES = all_cases()
