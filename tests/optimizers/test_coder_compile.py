"""BootstrapFewShot on the full ``Coder`` pipeline (scripted LM, fake sandbox pieces)."""

from __future__ import annotations

import logging

import pytest
from dspy.utils import DummyLM

from dspy_coder.datasets import Problem
from dspy_coder.optimizers import compile as compile_module
from dspy_coder.optimizers.artifacts import load_program, save_program
from dspy_coder.optimizers.budgets import budget_for
from dspy_coder.pipeline import programs as programs_module
from dspy_coder.pipeline.coder import Coder
from tests.fakes.executors import FakeExecutor, FakeInterpreter, no_profiler
from tests.fakes.scripted_lm import scripted_lm

from .conftest import fake_run

GOOD = "def add(a, b):\n    return a + b\n"


def _problems(n: int = 20) -> list[Problem]:
    return [Problem(
        task_id=f"Add/{i}",
        prompt=f'def add(a, b):\n    """Add two numbers (variant {i}).\n    >>> add(1, 2)\n'
               '    3\n    """\n',
        entry_point="add",
        test="def check(candidate):\n    assert candidate(1, 2) == 3\n"
             "    assert candidate(-1, 1) == 0\n",
    ) for i in range(n)]


def _fake_coder(options=None):
    def passes_if_plus(code, name):
        return "a + b" in code, "add(1, 2) returned -1, expected 3"

    return Coder(executor=FakeExecutor(passes_if_plus), interpreter_factory=FakeInterpreter,
                 profiler=no_profiler, retry_backoff_s=0.0, **(options or {}))


@pytest.fixture
def fake_coders(monkeypatch):
    real = programs_module.make_program

    def make(kind, options=None):
        return _fake_coder(options) if kind == "coder" else real(kind, options)

    monkeypatch.setattr(compile_module, "make_program", make)


def test_bootstrap_compiles_the_pipeline_and_roundtrips(fake_coders, tmp_path):
    problems = _problems()
    lm = scripted_lm({"generated_code": [GOOD] * 40})
    options = {"routing": "simple", "max_iterations": 2}
    result = compile_module.compile_program(
        "coder", optimizer="bootstrap", budget=budget_for("light", train_size=3, dev_size=2),
        problems=problems, student_lm=lm, program_options=options, runner=fake_run)
    demos = {name: len(p.demos) for name, p in result.program.named_predictors()}
    assert any(demos.values()), demos
    assert result.dev_score == 1.0
    assert all(len(p.demos) <= 2 for _, p in result.program.named_predictors())

    save_program(result.program, tmp_path, {"program": "coder", "options": options})
    loaded = load_program(tmp_path)
    assert isinstance(loaded, Coder) and loaded.config.max_iterations == 2
    assert {n: len(p.demos) for n, p in loaded.named_predictors()} == demos


class _Messages(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(record.getMessage())


def test_gepa_on_the_pipeline_reflects_on_a_predictor_that_ran(fake_coders, tmp_path):
    """Round robin turns to the assessor, the planner and others the simple route never runs,
    and GEPA has nothing to reflect on ("No valid predictions found for any module"). Every
    iteration must reflect on a predictor the failure went through."""
    wrong = "def add(a, b):\n    return a - b\n"
    lm = scripted_lm({"generated_code": [wrong] * 200, "fixed_code": [wrong] * 200})
    reflection = DummyLM({"I provided an assistant": {"new_instruction": "```\nAdd a and b.\n```"}})
    options = {"routing": "simple", "max_iterations": 2}
    gepa_log = logging.getLogger("dspy.teleprompt.gepa.gepa")
    messages = _Messages()
    gepa_log.addHandler(messages)
    try:
        compile_module.compile_program(
            "coder", optimizer="gepa", budget=budget_for("light", train_size=3, dev_size=2),
            problems=_problems(), student_lm=lm, teacher_lm=reflection,
            program_options=options, runner=fake_run, log_dir=tmp_path, final_eval=False)
    finally:
        gepa_log.removeHandler(messages)
    iterations = [m for m in messages.texts if "Selected program" in m]
    wasted = [m for m in messages.texts if "No valid predictions" in m]
    assert len(iterations) >= 5 and not wasted, wasted  # round robin wastes most of them here
    prompt = "\n".join(str(m["content"]) for m in reflection.history[0]["messages"])
    coder = Coder()
    ran = [coder.generate.first_draft.signature.instructions,
           coder.refine_step.fix.predict.signature.instructions]
    assert any(instructions[:60] in prompt for instructions in ran)
