"""``--call-penalty``: a metric that also rewards fewer LM calls, kept in [0, 1], with the calls
counted per program run (cache hits included) and demos still taken from fully passing runs."""

from __future__ import annotations

import dspy
import pytest
from dspy.utils import DummyLM

from dspy_coder.errors import UsageError
from dspy_coder.optimizers.budgets import budget_for
from dspy_coder.optimizers.compile import compile_program, evaluate
from dspy_coder.optimizers.data import build_split
from dspy_coder.optimizers.metric import SandboxMetric, run_calls
from dspy_coder.optimizers.run_calls import RunCallCounter, lm_calls_of

from .conftest import CachedDummyLM, answers_for


class TwoDrafts(dspy.Module):
    """A stand-in for a multi-call program: drafts twice, keeps the second draft."""

    def __init__(self) -> None:
        super().__init__()
        self.write = dspy.Predict("prompt, entry_point -> code")

    def forward(self, prompt: str, entry_point: str, **_: object) -> dspy.Prediction:
        self.write(prompt=prompt, entry_point=entry_point)
        return dspy.Prediction(code=self.write(prompt=prompt, entry_point=entry_point).code)


def right(example) -> dspy.Prediction:
    k = int(example.entry_point.split("_")[1])
    return dspy.Prediction(code=f"def {example.entry_point}(x):\n    return x + {k}\n")


def tagged(prediction: dspy.Prediction, calls: int) -> dspy.Prediction:
    object.__setattr__(prediction, "_dspy_coder_lm_calls", calls)
    return prediction


@pytest.mark.parametrize(("calls", "expected"), [(1, 1.0), (2, 0.9), (3, 0.81), (40, 0.9 ** 39)])
def test_the_score_is_the_pass_rate_times_the_penalty_per_extra_call(problems, runner, calls,
                                                                     expected):
    train = build_split(problems, "train")
    metric = SandboxMetric(train, runner=runner, call_penalty=0.1)
    example = train.dspy_examples[0]
    score = metric(example, tagged(right(example), calls))
    assert score == pytest.approx(expected) and 0.0 <= score <= 1.0
    assert metric.solved(example, tagged(right(example), calls))
    feedback = metric.with_feedback()(example, tagged(right(example), calls), None, None, None)
    assert feedback.score == pytest.approx(expected)
    assert f"made {calls} LM call(s)" in feedback.feedback


def test_bootstrapping_keeps_the_plain_pass_rate_and_no_penalty_changes_nothing(problems,
                                                                                runner):
    train = build_split(problems, "train")
    example = train.dspy_examples[0]
    penalised = SandboxMetric(train, runner=runner, call_penalty=0.5)
    assert penalised(example, tagged(right(example), 3), trace=[]) == 1.0  # a demo candidate
    assert penalised(example, tagged(right(example), 3)) == 0.25
    plain = SandboxMetric(train, runner=runner)
    assert plain(example, tagged(right(example), 3)) == 1.0


def test_a_call_penalty_outside_zero_to_one_is_a_usage_error(problems, runner):
    train = build_split(problems, "train")
    for penalty in (-0.1, 1.0, 2.0):
        with pytest.raises(UsageError, match="--call-penalty must be >= 0 and < 1"):
            SandboxMetric(train, runner=runner, call_penalty=penalty)


def test_run_calls_come_from_the_counter_then_the_report_then_one():
    class Cost:
        lm_calls = 4

    class Report:
        cost = Cost()

    assert run_calls(tagged(dspy.Prediction(code="x"), 7)) == 7
    assert run_calls(dspy.Prediction(code="x", report=Report())) == 4
    assert run_calls(dspy.Prediction(code="x")) == 1


def test_the_counter_tags_each_run_with_its_calls_cache_hits_included(problems, dspy_cache):
    lm = CachedDummyLM(answers_for(problems))  # the second run is answered by the cache
    counter = RunCallCounter(TwoDrafts)
    program = TwoDrafts()
    with dspy.context(lm=lm, callbacks=[counter]):
        first = program(prompt=problems[0].prompt, entry_point=problems[0].entry_point)
        again = program(prompt=problems[0].prompt, entry_point=problems[0].entry_point)
    assert len(dspy_cache.memory_cache) == 1  # one request stored, three answered from it
    assert lm_calls_of(first) == 2 and lm_calls_of(again) == 2
    assert "_dspy_coder_lm_calls" not in first.keys()  # not a field: never reaches a demo


def test_a_compile_with_a_call_penalty_scores_multi_call_runs_lower_but_counts_them_solved(
        problems, runner):
    lm = DummyLM(answers_for(problems))
    train = build_split(problems, "train", limit=3)
    metric = SandboxMetric(train, runner=runner, call_penalty=0.2)
    with dspy.context(lm=lm, callbacks=[RunCallCounter(TwoDrafts)]):
        score, solved = evaluate(TwoDrafts(), train.dspy_examples, metric, threads=1)
    assert score == pytest.approx(0.8) and solved == 1.0
    result = compile_program("baseline", optimizer="bootstrap", budget=budget_for("light"),
                             problems=problems, student_lm=DummyLM(answers_for(problems)),
                             runner=runner, call_penalty=0.2)
    assert result.program.write.demos  # one-call runs: demos as without a penalty
    assert result.dev_score == 1.0 and result.dev_solved == 1.0
