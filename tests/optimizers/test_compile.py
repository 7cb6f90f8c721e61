"""Compile mechanics with DummyLM and the in-process fake sandbox."""

from __future__ import annotations

import dspy
import pytest
from dspy.utils import DummyLM

from dspy_coder.optimizers.budgets import budget_for
from dspy_coder.optimizers.compile import compile_program
from dspy_coder.optimizers.data import build_split, held_out_problems
from dspy_coder.optimizers.registry import OPTIMIZERS, OptimizerSetup, build_optimizer

from .conftest import answers_for


def _demo_entry_points(program) -> list[str]:
    return [demo["prompt"].split("(")[0].removeprefix("def ") for demo in program.write.demos]


def test_bootstrap_keeps_only_demos_that_pass_their_tests(problems, runner):
    train = build_split(problems, "train", limit=6)
    wrong = set([e.entry_point for e in train.dspy_examples][:3])
    lm = DummyLM(answers_for(problems, wrong=wrong))
    result = compile_program("baseline", optimizer="bootstrap", budget=budget_for("light"),
                             problems=problems, student_lm=lm, runner=runner)
    demos = _demo_entry_points(result.program)
    assert len(demos) == 2  # light: at most 2 demos, and 3 train problems pass
    assert not set(demos) & wrong
    assert set(demos) <= set(train.tests and [e.entry_point for e in train.dspy_examples])
    assert result.train_score is not None and 0 < result.train_score <= 1
    assert result.dev_score == 1.0 and result.dev_solved == 1.0
    assert result.lm_calls_total >= 5 and not result.interrupted


def test_teacher_lm_produces_the_demos(problems, runner):
    all_wrong = {p.entry_point for p in problems}
    student = DummyLM(answers_for(problems, wrong=all_wrong))
    teacher = DummyLM(answers_for(problems))
    result = compile_program("baseline", optimizer="bootstrap", budget=budget_for("light"),
                             problems=problems, student_lm=student, teacher_lm=teacher,
                             runner=runner, final_eval=False)
    assert len(_demo_entry_points(result.program)) == 2
    assert set(result.lm_calls) == {"dummy"}  # both are DummyLMs; counted per model name
    assert teacher.history and not any(
        e in str(student.history) for e in _demo_entry_points(result.program)
    )
    assert result.train_score is None


def test_random_search_picks_a_candidate_and_reports_trials(problems, runner):
    lm = DummyLM(answers_for(problems))
    budget = budget_for("light", train_size=4, dev_size=3)
    result = compile_program("baseline", optimizer="random-search", budget=budget,
                             problems=problems, student_lm=lm, runner=runner)
    assert result.optimizer == "random-search"
    assert len(result.optimizer_trials) == 2 + budget.num_candidates  # seeds -3, -1, 0..n-1
    assert result.trial_scores and all(t["runs"] >= 1 for t in result.trial_scores)
    assert result.dev_score == 1.0


def test_simba_compiles_with_dummy_lm(problems, runner):
    lm = DummyLM(answers_for(problems))
    budget = budget_for("light", train_size=3, trials=2)
    result = compile_program("baseline", optimizer="simba", budget=budget, problems=problems,
                             student_lm=lm, runner=runner, final_eval=False)
    assert isinstance(result.program, dspy.Module)
    assert result.trial_scores


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_is_configured_from_the_budget(name, problems, runner):
    budget = budget_for("medium")
    train = build_split(problems, "train")
    setup = OptimizerSetup(metric=lambda *a: 1.0, feedback_metric=lambda a, b, c, d, e: 1.0,
                           trainset=train.dspy_examples, devset=train.dspy_examples, budget=budget,
                           student_lm=DummyLM([]), teacher_lm=DummyLM([]), threads=2, seed=0,
                           log_dir=None)
    optimizer, kwargs = build_optimizer(name, setup)
    assert kwargs["trainset"] == train.dspy_examples
    values = vars(optimizer)
    expected = {
        "bootstrap": ("max_bootstrapped_demos", budget.max_demos),
        "random-search": ("num_candidate_sets", budget.num_candidates),
        "mipro": ("num_candidates", budget.num_candidates),
        "gepa": ("max_metric_calls", budget.gepa_metric_calls),
        "simba": ("max_steps", budget.trials // 2),
    }[name]
    assert values[expected[0]] == expected[1]


def test_compile_never_touches_held_out_problems(problems, runner):
    lm = DummyLM(answers_for(problems))
    compile_program("baseline", optimizer="random-search", budget=budget_for("light"),
                    problems=problems, student_lm=lm, runner=runner, baseline_eval=True)
    held_out = {p.entry_point for p in held_out_problems(problems)}
    assert runner.calls and not held_out & set(runner.calls)
    assert not any(e in str(lm.history) for e in held_out)


def test_optimizer_trials_are_fractions_whatever_scale_the_optimizer_used():
    from types import SimpleNamespace

    from dspy_coder.optimizers.compile import _optimizer_trials

    program = SimpleNamespace(
        candidate_programs=[{"score": 66.67, "seed": -1}, {"score": 0.5}],
        trial_logs={1: {"full_eval_score": 88.89}, 2: {"mb_score": 0.25}, 3: {"other": 1}},
    )
    trials = _optimizer_trials(program)
    assert [(t["source"], round(t["score"], 4)) for t in trials] == [
        ("candidate_programs", 0.6667), ("candidate_programs", 0.5),
        ("trial_logs", 0.8889), ("trial_logs", 0.25),
    ]
    assert trials[0]["seed"] == -1


@pytest.mark.parametrize(
    ("kind", "window", "sees_source"),
    [("baseline", 8192, True), ("coder", 8192, False), ("coder", None, True)],
)
def test_miprov2s_proposer_sees_the_program_source_only_if_it_fits_the_window(
    kind, window, sees_source, problems
):
    """The 1.5B teacher failed MIPROv2 on the pipeline: its 35k-character source in every
    proposal prompt exceeded the local models' 8192-token window."""
    from types import SimpleNamespace

    from dspy_coder.optimizers.compile import _source_chars
    from dspy_coder.pipeline.programs import make_program

    teacher = DummyLM([])
    if window is not None:  # a local model reports its window; a remote one does not
        teacher.engine = SimpleNamespace(n_ctx=window)
    train = build_split(problems, "train")
    setup = OptimizerSetup(metric=lambda *a: 1.0, feedback_metric=lambda a, b, c, d, e: 1.0,
                           trainset=train.dspy_examples, devset=train.dspy_examples,
                           budget=budget_for("light"), student_lm=DummyLM([]),
                           teacher_lm=teacher, threads=1, seed=0, log_dir=None,
                           program_source_chars=_source_chars(make_program(kind, {})))
    _optimizer, kwargs = build_optimizer("mipro", setup)
    assert kwargs["program_aware_proposer"] is sees_source
