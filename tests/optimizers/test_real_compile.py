"""One tiny real compile: 0.5B model, 2 train problems, BootstrapFewShot, at most 1 demo."""

from __future__ import annotations

import pytest

from dspy_coder.datasets import load_problems, select_problems
from dspy_coder.optimizers.artifacts import load_program
from dspy_coder.optimizers.budgets import budget_for
from dspy_coder.optimizers.session import OptimizeRequest, run_optimization


@pytest.mark.real_model
def test_tiny_real_bootstrap_compile(tmp_path):
    from dspy_coder.lm import make_lm

    problems = load_problems("humaneval")
    # no DSPy cache: every call is real (with a warm cache the compile took ~0 s)
    lm = make_lm("local:qwen2.5-coder-0.5b", temperature=0.0, max_tokens=384, seed=0, cache=False)
    budget = budget_for("light", train_size=2, dev_size=1, max_demos=1)
    request = OptimizeRequest(kind="baseline", optimizer="bootstrap", budget=budget,
                              out_dir=tmp_path, student_spec="local:qwen2.5-coder-0.5b",
                              track=False)
    meta = run_optimization(request, problems=problems, student_lm=lm)

    assert meta["split"]["train_used"] and len(meta["split"]["train_used"]) == 2
    assert 0.0 <= meta["scores"]["train"] <= 1.0 and 0.0 <= meta["scores"]["dev"] <= 1.0
    assert meta["lm_calls"]["compile"] >= 1 and meta["compile_seconds"] > 0
    program = load_program(tmp_path)
    demos = program.write.demos
    assert len(demos) <= 1
    held_out = {p.task_id for p in select_problems(problems, split="test")}
    train_prompts = {p.prompt for p in problems if p.task_id in meta["split"]["train_used"]}
    assert all(d["prompt"] in train_prompts for d in demos)
    assert not held_out & set(meta["split"]["train_used"] + meta["split"]["dev_used"])
