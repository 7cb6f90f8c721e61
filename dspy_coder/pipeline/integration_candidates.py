"""A failing integration test checked against the blamed module's other candidates.

An integration test is written by the model too, and can be wrong: the 1.5B's email package
was tested with ``validate_email('invalid-email') == True``, and the round rewrote all three
right modules after such tests. Each module's ``Coder`` run keeps every candidate it wrote, so
the package is run again with the blamed module swapped for each of its other candidates
(sandbox runs, no LM call), as generated tests are vetted by independent candidates (CodeT):

- a failing test some candidate passes is *confirmed*: the test can be met, the module is at
  fault; and a candidate that passes more of the tests than the chosen one replaces it;
- a failing test that none of at least ``MIN_OTHER_CANDIDATES`` other candidates passes is
  *unconfirmed*: the test is as likely wrong as every candidate, so it sends nothing back
  and does not count against the package;
- a module with fewer other candidates gives no evidence, and its failures count as before.

Example:
    >>> trial = try_candidates(["m"], {"m": "x = 1"}, {}, {"t"}, set(), lambda code: set())
    >>> trial.confirmed, trial.unvetted
    (set(), {'m'})
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from dspy_coder.types import DevelopmentReport

MIN_OTHER_CANDIDATES = 2


@dataclass
class CandidateTrial:
    """What the blamed modules' other candidates showed."""

    confirmed: set[str] = field(default_factory=set)  # failing tests some candidate passes
    adopted: dict[str, int] = field(default_factory=dict)  # module -> attempt index now used
    tried: dict[str, int] = field(default_factory=dict)  # module -> other candidates run
    unvetted: set[str] = field(default_factory=set)  # modules with too few other candidates
    passing: set[str] = field(default_factory=set)  # the tests the package passes after it


def other_candidates(report: DevelopmentReport | None, current: str) -> list[tuple[int, str]]:
    """``(attempt index, code)`` of the module's distinct candidates other than ``current``
    that scored at least as well as its chosen answer did: swapping one in keeps the
    module's own verdict true."""
    if report is None:
        return []
    floor = report.score or 0.0
    seen, found = {current.strip()}, []
    for index, attempt in enumerate(report.attempts):
        code = attempt.code.strip()
        if code and code not in seen and attempt.score >= floor:
            seen.add(code)
            found.append((index, attempt.code))
    return found


def try_candidates(
    modules: list[str],
    code: dict[str, str],
    reports: dict[str, DevelopmentReport],
    failing: set[str],
    passing: set[str],
    run: Callable[[dict[str, str]], set[str]],
) -> CandidateTrial:
    """Run the package with each blamed module in ``modules`` swapped for each of its other
    candidates (``run`` gives the tests a package passes); ``code`` is updated in place with
    every candidate adopted."""
    trial = CandidateTrial(passing=set(passing))
    for module in modules:
        others = other_candidates(reports.get(module), code[module])
        if len(others) < MIN_OTHER_CANDIDATES:
            trial.unvetted.add(module)
            continue
        trial.tried[module] = len(others)
        best: tuple[int, str, set[str]] | None = None
        for index, candidate in others:
            passed = run({**code, module: candidate})
            trial.confirmed |= passed & failing
            if len(passed) > len(best[2] if best else trial.passing):
                best = (index, candidate, passed)
        if best is not None:
            code[module] = best[1]
            trial.adopted[module] = best[0]
            trial.passing = best[2]
    return trial


def unconfirmed_failures(blamed: dict[str, list[str]], trial: CandidateTrial) -> dict[str, str]:
    """Failing test -> why it does not count: every module it is blamed on had its other
    candidates tried, and none passed it."""
    reasons = {}
    for test, modules in blamed.items():
        if test in trial.confirmed or test in trial.passing or not modules:
            continue
        if all(m in trial.tried for m in modules):
            tried = ", ".join(f"{trial.tried[m]} of {m}" for m in modules)
            reasons[test] = (f"unconfirmed: no other candidate ({tried}) passes it either, so "
                             "the test may be wrong; it sent nothing back and does not count")
    return reasons
