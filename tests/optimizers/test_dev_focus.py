"""``--dev-focus failing``: the dev set weighted toward problems whose first draft fails the
prompt's own examples, decided from fake first drafts (never from hidden tests), and the JSON
file that keeps the outcomes so each problem is drafted once."""

from __future__ import annotations

import json

import pytest
from dspy.utils import DummyLM

from dspy_coder.datasets import Problem, load_problems
from dspy_coder.errors import UsageError
from dspy_coder.optimizers.budgets import budget_for
from dspy_coder.optimizers.dev_focus import draft_program_kind, focused_dev
from dspy_coder.optimizers.first_drafts import (
    FirstDraftChecks,
    first_draft_checker,
    visible_checks,
)
from dspy_coder.optimizers.pool import as_pool
from dspy_coder.optimizers.session import OptimizeRequest, run_optimization
from dspy_coder.pipeline.programs import make_program
from dspy_coder.types import ExecutionResult, TestOutcome

from .conftest import answers_for, fake_run, make_problems


def with_example(problem: Problem) -> Problem:
    """The synthetic problem with one doctest in its docstring: ``shift_k(1)`` is ``k + 1``."""
    k = int(problem.entry_point.split("_")[1])
    prompt = problem.prompt.replace('."""', f".\n\n    >>> {problem.entry_point}(1)\n    {k + 1}\n"
                                    '    """')
    return problem.model_copy(update={"prompt": prompt})


def run_visible(code: str, *, tests: str, entry_point: str | None, limits=None) -> ExecutionResult:
    """A trusted in-process sandbox for pytest-style checks (test-only code); records its tests."""
    run_visible.seen.append(tests)
    namespace: dict = {}
    try:
        exec(compile(code + "\n" + tests, "<draft>", "exec"), namespace)  # noqa: S102
    except Exception as exc:
        return ExecutionResult(status="error", error=repr(exc))
    outcomes = []
    for name in [n for n in namespace if n.startswith("test_")]:
        try:
            namespace[name]()
            outcomes.append(TestOutcome(name=name, passed=True))
        except Exception as exc:  # the draft's failure is data
            outcomes.append(TestOutcome(name=name, passed=False, message=repr(exc)))
    passed = all(o.passed for o in outcomes)
    return ExecutionResult(status="passed" if passed else "failed", tests=outcomes)


run_visible.seen = []


@pytest.fixture
def examples_problems() -> list[Problem]:
    return [with_example(p) for p in make_problems()]


def test_visible_checks_are_the_prompts_examples_or_shown_assert_never_the_hidden_tests():
    humaneval = load_problems("humaneval")[2]  # truncate_number: one doctest
    assert "truncate_number(3.5)" in visible_checks(humaneval)
    shown = {p.task_id: p for p in load_problems("mbpp-evalplus")}
    for task_id in ("Mbpp/2", "Mbpp/82"):  # set(...) == set(...); math.isclose: not parsed
        problem = shown[task_id]
        checks = visible_checks(problem)
        asserts = [line.strip() for line in problem.test.splitlines()
                   if line.strip().startswith("assert")]
        assert asserts[0] in checks and not any(line in checks for line in asserts[1:])
    assert visible_checks(shown["Mbpp/82"]).startswith("import math\n")
    assert visible_checks(load_problems("mbpp")[0]) is None  # the stub shows nothing


def test_focused_dev_takes_the_share_from_failing_drafts_lazily_and_in_order():
    dev = make_problems(12)
    failing = {"Synth/2", "Synth/5", "Synth/6", "Synth/11"}
    asked: list[str] = []

    def outcome(problem):
        asked.append(problem.task_id)
        return "fails" if problem.task_id in failing else "passes"

    chosen = [p.task_id for p in focused_dev(dev, 4, 0.5, outcome)]
    assert chosen == ["Synth/1", "Synth/2", "Synth/3", "Synth/5"]
    assert asked == [f"Synth/{k}" for k in range(1, 6)]  # stopped once both quotas were met
    assert sum(p.task_id in failing for p in focused_dev(dev, 4, 1.0, outcome)) == 4


def test_a_short_group_is_topped_up_from_the_other():
    dev = make_problems(6)
    chosen = focused_dev(dev, 4, 0.75, lambda p: "fails" if p.task_id == "Synth/6" else "unchecked")
    assert [p.task_id for p in chosen] == ["Synth/1", "Synth/2", "Synth/3", "Synth/6"]
    assert len(focused_dev(dev, 10, 0.5, lambda p: "passes")) == 6
    with pytest.raises(UsageError, match="--dev-focus-share must be > 0 and <= 1"):
        focused_dev(dev, 4, 0.0, lambda p: "passes")


def test_first_drafts_are_checked_on_visible_examples_and_kept_in_a_json_file(tmp_path,
                                                                              examples_problems):
    wrong = {p.entry_point for p in examples_problems[:3]}
    lm = DummyLM(answers_for(examples_problems, wrong=wrong))  # fake first drafts
    path = tmp_path / "drafts.json"
    checks = FirstDraftChecks(path, lm="fake-lm", program="baseline")
    run_visible.seen = []
    outcome_of = first_draft_checker(checks, make_program("baseline"), lm, runner=run_visible)
    outcomes = [outcome_of(p) for p in examples_problems[:5]]
    assert outcomes == ["fails"] * 3 + ["passes"] * 2
    assert not any("assert candidate" in tests for tests in run_visible.seen)  # no hidden test
    calls = len(lm.history)
    stored = json.loads(path.read_text())
    assert stored["lm"] == "fake-lm" and stored["outcomes"]["Synth/1"]["outcome"] == "fails"
    # computed once: a new checker on the same file drafts nothing
    again = first_draft_checker(FirstDraftChecks(path, lm="fake-lm", program="baseline"),
                                make_program("baseline"), lm, runner=run_visible)
    assert [again(p) for p in examples_problems[:5]] == outcomes and len(lm.history) == calls
    plain = make_problems(1)[0]  # no example: unchecked, and no LM call
    assert again(plain) == "unchecked" and len(lm.history) == calls
    changed = examples_problems[0].model_copy(update={"prompt": plain.prompt})
    assert again(changed) == "unchecked"  # a changed prompt is checked again
    with pytest.raises(UsageError, match="holds first drafts of"):
        FirstDraftChecks(path, lm="another-lm", program="baseline")


def test_the_pipelines_first_draft_is_the_single_shot_call():
    assert draft_program_kind("coder") == "baseline" and draft_program_kind("cot") == "cot"


def test_a_compile_with_dev_focus_uses_failing_first_drafts_for_its_dev_set(tmp_path,
                                                                           examples_problems):
    pool = as_pool(examples_problems)
    dev = pool.split("dev")
    failing = {p.entry_point for p in dev[1::2]}
    lm = DummyLM(answers_for(examples_problems, wrong=failing))

    def runner(code, *, tests, entry_point, limits=None):
        if "def check(candidate)" in tests:  # the metric's hidden tests (train/dev only)
            return fake_run(code, tests=tests, entry_point=entry_point)
        return run_visible(code, tests=tests, entry_point=entry_point)

    budget = budget_for("light", dev_size=2)
    request = OptimizeRequest(kind="baseline", optimizer="bootstrap", budget=budget,
                              out_dir=tmp_path / "run", student_spec="fake-lm", track=False,
                              dev_focus_share=1.0, final_eval=False)
    meta = run_optimization(request, problems=pool, student_lm=lm, runner=runner)
    assert meta["split"]["dev_used"] == [p.task_id for p in dev[1::2]][:2]
    assert meta["dev_focus"]["failing"] == 2 and meta["dev_focus"]["draft_lm_calls"] >= 2
    assert (tmp_path / "run" / "first_drafts.json").is_file()
    meta = run_optimization(request, problems=pool, student_lm=lm, runner=runner)
    assert meta["dev_focus"]["draft_lm_calls"] == 0  # the outcomes were kept
