"""The generated tests that did not count in a run, as pytest code marked skip with the reason.

Both ``solve``'s ``test_solution.py`` and a project's ``tests/test_<module>.py`` keep them next
to the counted tests: a person sees every test that was written, and ``pytest`` still passes
exactly when what the run vouched for passes (skip, not ``xfail``: nothing expects them to
fail, they are simply not trusted).

Example:
    >>> print(skipped("def test_a():\\n    assert f(1) == 2\\n", "unvetted"))
    @pytest.mark.skip(reason='unvetted')
    def test_a():
        assert f(1) == 2
"""

from __future__ import annotations

from dspy_coder.types import DevelopmentReport

UNVETTED = (
    "unvetted: no candidate that passes the docstring examples passed it, so it did not count"
)
UNAGREED = (
    "unvetted: the independently written candidates did not agree on it, so it did not count"
)


def answer_outcomes(report: DevelopmentReport) -> dict[str, bool]:
    """How the returned answer did on each test it ran."""
    best = next((a for a in report.attempts
                 if a.iteration == report.best_iteration and a.code == report.code), None)
    if best is None or best.execution is None:
        return {}
    return {t.name: t.passed for t in best.execution.tests}


def _how_it_did(name: str, outcomes: dict[str, bool]) -> str:
    if name not in outcomes:
        return ""
    return "; the answer passes it" if outcomes[name] else "; the answer fails it"


def skipped(code: str, reason: str) -> str:
    return f"@pytest.mark.skip(reason={reason!r})\n{code.strip()}"


def uncounted_tests(report: DevelopmentReport) -> list[str]:
    """The unvetted generated tests, then those rejected during the run, each marked skip with
    why it did not count and how the answer did on it."""
    outcomes = answer_outcomes(report)
    why = UNVETTED if report.task.examples else UNAGREED
    tests = [skipped(t.code, why + _how_it_did(t.name, outcomes))
             for t in report.tests if not t.vetted]
    tests += [skipped(d.code, f"rejected: {d.reason}" + _how_it_did(d.name, outcomes))
              for d in report.dropped_tests if d.code]
    return tests
