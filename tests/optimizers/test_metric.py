from __future__ import annotations

import dspy
import pytest

from dspy_coder.errors import UsageError
from dspy_coder.optimizers.data import build_split, held_out_problems, to_dspy_example
from dspy_coder.optimizers.metric import SandboxMetric


def _code(example, delta):
    return f"def {example.entry_point}(x):\n    return x + {delta}\n"


def _k(example):
    return int(example.entry_point.split("_")[1])


def test_correct_code_scores_one(problems, runner):
    train = build_split(problems, "train")
    metric = SandboxMetric(train, runner=runner)
    example = train.dspy_examples[0]
    assert metric(example, dspy.Prediction(code=_code(example, _k(example)))) == 1.0


def test_score_is_the_per_assert_pass_rate(problems, runner):
    train = build_split(problems, "train")
    metric = SandboxMetric(train, runner=runner)
    example = train.dspy_examples[0]
    # ``return k`` passes only ``candidate(0) == k`` of the three asserts.
    code = f"def {example.entry_point}(x):\n    return {_k(example)}\n"
    assert metric(example, dspy.Prediction(code=code)) == pytest.approx(1 / 3)


def test_broken_or_missing_code_scores_zero(problems, runner):
    train = build_split(problems, "train")
    metric = SandboxMetric(train, runner=runner)
    example = train.dspy_examples[0]
    assert metric(example, dspy.Prediction(code="def oops(:\n")) == 0.0
    assert metric(example, dspy.Prediction(code="")) == 0.0
    assert metric(example, None) == 0.0


def test_feedback_mode_reports_concrete_failures(problems, runner):
    train = build_split(problems, "train")
    metric = SandboxMetric(train, runner=runner).with_feedback()
    example = train.dspy_examples[0]
    wrong = dspy.Prediction(code=_code(example, _k(example) + 1))
    result = metric(example, wrong, None, None, None)
    assert isinstance(result, dspy.Prediction)
    assert result.score == 0.0
    assert "Passed 0/3" in result.feedback
    assert f"assert candidate(0) == {_k(example)} failed" in result.feedback


def test_metric_refuses_held_out_examples(problems, runner):
    metric = SandboxMetric(build_split(problems, "train"), build_split(problems, "dev"),
                           runner=runner)
    held_out = to_dspy_example(held_out_problems(problems)[0])
    with pytest.raises(UsageError, match="never scores held-out"):
        metric(held_out, dspy.Prediction(code="def f(x):\n    return x\n"))
    with pytest.raises(UsageError, match="never scores held-out"):
        metric(held_out, dspy.Prediction(code=""))
    assert runner.calls == []


def test_metric_caches_identical_runs(problems, runner):
    train = build_split(problems, "train")
    metric = SandboxMetric(train, runner=runner)
    example = train.dspy_examples[0]
    pred = dspy.Prediction(code=_code(example, 1))
    metric(example, pred)
    metric(example, pred)
    assert len(runner.calls) == 1 and metric.calls == 2
