"""The leak scan on MBPP: held-out MBPP ids and hidden asserts in a compiled program refuse the
save, as HumanEval's do; train/dev material does not."""

from __future__ import annotations

import re

import pytest
from dspy.utils import DummyLM

from dspy_coder.errors import UsageError
from dspy_coder.optimizers.artifacts import PROGRAM_FILE, save_program
from dspy_coder.optimizers.budgets import budget_for
from dspy_coder.optimizers.compile import compile_program
from dspy_coder.optimizers.leaks import assert_calls, audit_leakage, leaked_items, scan_for
from dspy_coder.optimizers.pool import load_pool
from dspy_coder.pipeline.programs import make_program


@pytest.fixture(scope="module")
def pool():
    return load_pool("humaneval,mbpp-evalplus")


@pytest.fixture(scope="module")
def scan(pool):
    return scan_for(pool)


def held_out_mbpp(pool, scan):
    return [p for p in scan["held_out"] if p.task_id.startswith("Mbpp/")]


def with_instructions(text: str):
    program = make_program("baseline")
    program.write.signature = program.write.signature.with_instructions(text)
    return program


def with_demo(code: str, prompt: str = "def f(x):\n    pass\n"):
    program = make_program("baseline")
    program.write.demos = [{"prompt": prompt, "entry_point": "f", "code": code}]
    return program


def test_assert_calls_read_mbpp_and_humaneval_tests_as_a_demo_would_hold_them(pool):
    mbpp = next(p for p in pool.problems if p.task_id == "Mbpp/2")
    assert assert_calls(mbpp)[0] == (
        "set(similar_elements((3, 4, 5, 6),(5, 7, 4, 10))) == set((4, 5))")
    humaneval = next(p for p in pool.problems if p.task_id == "HumanEval/0")
    calls = assert_calls(humaneval)
    assert calls and all(c.startswith("has_close_elements(") for c in calls)
    assert "candidate" not in " ".join(calls)


def test_a_held_out_mbpp_id_or_hidden_assert_refuses_the_save(pool, scan, tmp_path):
    problem = held_out_mbpp(pool, scan)[0]
    second_assert = assert_calls(problem)[1]  # never in any prompt
    for program, what in [
        (with_instructions(f"Solve it like {problem.task_id}."), f"task id {problem.task_id}"),
        (with_demo(f"def f(x):\n    return 1\n\nassert {second_assert}\n"),
         f"hidden assert of {problem.task_id}"),
        # the prompt has quotes and newlines, escaped in the JSON: found all the same
        (with_demo("def f(x):\n    return 1\n", prompt=problem.prompt),
         f"prompt of {problem.task_id}"),
    ]:
        with pytest.raises(UsageError, match=re.escape(what)):
            audit_leakage(program, **scan)
        with pytest.raises(UsageError, match="held-out"):
            save_program(program, tmp_path, {"program": "baseline"}, **scan)
        assert not (tmp_path / PROGRAM_FILE).exists()
    found = leaked_items(f"assert {' '.join(second_assert.split())}", **scan)
    assert f"hidden assert of {problem.task_id}" in " ".join(found)  # spacing ignored


def test_a_held_out_humaneval_test_renamed_from_candidate_is_caught(pool, scan):
    problem = next(p for p in scan["held_out"] if p.task_id.startswith("HumanEval/"))
    leaked = assert_calls(problem)[0]
    with pytest.raises(UsageError, match=f"hidden assert of {problem.task_id}"):
        audit_leakage(with_instructions(f"Make sure that {leaked}."), **scan)


def test_train_and_dev_material_is_not_a_leak(pool, scan):
    train = [p for p in pool.split("train") if p.task_id.startswith("Mbpp/")][0]
    program = with_demo(train.reference_code() or "", prompt=train.prompt)
    program.write.demos[0]["code"] += "".join(f"\nassert {c}" for c in assert_calls(train))
    audit_leakage(program, **scan)
    shared = {"held_out": scan["held_out"], "allowed_entry_points": set(),
              "allowed_asserts": set()}
    problem = held_out_mbpp(pool, scan)[0]
    call = assert_calls(problem)[1]
    assert leaked_items(call, **shared)
    assert not leaked_items(call, **{**shared, "allowed_asserts": {"".join(call.split())}})


def test_a_compile_on_humaneval_and_mbpp_saves_through_the_scan(pool, scan, tmp_path):
    answers = {f"def {p.entry_point}(": {"code": p.reference_code() or p.prompt}
               for p in pool.problems}

    def passes(code, *, tests, entry_point, limits=None):
        from dspy_coder.types import ExecutionResult, TestOutcome

        return ExecutionResult(status="passed", tests=[TestOutcome(name="t", passed=True)])

    result = compile_program("baseline", optimizer="bootstrap",
                             budget=budget_for("light", train_size=8, max_demos=4),
                             problems=pool, student_lm=DummyLM(answers), runner=passes,
                             final_eval=False)
    mbpp_prompts = {p.prompt for p in pool.problems if p.task_id.startswith("Mbpp/")}
    assert any(d["prompt"] in mbpp_prompts for d in result.program.write.demos)
    save_program(result.program, tmp_path, {"program": "baseline"}, **scan)
    assert (tmp_path / PROGRAM_FILE).exists()
