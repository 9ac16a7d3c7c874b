"""Run every case and summarise: pass rate by family, and how each failing case fails."""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from .case import OTHER, UNSUPPORTED, WRONG, Case, Outcome, run_case
from .catalog import CASES, MODULES, key

KINDS = (UNSUPPORTED, WRONG, OTHER)


@dataclass(frozen=True)
class Result:
    case: Case
    outcome: Outcome

    @property
    def verdict(self) -> str:
        """pass, xfail (known gap, still failing), xpass (known gap that now passes), fail (a regression)."""
        if self.outcome.passed:
            return "xpass" if self.case.xfail else "pass"
        return "xfail" if self.case.xfail else "fail"


def run_all(cases: Iterable[Case] = CASES) -> list[Result]:
    logging.getLogger("sqlglot").setLevel(logging.ERROR)  # it warns on every statement it cannot parse
    return [Result(c, run_case(c)) for c in cases]


def render(results: list[Result], seconds: float | None = None) -> str:
    families = [m.CASES[0].family for m in MODULES]
    verdicts: dict[str, Counter[str]] = defaultdict(Counter)
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    for r in results:
        verdicts[r.case.family][r.verdict] += 1
        verdicts["TOTAL"][r.verdict] += 1
        if not r.outcome.passed:
            kinds[r.case.family][r.outcome.status] += 1
            kinds["TOTAL"][r.outcome.status] += 1
    lines = [
        f"{'family':<16}{'cases':>6}{'pass':>6}{'rate':>7}{'xfail':>7}{'fail':>6}{'xpass':>7}   "
        f"{'unsupported':>11}{'wrong':>7}{'other':>7}",
    ]
    for fam in [*families, "TOTAL"]:
        v, k = verdicts[fam], kinds[fam]
        n = sum(v.values())
        passed = v["pass"] + v["xpass"]
        rate = f"{100 * passed / n:.0f}%" if n else "-"
        if fam == "TOTAL":
            lines.append("-" * len(lines[0]))
        lines.append(
            f"{fam:<16}{n:>6}{passed:>6}{rate:>7}{v['xfail']:>7}{v['fail']:>6}{v['xpass']:>7}   "
            f"{k[UNSUPPORTED]:>11}{k[WRONG]:>7}{k[OTHER]:>7}"
        )
    lines.append("")
    lines.append("columns: pass = passes now; xfail = known gap (gaps.py) still failing; fail = failing and NOT a")
    lines.append("known gap (a regression); xpass = known gap that passes now (delete it from gaps.py).")
    lines.append(f"How failing cases fail: unsupported = {UNSUPPORTED}; wrong = {WRONG} (or a statement")
    lines.append(f"Snowflake rejects succeeded); other = {OTHER} (a raw engine error, which issue 10 forbids).")
    for title, wanted in (("fail (regressions)", {"fail"}), ("xpass (remove from gaps.py)", {"xpass"})):
        chosen = [r for r in results if r.verdict in wanted]
        if chosen:
            lines.append("")
            lines.append(f"{title}:")
            lines.extend(f"  {key(r.case)}: {r.outcome.status} {r.outcome.detail}" for r in chosen)
    others = [r for r in results if r.outcome.status == OTHER]
    if others:
        lines.append("")
        lines.append("other errors (raw error text):")
        lines.extend(f"  {key(r.case)}: {r.outcome.detail}" for r in others)
    if seconds is not None:
        lines.append("")
        lines.append(f"{len(results)} cases in {seconds:.1f} s")
    return "\n".join(lines)


def main() -> int:
    start = time.perf_counter()
    results = run_all()
    print(render(results, time.perf_counter() - start))
    return 1 if any(r.verdict == "fail" for r in results) else 0
