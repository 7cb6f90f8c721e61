"""Ctrl-C during a compile keeps the best program found so far."""

from __future__ import annotations

import signal

from dspy.utils import DummyLM

from dspy_coder.optimizers.budgets import budget_for
from dspy_coder.optimizers.compile import compile_program

from .conftest import answers_for, fake_run


def _interrupting_runner(after: int):
    """Sends the process a real SIGINT (as Ctrl-C does) on sandbox call ``after + 1``."""
    calls = {"n": 0}

    def run(code, *, tests, entry_point, limits=None):
        calls["n"] += 1
        if calls["n"] == after + 1:
            signal.raise_signal(signal.SIGINT)
        return fake_run(code, tests=tests, entry_point=entry_point)

    return run


def test_interrupted_bootstrap_keeps_collected_demos(problems):
    lm = DummyLM(answers_for(problems))
    budget = budget_for("light", max_demos=4)
    result = compile_program("baseline", optimizer="bootstrap", budget=budget, problems=problems,
                             student_lm=lm, runner=_interrupting_runner(after=2))
    assert result.interrupted
    assert "bootstrapped demos" in result.salvaged_from
    assert len(result.program.write.demos) == 2
    assert result.dev_score is None  # no final evaluation after an interrupt


def test_interrupted_search_keeps_best_tracked_candidate_and_checkpoints(problems):
    lm = DummyLM(answers_for(problems))
    saved = []
    budget = budget_for("light", train_size=3, dev_size=3)
    result = compile_program("baseline", optimizer="random-search", budget=budget,
                             problems=problems, student_lm=lm, runner=_interrupting_runner(4),
                             checkpoint=lambda program: saved.append(program.dump_state()))
    assert result.interrupted
    assert result.salvaged_from.startswith("best tracked candidate")
    assert saved and saved[-1] == result.program.dump_state()
