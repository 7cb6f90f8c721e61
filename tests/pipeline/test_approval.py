"""Human approval gates in the Coder loop, with a scripted LM, a fake executor and scripted
answers from the person."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from dspy_coder.errors import UsageError
from dspy_coder.pipeline.approval import Approval, ApprovalRequest, ApprovalSourceError, Decision
from dspy_coder.pipeline.approval_sources import (
    CommandApprover,
    FileApprover,
    TerminalApprover,
    approval_from_options,
    parse_gates,
)
from dspy_coder.pipeline.events import watching
from tests.fakes.executors import FakeExecutor
from tests.fakes.scripted_lm import all_prompts, history_mark, lm_calls_since, scripted_lm
from tests.pipeline.test_coder import GOOD, bad, make_coder, passes_if_plus, run

OTHER_GOOD = "def add(a, b):\n    return sum((a, b))\n"


class Person:
    """Answers gates from a list and keeps what it was shown."""

    def __init__(self, *answers: Decision | dict) -> None:
        self.answers, self.seen = list(answers), []

    def __call__(self, request: ApprovalRequest) -> Decision | dict:
        self.seen.append(request)
        return self.answers.pop(0)


def approving(person: Person, gates=("final",), rounds: int = 3) -> Approval:
    return Approval(person, gates, rounds, by="test")


def test_a_rejected_result_goes_back_as_a_refinement_round_with_the_reason():
    person = Person(Decision(verdict="reject", reason="use sum() for clarity"),
                    Decision(verdict="approve"))
    lm = scripted_lm({"generated_code": [GOOD], "fixed_code": [OTHER_GOOD]})
    mark = history_mark()
    coder = make_coder(FakeExecutor(lambda code, name: (True, "")),
                       approval=approving(person))
    events = []
    with watching(events.append):
        report = run(lm, coder).report
    assert "use sum() for clarity" in all_prompts(lm_calls_since(mark))
    assert [e.message for e in events if e.kind.startswith("approval")] == [
        "final approval asked (round 1)", "final: reject", "final approval asked (round 2)",
        "final: approve"]
    assert [a.verdict for a in report.approvals] == ["reject", "approve"]
    assert report.approvals[0].iteration == 1 and report.approvals[0].by == "test"
    assert report.code == OTHER_GOOD and report.status == "success"
    assert report.attempts[0].rejected == "use sum() for clarity"
    assert person.seen[0].gate == "final" and GOOD.strip() in person.seen[0].text
    assert (person.seen[0].tests_passed, person.seen[0].tests_total) == (2, 2)


def test_an_edited_result_is_run_and_shown_again_and_becomes_the_answer():
    person = Person(Decision(verdict="edit", edited=OTHER_GOOD), Decision(verdict="approve"))
    lm = scripted_lm({"generated_code": [GOOD]})
    report = run(lm, make_coder(FakeExecutor(passes_if_plus), approval=approving(person))).report
    assert report.code == OTHER_GOOD
    assert [a.stage for a in report.attempts] == ["generate", "edit"]
    # its tests ran: the fake passes only "a + b", so the edit fails and the person saw that
    assert "returned -1" in person.seen[1].text and person.seen[1].tests_passed == 0
    assert report.status == "failed" and report.approvals[0].edited


def test_rejections_past_the_rounds_stop_the_run_with_the_answer_marked_rejected():
    person = Person(*[Decision(verdict="reject", reason=f"no {i}") for i in range(2)])
    lm = scripted_lm({"generated_code": [GOOD], "fixed_code": [OTHER_GOOD]})
    coder = make_coder(FakeExecutor(lambda code, name: (True, "")),
                       approval=approving(person, rounds=2))
    report = run(lm, coder).report
    assert report.stop_reason == "rejected"
    assert report.status == "unverified"
    best = next(a for a in report.attempts if a.code == report.code)
    assert f"The reviewer rejected this answer: {best.rejected}" in report.notes
    assert all(a.rejected for a in report.attempts)


def test_an_approved_failing_result_ends_the_run_as_it_stands():
    person = Person(Decision(verdict="approve"))
    lm = scripted_lm({"generated_code": [bad("g")], "fixed_code": [bad("r")]})
    coder = make_coder(FakeExecutor(passes_if_plus), max_iterations=2, approval=approving(person))
    report = run(lm, coder).report
    assert report.stop_reason == "max_iterations" and report.status == "failed"
    assert len(person.seen) == 1 and "add(1, 2) returned -1" in person.seen[0].text


def test_the_plan_gate_plans_even_a_simple_task_and_replans_with_the_reason():
    person = Person(Decision(verdict="reject", reason="handle floats"),
                    Decision(verdict="approve"))
    second = {"approach": "add floats too", "steps": ["return a + b"], "edge_cases": [],
              "time_complexity": "O(1)"}
    lm = scripted_lm({"approach": [{"approach": "ints only", "steps": [], "edge_cases": [],
                                    "time_complexity": "O(1)"}, second],
                      "generated_code": [GOOD]})
    mark = history_mark()
    report = run(lm, make_coder(FakeExecutor(passes_if_plus),
                                approval=approving(person, gates=("plan",)))).report
    assert report.route == "simple" and report.plan.approach == "add floats too"
    assert "Approach: ints only" in person.seen[0].text
    assert "Their reason: handle floats" in all_prompts(lm_calls_since(mark))
    assert report.status == "success"


def test_a_plan_rejected_every_round_writes_no_code():
    person = Person(*[Decision(verdict="reject", reason="no") for _ in range(2)])
    lm = scripted_lm({"generated_code": [GOOD]})
    report = run(lm, make_coder(FakeExecutor(passes_if_plus),
                                approval=approving(person, ("plan",), rounds=2))).report
    assert report.stop_reason == "plan_rejected" and report.attempts == []
    assert report.status == "failed" and "rejected the plan 2 time(s)" in report.error_trail[-1]


def test_an_edited_plan_is_used_as_written():
    person = Person(Decision(verdict="edit", edited="Add with the + operator."))
    lm = scripted_lm({"generated_code": [GOOD]})
    mark = history_mark()
    report = run(lm, make_coder(FakeExecutor(passes_if_plus),
                                approval=approving(person, ("plan",)))).report
    assert report.plan.approach == "Add with the + operator."
    assert "Add with the + operator." in all_prompts(lm_calls_since(mark))


def test_an_approval_source_that_fails_stops_the_run_and_keeps_the_report(tmp_path: Path):
    answers = tmp_path / "answers.jsonl"
    answers.write_text(json.dumps({"gate": "final", "verdict": "reject", "reason": "x"}) + "\n")
    approval = Approval(FileApprover(answers), ("final",), 3, by=f"file:{answers}")
    lm = scripted_lm({"generated_code": [GOOD], "fixed_code": [OTHER_GOOD]})
    report = run(lm, make_coder(FakeExecutor(lambda c, n: (True, "")), approval=approval)).report
    assert report.stop_reason == "approval_failed"
    assert "has no answer left for the final gate" in report.error_trail[-1]
    assert len(report.attempts) == 2 and len(report.approvals) == 1


def test_a_malformed_answer_is_an_approval_source_error():
    approval = Approval(lambda request: {"verdict": "maybe"}, ("final",), by="test")
    with pytest.raises(ApprovalSourceError, match="not a decision"):
        approval.ask(ApprovalRequest(gate="final", text="x"))
    with pytest.raises(ApprovalSourceError, match="needs the edited text"):
        Approval(lambda r: {"verdict": "edit"}).ask(ApprovalRequest(gate="final", text="x"))


def test_asking_for_approval_without_a_terminal_or_a_source_fails_at_once(tmp_path: Path):
    with pytest.raises(UsageError, match="not one: give --approval-command"):
        approval_from_options(["final"], None, None, interactive=False)
    with pytest.raises(UsageError, match="plan, examples, questions, final"):
        parse_gates("plan,deploy")
    with pytest.raises(UsageError, match="need --approve"):
        approval_from_options([], "cat", None, interactive=False)
    with pytest.raises(UsageError, match="does not exist"):
        approval_from_options(["plan"], None, tmp_path / "missing.jsonl", interactive=False)
    assert approval_from_options(parse_gates("auto"), None, None, interactive=False) is None
    terminal = approval_from_options(["plan", "final"], None, None, interactive=True)
    assert terminal.asks("plan") and terminal.by.startswith("terminal:")


def test_an_answer_file_must_name_its_gate(tmp_path: Path):
    answers = tmp_path / "a.jsonl"
    answers.write_text('{"verdict": "approve"}\n')
    with pytest.raises(UsageError, match="line 1: say which gate"):
        FileApprover(answers)
    answers.write_text("approve\n")
    with pytest.raises(UsageError, match="line 1 is not JSON"):
        FileApprover(answers)


def test_a_command_reads_the_request_and_answers_the_decision():
    script = ("import json, sys; r = json.load(sys.stdin); "
              "print(json.dumps({'verdict': 'reject', 'reason': r['gate'] + ' ' + r['text']}))")
    approver = CommandApprover(f"{sys.executable} -c \"{script}\"")
    answer = approver(ApprovalRequest(gate="plan", text="Approach: x"))
    assert answer == {"verdict": "reject", "reason": "plan Approach: x"}
    failing = CommandApprover(f"{sys.executable} -c \"import sys; sys.exit('no reviewer')\"")
    with pytest.raises(ApprovalSourceError, match="exited 1: no reviewer"):
        failing(ApprovalRequest(gate="plan", text="x"))


def test_the_terminal_asks_until_it_gets_an_answer(capsys):
    typed = iter(["x", "e", ".", "e", "def add(a, b):", "    return a + b", ".", ])
    decision = TerminalApprover(read=lambda prompt: next(typed))(
        ApprovalRequest(gate="final", text="the code"))
    assert decision == Decision(verdict="edit", edited="def add(a, b):\n    return a + b\n")
    assert "the code" in capsys.readouterr().err
    typed = iter(["r", "too slow"])
    assert TerminalApprover(read=lambda prompt: next(typed))(
        ApprovalRequest(gate="plan", text="p")) == Decision(verdict="reject", reason="too slow")



def test_at_the_terminal_the_examples_and_questions_gates_take_line_numbers_at_once():
    prompts = []

    def read(prompt):
        prompts.append(prompt)
        return "1, 3"

    for gate in ("examples", "questions"):
        assert TerminalApprover(read=read)(ApprovalRequest(gate=gate, text="lines")) == Decision(
            verdict="edit", edited="1, 3")
    assert all("numbers of the right lines" in p for p in prompts)
    typed = iter(["2", "a"])  # the final gate reads no numbers: asked again
    assert TerminalApprover(read=lambda prompt: next(typed))(
        ApprovalRequest(gate="final", text="code")) == Decision(verdict="approve")


def test_the_reviewers_reason_stays_with_the_rounds_after_the_first():
    person = Person(Decision(verdict="reject", reason="handle floats too"),
                    Decision(verdict="approve"))
    lm = scripted_lm({"generated_code": [GOOD],
                      "fixed_code": ["def add(a, b):\n    return (\n", OTHER_GOOD]})
    executor = FakeExecutor(lambda code, name: (code.count("(") == code.count(")"), "broken"))
    mark = history_mark()
    report = run(lm, make_coder(executor, approval=approving(person), patience=9)).report
    refines = [c for c in lm_calls_since(mark) if "fixed_code" in all_prompts([c])]
    assert len(refines) == 2 and all("handle floats too" in all_prompts([c]) for c in refines)
    assert report.code == OTHER_GOOD
