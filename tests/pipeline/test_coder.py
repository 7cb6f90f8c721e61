"""The Coder loop with a scripted LM, a fake executor and a fake interpreter."""

from __future__ import annotations

import dspy
import pytest

from dspy_coder.datasets import Problem
from dspy_coder.errors import LMUnavailableError, UsageError
from dspy_coder.judge.reporting import render_report
from dspy_coder.pipeline.coder import Coder
from tests.fakes.executors import FakeExecutor, FakeInterpreter, no_profiler
from tests.fakes.scripted_lm import all_prompts, history_mark, lm_calls_since, scripted_lm

PROMPT = (
    "def add(a, b):\n"
    '    """Add two numbers.\n'
    "    >>> add(1, 2)\n"
    "    3\n"
    "    >>> add(-1, 1)\n"
    "    0\n"
    '    """\n'
)
GOOD = "def add(a, b):\n    return a + b\n"


def bad(tag: str) -> str:
    """A wrong program, a different one for each tag (a repeat would be drawn again)."""
    return f"def add(a, b):\n    tag = {tag!r}\n    return a - b\n"


def passes_if_plus(code: str, name: str) -> tuple[bool, str]:
    ok = "a + b" in code
    return ok, "" if ok else f"{name}: add(1, 2) returned -1, expected 3"


def make_coder(executor: FakeExecutor, **options) -> Coder:
    options.setdefault("routing", "simple")
    # the loop tests script repair answers (fixed_code); the strategies have their own tests
    options.setdefault("refine_strategy", "repair")
    # ... and refinement rounds (drafts=0); the sampling round (the default) has its own tests
    options.setdefault("drafts", 0)
    return Coder(
        executor=executor,
        interpreter_factory=FakeInterpreter,
        profiler=no_profiler,
        retry_backoff_s=0.0,
        **options,
    )


def run(lm, coder: Coder, **inputs):
    with dspy.context(lm=lm):
        return coder(prompt=inputs.pop("prompt", PROMPT), **inputs)


def test_stops_on_threshold_after_one_good_attempt():
    executor = FakeExecutor(passes_if_plus)
    lm = scripted_lm({"generated_code": [GOOD]})
    report = run(lm, make_coder(executor)).report
    assert report.status == "success"
    assert not any(note.startswith("Checked by agreement only") for note in report.notes)
    assert report.stop_reason == "threshold"
    assert len(report.attempts) == 1
    assert report.score == 1.0
    assert report.cost.lm_calls == 1
    # the docstring examples were the tests
    assert [t.source for t in report.tests] == ["docstring", "docstring"]


def test_circuit_breaker_bounds_iterations():
    executor = FakeExecutor(passes_if_plus)
    lm = scripted_lm(
        {"generated_code": [bad("g")], "fixed_code": [bad(f"r{i}") for i in range(10)]}
    )
    report = run(lm, make_coder(executor, max_iterations=3, patience=99, refine_attempts=1)).report
    assert report.stop_reason == "max_iterations"
    assert report.iterations_used == 3
    assert len(report.attempts) == 3
    assert report.status == "failed"


def test_stall_stops_early():
    executor = FakeExecutor(passes_if_plus)
    lm = scripted_lm(
        {"generated_code": [bad("g")], "fixed_code": [bad(f"r{i}") for i in range(10)]}
    )
    report = run(lm, make_coder(executor, max_iterations=10, patience=1, refine_attempts=1)).report
    assert report.stop_reason == "stalled"
    assert len(report.attempts) == 2


def test_returns_best_attempt_not_last():
    def half_for_v1(code: str, name: str) -> tuple[bool, str]:
        if "v1" in code:
            return name.endswith("_1"), "add(-1, 1) returned 5, expected 0"
        return False, "add(1, 2) returned 9, expected 3"

    executor = FakeExecutor(half_for_v1)
    lm = scripted_lm({"generated_code": [bad("v1")], "fixed_code": [bad("v2")]})
    report = run(lm, make_coder(executor, max_iterations=2, refine_attempts=1)).report
    assert [a.code for a in report.attempts] == [bad("v1"), bad("v2")]
    assert report.code == bad("v1")
    assert report.best_iteration == 1
    assert report.status == "partial"
    assert report.score_history == [report.attempts[0].score, report.attempts[0].score]


def test_refiner_receives_concrete_failures_and_fixes():
    executor = FakeExecutor(passes_if_plus)
    lm = scripted_lm({"generated_code": [bad("g")], "fixed_code": [GOOD]})
    mark = history_mark()
    report = run(lm, make_coder(executor, refine_attempts=1)).report
    refine_prompts = [
        str(m.get("content"))
        for entry in lm_calls_since(mark)
        for m in entry["messages"]
        if "fixed_code" in str(m.get("content"))
    ]
    assert any("add(1, 2) returned -1, expected 3" in text for text in refine_prompts)
    assert any("FAILED test_docstring_example_1" in text for text in refine_prompts)
    assert report.status == "success"
    assert [a.stage for a in report.attempts] == ["generate", "refine"]
    assert report.attempts[0].feedback.startswith("2 of 2 tests failed.")


def recorded_rollouts(monkeypatch: pytest.MonkeyPatch, lm) -> list[int]:
    """The rollout ids of every LM copy made from now on (each copy is one seed)."""
    rollouts: list[int] = []
    make_copy = type(lm).copy

    def recording_copy(self, **changes):
        if "rollout_id" in changes:
            rollouts.append(changes["rollout_id"])
        return make_copy(self, **changes)

    monkeypatch.setattr(type(lm), "copy", recording_copy)
    return rollouts


def test_a_refinement_that_returns_a_tried_program_is_drawn_again_with_another_seed(
    monkeypatch: pytest.MonkeyPatch,
):
    """HumanEval/128: asked to repair its code, the 1.5B model returned it unchanged, three
    times at temperature 1.0. A repeat (comments and layout aside) is no new candidate, and
    the redraw comes from the rewrite step, which does not see the code to copy."""
    executor = FakeExecutor(passes_if_plus)
    first = bad("first")
    same_again = first.replace("    return", "    # fixed, it says\n    return")
    lm = scripted_lm({"generated_code": [first], "fixed_code": [same_again, bad("never")],
                      "new_code": [GOOD]})
    rollouts = recorded_rollouts(monkeypatch, lm)
    mark = history_mark()
    report = run(lm, make_coder(executor, max_iterations=2)).report
    assert [a.stage for a in report.attempts] == ["generate", "rewrite"]
    assert report.status == "success" and report.code.strip() == GOOD.strip()
    assert rollouts == [0, 1000]  # Refine's rollout, then the redraw's own seed
    assert "iteration 2: a refine drew again 1 time(s) with another seed: 1 that repeated a " \
        "program already tried." in report.notes
    assert "iteration 2: the refine gave no new program, so the answer was drawn from the " \
        "rewrite step, which does not see the failing code." in report.notes
    rewrite_prompt = str(lm_calls_since(mark)[-1]["messages"])
    assert "[[ ## new_code ## ]]" in rewrite_prompt and "tag = 'first'" not in rewrite_prompt


def test_a_refinement_keeps_its_last_repeat_after_the_redraws_run_out():
    executor = FakeExecutor(passes_if_plus)
    first = bad("first")
    lm = scripted_lm({"generated_code": [first], "fixed_code": [first, GOOD],
                      "new_code": [first, first, GOOD]})
    report = run(lm, make_coder(executor, max_iterations=2)).report
    assert [a.code for a in report.attempts] == [first, first]  # recorded, and it failed
    assert report.attempts[1].stage == "rewrite"
    assert report.status != "success"


@pytest.mark.parametrize("with_examples", [True, False])
def test_a_sample_repeating_a_tried_program_is_drawn_again_only_when_examples_vet_the_tests(
    with_examples: bool,
):
    """With docstring examples a repeat is known to fail; without them the tests are the
    model's own and a repeated sample is a vote for the tests it passes."""
    executor = FakeExecutor(passes_if_plus)
    first = bad("first")
    lm = scripted_lm({
        "generated_code": [first, first, GOOD],
        "test_code": [{"test_code": "def test_a():\n    assert add(1, 2) == 3\n",
                       "make_input": ""}],
    })
    prompt = PROMPT if with_examples else "Write add(a, b) returning the sum of two numbers."
    report = run(lm, make_coder(executor, drafts=1, max_iterations=2),
                 prompt=prompt, entry_point="add").report
    assert [a.stage for a in report.attempts] == ["generate", "sample"]
    assert (report.attempts[1].code.strip() == GOOD.strip()) is with_examples
    assert any("1 that repeated a program already tried" in n for n in report.notes) \
        is with_examples


def test_wrong_generated_tests_are_vetted_out():
    tests = (
        "def test_a():\n    assert add(1, 2) == 4\n\n"  # contradicts the docstring
        "def test_b():\n    assert add(2, 2) == 5\n\n"  # wrong, never confirmed
        "def test_c():\n    assert add(0, 0) == 0\n"  # right
    )

    def behaviour(code: str, name: str) -> tuple[bool, str]:
        if name == "test_generated_2":
            return False, "add(2, 2) returned 4, expected 5"
        return True, ""

    executor = FakeExecutor(behaviour)
    lm = scripted_lm(
        {"generated_code": [GOOD], "test_code": [{"test_code": tests, "make_input": ""}]}
    )
    report = run(lm, make_coder(executor, routing="complex", use_plan=False)).report
    names = {t.name: t.vetted for t in report.tests if t.source == "generated"}
    assert names == {"test_generated_2": False, "test_generated_3": True}
    assert any("contradicts a docstring example" in note for note in report.notes)
    assert report.status == "success"
    assert report.attempts[0].score == 1.0
    assert "UNCONFIRMED test_generated_2" in report.attempts[0].feedback


def test_program_of_thought_regenerates_code_that_fails_its_examples():
    executor = FakeExecutor(passes_if_plus)
    lm = scripted_lm({"generated_code": ["def add(a, b):\n    return 0  # BROKEN\n", GOOD]})
    coder = Coder(
        executor=executor,
        interpreter_factory=lambda: FakeInterpreter("BROKEN"),
        profiler=no_profiler,
        routing="simple",
    )
    report = run(lm, coder).report
    assert report.code.strip() == GOOD.strip()
    assert "returned 0, expected 1" in report.attempts[0].error
    regenerate = [
        m["content"]
        for e in lm.history
        for m in e["messages"]
        if "previous_code" in str(m.get("content"))
    ]
    assert any("returned 0, expected 1" in text for text in regenerate)


def test_model_output_without_code_is_a_failed_attempt_not_a_crash():
    executor = FakeExecutor(passes_if_plus)
    lm = scripted_lm(
        {
            "generated_code": ["I am sorry, I cannot help with that."],
            "fixed_code": ["still no code"],
        }
    )
    report = run(lm, make_coder(executor, max_iterations=2, refine_attempts=1)).report
    assert report.status == "failed"
    assert len(report.attempts) == 2


def test_empty_task_is_a_usage_error():
    with pytest.raises(UsageError, match="empty"):
        make_coder(FakeExecutor(passes_if_plus))(prompt="   ")


class _DownLM(dspy.utils.DummyLM):
    def forward(self, prompt=None, messages=None, **kwargs):
        raise LMUnavailableError("Cannot reach http://127.0.0.1:9/v1")


def test_lm_outage_is_retried_then_reported_with_attempts_kept():
    lm = _DownLM([])
    report = run(lm, make_coder(FakeExecutor(passes_if_plus), lm_retries=2)).report
    assert report.stop_reason == "lm_unavailable"
    assert any("127.0.0.1:9" in e for e in report.error_trail)
    assert report.status == "failed"


def test_a_round_retried_after_an_outage_records_each_candidate_once():
    """The LM drops out mid-round; the round is tried again, and the candidate its first try
    already ran (answered the same again, as DSPy's cache would) is not recorded twice. A task
    without docstring examples, so a repeated program is not drawn again but kept as a vote."""
    calls = {"n": 0}

    class FlakyLM(dspy.utils.DummyLM):
        def forward(self, prompt=None, messages=None, **kwargs):
            calls["n"] += 1
            if calls["n"] in (4, 5, 6):  # three samples of the round fail: BestOfN gives up
                raise LMUnavailableError("Cannot reach http://127.0.0.1:9/v1")
            return super().forward(prompt=prompt, messages=messages, **kwargs)

    good_too = "def add(a, b):\n    total = a + b\n    return total\n"
    script = scripted_lm({
        "generated_code": [bad("g"), bad("s1"), bad("s1"), GOOD, good_too, bad("s4")],
        "test_code": [{"test_code": "def test_add():\n    assert add(1, 2) == 3\n",
                       "make_input": ""}],
    })
    coder = make_coder(FakeExecutor(passes_if_plus), drafts=4, lm_retries=2, max_iterations=2)
    report = run(FlakyLM(script.answers), coder,
                 prompt="Write add(a, b) returning the sum of a and b.", entry_point="add").report
    samples = [a.code for a in report.attempts if a.stage == "sample"]
    assert sum("'s1'" in code for code in samples) == 1
    assert len(samples) == 4 and GOOD.strip() in [code.strip() for code in samples]


@pytest.mark.parametrize(
    ("routing", "drafts"), [("complex", 0), ("complex", 2), ("simple", 2)]
)
def test_hidden_tests_never_reach_the_lm(routing: str, drafts: int):
    """Every route and round (plan, first draft, samples, tests, refinement, Refine's advice)
    sees the task but never the benchmark's hidden tests or canonical solution."""
    marker = "HIDDEN_TEST_MARKER_5e1d"
    problem = Problem(
        task_id="Fake/0",
        prompt=PROMPT,
        entry_point="add",
        test=f"def check(candidate):\n    assert candidate(1, 2) == 3  # {marker}\n",
        canonical_solution=f"    return a + b  # {marker}\n",
    )
    executor = FakeExecutor(passes_if_plus)
    lm = scripted_lm(
        {
            "generated_code": [bad("g"), bad("s1"), bad("s2")],
            "fixed_code": [bad("r1"), GOOD],
            "test_code": [
                {
                    "test_code": "def test_x():\n    assert add(0, 0) == 0\n",
                    "make_input": "def make_input(n):\n    return (n, n)\n",
                }
            ],
        }
    )
    coder = make_coder(executor, routing=routing, refine_attempts=2, max_iterations=3,
                       drafts=drafts, patience=3)
    mark = history_mark()
    with dspy.context(lm=lm):
        report = coder(task=problem.to_task()).report
    calls = lm_calls_since(mark)
    stages = [a.stage for a in report.attempts]
    # (plan,) first draft, (tests,) samples or refine rollout 1 + Refine's advice + rollout 2
    assert stages[0] == "generate" and stages[-1] == "refine"
    assert stages.count("sample") == drafts
    assert len(calls) >= 3 + drafts
    assert "def add(a, b)" in all_prompts(calls)
    assert marker not in all_prompts(calls)
    assert all(marker not in (tests or "") for _, tests in executor.calls)
    assert marker not in report.model_dump_json()


def test_each_step_has_a_bounded_output_budget():
    from dspy_coder.pipeline.coder import STEP_MAX_TOKENS

    executor = FakeExecutor(passes_if_plus)
    lm = scripted_lm({
        "generated_code": [bad("g")], "new_code": [bad("n")], "fixed_code": [GOOD],
        "test_code": [{"test_code": "def test_x():\n    assert add(1, 2) == 3\n",
                       "make_input": ""}],
    })
    mark = history_mark()
    run(lm, make_coder(executor, routing="auto", refine_attempts=1, refine_strategy="alternate",
                       patience=5),
        prompt="Write add(a, b) returning the sum of two numbers.", entry_point="add")
    budgets = {}
    for entry in lm_calls_since(mark):
        text = str(entry["messages"][-1]["content"])
        step = next((name for field, name in (("route", "assess"), ("approach", "plan"),
                                              ("generated_code", "generate"),
                                              ("test_code", "tests"), ("fixed_code", "refine"),
                                              ("new_code", "rewrite"), ("code", "draft"))
                     if f"[[ ## {field} ## ]]" in text), None)
        budgets[step] = entry["kwargs"].get("max_tokens")
    # the first draft is the single-shot baseline's call: it keeps the LM's own token limit
    assert budgets.pop("draft") is None
    assert budgets == {name: STEP_MAX_TOKENS[name] for name in budgets}
    assert set(budgets) >= {"assess", "tests", "refine", "rewrite"}


def test_short_task_with_examples_takes_the_fast_path_without_an_lm_call():
    lm = scripted_lm({"generated_code": [GOOD]})
    mark = history_mark()
    report = run(lm, make_coder(FakeExecutor(passes_if_plus), routing="auto")).report
    assert report.route == "simple"
    assert len(lm_calls_since(mark)) == 1  # generate only: no assess, plan or tests
    assert any("Routed simple" in note for note in report.notes)


def test_real_sandbox_runs_docstring_tests_with_string_arguments():
    """Scripted LM, real sandbox and interpreter: quoting in examples must not break tests."""
    prompt = (
        "def count_vowels(s: str) -> int:\n"
        '    """Count the vowels in s.\n'
        "    >>> count_vowels('hello')\n"
        "    2\n"
        '    >>> count_vowels("sky")\n'
        "    0\n"
        '    """\n'
    )
    wrong = "def count_vowels(s: str) -> int:\n    return len(s)\n"
    right = "def count_vowels(s: str) -> int:\n    return sum(c in 'aeiou' for c in s)\n"
    lm = scripted_lm({"generated_code": [wrong, wrong, wrong], "fixed_code": [right]})
    coder = Coder(routing="simple", refine_attempts=1, profiler=no_profiler)
    with dspy.context(lm=lm):
        report = coder(prompt=prompt).report
    first = report.attempts[0]
    assert first.execution.status == "failed"
    assert "count_vowels('hello') returned 5, expected 2" in first.feedback
    assert report.status == "success"
    assert report.code.strip() == right.strip()


@pytest.mark.parametrize("reason_first", [False, True])
def test_first_generation_reasons_only_when_asked(reason_first: bool):
    executor = FakeExecutor(passes_if_plus)
    lm = scripted_lm({"generated_code": [GOOD]})
    start = history_mark()
    run(lm, make_coder(executor, reason_first=reason_first))
    (call,) = lm_calls_since(start)
    asks_for_reasoning = "[[ ## reasoning ## ]]" in all_prompts([call])
    assert asks_for_reasoning is reason_first


def test_alternate_strategy_rewrites_without_the_failing_code_then_repairs_with_it():
    executor = FakeExecutor(passes_if_plus)
    lm = scripted_lm({
        "generated_code": [bad("first"), bad("first-again"), bad("first-third")],
        "new_code": [bad("rewritten")],
        "fixed_code": [GOOD],
    })
    mark = history_mark()
    report = run(lm, make_coder(executor, refine_strategy="alternate", max_iterations=3,
                                patience=5, refine_attempts=1)).report
    assert [a.stage for a in report.attempts] == ["generate", "rewrite", "refine"]
    assert report.status == "success" and report.best_iteration == 3
    rewrite_prompts = [all_prompts([e]) for e in lm_calls_since(mark)
                       if "[[ ## new_code ## ]]" in all_prompts([e])]
    assert len(rewrite_prompts) == 1
    failing_code = report.attempts[0].code.strip()
    assert "return a - b" in failing_code
    assert failing_code not in rewrite_prompts[0]  # the failing code is not shown
    assert "add(1, 2) returned -1, expected 3" in rewrite_prompts[0]  # its failures are
    repair_prompts = [all_prompts([e]) for e in lm_calls_since(mark)
                      if "[[ ## fixed_code ## ]]" in all_prompts([e])]
    # the repair sees the best code so far (the rewrite tied, so the earlier attempt)
    assert len(repair_prompts) == 1 and failing_code in repair_prompts[0]


def test_rewrite_strategy_never_repairs_and_unknown_strategies_are_refused():
    executor = FakeExecutor(passes_if_plus)
    lm = scripted_lm({"generated_code": [bad("g")] * 3, "new_code": [bad("r1"), GOOD]})
    report = run(lm, make_coder(executor, refine_strategy="rewrite", max_iterations=3,
                                patience=5)).report
    assert [a.stage for a in report.attempts] == ["generate", "rewrite", "rewrite"]
    assert report.score == 1.0
    with pytest.raises(UsageError, match="refine_strategy"):
        make_coder(executor, refine_strategy="guess")


def test_an_attempt_with_code_beats_an_empty_one_at_the_same_score():
    executor = FakeExecutor(lambda code, name: (False, f"{name}: add(1, 2) returned -1"))
    unparseable = {"note": "no code field at all"}  # the generate step fails: no code
    lm = scripted_lm({"generated_code": [unparseable] * 3, "fixed_code": [bad("something")]})
    report = run(lm, make_coder(executor, max_iterations=2, refine_attempts=1)).report
    assert [a.code.strip() == "" for a in report.attempts] == [True, False]
    assert [a.score for a in report.attempts] == [0.0, 0.0]
    assert "return a - b" in report.code  # not the empty first answer


@pytest.mark.parametrize("routing", ["simple", "auto"])
def test_first_draft_without_a_plan_is_the_single_shot_baselines_call(routing: str):
    """Same messages as the baseline, so with greedy decoding the pipeline starts from the
    baseline's answer and can only add to it."""
    from dspy_coder.pipeline.baseline import SingleShot

    lm = scripted_lm({"generated_code": [GOOD, GOOD]})
    mark = history_mark()
    with dspy.context(lm=lm):
        SingleShot()(prompt=PROMPT, entry_point="add")
    (baseline_call,) = lm_calls_since(mark)
    mark = history_mark()
    report = run(lm, make_coder(FakeExecutor(passes_if_plus), routing=routing)).report
    first_call = lm_calls_since(mark)[0]
    assert first_call["messages"] == baseline_call["messages"]
    assert report.status == "success" and len(report.attempts) == 1


def test_a_planned_task_starts_from_the_baselines_call_and_samples_from_the_plan():
    """The plan steers the samples, not the first draft: a planned first draft differed from
    the baseline's by chance and lost problems the baseline solves (HumanEval/38, /41)."""
    executor = FakeExecutor(passes_if_plus)
    lm = scripted_lm({"generated_code": [bad("first"), GOOD]})
    mark = history_mark()
    report = run(lm, make_coder(executor, routing="complex", drafts=2)).report
    calls = lm_calls_since(mark)
    systems = [str(e["messages"][0]["content"]) for e in calls]
    texts = [str(e["messages"][-1]["content"]) for e in calls]
    first_draft = next(i for i, s in enumerate(systems)
                       if "Complete the Python function described by the prompt" in s)
    assert "[[ ## plan ## ]]" not in texts[first_draft]
    sampled = [t for t in texts if "[[ ## generated_code ## ]]" in t]
    assert len(sampled) == 1  # the first sample passed
    assert "[[ ## plan ## ]]" in sampled[0] and "direct" in sampled[0]  # the default plan
    assert [a.stage for a in report.attempts] == ["generate", "sample"]
    assert report.status == "success"


def test_a_failing_first_draft_is_followed_by_fresh_samples_of_the_same_call():
    executor = FakeExecutor(passes_if_plus)
    lm = scripted_lm(
        {"generated_code": [bad("first"), bad("sample 1"), GOOD, bad("unused")],
         "fixed_code": [bad("repair")]}
    )
    copies: list[dict] = []
    make_copy = lm.copy
    lm.copy = lambda **changes: copies.append(changes) or make_copy(**changes)
    mark = history_mark()
    report = run(lm, make_coder(executor, drafts=3)).report
    assert [a.stage for a in report.attempts] == ["generate", "sample", "sample"]
    assert report.status == "success" and report.code == GOOD
    calls = lm_calls_since(mark)
    assert len(calls) == 3  # the third draft was not needed
    assert all(call["messages"] == calls[0]["messages"] for call in calls)
    # each sample is its own rollout at temperature 1.0 (distinct seeds with a local model)
    assert copies == [{"rollout_id": 0, "temperature": 1.0}, {"rollout_id": 1, "temperature": 1.0}]


def test_a_sample_that_only_repeats_the_docstring_is_drawn_again_with_another_seed(
    monkeypatch: pytest.MonkeyPatch,
):
    """At temperature 1.0 the 1.5B model often echoes the prompt and stops (HumanEval/32):
    such a stub is no candidate, so the slot draws again instead of spending an attempt."""
    executor = FakeExecutor(passes_if_plus)
    lm = scripted_lm({"generated_code": [bad("first"), PROMPT, PROMPT + "    pass\n", GOOD]})
    rollouts = recorded_rollouts(monkeypatch, lm)
    report = run(lm, make_coder(executor, drafts=2)).report
    assert [a.stage for a in report.attempts] == ["generate", "sample"]
    assert report.status == "success" and report.code.strip() == GOOD.strip()
    assert any("drew again 2 time(s) with another seed: 2 that only repeated the signature"
               in note for note in report.notes)
    assert rollouts == [0, 1000, 2000]  # each redraw has its own seed


@pytest.mark.parametrize(
    ("message", "regenerated"),
    [
        ("AssertionError: Docstring examples failed:\nadd(1, 2) raised NameError: name 'x' "
         "is not defined", True),
        ("SyntaxError: invalid syntax (solution.py, line 3)", True),
        ("AssertionError: Docstring examples failed:\nadd(1, 2) returned -1, expected 3",
         False),
    ],
)
def test_a_sample_that_crashes_its_check_is_regenerated_once(message: str, regenerated: bool):
    """A slip that stops the code running is fixed like the first draft's; a wrong value is
    a sample's honest answer and is scored as it is."""
    executor = FakeExecutor(passes_if_plus)
    crashing = "def add(a, b):\n    return a - b  # SLIP\n"
    lm = scripted_lm({"generated_code": [bad("first"), crashing, GOOD, bad("never")]})
    coder = Coder(executor=executor, profiler=no_profiler, routing="simple", drafts=1,
                  max_iterations=2, interpreter_factory=lambda: FakeInterpreter("SLIP", message))
    report = run(lm, coder).report
    assert [a.stage for a in report.attempts] == ["generate", "sample"]
    assert (report.attempts[1].code.strip() == GOOD.strip()) is regenerated
    assert any("regenerated once" in note for note in report.notes) is regenerated


def test_a_slot_keeps_its_last_stub_after_the_redraws_run_out():
    executor = FakeExecutor(passes_if_plus)
    lm = scripted_lm({"generated_code": [bad("first")] + [PROMPT] * 3 + [GOOD]})
    report = run(lm, make_coder(executor, drafts=1, max_iterations=2)).report
    assert [a.stage for a in report.attempts] == ["generate", "sample"]
    assert report.attempts[1].code.rstrip().endswith('"""')  # recorded, and it failed
    assert report.status != "success"


def test_without_examples_the_tests_independent_candidates_agree_on_count():
    """HumanEval/160: four of the five generated tests had wrong expected values; no draft or
    sample passed them, and the samples that were right passed the one right test. Dual
    agreement counts the right test only; the wrong one stays in the report, not counted."""

    def right_test_needs_plus(code: str, name: str) -> tuple[bool, str]:
        if name == "test_generated_2":  # expects add(2, 2) == 5: nothing can pass it
            return False, "add(2, 2) returned 4, expected 5"
        return passes_if_plus(code, name)

    executor = FakeExecutor(right_test_needs_plus)
    tests = "def test_a():\n    assert add(1, 2) == 3\n\ndef test_b():\n    assert add(2, 2) == 5\n"
    lm = scripted_lm({
        "generated_code": [bad("first"), GOOD, GOOD, GOOD],
        "test_code": [{"test_code": tests, "make_input": ""}],
        "fixed_code": [bad("a repair chasing the wrong test")],
    })
    report = run(lm, make_coder(executor, drafts=3),
                 prompt="Write add(a, b) returning the sum of two numbers.", entry_point="add"
                 ).report
    assert [a.stage for a in report.attempts] == ["generate", "sample", "sample", "sample"]
    assert report.status == "success" and report.code.strip() == GOOD.strip()
    assert [(t.name, t.vetted) for t in report.tests] == [
        ("test_code_defines_every_name_it_uses", True),
        ("test_code_uses_only_what_its_modules_offer", True), ("test_task_names_add", True),
        ("test_generated_1", True), ("test_generated_2", False)
    ]
    assert any(note.startswith("Dual agreement: 3 independently written candidate(s) pass "
                               "test_generated_1 together (3 of 4); those tests count.")
               for note in report.notes)
    from dspy_coder.judge.reporting import AGREEMENT_ONLY_NOTE, render_report

    # a success the model's own tests vouch for says so, in the report and on the terminal
    assert AGREEMENT_ONLY_NOTE in report.notes and AGREEMENT_ONLY_NOTE in render_report(report)


def test_without_examples_a_minority_agreement_is_no_success():
    """HumanEval/88 stripped: 2 of 5 candidates agreed on 5 tests, the rest each behaved
    otherwise, and the run stopped at the threshold with "success" for a wrong answer. The
    agreed tests still steer the run, but passing them is no verdict."""

    def right_test_needs_plus(code: str, name: str) -> tuple[bool, str]:
        if name == "test_generated_2":
            return False, "add(2, 2) returned 4, expected 5"
        return passes_if_plus(code, name)

    tests = "def test_a():\n    assert add(1, 2) == 3\n\ndef test_b():\n    assert add(2, 2) == 5\n"
    lm = scripted_lm({
        "generated_code": [bad("first"), GOOD, bad("sample 2"), GOOD] * 3,
        "test_code": [{"test_code": tests, "make_input": ""}],
        "fixed_code": [GOOD] * 4,
    })
    report = run(lm, make_coder(FakeExecutor(right_test_needs_plus), drafts=3, max_iterations=3,
                                patience=1),
                 prompt="Write add(a, b) returning the sum of two numbers.", entry_point="add"
                 ).report
    assert report.code.strip() == GOOD.strip()  # the agreed tests still choose the answer
    assert ("test_generated_1", True) in [(t.name, t.vetted) for t in report.tests]
    assert report.status == "unverified" and report.score is None
    assert report.stop_reason != "threshold"
    assert any("only 2 of 4 candidates agree, so passing them is no verdict" in note
               for note in report.notes)
    from dspy_coder.judge.reporting import DISPUTED_NOTE, render_report

    assert DISPUTED_NOTE in report.notes
    assert "n/a (its checks are disputed)" in render_report(report)


def test_without_examples_one_wrong_sample_agreeing_with_a_wrong_test_does_not_win():
    """HumanEval/41: the first draft (the baseline's right answer) failed a generated test with
    a wrong expected value; one wrong sample passed it and became the answer."""

    def wrong_test_passed_by_minus(code: str, name: str) -> tuple[bool, str]:
        ok = "a - b" in code  # the wrong test agrees with the wrong program only
        return ok, "" if ok else "add(1, 2) returned 3, expected -1"

    lm = scripted_lm({
        "generated_code": [GOOD, bad("agrees with the wrong test"),
                           "def add(a, b):\n    return a * b\n",
                           "def add(a, b):\n    return sum((a, b))\n"],
        "test_code": [{"test_code": "def test_a():\n    assert add(1, 2) == -1\n",
                       "make_input": ""}],
    })
    report = run(lm, make_coder(FakeExecutor(wrong_test_passed_by_minus), drafts=3),
                 prompt="Write add(a, b) returning the sum of two numbers.", entry_point="add"
                 ).report
    assert report.code.strip() == GOOD.strip()
    assert [(t.name, t.vetted) for t in report.tests] == [
        ("test_code_defines_every_name_it_uses", True),
        ("test_code_uses_only_what_its_modules_offer", True), ("test_task_names_add", True),
        ("test_generated_1", False)
    ]
    assert report.status == "unverified" and report.score is None
    assert any("fewer than 2 agree, so nothing is checked" in note
               for note in report.notes)


def test_with_docstring_examples_no_generated_test_is_rejected_by_the_quorum():
    def generated_always_fails(code: str, name: str) -> tuple[bool, str]:
        if name.startswith("test_generated"):
            return False, "wrong"
        return passes_if_plus(code, name)

    lm = scripted_lm({
        "generated_code": [bad("first"), bad("s1"), bad("s2"), GOOD],
        "test_code": [{"test_code": "def test_b():\n    assert add(2, 2) == 5\n",
                       "make_input": ""}],
    })
    report = run(lm, make_coder(FakeExecutor(generated_always_fails), drafts=3,
                                routing="complex", max_iterations=2)).report
    assert "test_generated_1" in [t.name for t in report.tests]
    assert not any(note.startswith("Rejected test_generated") for note in report.notes)


def test_after_an_unsuccessful_sampling_round_the_next_rounds_refine():
    executor = FakeExecutor(passes_if_plus)
    lm = scripted_lm(
        {"generated_code": [bad("first"), bad("sample 1"), bad("sample 2")],
         "fixed_code": [GOOD]}
    )
    report = run(lm, make_coder(executor, drafts=2, max_iterations=3, patience=2)).report
    assert [a.stage for a in report.attempts] == ["generate", "sample", "sample", "refine"]
    assert [a.iteration for a in report.attempts] == [1, 2, 2, 3]
    assert report.status == "success"


def test_without_refinement_there_is_no_sampling_round_either():
    executor = FakeExecutor(passes_if_plus)
    lm = scripted_lm({"generated_code": [bad("first"), GOOD]})
    report = run(lm, make_coder(executor, drafts=3, use_refine=False)).report
    assert [a.stage for a in report.attempts] == ["generate"]
    assert report.stop_reason == "refinement disabled"


def test_negative_drafts_is_a_usage_error():
    with pytest.raises(UsageError, match="drafts must be 0"):
        make_coder(FakeExecutor(passes_if_plus), drafts=-1)


def test_samples_are_drawn_from_the_compiled_first_draft():
    """A compiled pipeline's demos on the first draft shape the samples too."""
    executor = FakeExecutor(passes_if_plus)
    lm = scripted_lm({"generated_code": [bad("first"), GOOD]})
    coder = make_coder(executor, drafts=2)
    demo = dspy.Example(prompt="def triple(x):\n    'DEMO-MARKER'\n", code="return 3 * x")
    coder.generate.first_draft.demos = [demo]
    mark = history_mark()
    report = run(lm, coder).report
    calls = lm_calls_since(mark)
    assert [a.stage for a in report.attempts] == ["generate", "sample"]
    assert len(calls) == 2
    assert all("DEMO-MARKER" in str(call["messages"]) for call in calls)


def test_an_answer_no_test_checked_is_not_reported_as_a_success():
    """HumanEval/160: every generated test was rejected, and the report said "success" for an
    answer nothing had checked (the hidden tests failed it)."""
    lm = scripted_lm({"generated_code": [GOOD]})  # the test writer answers with no tests
    report = run(lm, make_coder(FakeExecutor(passes_if_plus)),
                 prompt="Write add(a, b) returning the sum of two numbers.", entry_point="add"
                 ).report
    assert [t.source for t in report.tests] == ["requirement"] * 3
    assert report.code.strip() == GOOD.strip()
    assert report.status == "unverified" and report.score is None
    assert any(note.startswith("UNVERIFIED: no test checked") for note in report.notes)


class _UnknownProviderLM(dspy.utils.DummyLM):
    """Fails every call the way ``dspy.LM("nosuchprovider/x")`` does (not an outage)."""

    def forward(self, prompt=None, messages=None, **kwargs):
        from dspy.utils.exceptions import LMInvalidRequestError

        raise LMInvalidRequestError("LLM Provider NOT provided. You passed model=nosuchprovider/x")


@pytest.mark.parametrize("routing", ["simple", "complex"])
def test_a_run_that_produced_no_code_fails_with_score_0(routing: str):
    """The LM refuses every request: the run stops at once and fails, naming the fix."""
    executor = FakeExecutor(passes_if_plus)
    report = run(_UnknownProviderLM([]), make_coder(executor, routing=routing, max_iterations=3),
                 prompt="Write is_palindrome(s) that ignores case and spaces.").report
    assert report.code == ""
    assert report.status == "failed"
    assert report.score == 0.0 and report.score_history == [0.0] * len(report.score_history)
    assert all(a.score == 0.0 for a in report.attempts)
    assert report.stop_reason == "lm_rejected"
    assert any("LLM Provider NOT provided" in e and "Check the model name" in e
               for e in report.error_trail)


LRU_TASK = ("Implement an LRU cache class LRUCache(capacity) with get(key) and put(key, value), "
            "O(1) each")
LRU_BROKEN = ("class LRUCache:\n    def __init__(self, capacity):\n        self.head = Node()\n"
              "    def get(self, key):\n        return -1\n"
              "    def put(self, key, value):\n        pass\n")


def test_a_task_no_test_can_check_ends_unverified_not_at_the_threshold():
    """Issue #20's LRU cache: no generated test survived, so "the module imported" scored 1.00
    and the run stopped at the threshold with code that raises NameError: Node."""
    lm = scripted_lm({"generated_code": [LRU_BROKEN] * 6, "fixed_code": [LRU_BROKEN] * 6})
    coder = make_coder(FakeExecutor(passes_if_plus), routing="auto", drafts=2, max_iterations=3)
    report = run(lm, coder, prompt=LRU_TASK, entry_point=None).report
    assert report.route == "complex"  # the stated O(1) is planned for and measured
    assert report.plan is not None and report.plan.performance.time_complexity == "O(1)"
    assert [t.name for t in report.tests] == [
        "test_code_defines_every_name_it_uses", "test_code_uses_only_what_its_modules_offer",
        "test_task_names_LRUCache", "test_task_names_get", "test_task_names_put"]
    first = report.attempts[0]  # it builds a Node it never defines
    assert "uses Node but never defines or imports it" in first.feedback
    assert report.status == "partial"  # a requirement failed: never a success
    assert report.stop_reason != "threshold" and report.score is None
    assert not any(a.checked for a in report.attempts)


LRU_RUNS = LRU_BROKEN.replace("Node()", "{}")


def test_code_no_test_checked_is_unverified_in_words():
    lm = scripted_lm({"generated_code": [LRU_RUNS] * 6, "fixed_code": [LRU_RUNS] * 6})
    coder = make_coder(FakeExecutor(passes_if_plus), routing="auto", drafts=2, max_iterations=3)
    report = run(lm, coder, prompt=LRU_TASK, entry_point=None).report
    assert report.status == "unverified" and report.score is None
    assert all(a.score == 0.0 and not a.checked for a in report.attempts)
    from dspy_coder.judge.reporting import render_report

    shown = render_report(report)
    assert "UNVERIFIED" in shown and "n/a (no test checked it)" in shown
    # the stated O(1) was never measured (a class is not profiled): said, not passed over
    assert "Not measured: the task asks for O(1), but this code's complexity" in shown
    # the unchecked attempts' zeros are no history of failures beside that n/a
    route_line = next(line for line in shown.splitlines() if line.startswith("Route:"))
    assert route_line.endswith("score history: n/a"), route_line
    # the tests that counted are the checks of names (LRUCache, get, put, what the code uses)
    static = sum(t.vetted and t.source == "requirement" for t in report.tests)
    assert static >= 3
    assert f"({static} counted, {static} of them static checks of names)" in shown


EMAIL_TASK = ("Build an email validation module: a validate_email(s) and a normalize_email(s) "
              "function, with tests")
ONLY_VALIDATE = "import re\n\ndef validate_email(s):\n    return bool(re.match(r'x', s))\n"
BOTH = ("def validate_email(s):\n    return '@' in s\n\n"
        "def normalize_email(s):\n    return s.strip().lower()\n")
BOTH_TOO = ("def validate_email(s):\n    return s.count('@') == 1\n\n"
            "def normalize_email(s):\n    return s.lower().strip()\n")


def test_a_named_function_the_code_lacks_fails_and_agreeing_samples_decide():
    """Issue #20's email module: the first draft had no normalize_email and every attempt tied
    at 1.0, so the earliest was returned; the samples that defined both were thrown away."""

    def both_needed(code: str, name: str) -> tuple[bool, str]:
        ok = "normalize_email" in code and "@" in code
        return ok, "" if ok else f"{name}: validate_email('user@example.com') returned False"

    tests = ("def test_valid():\n    assert validate_email('user@example.com')\n\n"
             "def test_normal():\n    assert normalize_email(' A@B.C ') == 'a@b.c'\n")
    lm = scripted_lm({
        "generated_code": [ONLY_VALIDATE, BOTH, ONLY_VALIDATE + "\n# b\n", BOTH_TOO],
        "test_code": [{"test_code": tests, "make_input": ""}],
    })
    coder = make_coder(FakeExecutor(both_needed), routing="simple", drafts=3, max_iterations=2)
    report = run(lm, coder, prompt=EMAIL_TASK, entry_point=None).report
    first = report.attempts[0]
    assert "asks for normalize_email(...), but the code does not define" in first.feedback
    assert report.status == "success" and report.code.strip() == BOTH.strip()
    assert report.attempts[0].checked and report.attempts[0].test_score < 1.0
    assert report.generated_tests_raw.startswith("def test_valid():")  # kept as written
    # "normalize" states a property: normalising twice changes nothing, on the tests' inputs
    prop = next(t for t in report.tests if t.source == "property")
    assert prop.name == "test_property_idempotent_normalize_email" and prop.vetted
    assert "[(' A@B.C ',)]" in prop.code
    assert any("normalize_email(normalize_email(x)) == normalize_email(x)" in note
               for note in report.notes)


CONFIG_TASK = ("Build a config module: a build_config(defaults, overrides) function that "
               "merges two dicts and a read_config(path) function that loads a TOML file")
CONFIG_BOTH = ("def build_config(defaults, overrides):\n    return {**defaults, **overrides}\n\n"
               "def read_config(path):\n    return {}\n")


def test_a_free_text_task_whose_counted_tests_skip_a_named_function_is_unverified():
    """The TOML project's config_builder: every counted test called build_config only, its
    read_config called a tomli_w.load that does not exist, and the module ended "success"."""
    tests = "def test_merge():\n    assert build_config({'a': 1}, {'a': 2}) == {'a': 2}\n"
    lm = scripted_lm({
        "generated_code": [CONFIG_BOTH, CONFIG_BOTH + "# b\n", CONFIG_BOTH + "# c\n",
                           CONFIG_BOTH + "# d\n"],
        "test_code": [{"test_code": tests, "make_input": ""}],
    })
    coder = make_coder(FakeExecutor(lambda code, name: (True, "")), drafts=3, max_iterations=2)
    report = run(lm, coder, prompt=CONFIG_TASK, entry_point=None).report
    assert all(t.vetted for t in report.tests)  # the merge test counted...
    assert report.status == "unverified" and report.score is None  # ...but calls one of two
    assert "No counted test calls read_config." in report.notes
    assert "n/a (some of what the task names was never called by a test)" in render_report(
        report)


def test_the_router_notes_how_it_decided_so_its_decisions_can_be_measured():
    """benchmarks/route_decisions.py reads these notes (issue #20: measure the router)."""
    from dspy_coder.pipeline.coder import ASSESSOR_FAILED

    task = "Write add(a, b) returning the sum of two numbers."
    lm = scripted_lm({"generated_code": [GOOD] * 6,
                      "route": [{"route": "simple", "reason": "one  line\nof arithmetic"}]})
    coder = make_coder(FakeExecutor(passes_if_plus), routing="auto", max_iterations=1)
    report = run(lm, coder, prompt=task, entry_point="add").report
    assert report.route == "simple"
    assert "Routed simple by the assessor: one line of arithmetic" in report.notes
    lm = scripted_lm({"generated_code": [GOOD] * 6, "route": [{"route": "medium"}]})
    report = run(lm, coder, prompt=task, entry_point="add").report
    assert report.route == "complex" and ASSESSOR_FAILED in report.notes


ADD_TEST = "def test_sum():\n    assert add(1, 2) == 3\n"


@pytest.mark.parametrize("with_examples", [False, True])
def test_without_examples_the_test_writer_does_not_see_the_plan(with_examples: bool):
    """Mbpp/738: the plan's wrong edge case ("geometric_sum(3) is 3") reached the tests and
    the candidates alike, and they agreed on it. Without examples the tests must be written
    from the task alone; with examples, which vet them, the plan's edge cases help."""
    plan = {"approach": "direct", "steps": ["add"], "edge_cases": ["PLAN-EDGE-CASE"],
            "time_complexity": "O(1)"}
    lm = scripted_lm({"approach": [plan], "generated_code": [GOOD] * 4,
                      "test_code": [{"test_code": ADD_TEST, "make_input": ""}]})
    start = history_mark()
    prompt = PROMPT if with_examples else "Write add(a, b) returning the sum of two numbers."
    report = run(lm, make_coder(FakeExecutor(passes_if_plus), routing="complex", drafts=0,
                                max_iterations=1),
                 prompt=prompt, entry_point="add").report
    test_writer = [e for e in lm_calls_since(start) if "test_code" in all_prompts([e])]
    assert len(test_writer) == 1
    assert ("PLAN-EDGE-CASE" in all_prompts(test_writer)) is with_examples
    assert any("without the plan" in note for note in report.notes) is not with_examples


@pytest.mark.parametrize("with_examples", [False, True])
def test_without_examples_every_other_sample_is_drawn_without_the_plan(with_examples: bool):
    """Mbpp/16: four samples that all followed the plan's misreading outvoted the right first
    draft. Without examples, samples in odd rollout slots come from the task alone; with
    examples, which vet every sample, all follow the plan."""
    plan = {"approach": "direct", "steps": ["add"], "edge_cases": ["PLAN-EDGE-CASE"],
            "time_complexity": "O(1)"}
    lm = scripted_lm({"approach": [plan], "generated_code": [bad(f"s{i}") for i in range(6)],
                      "test_code": [{"test_code": ADD_TEST, "make_input": ""}]})
    prompt = PROMPT if with_examples else "Write add(a, b) returning the sum of two numbers."
    start = history_mark()
    report = run(lm, make_coder(FakeExecutor(passes_if_plus), routing="complex", drafts=4,
                                max_iterations=2),
                 prompt=prompt, entry_point="add").report
    calls = [all_prompts([e]) for e in lm_calls_since(start)]
    after_tests = calls[next(i for i, c in enumerate(calls) if "test_code ## ]]" in c) + 1:]
    samples = [c for c in after_tests if "code ## ]]" in c][:4]
    with_plan = ["PLAN-EDGE-CASE" in c for c in samples]
    assert [a.stage for a in report.attempts][:5] == ["generate"] + ["sample"] * 4
    assert with_plan == ([True] * 4 if with_examples else [True, False, True, False])
    notes = [n for n in report.notes if "drawn from the task alone" in n]
    assert len(notes) == (0 if with_examples else 2)


def test_a_generated_test_of_its_own_mock_class_does_not_judge_a_free_text_task():
    """The 1.5B's cache tests built a `MockCache` of their own; passing them says nothing
    about the code, so a test that uses none of the names the task asks for is dropped."""
    from dspy_coder.judge.generated_audit import UNRELATED

    tests = ("import threading\n\nclass MockCache:\n    def get(self, k):\n"
             "        with threading.Lock():\n            return 1\n\n"
             "def test_mock():\n    assert MockCache().get('a') == 1\n\n"
             "def test_real():\n    assert validate_email('a@b.co')\n")
    lm = scripted_lm({"generated_code": [BOTH] * 4,
                      "test_code": [{"test_code": tests, "make_input": ""}]})
    coder = make_coder(FakeExecutor(passes_if_plus), routing="simple", max_iterations=1)
    report = run(lm, coder, prompt=EMAIL_TASK, entry_point=None).report
    generated = [t.name for t in report.tests if t.source == "generated"]
    assert generated == ["test_generated_2"]
    assert [d.reason for d in report.dropped_tests] == [UNRELATED]



def test_the_test_writer_s_own_copy_of_the_code_asked_for_is_left_out_of_its_tests():
    """The 1.5B wrote its own copy of what the task asks for above its tests (a whole `class
    LRUCache` for issue #20's LRU cache, 2026-12-07): carried into each test, every test ran
    on the copy and was dropped as a mock of its own. Left out, they run on the candidates."""
    tests = ("def validate_email(s):\n    return True\n\n"
             "def test_rejects_no_at():\n    assert not validate_email('ab.co')\n")
    lm = scripted_lm({"generated_code": [BOTH] * 4,
                      "test_code": [{"test_code": tests, "make_input": ""}]})
    coder = make_coder(FakeExecutor(passes_if_plus), routing="simple", max_iterations=1)
    report = run(lm, coder, prompt=EMAIL_TASK, entry_point=None).report
    generated = [t.code for t in report.tests if t.source == "generated"]
    assert generated == ["def test_generated_1():\n    assert not validate_email('ab.co')"]
    assert [d.name for d in report.dropped_tests] == ["the answer's own validate_email"]


SCALE_TASK = 'def scale(x):\n    """Double x."""\n'
AN_IMPLEMENTATION = "def scale(x):\n    return x * 2\n"  # what the test writer gave, no test
TESTS_OF_SCALE = "def test_two():\n    assert scale(2) == 4\n"


def test_a_test_writer_answer_without_a_test_is_drawn_again_when_the_task_has_no_examples():
    """Stripped HumanEval/128: the test writer wrote the function instead of its tests, no
    test was read, and every candidate ended unverified: nothing could check them."""
    lm = scripted_lm({
        "generated_code": [AN_IMPLEMENTATION] * 4,
        "test_code": [{"test_code": AN_IMPLEMENTATION, "make_input": ""},
                      {"test_code": TESTS_OF_SCALE, "make_input": ""}],
    })
    executor = FakeExecutor(lambda code, name: (True, ""))
    report = run(lm, make_coder(executor, drafts=3, max_iterations=2), prompt=SCALE_TASK,
                 entry_point="scale").report
    generated = [t.code for t in report.tests if t.source == "generated"]
    assert generated == ["def test_generated_1():\n    assert scale(2) == 4"]
    assert report.status == "success"
    assert AN_IMPLEMENTATION in report.generated_tests_raw  # both answers are kept
    assert TESTS_OF_SCALE.strip() in report.generated_tests_raw
    assert any("held no test" in note for note in report.notes)


def test_with_docstring_examples_a_test_writer_answer_without_a_test_is_not_drawn_again():
    lm = scripted_lm({
        "generated_code": [GOOD],
        "test_code": [{"test_code": "no tests here", "make_input": ""},
                      {"test_code": "def test_x():\n    assert add(1, 1) == 2\n",
                       "make_input": ""}],
    })
    report = run(lm, make_coder(FakeExecutor(passes_if_plus), routing="complex")).report
    assert not [t for t in report.tests if t.source == "generated"]
    assert report.generated_tests_raw == "no tests here"


def test_a_free_text_task_s_test_writer_is_drawn_again_when_it_tested_only_its_own_mock():
    """Project modules: the 1.5B's tests of a cache built a `MockCache` of their own, all were
    dropped, and the module ended unverified with nothing to check it."""
    mock_only = ("class MockCache:\n    def get(self, k):\n        return 1\n\n"
                 "def test_mock():\n    assert MockCache().get('a') == 1\n")
    real = "def test_real():\n    assert validate_email('a@b.co')\n"
    lm = scripted_lm({"generated_code": [BOTH] * 4,
                      "test_code": [{"test_code": mock_only, "make_input": ""},
                                    {"test_code": real, "make_input": ""}]})
    coder = make_coder(FakeExecutor(passes_if_plus), routing="simple", max_iterations=1)
    report = run(lm, coder, prompt=EMAIL_TASK, entry_point=None).report
    assert [t.code for t in report.tests if t.source == "generated"] == [
        "def test_generated_1():\n    assert validate_email('a@b.co')"]
    assert report.generated_tests_raw.startswith(mock_only)
    assert report.generated_tests_raw.endswith(real.strip())
    assert any("only mocks of their own" in note for note in report.notes)


def test_an_answer_that_holds_no_program_is_drawn_again():
    """The 1.5B's TOML project: a rewrite of a free-text module answered `obj['new_code']`,
    which was run, failed to load, and counted as an attempt."""
    lm = scripted_lm({"generated_code": [ONLY_VALIDATE], "fixed_code": ["obj['fixed_code']"],
                      "new_code": [BOTH]})
    executor = FakeExecutor(lambda code, name: ("normalize_email" in code, "no normalize"))
    report = run(lm, make_coder(executor, max_iterations=2), prompt=EMAIL_TASK,
                 entry_point=None).report
    assert [a.stage for a in report.attempts] == ["generate", "rewrite"]
    assert "obj[" not in "".join(a.code for a in report.attempts)
    assert any("held no program" in note for note in report.notes)
