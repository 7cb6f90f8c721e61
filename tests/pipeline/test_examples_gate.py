"""The ``examples`` gate: a person confirms or fixes the expected results the test writer
proposes for a task without examples, and they become the task's ground truth."""

from __future__ import annotations

import dspy

from dspy_coder.pipeline.approval import Approval, Decision
from dspy_coder.pipeline.coder import Coder
from dspy_coder.sandbox import run as sandbox_run
from tests.fakes.executors import FakeExecutor, FakeInterpreter, no_profiler
from tests.fakes.scripted_lm import all_prompts, history_mark, lm_calls_since, scripted_lm
from tests.pipeline.test_approval import Person
from tests.pipeline.test_coder import GOOD, PROMPT, make_coder, passes_if_plus, run

STUB = ('def same_chars(s0: str, s1: str):\n    """\n    Check if two words have the same '
        'characters.\n    """\n')
COUNTS = "def same_chars(s0: str, s1: str):\n    return sorted(s0) == sorted(s1)\n"
SETS = "def same_chars(s0: str, s1: str):\n    return set(s0) == set(s1)\n"
# the model's reading (stripped HumanEval/54): the same characters, counted
MISREAD = ("def test_a():\n    assert same_chars('abc', 'aabbcc') == False\n"
           "    assert same_chars('ab', 'ba')\n")


def sandboxed(person: Person, rounds: int = 3, **options) -> Coder:
    options.setdefault("drafts", 0)
    return Coder(executor=sandbox_run, interpreter_factory=FakeInterpreter,
                 profiler=no_profiler, retry_backoff_s=0.0, routing="simple",
                 refine_strategy="repair", max_iterations=2,
                 approval=Approval(person, ("examples",), rounds, by="test"), **options)


def solve(lm, coder: Coder, prompt: str = STUB):
    with dspy.context(lm=lm):
        return coder(prompt=prompt).report


def test_a_fixed_expectation_becomes_ground_truth_and_the_right_code_wins():
    person = Person(Decision(verdict="edit", edited=(
        "same_chars('abc', 'aabbcc') == True\nsame_chars('ab', 'ba') == True\n"
        "same_chars('ab', 'abc') == False\n")))
    lm = scripted_lm({"test_code": [{"test_code": MISREAD, "make_input": ""}],
                      "generated_code": [COUNTS], "fixed_code": [SETS]})
    mark = history_mark()
    report = solve(lm, sandboxed(person))
    shown = person.seen[0]
    assert shown.gate == "examples"
    assert "same_chars('abc', 'aabbcc') == False" in shown.text  # the writer's reading
    assert "same_chars('ab', 'ba') == True" in shown.text
    assert [(e.call, e.expected) for e in report.task.examples] == [
        ("same_chars('abc', 'aabbcc')", "True"), ("same_chars('ab', 'ba')", "True"),
        ("same_chars('ab', 'abc')", "False")]
    assert "Examples:\n    same_chars('abc', 'aabbcc') == True" in report.task.prompt
    # the coder was shown the person's examples, the first draft failed them, the fix won
    assert "same_chars('abc', 'aabbcc') == True" in all_prompts(lm_calls_since(mark))
    assert [a.code for a in report.attempts] == [COUNTS, SETS]
    assert report.attempts[0].score < 1.0
    assert report.code == SETS and report.status == "success"
    assert {t.source for t in report.tests if t.vetted} >= {"docstring"}
    assert report.approvals[0].gate == "examples" and report.approvals[0].edited
    assert any("confirmed 3 example(s)" in note for note in report.notes)


def test_approved_proposals_are_the_examples_as_written():
    person = Person(Decision(verdict="approve"))
    lm = scripted_lm({"test_code": [{"test_code": MISREAD, "make_input": ""}],
                      "generated_code": [COUNTS]})
    report = solve(lm, sandboxed(person))
    assert [(e.call, e.expected) for e in report.task.examples] == [
        ("same_chars('abc', 'aabbcc')", "False"), ("same_chars('ab', 'ba')", "True")]
    assert report.code == COUNTS and report.status == "success"  # what the person approved


def test_a_rejection_redraws_the_proposals_with_the_reason_then_gives_up_without_examples():
    person = Person(Decision(verdict="reject", reason="repeats do not matter"),
                    Decision(verdict="reject", reason="still wrong"))
    other = "def test_b():\n    assert same_chars('aab', 'ab') == False\n"
    lm = scripted_lm({"test_code": [{"test_code": MISREAD, "make_input": ""},
                                    {"test_code": other, "make_input": ""}],
                      "generated_code": [COUNTS] * 4})
    mark = history_mark()
    report = solve(lm, sandboxed(person, rounds=2))
    assert "Their reason: repeats do not matter" in all_prompts(lm_calls_since(mark))
    assert "same_chars('aab', 'ab') == False" in person.seen[1].text
    assert report.task.examples == [] and report.task.prompt == STUB
    assert any("did not confirm examples in 2 round(s)" in note for note in report.notes)
    assert report.status != "success"  # nothing vouches for it


def test_an_edit_with_no_readable_line_is_shown_back_and_asked_again():
    person = Person(Decision(verdict="edit", edited="repeats do not matter\n"),
                    Decision(verdict="edit", edited="same_chars('aab', 'ab') == True\noops\n"))
    lm = scripted_lm({"test_code": [{"test_code": MISREAD, "make_input": ""}],
                      "generated_code": [SETS]})
    report = solve(lm, sandboxed(person))
    assert "None of your lines reads as an example: repeats do not matter" in person.seen[1].text
    assert "same_chars('abc', 'aabbcc') == False" in person.seen[1].text  # same proposals
    assert [e.call for e in report.task.examples] == ["same_chars('aab', 'ab')"]
    assert any("Left out of the reviewer's examples" in note and "oops" in note
               for note in report.notes)
    assert report.status == "success"


def test_a_task_with_examples_or_without_proposals_asks_nobody():
    person = Person()
    report = run(scripted_lm({"generated_code": [GOOD]}),
                 make_coder(FakeExecutor(passes_if_plus),
                            approval=Approval(person, ("examples",), by="test"))).report
    assert person.seen == [] and report.task.prompt == PROMPT and report.status == "success"
    assert "The examples gate was not asked: the task has 2 example(s) of its own." in report.notes
    no_literals = "def test_a():\n    s = 'ab'\n    assert same_chars(s, s)\n"
    lm = scripted_lm({"test_code": [{"test_code": no_literals, "make_input": ""}] * 2,
                      "generated_code": [SETS] * 4})
    report = solve(lm, sandboxed(person))
    assert person.seen == []
    assert any("examples gate was not asked" in note for note in report.notes)


def test_a_task_naming_no_function_is_not_asked_and_the_note_says_how_to_name_one():
    person = Person()
    lm = scripted_lm({"generated_code": ["def double(x):\n    return 2 * x\n"] * 4})
    report = solve(lm, sandboxed(person), prompt="Write a function that doubles a number.")
    assert person.seen == [] and report.task.entry_point is None
    assert any("names no function to call (name it in the task" in note
               for note in report.notes)


def test_a_person_keeps_proposals_by_their_numbers():
    person = Person(Decision(verdict="edit", edited="2"))
    lm = scripted_lm({"test_code": [{"test_code": MISREAD, "make_input": ""}],
                      "generated_code": [SETS]})
    report = solve(lm, sandboxed(person))
    assert "[1] same_chars('abc', 'aabbcc') == False" in person.seen[0].text
    assert "[2] same_chars('ab', 'ba') == True" in person.seen[0].text
    assert [f"{e.call} == {e.expected}" for e in report.task.examples] == [
        "same_chars('ab', 'ba') == True"]
    assert report.status == "success"


PROSE = "Write a function same_chars(s0, s1) that checks if two words have the same characters."


def test_a_task_in_prose_naming_its_function_is_asked_and_the_examples_go_at_its_end():
    """Before prose tasks named their entry point, this task was not asked ("names no function
    to call") and its run ended unverified."""
    person = Person(Decision(verdict="edit", edited="same_chars('abc', 'aabbcc') == True\n"))
    lm = scripted_lm({"test_code": [{"test_code": MISREAD, "make_input": ""}],
                      "generated_code": [COUNTS], "fixed_code": [SETS]})
    report = solve(lm, sandboxed(person), prompt=PROSE)
    assert report.task.entry_point == "same_chars" and person.seen[0].gate == "examples"
    assert report.task.prompt == f"{PROSE}\n\nExamples:\nsame_chars('abc', 'aabbcc') == True\n"
    assert [(e.call, e.expected) for e in report.task.examples] == [
        ("same_chars('abc', 'aabbcc')", "True")]
    assert report.code == SETS and report.status == "success"
