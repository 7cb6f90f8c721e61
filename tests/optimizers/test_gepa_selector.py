"""GEPA reflects on a predictor that ran on a failing example, not on the next one in turn."""

from __future__ import annotations

import dspy
import pytest
from dspy.utils import DummyLM

from dspy_coder.optimizers.budgets import budget_for
from dspy_coder.optimizers.data import build_split
from dspy_coder.optimizers.gepa_selector import PredictorsThatRan
from dspy_coder.optimizers.registry import OptimizerSetup, build_optimizer
from dspy_coder.pipeline.coder import Coder


class Pipeline(dspy.Module):
    def __init__(self) -> None:
        super().__init__()
        self.plan = dspy.Predict("task -> plan")
        self.write = dspy.Predict("task -> code")
        self.fix = dspy.Predict("code, failures -> fixed_code")


def _candidate(program: dspy.Module) -> dict[str, str]:
    return {name: p.signature.instructions for name, p in program.named_predictors()}


def _run(program: dspy.Module, names: list[str], score: float,
         candidate: dict[str, str] | None = None) -> dict:
    """A trajectory as DSPy's GEPA adapter records it: (predictor, inputs, outputs) entries."""
    predictors = dict(program.named_predictors())
    trace = []
    for name in names:
        predictor = predictors[name]
        if candidate is not None:  # the adapter's built program carries the candidate's text
            predictor = dspy.Predict(predictor.signature.with_instructions(candidate[name]))
        trace.append((predictor, {}, dspy.Prediction()))
    return {"trace": trace, "score": dspy.Prediction(score=score, feedback="")}


def _selector(program: dspy.Module) -> PredictorsThatRan:
    return PredictorsThatRan({n: p.signature for n, p in program.named_predictors()})


def test_it_picks_a_predictor_that_ran_on_a_failure_never_one_that_did_not_run():
    program = Pipeline()
    select = _selector(program)
    runs = [_run(program, ["write"], 1.0), _run(program, ["write", "fix"], 0.0)]
    picks = [select(None, runs, [1.0, 0.0], 0, _candidate(program))[0] for _ in range(4)]
    assert set(picks) == {"write", "fix"}  # round robin over these two; "plan" never ran
    assert picks[:2] == ["write", "fix"]


def test_failures_come_first_then_anything_that_ran():
    program = Pipeline()
    select = _selector(program)
    failing = [_run(program, ["plan"], 1.0), _run(program, ["fix"], 0.5)]
    assert select(None, failing, [1.0, 0.5], 0, _candidate(program)) == ["fix"]
    perfect = [_run(program, ["plan"], 1.0)]
    assert select(None, perfect, [1.0], 1, _candidate(program)) == ["plan"]


def test_it_matches_the_candidates_instructions_not_the_students():
    program = Pipeline()
    select = _selector(program)
    candidate = {**_candidate(program), "fix": "Fix the code; keep the signature."}
    ran = [_run(program, ["fix"], 0.0, candidate)]
    assert select(None, ran, [0.0], 3, candidate) == ["fix"]
    stale = [_run(program, ["fix"], 0.0)]  # the student's old instruction: not this candidate
    assert select(None, stale, [0.0], 4, candidate) == ["plan"]  # nothing ran: in turn


def test_it_needs_the_signatures():
    with pytest.raises(ValueError, match="signatures"):
        PredictorsThatRan({})


@pytest.mark.parametrize("with_signatures", [True, False])
def test_gepa_uses_it_when_the_setup_names_the_predictors(with_signatures, problems):
    train = build_split(problems, "train", limit=2)
    signatures = {n: p.signature for n, p in Coder().named_predictors()}
    setup = OptimizerSetup(metric=lambda *a: 1.0, feedback_metric=lambda a, b, c, d, e: 1.0,
                           trainset=train.dspy_examples, devset=train.dspy_examples,
                           budget=budget_for("light"), student_lm=DummyLM([]),
                           teacher_lm=DummyLM([]), threads=1, seed=0, log_dir=None,
                           predictor_signatures=signatures if with_signatures else {})
    optimizer, _ = build_optimizer("gepa", setup)
    if with_signatures:
        assert isinstance(optimizer.component_selector, PredictorsThatRan)
    else:
        assert optimizer.component_selector == "round_robin"


class _Lineage:
    """GEPA's state as far as the selector reads it: each candidate's parents."""

    def __init__(self, parents: list[list[int | None]]) -> None:
        self.parent_program_for_candidate = parents


def test_a_child_starts_from_its_parents_picks_not_from_scratch():
    program = Pipeline()
    select = _selector(program)
    runs = [_run(program, ["write", "fix"], 0.0)]
    state = _Lineage([[None], [0]])  # candidate 1 was made from candidate 0
    assert select(state, runs, [0.0], 0, _candidate(program)) == ["write"]
    # the child's first reflection moves on to the step its parent has not been changed in
    assert select(state, runs, [0.0], 1, _candidate(program)) == ["fix"]
    assert select(state, runs, [0.0], 1, _candidate(program)) == ["write"]


def test_a_merge_takes_the_most_picks_of_either_parent():
    program = Pipeline()
    select = _selector(program)
    runs = [_run(program, ["plan", "write", "fix"], 0.0)]
    state = _Lineage([[None], [None], [0, 1]])
    select(state, runs, [0.0], 0, _candidate(program))  # plan
    select(state, runs, [0.0], 1, _candidate(program))  # plan
    select(state, runs, [0.0], 1, _candidate(program))  # write
    assert select(state, runs, [0.0], 2, _candidate(program)) == ["fix"]


def test_gepa_s_evaluation_cache_is_on_only_where_it_keeps_train_and_dev_apart(problems):
    """gepa 0.1.4 answers dev example i with train example i's cached result (gepa#424): the
    seed program's dev score became 0.861 of training scores against its real 0.662."""
    import inspect

    from gepa.core.state import EvaluationCache

    mixes_up = False  # a gepa whose lookups name the set (gepa#425) cannot mix them up
    if "split" not in inspect.signature(EvaluationCache.get).parameters:
        cache = EvaluationCache()
        candidate = {"plan": "Plan it."}
        cache.put(candidate, 0, output="train example 0's answer", score=1.0)
        mixes_up = cache.get(candidate, 0) is not None  # asked for dev example 0
    train = build_split(problems, "train", limit=2)
    setup = OptimizerSetup(metric=lambda *a: 1.0, feedback_metric=lambda a, b, c, d, e: 1.0,
                           trainset=train.dspy_examples, devset=train.dspy_examples,
                           budget=budget_for("light"), student_lm=DummyLM([]),
                           teacher_lm=DummyLM([]), threads=1, seed=0, log_dir=None)
    optimizer, _ = build_optimizer("gepa", setup)
    assert optimizer.gepa_kwargs["cache_evaluation"] is not mixes_up
