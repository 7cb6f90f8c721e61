"""GEPA mechanics: the feedback metric's concrete failures reach the reflection LM."""

from __future__ import annotations

from dspy.utils import DummyLM

from dspy_coder.optimizers.budgets import budget_for
from dspy_coder.optimizers.compile import compile_program
from dspy_coder.optimizers.data import build_split, held_out_problems

from .conftest import answers_for

NEW_INSTRUCTION = "Return x plus the number named in the docstring, exactly."


def test_gepa_reflects_on_concrete_failures(problems, runner, tmp_path):
    train = build_split(problems, "train", limit=4)
    wrong = {e.entry_point for e in train.dspy_examples}
    student = DummyLM(answers_for(problems, wrong=wrong))
    reflection = DummyLM({"I provided an assistant": {"new_instruction":
                                                      f"```\n{NEW_INSTRUCTION}\n```"}})
    budget = budget_for("light", train_size=4, dev_size=2)
    result = compile_program("baseline", optimizer="gepa", budget=budget, problems=problems,
                             student_lm=student, teacher_lm=reflection, runner=runner,
                             log_dir=tmp_path, final_eval=False)
    prompts = "\n".join(str(m["content"]) for call in reflection.history
                        for m in call["messages"])
    assert reflection.history, "GEPA never called the reflection LM"
    assert "Passed 0/3 of the task's tests" in prompts
    assert "failed" in prompts and "assert candidate(0) ==" in prompts
    held_out = held_out_problems(problems)
    assert not any(p.entry_point in prompts for p in held_out)
    assert result.optimizer == "gepa" and result.trial_scores
    assert (tmp_path / "gepa").is_dir()  # GEPA's resumable run state
