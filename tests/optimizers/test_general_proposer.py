"""GEPA's proposer refuses instructions that restate a problem it was shown (issue #18)."""

from __future__ import annotations

import json

import dspy
import pytest
from dspy.utils.dummies import DummyLM

from dspy_coder.errors import UsageError
from dspy_coder.optimizers.general_proposer import (
    GeneralInstructionProposer,
    LessonProposer,
    quotes_a_task,
    with_lesson,
)

CURRENT = ("The previous code (`previous_code`) failed when executed; `error` says how. Find the "
           "cause and respond with the complete corrected Python source in `generated_code`, "
           "defining the same function.")
SHOWN = {"Inputs": {"task": "Write a function to find the lateral surface area of a cone given "
                            "radius r and the height h.\nassert lateralsurface_cone(5,12)==204.2",
                    "previous_code": "def lateralsurface_cone(r, h):\n    return r * h",
                    "error": "AssertionError"},
         "Generated Outputs": {"generated_code": "..."}, "Feedback": "Passed 0/3."}
# what the embedded 1.5B proposed in both GEPA compiles of issue #18
RESTATED = ("I need you to write a function to find the lateral surface area of a cone given the "
            "radius r and the height h. The function should return the lateral surface area "
            "using the formula \\( \\pi r h \\).")
GENERAL = ("Read `error` first: it names the failing call and the value it returned. Fix that "
           "cause in `previous_code` and return the complete corrected source in "
           "`generated_code`, defining the same function.")


def test_a_restated_problem_is_a_quote_and_a_general_rule_is_not():
    shown = list(SHOWN["Inputs"].values())
    assert quotes_a_task(RESTATED, shown, CURRENT) == (
        'states a task of its own ("function to find")')
    assert "from a task it was shown" in quotes_a_task(RESTATED.replace("function", "f"), shown)
    assert quotes_a_task(GENERAL, shown, CURRENT) is None


def test_an_instruction_stating_a_task_of_its_own_is_refused_too():
    """What the 1.5B proposed for the first-draft step in the third compile: no quote of a task
    it was shown, but a task all the same."""
    made_up = ("Write a new Python function that takes a list of integers as input and returns "
               "the sum of all the elements in the list.")
    assert quotes_a_task(made_up, list(SHOWN["Inputs"].values()), CURRENT) == (
        'states a task of its own ("function that takes")')
    assert quotes_a_task("Define the function the prompt asks for; return the whole function.",
                         [], CURRENT) is None


def test_naming_a_function_of_the_task_is_a_quote_but_the_current_wording_is_not():
    shown = list(SHOWN["Inputs"].values())
    assert quotes_a_task("Make lateralsurface_cone use math.pi.", shown) == (
        "names lateralsurface_cone, from a task it was shown")
    # a builtin or a builtin type's method is no sign of one task
    assert quotes_a_task("Never append to a list while you iterate over it.",
                         ["def f(xs):\n    for x in xs:\n        xs.append(x)"]) is None
    # words the current instruction already has are not a quote, even where a task has them too
    assert quotes_a_task(CURRENT, [CURRENT + " and more"], CURRENT) is None


def _proposer_answering(text: str, tmp_path) -> tuple[GeneralInstructionProposer, DummyLM]:
    lm = DummyLM([{"new_instruction": text}], adapter=dspy.JSONAdapter())
    return GeneralInstructionProposer(record_to=tmp_path / "refused.jsonl"), lm


def test_the_proposer_leaves_out_a_refused_instruction_and_records_why(tmp_path):
    proposer, lm = _proposer_answering(RESTATED, tmp_path)
    with dspy.context(lm=lm):
        proposed = proposer({"fix": CURRENT}, {"fix": [SHOWN]}, ["fix"])
    assert proposed == {}  # GEPA builds no candidate from nothing and evaluates nothing
    refused = [json.loads(line) for line in (tmp_path / "refused.jsonl").read_text().splitlines()]
    assert refused[0]["component"] == "fix" and refused[0]["proposal"] == RESTATED
    assert any("general rule" in m["content"] for m in lm.history[0]["messages"])  # asked for


def test_the_proposer_keeps_a_general_instruction(tmp_path):
    proposer, lm = _proposer_answering(GENERAL, tmp_path)
    with dspy.context(lm=lm):
        assert proposer({"fix": CURRENT}, {"fix": [SHOWN]}, ["fix"]) == {"fix": GENERAL}
    assert not (tmp_path / "refused.jsonl").exists()


def test_a_lesson_is_added_to_the_instruction_which_stays_whole(tmp_path):
    lesson = "Read the failing call in `error` before you change anything."
    lm = DummyLM([{"new_instruction": lesson}], adapter=dspy.JSONAdapter())
    proposer = LessonProposer(record_to=tmp_path / "refused.jsonl")
    with dspy.context(lm=lm):
        proposed = proposer({"fix": CURRENT}, {"fix": [SHOWN]}, ["fix"])
    assert proposed == {"fix": with_lesson(CURRENT, lesson)}
    assert proposed["fix"].startswith(CURRENT) and proposed["fix"].endswith("- " + lesson)
    assert any("ONE general lesson" in m["content"] for m in lm.history[0]["messages"])


def test_a_lesson_that_restates_a_task_or_repeats_one_already_there_changes_nothing(tmp_path):
    had = with_lesson(CURRENT, "Read the error first.")
    for answer in (RESTATED, "Read the error first.",
                   "The new instruction must be at most 400 characters.",  # the 1.5B's first
                   "Check every branch. " * 30):
        lm = DummyLM([{"new_instruction": answer}], adapter=dspy.JSONAdapter())
        with dspy.context(lm=lm):
            assert LessonProposer(record_to=tmp_path / "r.jsonl")(
                {"fix": had}, {"fix": [SHOWN]}, ["fix"]) == {}


def test_optimize_builds_gepa_with_the_proposer_asked_for(problems, tmp_path):
    from dspy_coder.optimizers.budgets import budget_for
    from dspy_coder.optimizers.data import build_split
    from dspy_coder.optimizers.registry import OptimizerSetup, build_optimizer, gepa_proposer

    train = build_split(problems, "train", limit=2)
    for name, kind in (("rewrite", GeneralInstructionProposer), ("lesson", LessonProposer)):
        setup = OptimizerSetup(metric=lambda *a: 1.0, feedback_metric=lambda a, b, c, d, e: 1.0,
                               trainset=train.dspy_examples, devset=train.dspy_examples,
                               budget=budget_for("light"), student_lm=DummyLM([]),
                               teacher_lm=DummyLM([]), threads=1, seed=0, log_dir=tmp_path,
                               gepa_proposer=name)
        optimizer, _ = build_optimizer("gepa", setup)
        assert type(optimizer.custom_instruction_proposer) is kind
    with pytest.raises(UsageError, match="lesson"):
        gepa_proposer("rewrite-harder", None)


def test_the_proposer_is_a_compile_setting_only_when_it_is_not_the_default(tmp_path):
    """A compile begun before --gepa-proposer existed still resumes; a lesson compile on its
    --out is refused (another setting), as is any other command's."""
    from dspy_coder.optimizers.budgets import budget_for
    from dspy_coder.optimizers.session import OptimizeRequest

    def settings(**changes) -> dict:
        return OptimizeRequest(kind="coder", optimizer="gepa", budget=budget_for("light"),
                               out_dir=tmp_path, student_spec="dummy", track=False,
                               **changes).resume_settings()

    assert "gepa_proposer" not in settings()
    assert settings(gepa_proposer="lesson")["gepa_proposer"] == "lesson"
