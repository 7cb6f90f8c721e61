"""Nothing from HumanEval's held-out test split may reach a compiled program.

Compiles on the real HumanEval splits (DummyLM, a sandbox stand-in that passes everything, so
every train run becomes a demo candidate), saves through ``run_optimization`` and scans the
saved JSON files for every test-split task id, prompt and entry point.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from dspy.clients.base_lm import GLOBAL_HISTORY
from dspy.utils import DummyLM

from dspy_coder.datasets import load_problems, select_problems
from dspy_coder.optimizers.budgets import budget_for
from dspy_coder.optimizers.session import OptimizeRequest, run_optimization
from dspy_coder.types import ExecutionResult, TestOutcome

# MIPROv2's proposer calls, recognised by the output field their final message asks for.
PROPOSER = {
    "observations": "Python function tasks.", "summary": "Python function tasks.",
    "program_description": "Writes a function.", "module_description": "Writes code.",
    "proposed_instruction": "Write a correct, complete Python function.",
}


@pytest.fixture(scope="module")
def humaneval():
    return load_problems("humaneval")


def _answers(problems):
    answers = {f"starting with the field `[[ ## {field} ## ]]`": {field: value}
               for field, value in PROPOSER.items()}
    answers.update({f"def {p.entry_point}(": {"code": p.prompt + (p.canonical_solution or "")}
                    for p in problems})
    return answers


def _always_passes(code, *, tests, entry_point, limits=None):
    _always_passes.entry_points.append(entry_point)
    return ExecutionResult(status="passed", tests=[TestOutcome(name="t", passed=True)])


def _strings(value) -> str:
    """Every string in a JSON value (keys too), one per line, unescaped."""
    if isinstance(value, dict):
        return "\n".join(_strings(k) + "\n" + _strings(v) for k, v in value.items())
    if isinstance(value, list):
        return "\n".join(_strings(v) for v in value)
    return str(value)


def _scan(text: str, held_out, allowed_text: str) -> list[str]:
    found = []
    for p in held_out:
        if re.search(rf"{re.escape(p.task_id)}(?!\d)", text):
            found.append(p.task_id)
        if p.prompt.strip() in text or p.prompt.strip()[-200:] in text:
            found.append(f"prompt of {p.task_id}")
        name = rf"\b{re.escape(p.entry_point)}\b"
        if re.search(name, text) and not re.search(name, allowed_text):
            found.append(f"entry point {p.entry_point}")
    return found


@pytest.mark.parametrize("optimizer", ["bootstrap", "mipro"])
def test_saved_program_contains_nothing_from_the_test_split(tmp_path: Path, humaneval, optimizer):
    _always_passes.entry_points = []
    history_start = len(GLOBAL_HISTORY)
    lm = DummyLM(_answers(humaneval))
    budget = budget_for("light", train_size=5, dev_size=3, max_demos=3, trials=2)
    request = OptimizeRequest(kind="baseline", optimizer=optimizer, budget=budget,
                              out_dir=tmp_path, student_spec="dummy", track=False)
    sidecar = run_optimization(request, problems=humaneval, student_lm=lm,
                               runner=_always_passes)
    held_out = select_problems(humaneval, split="test")
    train_dev = [p for p in humaneval if p not in held_out]
    allowed = "\n".join(p.prompt for p in train_dev)
    saved = [tmp_path / "program.json", tmp_path / "program.meta.json",
             *sorted((tmp_path / "checkpoint").glob("*.json"))]
    texts = {str(path.relative_to(tmp_path)): _strings(json.loads(path.read_text(encoding="utf-8")))
             for path in saved if path.exists()}
    demos_text = texts["program.json"]
    if optimizer == "bootstrap":  # positive control: train demos were saved and are scanned
        assert any(p.prompt.strip() in demos_text for p in train_dev)
    # Everything the compile sent to any LM (incl. copies: MIPROv2's proposer prompts).
    texts["lm prompts"] = "\n".join(
        str(m.get("content")) for call in GLOBAL_HISTORY[history_start:]
        for m in call.get("messages") or [])
    assert any(p.prompt.strip() in texts["lm prompts"] for p in train_dev)
    if optimizer == "mipro":
        assert "starting with the field `[[ ## proposed_instruction ## ]]`" in texts["lm prompts"]
    for name, text in texts.items():
        assert _scan(text, held_out, allowed) == [], name
    held_out_points = {p.entry_point for p in held_out}
    assert not held_out_points & set(_always_passes.entry_points)
    assert sidecar["leak_check"] == "passed"
    assert set(sidecar["split"]["train_used"]).isdisjoint(p.task_id for p in held_out)
