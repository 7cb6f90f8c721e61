"""Where the ``Coder`` loop asks a person: the plan before code is written, the examples
proposed for a task that brings none, and the result before it is accepted. Each answer goes
in the run record; rejections come back as work."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dspy_coder.judge.feedback import ALL_PASSED
from dspy_coder.judge.run_record import RunRecord
from dspy_coder.pipeline.approval import (
    Approval,
    ApprovalRequest,
    Decision,
    rejected_examples_feedback,
    rejected_plan_feedback,
)
from dspy_coder.task.confirmed_examples import EDIT_HELP, chosen_lines
from dspy_coder.types import Attempt, Plan

EDITED_AWAY = "replaced by the reviewer's edit"


@dataclass(frozen=True)
class ResultReview:
    """What the person wants done with a result they did not approve: refine ``attempt``
    with ``reason``, run their ``edited`` code, or (rounds used up) stop."""

    attempt: Attempt
    reason: str = ""
    edited: str = ""
    out_of_rounds: bool = False


class ReviewGates:
    """The approval gates of one ``Coder`` (none when ``approval`` is None)."""

    def __init__(self, approval: Approval | None) -> None:
        self.approval = approval

    def asks(self, gate: str) -> bool:
        return self.approval is not None and self.approval.asks(gate)

    def _ask(self, record: RunRecord, request: ApprovalRequest,
             iteration: int | None = None) -> Decision:
        assert self.approval is not None
        decision, answered = self.approval.ask(request, iteration)
        record.add_approval(answered)
        return decision

    def review_plan(self, record: RunRecord, plan: Plan | None,
                    render: Callable[[Plan | None], str],
                    replan: Callable[[str], Plan | None]) -> Plan | None:
        """The plan to build from: approved, edited, or rewritten after a rejection (the
        reason goes to the planner). Out of rounds, the record stops with ``plan_rejected``."""
        if not self.asks("plan"):
            return plan
        assert self.approval is not None
        for round_ in range(1, self.approval.max_rounds + 1):
            if plan is None:
                record.note("The plan gate was not asked: the planner gave no plan.")
                return None
            text = render(plan)
            decision = self._ask(record, ApprovalRequest(
                gate="plan", task_id=record.task.task_id, round=round_, text=text))
            if decision.verdict == "approve":
                return plan
            if decision.verdict == "edit":
                record.note("The plan is the reviewer's edit.")
                return Plan(approach=decision.edited.strip(), performance=plan.performance)
            if round_ == self.approval.max_rounds:
                break
            plan = replan(rejected_plan_feedback(text, decision.reason))
        record.error(f"The reviewer rejected the plan {self.approval.max_rounds} time(s); "
                     "no code was written. Give the reason in the task, or allow more rounds.")
        record.stop("plan_rejected")
        return plan

    def ask(self, record: RunRecord, gate: str, text: str) -> Decision:
        """Ask ``gate`` once with ``text``; the answer goes in the record."""
        return self._ask(record, ApprovalRequest(gate=gate, task_id=record.task.task_id,
                                                 text=text))

    def review_examples(self, record: RunRecord, propose: Callable[[str], list[str]],
                        unreadable: Callable[[list[str]], list[str]]) -> list[str]:
        """The examples the person stands by, for a task without any: ``propose(feedback)``
        gives ``f(x) == y`` lines (the feedback is "" the first time, then the reason of a
        rejection); an edit is read line by line, and lines that are not an example
        (``unreadable``) are shown back and left out. [] when the person rejected every
        round or nothing could be proposed: the run then goes on without examples."""
        if not self.asks("examples"):
            return []
        assert self.approval is not None
        lines, told = propose(""), ""
        for round_ in range(1, self.approval.max_rounds + 1):
            if not lines:
                record.note("The examples gate was not asked: the test writer proposed no "
                            "example with literal inputs and a literal result.")
                return []
            decision = self._ask(record, ApprovalRequest(
                gate="examples", task_id=record.task.task_id, round=round_,
                text=render_examples(lines, told)))
            if decision.verdict == "approve":
                return lines
            if decision.verdict == "edit":
                units = chosen_lines(decision.edited, lines)
                skipped = unreadable(units)
                kept = keep_readable(record, units, skipped, "examples")
                if kept:
                    return kept
                told = ("None of your lines reads as an example: "
                        f"{'; '.join(skipped)}. {EDIT_HELP}")
                continue
            if round_ < self.approval.max_rounds:
                lines, told = propose(rejected_examples_feedback(lines, decision.reason)), ""
        record.note(f"The reviewer did not confirm examples in {self.approval.max_rounds} "
                    "round(s); the run goes on without them.")
        return []

    def review_result(self, record: RunRecord, stop_reason: str) -> ResultReview | None:
        """None when the result is accepted (no final gate, or the person approved it)."""
        if not self.asks("final"):
            return None
        assert self.approval is not None
        best = record.best()
        if best is None or not best.code.strip():
            record.note("The final gate was not asked: the run produced no code.")
            return None
        round_ = 1 + sum(1 for a in record.approvals if a.gate == "final")
        if round_ > self.approval.max_rounds:  # only after an edit in the last round
            record.note("The final gate's rounds are used up; the reviewer's edit is the answer.")
            return None
        decision = self._ask(record, ApprovalRequest(
            gate="final", task_id=record.task.task_id, round=round_,
            text=render_result(best, stop_reason), code=best.code,
            score=best.score if best.checked else None,
            tests_passed=best.execution.tests_passed if best.execution else 0,
            tests_total=best.execution.tests_total if best.execution else 0,
        ), iteration=best.iteration)
        if decision.verdict == "approve":
            return None
        record.reject(best, EDITED_AWAY if decision.verdict == "edit" else decision.reason
                      or "no reason given")
        if round_ >= self.approval.max_rounds and decision.verdict == "reject":
            record.error(f"The reviewer rejected the result {round_} time(s); the best "
                         "attempt is returned, marked rejected.")
            return ResultReview(best, decision.reason, out_of_rounds=True)
        return ResultReview(best, decision.reason, decision.edited if
                            decision.verdict == "edit" else "")


def keep_readable(record: RunRecord, units: list[str], skipped: list[str], what: str
                  ) -> list[str]:
    """``units`` less the ``skipped`` ones, which a note names (``what``: the reviewer's
    examples, answers)."""
    if skipped:
        record.note(f"Left out of the reviewer's {what} (not a call with literal arguments and a "
                    f"literal result): {'; '.join(skipped)}.")
    return [u for u in units if u not in skipped]


def render_examples(lines: list[str], told: str = "") -> str:
    """The proposed examples as the person reviews them, with what each answer does."""
    head = f"{told}\n\n" if told else ""
    shown = "\n".join(f"  [{number}] {unit}"
                       for number, unit in enumerate(lines, start=1))
    return (f"{head}The task has no examples, so nothing but the model's own reading of it "
            "checks the code. The test writer expects:\n\n"
            f"{shown}\n\nRead every line: the model's expectations are often wrong. Approve "
            "only if each is what the task means: they become the task's examples, every "
            "answer is checked against them, and a wrong one sends the coder after it. Edit: "
            f"{EDIT_HELP} Reject (with a reason) to have others proposed.")


def render_result(attempt: Attempt, stop_reason: str) -> str:
    """The result as the person reviews it: where it came from, its tests, score and code."""
    execution = attempt.execution
    tests = (f"{execution.tests_passed}/{execution.tests_total} tests passed"
             if execution else "not run")
    score = f"score {attempt.score:.2f}" if attempt.checked else "unchecked"
    lines = [f"Iteration {attempt.iteration} ({attempt.stage}), {tests}, {score}; the loop "
             f"stopped: {stop_reason}.", "", attempt.code.rstrip()]
    if attempt.feedback and attempt.feedback != ALL_PASSED:
        lines += ["", "Failures:", attempt.feedback]
    return "\n".join(lines)
