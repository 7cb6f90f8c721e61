"""The files ``solve`` writes to ``--out``: ``solution.py``, ``test_solution.py`` and
``report.json``.

``test_solution.py`` holds the tests that judged the answer, runnable with plain ``pytest``
next to ``solution.py``: the counted tests (docstring examples, and generated tests a
candidate confirmed) as they ran, then the generated tests that did not count, each marked
``@pytest.mark.skip`` with the reason (unvetted, or rejected during the run) and how the
answer did on it. Skip, not ``xfail``: nothing expects these tests to fail, they are simply
not trusted, so ``pytest`` passes exactly when the counted tests pass; remove a marker to
run one. An autouse fixture gives each test an empty working directory, as the sandbox
did. A header says what the file holds, and when no test checked the answer, why.

Example:
    >>> from dspy_coder.types import DevelopmentReport, Task
    >>> print(render_test_module(DevelopmentReport(task=Task(prompt="f"), status="partial")))
    # Tests of solution.py, written by dspy-coder (status partial, score 0.00). Run: pytest
    #
    # No test checked what this answer does: the task gives no examples and no generated test
    # was written. It is unverified: read it before you rely on it.
    <BLANKLINE>
    from solution import *  # noqa: F403
    <BLANKLINE>
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from dspy_coder.code.fixtures import OWN_DIRECTORY_FIXTURE
from dspy_coder.durable_files import write_text_atomic
from dspy_coder.judge.uncounted_tests import answer_outcomes, uncounted_tests
from dspy_coder.types import DevelopmentReport


def write_outputs(out: Path, report: DevelopmentReport) -> list[Path]:
    """Write the three files (each atomically); returns their paths."""
    files = [out / "solution.py", out / "test_solution.py", out / "report.json"]
    write_text_atomic(files[0], solution_text(report))
    write_text_atomic(files[1], render_test_module(report))
    write_text_atomic(files[2], report.model_dump_json(indent=2))
    return files


def solution_text(report: DevelopmentReport) -> str:
    """The code, or, when the run produced none, a note saying so (never an empty file that
    could pass for an answer, or leave an earlier run's solution in place)."""
    if report.code.strip():
        return report.code
    return (
        f"# dspy-coder produced no code for this task (status {report.status}); "
        "see report.json, error_trail.\n"
    )


def _comment(text: str) -> list[str]:
    lines = textwrap.wrap(text, width=90, break_on_hyphens=False, break_long_words=False)
    return [f"# {line}" for line in lines] or ["#"]


def _why_unchecked(report: DevelopmentReport) -> str:
    if any("single-shot program" in note for note in report.notes):
        return "a single-shot program runs no tests"
    if report.dropped_tests:
        return ("the task gives no examples, and every test the test writer wrote "
                "was dropped or rejected (the reasons are below)")
    if report.generated_tests_raw.strip():
        return ("the task gives no examples, and the test writer's answer held no "
                "test that could be read (it is in report.json, generated_tests_raw)")
    return "the task gives no examples and no generated test was written"


def render_test_module(report: DevelopmentReport) -> str:
    """The source of ``test_solution.py`` for ``report``."""
    outcomes = answer_outcomes(report)
    counted = [t for t in report.tests if t.vetted]
    unvetted = [t for t in report.tests if not t.vetted]
    rejected = [d for d in report.dropped_tests if d.code]
    unread = [d for d in report.dropped_tests if not d.code]
    # the static checks (the names the task asks for, names and module attributes the code
    # uses) count, but they say nothing of what the code does
    behaviour = [t for t in counted if not t.is_static_check]
    static = [t for t in counted if t.is_static_check]
    score = "n/a" if report.score is None else f"{report.score:.2f}"
    header = [f"# Tests of solution.py, written by dspy-coder (status {report.status}, score "
              f"{score}). Run: pytest", "#"]
    if behaviour:
        passed = sum(outcomes.get(t.name, False) for t in behaviour)
        header += _comment(
            f"{len(behaviour)} test(s) judged the answer (docstring examples, and generated "
            f"tests a candidate confirmed); the answer passed {passed} of them."
        )
    else:
        header += _comment(f"No test checked what this answer does: {_why_unchecked(report)}. "
                           "It is unverified: read it before you rely on it.")
    if static:
        passed = sum(outcomes.get(t.name, False) for t in static)
        header += _comment(
            f"{len(static)} static check(s) of the names the task asks for and the code uses: "
            f"the answer passed {passed}."
        )
    if unvetted or rejected:
        header += ["#", *_comment(
            f"{len(unvetted) + len(rejected)} generated test(s) did not count and are marked "
            "skip, with the reason; remove a marker to run that test."
        )]
    if unread:
        header += ["#", *_comment("Dropped while reading the test writer's answer (the whole "
                                  "answer is in report.json, generated_tests_raw):")]
        header += [f"#   {d.name}: {d.reason}" for d in unread]
    tests = [t.code.strip() for t in counted] + uncounted_tests(report)
    imports = ["import pytest", ""] if tests else []
    module = [*header, "", *imports, "from solution import *  # noqa: F403"]
    tests = [OWN_DIRECTORY_FIXTURE.strip(), *tests] if tests else tests
    return "\n".join(module) + "".join(f"\n\n\n{test}" for test in tests) + "\n"
