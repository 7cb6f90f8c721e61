"""Save/load roundtrip, the sidecar, and the held-out leak audit."""

from __future__ import annotations

import json

import pytest
from dspy.utils import DummyLM

from dspy_coder.errors import UsageError
from dspy_coder.optimizers.artifacts import (
    PROGRAM_FILE,
    SIDECAR_FILE,
    audit_leakage,
    load_program,
    read_sidecar,
    save_program,
)
from dspy_coder.optimizers.budgets import budget_for
from dspy_coder.optimizers.compile import compile_program
from dspy_coder.optimizers.data import held_out_problems
from dspy_coder.pipeline.programs import make_program

from .conftest import answers_for


def _plain(demo) -> dict:
    return {k: v for k, v in (demo.toDict() if hasattr(demo, "toDict") else demo).items()
            if k != "augmented"}


@pytest.fixture
def compiled(problems, runner):
    lm = DummyLM(answers_for(problems))
    return compile_program("baseline", optimizer="bootstrap", budget=budget_for("light"),
                           problems=problems, student_lm=lm, runner=runner, final_eval=False)


def test_save_load_roundtrip_keeps_demos_and_sidecar(tmp_path, compiled, problems):
    held_out = held_out_problems(problems)
    program_path, sidecar_path = save_program(
        compiled.program, tmp_path, {"program": "baseline", "optimizer": "bootstrap"},
        held_out=held_out)
    assert program_path.name == PROGRAM_FILE and sidecar_path.name == SIDECAR_FILE
    for path in (tmp_path, program_path):
        loaded = load_program(path)
        assert type(loaded).__name__ == "SingleShot"
        assert loaded.write.demos and [_plain(d) for d in loaded.write.demos] == [
            _plain(d) for d in compiled.program.write.demos]
    meta = read_sidecar(tmp_path)
    assert meta["program"] == "baseline" and meta["leak_check"] == "passed"
    assert meta["options"] == {} and meta["saved_at"]


def test_loaded_program_answers_with_its_demos(tmp_path, compiled, problems):
    save_program(compiled.program, tmp_path, {"program": "baseline"})
    loaded = load_program(tmp_path)
    lm = DummyLM(answers_for(problems))
    import dspy

    with dspy.context(lm=lm):
        prediction = loaded(prompt=problems[0].prompt, entry_point=problems[0].entry_point)
    assert "return x + 1" in prediction.code
    messages = lm.history[-1]["messages"]
    demo_prompt = compiled.program.write.demos[0]["prompt"]
    assert any(demo_prompt in m["content"] for m in messages)


def test_audit_catches_a_held_out_prompt_in_a_demo(tmp_path, compiled, problems):
    held_out = held_out_problems(problems)
    program = compiled.program.deepcopy()
    audit_leakage(program, held_out)  # clean
    program.write.demos[0]["prompt"] = held_out[0].prompt
    with pytest.raises(UsageError, match="held-out"):
        audit_leakage(program, held_out)
    with pytest.raises(UsageError):
        save_program(program, tmp_path, {"program": "baseline"}, held_out=held_out)
    assert not (tmp_path / PROGRAM_FILE).exists()


def test_audit_catches_held_out_ids_and_entry_points_in_instructions(compiled, problems):
    held_out = held_out_problems(problems)
    program = make_program("baseline")
    program.write.signature = program.write.signature.with_instructions(
        f"Remember def {held_out[1].entry_point}(x) from the hidden set.")
    with pytest.raises(UsageError, match=f"def {held_out[1].entry_point}"):
        audit_leakage(program, held_out)
    program.write.signature = program.write.signature.with_instructions(held_out[2].task_id)
    with pytest.raises(UsageError, match="task id"):
        audit_leakage(program, held_out)


def test_load_errors_name_the_fix(tmp_path, compiled):
    with pytest.raises(UsageError, match="No compiled program"):
        load_program(tmp_path / "missing")
    save_program(compiled.program, tmp_path, {"program": "baseline"})
    (tmp_path / SIDECAR_FILE).write_text(json.dumps({"program": "nope"}))
    with pytest.raises(UsageError, match="'program' must be one of"):
        load_program(tmp_path)
    (tmp_path / SIDECAR_FILE).unlink()
    with pytest.raises(UsageError, match="sidecar"):
        load_program(tmp_path)
