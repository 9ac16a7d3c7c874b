"""One test per conformance case (known gaps are strict xfails), and the error-policy check over the gaps."""

from __future__ import annotations

import pytest

from .case import OTHER, Case, Outcome, run_case
from .catalog import CASES, key

_OUTCOMES: dict[str, Outcome] = {}


def outcome_of(case: Case) -> Outcome:
    if key(case) not in _OUTCOMES:
        _OUTCOMES[key(case)] = run_case(case)
    return _OUTCOMES[key(case)]


def _param(case: Case) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
    return pytest.param(case, id=key(case), marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_case(case: Case) -> None:
    outcome = outcome_of(case)
    assert outcome.passed, f"{outcome.status}: {outcome.detail} (docs: {case.doc})"


def test_suite_is_large_enough_and_cites_snowflake_docs() -> None:
    assert len(CASES) >= 150
    assert all(c.doc.startswith("https://docs.snowflake.com/") for c in CASES)
    assert len({key(c) for c in CASES}) == len(CASES)


def test_known_gaps_fail_only_by_unsupported_sql_error_or_wrong_result() -> None:
    raw = [f"{key(c)}: {outcome_of(c).detail}" for c in CASES if c.xfail and outcome_of(c).status == OTHER]
    assert not raw, "known gaps failing with a raw error:\n" + "\n".join(raw)
