"""The ``questions`` gate: after the sampling round of a task without examples, the person
says what the function returns where the candidates disagree, and the answer picks the
candidate (stripped HumanEval/54's sorted-letters majority against a set-of-letters minority)."""

from __future__ import annotations

import dspy

from dspy_coder.pipeline.approval import Approval, Decision
from dspy_coder.pipeline.coder import Coder
from dspy_coder.sandbox import run as sandbox_run
from tests.fakes.executors import FakeInterpreter, no_profiler
from tests.fakes.scripted_lm import scripted_lm
from tests.pipeline.test_approval import Person
from tests.pipeline.test_examples_gate import COUNTS, SETS, STUB

# the writer's tests: both readings pass the first; the second input separates them
TESTS = ("def test_a():\n    assert same_chars('ab', 'ba') == True\n"
         "    assert same_chars('abc', 'aabbcc') == False\n")
ANSWER = "same_chars('abc', 'aabbcc') == True"


def sandboxed(person: Person, gates=("questions",)) -> Coder:
    return Coder(executor=sandbox_run, interpreter_factory=FakeInterpreter,
                 profiler=no_profiler, retry_backoff_s=0.0, routing="simple",
                 refine_strategy="repair", max_iterations=3, drafts=3,
                 approval=Approval(person, gates, by="test"))


def solve(person: Person, codes: list[str], gates=("questions",)):
    lm = scripted_lm({"test_code": [{"test_code": TESTS, "make_input": ""}],
                      "generated_code": codes, "fixed_code": [COUNTS] * 3})
    with dspy.context(lm=lm):
        return sandboxed(person, gates)(prompt=STUB).report


def test_the_person_s_answer_where_candidates_disagree_picks_the_minority_that_read_it_right():
    person = Person(Decision(verdict="edit", edited="2\n"))  # the second line offered
    report = solve(person, [COUNTS, COUNTS, SETS, COUNTS])
    asked = person.seen[0]
    assert asked.gate == "questions"
    assert "[1] same_chars('abc', 'aabbcc') == False    (3 candidates)" in asked.text
    assert "[2] same_chars('abc', 'aabbcc') == True    (1 candidate)" in asked.text
    assert "same_chars('ab', 'ba')" not in asked.text  # they agree there: no question
    assert [f"{e.call} == {e.expected}" for e in report.task.examples] == [ANSWER]
    assert report.code.strip() == SETS.strip() and report.status == "success"
    assert report.stop_reason == "threshold"
    counted = {t.name for t in report.tests if t.vetted}
    assert {"test_docstring_example_1", "test_generated_1"} <= counted
    assert "test_generated_2" not in counted  # it expects False: no candidate passing the
    # person's example passes it, so it no longer counts
    assert any("answered 1 question(s)" in note for note in report.notes)


def test_without_an_answer_the_run_goes_on_as_before():
    person = Person(Decision(verdict="approve"))
    report = solve(person, [COUNTS, COUNTS, SETS, COUNTS])
    assert len(person.seen) == 1 and report.task.examples == []
    assert report.code.strip() == COUNTS.strip()  # the majority's reading, as without the gate


def test_candidates_that_agree_everywhere_are_not_asked_about():
    person = Person()
    report = solve(person, [COUNTS] * 4)
    assert person.seen == []
    assert any("not asked: the candidates return the same values" in note
               for note in report.notes)


def test_a_person_answers_with_numbers_or_with_lines_copied_or_written():
    from dspy_coder.task.confirmed_examples import chosen_lines

    offered = ["f(1) == 2", "f(1) == 3", "f(2) == 4", "f(2) == 5"]
    assert chosen_lines("2", offered) == ["f(1) == 3"]
    assert chosen_lines("1, 4\n", offered) == ["f(1) == 2", "f(2) == 5"]
    assert chosen_lines("  [2] f(1) == 3    (1 candidate)\nf(2) == 6\n", offered) == [
        "f(1) == 3", "f(2) == 6"]
    assert chosen_lines("7", offered) == ["7"]  # no such line: read as text (and left out)



def test_without_the_gate_the_report_and_terminal_say_where_the_candidates_disagree():
    from dspy_coder.judge.reporting import OPEN_QUESTIONS_NOTE, render_report

    report = solve(Person(), [COUNTS, COUNTS, SETS, COUNTS], gates=())
    notes = [n for n in report.notes if n.startswith(OPEN_QUESTIONS_NOTE)]
    assert notes == [
        f"{OPEN_QUESTIONS_NOTE} `same_chars('abc', 'aabbcc'): False (3 candidates), True (1 "
        "candidate); this answer returns False`. Say which is right with examples in the task, "
        "or let --approve questions ask you."]
    assert notes[0] in render_report(report)


def test_nothing_is_said_once_the_person_settled_it_or_the_candidates_agree():
    from dspy_coder.judge.reporting import OPEN_QUESTIONS_NOTE

    answered = solve(Person(Decision(verdict="edit", edited="2\n")), [COUNTS, COUNTS, SETS, COUNTS])
    agreeing = solve(Person(), [COUNTS] * 4, gates=())
    for report in (answered, agreeing):
        assert not any(n.startswith(OPEN_QUESTIONS_NOTE) for n in report.notes)
