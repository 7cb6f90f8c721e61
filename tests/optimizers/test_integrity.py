"""Nothing from a held-out test split (HumanEval's, MBPP's) may reach a compiled program.

Compiles on the real HumanEval splits, alone and with MBPP (DummyLM, a sandbox stand-in that
passes everything, so every train run becomes a demo candidate), saves through
``run_optimization`` and scans the saved JSON files for every test-split task id, prompt, entry
point and hidden assert.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from dspy.clients.base_lm import GLOBAL_HISTORY
from dspy.utils import DummyLM

from dspy_coder.optimizers.budgets import budget_for
from dspy_coder.optimizers.pool import load_pool
from dspy_coder.optimizers.session import OptimizeRequest, run_optimization
from dspy_coder.types import ExecutionResult, TestOutcome

# MIPROv2's proposer calls, recognised by the output field their final message asks for.
PROPOSER = {
    "observations": "Python function tasks.", "summary": "Python function tasks.",
    "program_description": "Writes a function.", "module_description": "Writes code.",
    "proposed_instruction": "Write a correct, complete Python function.",
}


@pytest.fixture(scope="module")
def pools():
    return {name: load_pool(name) for name in ("humaneval", "humaneval,mbpp-evalplus")}


def _answers(problems):
    answers = {f"starting with the field `[[ ## {field} ## ]]`": {field: value}
               for field, value in PROPOSER.items()}
    answers.update({f"def {p.entry_point}(": {"code": p.reference_code() or p.prompt}
                    for p in problems})
    return answers


def _asserts(problem) -> list[str]:
    """The hidden test's assert lines, spacing removed."""
    return ["".join(line.split())[len("assert"):] for line in problem.test.splitlines()
            if line.strip().startswith("assert ") and problem.entry_point in line]


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
    squeezed = "".join(text.split())
    for p in held_out:
        found += [f"assert of {p.task_id}" for expression in _asserts(p)
                  if expression in squeezed]
        if re.search(rf"{re.escape(p.task_id)}(?!\d)", text):
            found.append(p.task_id)
        if p.prompt.strip() in text or p.prompt.strip()[-200:] in text:
            found.append(f"prompt of {p.task_id}")
        name = rf"\b{re.escape(p.entry_point)}\b"
        if re.search(name, text) and not re.search(name, allowed_text):
            found.append(f"entry point {p.entry_point}")
    return found


@pytest.mark.parametrize("train_data", ["humaneval", "humaneval,mbpp-evalplus"])
@pytest.mark.parametrize("optimizer", ["bootstrap", "mipro"])
def test_saved_program_contains_nothing_from_the_test_split(tmp_path: Path, pools, optimizer,
                                                            train_data):
    pool = pools[train_data]
    _always_passes.entry_points = []
    history_start = len(GLOBAL_HISTORY)
    lm = DummyLM(_answers(pool.problems))
    budget = budget_for("light", train_size=5, dev_size=3, max_demos=3, trials=2)
    request = OptimizeRequest(kind="baseline", optimizer=optimizer, budget=budget,
                              out_dir=tmp_path, student_spec="dummy", track=False)
    sidecar = run_optimization(request, problems=pool, student_lm=lm,
                               runner=_always_passes)
    held_out = pool.held_out()
    assert len(held_out) == (65 if train_data == "humaneval" else 65 + 171)
    train_dev = [p for p in pool.problems if p not in held_out]
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
    if "mbpp" in train_data:  # positive control: MBPP train problems were in the compile
        assert any(t.startswith("Mbpp/") for t in sidecar["split"]["train_used"])
