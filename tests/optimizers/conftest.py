"""Fixtures for optimizer tests: synthetic problems, an in-process fake sandbox, scripted LMs."""

from __future__ import annotations

import pytest

from dspy_coder.datasets import Problem
from dspy_coder.types import ExecutionResult, TestOutcome

N_PROBLEMS = 20


def make_problems(n: int = N_PROBLEMS) -> list[Problem]:
    """``shift_NN(x) -> x + NN``: unique names so a scripted LM can key on them."""
    problems = []
    for k in range(1, n + 1):
        name = f"shift_{k:02d}"
        problems.append(Problem(
            task_id=f"Synth/{k}",
            prompt=f'def {name}(x):\n    """Return x plus {k}. Task marker {name}-{k}."""\n',
            entry_point=name,
            test=f"def check(candidate):\n    assert candidate(0) == {k}\n"
                 f"    assert candidate(1) == {k + 1}\n    assert candidate(-{k}) == 0\n",
            canonical_solution=f"    return x + {k}\n",
        ))
    return problems


def fake_run(code: str, *, tests: str, entry_point: str | None, limits=None) -> ExecutionResult:
    """A trusted in-process stand-in for the sandbox: one TestOutcome per assert of check()."""
    namespace: dict = {}
    try:
        exec(compile(code, "<candidate>", "exec"), namespace)  # noqa: S102 - test-only fake
        candidate = namespace[entry_point]
    except Exception as exc:  # the candidate's failure is data
        return ExecutionResult(status="error", error=f"{type(exc).__name__}: {exc}")
    outcomes = []
    asserts = [line.strip() for line in tests.splitlines() if line.strip().startswith("assert")]
    for index, line in enumerate(asserts):
        try:
            ok = bool(eval(line[len("assert "):], {"candidate": candidate}))  # noqa: S307
            message = "" if ok else f"{line} failed"
        except Exception as exc:
            ok, message = False, f"{line} raised {type(exc).__name__}: {exc}"
        outcomes.append(TestOutcome(name=f"assert_{index}", passed=ok, message=message))
    status = "passed" if all(o.passed for o in outcomes) else "failed"
    return ExecutionResult(status=status, tests=outcomes)


@pytest.fixture
def problems() -> list[Problem]:
    return make_problems()


@pytest.fixture
def runner():
    calls: list[str] = []

    def run(code, *, tests, entry_point, limits=None):
        calls.append(entry_point)
        return fake_run(code, tests=tests, entry_point=entry_point, limits=limits)

    run.calls = calls  # type: ignore[attr-defined]
    return run


def answers_for(problems: list[Problem], wrong: set[str] = frozenset()) -> dict[str, dict]:
    """DummyLM answers keyed on each entry point: correct code, or off-by-one for ``wrong``."""
    answers = {}
    for p in problems:
        k = int(p.entry_point.split("_")[1])
        delta = k + 1 if p.entry_point in wrong else k
        answers[p.entry_point] = {"code": f"def {p.entry_point}(x):\n    return x + {delta}\n"}
    return answers


class CachedDummyLM:
    """Builds a DummyLM whose answers go through DSPy's response cache, as a real LM's do
    (DummyLM itself never caches), so replaying a compile from the cache can be tested."""

    def __new__(cls, answers, **kwargs):
        from dspy.utils import DummyLM

        lm = DummyLM(answers, **kwargs)
        lm._cache_responses = True
        lm.cache = True
        return lm


@pytest.fixture
def dspy_cache(tmp_path):
    """A fresh DSPy response cache in tmp_path for one test (the global one is restored)."""
    import dspy
    from dspy.clients.cache import Cache

    previous = dspy.cache
    dspy.cache = Cache(True, True, str(tmp_path / "dspy_cache"))
    yield dspy.cache
    dspy.cache = previous
