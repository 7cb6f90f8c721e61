"""Senior checkpoints and escalation with two scripted LMs (junior and senior), a fake
executor and interpreter."""

from __future__ import annotations

import dspy
import pytest

from dspy_coder.pipeline.senior import criteria_tests, disclosed_at
from tests.fakes.executors import FakeExecutor
from tests.fakes.scripted_lm import all_prompts, history_mark, lm_calls_since, scripted_lm
from tests.pipeline.test_coder import GOOD, PROMPT, bad, make_coder, passes_if_plus

SPEC = {"analysis": "Sum two numbers.", "must_do": "Return a plus b as a number."}
DEBUG = {"root_cause": "It subtracts instead of adding.", "proposed_fix": "Use a + b.",
         "edge_cases": ["negative numbers"]}
STRATEGY = {"approach": "Return the sum directly.", "pitfalls": ["using minus"]}
CRITERIA = {"asserts": ["assert add(2, 2) == 4", "assert add(2,", "print(add(1, 1))",
                        "assert add(-3, 1) == -2"]}


def senior_lm(**extra) -> dspy.LM:
    script = {"analysis": [SPEC], "root_cause": [DEBUG] * 4, "approach": [STRATEGY],
              "asserts": [CRITERIA], **extra}
    lm = scripted_lm(script)
    lm.model = "senior-model"  # its calls and tokens are counted apart from the junior's
    return lm


def solve(junior: dspy.LM, coder) -> object:
    with dspy.context(lm=junior):
        return coder(prompt=PROMPT).report


def test_the_junior_starts_from_the_seniors_minimal_spec():
    mark = history_mark()
    junior = scripted_lm({"generated_code": [GOOD]})
    report = solve(junior, make_coder(FakeExecutor(passes_if_plus), senior=senior_lm()))
    assert report.spec == ("Problem analysis: Sum two numbers.\n"
                           "What it must do and return: Return a plus b as a number.")
    junior_prompts = all_prompts([c for c in lm_calls_since(mark) if c["model"] != "senior-model"])
    assert "A senior developer's specification:" in junior_prompts
    assert report.checkpoints == [] and not report.escalated  # solved with no checkpoint
    assert (report.tiers["senior"].calls, report.tiers["junior"].calls) == (1, 1)


def test_checkpoints_disclose_debugging_and_strategy_then_tests_that_are_vetted():
    mark = history_mark()
    junior = scripted_lm({"generated_code": [bad("g")],
                          "fixed_code": [bad("r1"), bad("r2"), GOOD]})
    coder = make_coder(FakeExecutor(passes_if_plus), senior=senior_lm(), max_iterations=4,
                       patience=9, checkpoint_interval=1, escalate=False)
    report = solve(junior, coder)
    assert [c.disclosed for c in report.checkpoints] == [
        ["debugging", "strategy"], ["debugging", "tests"], ["debugging"]]
    assert [c.iteration for c in report.checkpoints] == [1, 2, 3]
    # the two well-formed asserts that call the function became tests; every attempt ran them
    assert report.checkpoints[1].tests == ["test_senior_2_1", "test_senior_2_2"]
    assert all(len(a.execution.tests) == 4 for a in report.attempts)
    assert {"test_senior_2_1", "test_senior_2_2"} <= {t.name for t in report.tests if t.vetted}
    junior_prompts = all_prompts([c for c in lm_calls_since(mark) if c["model"] != "senior-model"])
    assert "Root cause: It subtracts instead of adding." in junior_prompts
    assert "Approach: Return the sum directly." in junior_prompts
    assert report.status == "success" and not report.escalated


def test_the_senior_takes_over_when_the_junior_runs_out():
    junior = scripted_lm({"generated_code": [bad("g")], "fixed_code": [bad("r1"), bad("r2")]})
    senior = senior_lm(fixed_code=[GOOD])
    coder = make_coder(FakeExecutor(passes_if_plus), senior=senior, max_iterations=2,
                       patience=9, checkpoint_interval=5)
    report = solve(junior, coder)
    assert report.escalated and report.status == "success"
    assert [a.tier for a in report.attempts] == ["junior", "junior", "senior"]
    assert "Escalated: the junior ran out of iterations" in " ".join(report.notes)
    assert report.tiers["senior"].calls == 2  # the spec and the take-over
    assert report.tiers["senior"].wall_time_s > 0


def test_without_escalation_the_run_ends_at_the_junior_limit():
    junior = scripted_lm({"generated_code": [bad("g")], "fixed_code": [bad("r1")]})
    coder = make_coder(FakeExecutor(passes_if_plus), senior=senior_lm(), max_iterations=2,
                       patience=9, checkpoint_interval=5, escalate=False)
    report = solve(junior, coder)
    assert not report.escalated and report.stop_reason == "max_iterations"
    assert len(report.attempts) == 2


def test_disclosure_by_checkpoint_and_criteria_reading():
    assert [disclosed_at(n) for n in (1, 2, 3, 7)] == [
        ("debugging", "strategy"), ("debugging", "tests"), ("debugging",), ("debugging",)]
    tests = criteria_tests(["assert f(1) == 2;", "assert g(1) == 2", "assert f(", "x = f(1)"],
                           "f", 3)
    assert [t.code for t in tests] == ["def test_senior_3_1():\n    assert f(1) == 2\n"]


def test_one_model_can_serve_both_tiers_and_each_is_counted():
    lm = scripted_lm({"generated_code": [GOOD], "analysis": [SPEC]})
    report = solve(lm, make_coder(FakeExecutor(passes_if_plus), senior=lm))
    assert (report.tiers["junior"].calls, report.tiers["senior"].calls) == (1, 1)
    assert report.tiers["junior"].lm == report.tiers["senior"].lm == "dummy"


def test_a_stalled_junior_hands_over_for_exactly_the_seniors_iterations():
    junior = scripted_lm({"generated_code": [bad("g")],
                          "fixed_code": [bad(f"r{i}") for i in range(9)]})
    senior = senior_lm(fixed_code=[bad("s1"), bad("s2"), bad("s3")])
    coder = make_coder(FakeExecutor(passes_if_plus), senior=senior, max_iterations=8,
                       patience=2, checkpoint_interval=5, senior_iterations=2)
    report = solve(junior, coder)
    assert "Escalated: the junior stalled" in " ".join(report.notes)
    # the junior stalls after iteration 3 of 8; the senior gets iterations 4 and 5, not 4-10
    assert [a.tier for a in report.attempts] == ["junior"] * 3 + ["senior"] * 2
    assert report.stop_reason == "max_iterations"


def test_money_comes_from_litellms_cost_map_and_is_none_for_local_models(capsys):
    from dspy_coder.pipeline.senior import money
    from dspy_coder.types import LMUsage

    usage = LMUsage(calls=1, prompt_tokens=1000, completion_tokens=1000)
    assert money("openai/gpt-4o-mini", usage) == pytest.approx(0.00075)
    assert money("local/qwen2.5-coder-0.5b", usage) is None
    assert capsys.readouterr().out == ""  # LiteLLM prints for models it does not know
