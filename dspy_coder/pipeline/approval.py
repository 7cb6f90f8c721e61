"""Human approval gates: at the plan, at the examples proposed for a task that brings none,
and before a result is accepted, a person approves, rejects with a reason, or edits; a
rejection goes back into the loop as feedback.

    Coder(approval=Approval(my_callback, gates=("final",)))

The callback receives an ``ApprovalRequest`` and returns a ``Decision``; the ready-made
sources (a terminal, a command, a file of answers) are in ``approval_sources``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, model_validator

from dspy_coder.errors import RunError, UsageError
from dspy_coder.pipeline.events import emit
from dspy_coder.types import ApprovalRecord

logger = logging.getLogger(__name__)

GATES = ("plan", "examples", "questions", "final")
Gate = Literal["plan", "examples", "questions", "final"]


class ApprovalRequest(BaseModel):
    """What the person reviews: the plan, the proposed examples, or the code with its test
    results and score."""

    gate: Gate
    task_id: str | None = None
    round: int = Field(default=1, description="1 the first time this gate asks in the run")
    text: str = Field(description="The plan, the examples or the result, rendered for reading.")
    code: str = ""
    score: float | None = None
    tests_passed: int = 0
    tests_total: int = 0


class Decision(BaseModel):
    """The person's answer. ``edit`` carries the edited plan, examples or code in ``edited``."""

    verdict: Literal["approve", "reject", "edit"]
    reason: str = ""
    edited: str = ""

    @model_validator(mode="after")
    def _edit_has_text(self) -> Decision:
        if self.verdict == "edit" and not self.edited.strip():
            raise ValueError("an 'edit' answer needs the edited text in 'edited'")
        return self


class ApprovalSourceError(RunError):
    """The approval source gave no usable answer (its command failed, its file ran out)."""


Approver = Callable[[ApprovalRequest], "Decision | dict"]


@dataclass(frozen=True)
class Approval:
    """Which gates ask, who answers, and how many rejections a gate takes before the run
    stops (``max_rounds``)."""

    approver: Approver
    gates: Iterable[str] = GATES
    max_rounds: int = 3
    by: str = ""
    _gates: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        gates = frozenset(self.gates)
        unknown = sorted(gates - set(GATES))
        if unknown:
            raise UsageError(f"Unknown approval gate(s) {', '.join(unknown)}: use plan, examples, "
                             "questions, final, or several (e.g. --approve plan,final).")
        if self.max_rounds < 1:
            raise UsageError("Approval max_rounds must be 1 or more.")
        object.__setattr__(self, "_gates", gates)
        if not self.by:
            name = getattr(self.approver, "__qualname__", type(self.approver).__name__)
            object.__setattr__(self, "by", f"callback:{name}")

    def asks(self, gate: str) -> bool:
        return gate in self._gates

    def ask(self, request: ApprovalRequest, iteration: int | None = None,
            ) -> tuple[Decision, ApprovalRecord]:
        """Ask the person; returns the decision and the record for the report."""
        emit("approval_requested", "INFO", f"{request.gate} approval asked (round "
             f"{request.round})", task_id=request.task_id, step=request.gate)
        answer = self.approver(request)
        try:
            decision = answer if isinstance(answer, Decision) else Decision.model_validate(answer)
        except ValidationError as exc:
            raise ApprovalSourceError(
                f"The {request.gate} approval answer from {self.by} is not a decision: "
                f"{exc.errors()[0]['msg']}. Answer with verdict approve, reject (with a reason) "
                "or edit (with the edited text)."
            ) from exc
        record = ApprovalRecord(
            gate=request.gate, round=request.round, verdict=decision.verdict,
            reason=decision.reason, edited=decision.verdict == "edit", by=self.by,
            at=datetime.now(UTC).isoformat(timespec="seconds"), iteration=iteration,
        )
        logger.info("%s approval: %s%s", request.gate, decision.verdict,
                    f" ({decision.reason})" if decision.reason else "")
        emit("approval_answered", "INFO", f"{request.gate}: {decision.verdict}",
             task_id=request.task_id, step=request.gate,
             data={"verdict": decision.verdict, "reason": decision.reason, "by": self.by})
        return decision, record


def rejected_plan_feedback(plan_text: str, reason: str) -> str:
    """What the planner reads after a person rejected its plan."""
    return (f"A reviewer rejected this plan:\n{plan_text}\nTheir reason: "
            f"{reason or 'none given'}\nWrite a plan that answers the reason.")


def rejected_examples_feedback(lines: list[str], reason: str) -> str:
    """What the test writer reads after a person rejected the examples it proposed."""
    shown = "\n".join(lines)
    return (f"A reviewer rejected these expected results:\n{shown}\nTheir reason: "
            f"{reason or 'none given'}\nWrite tests whose expected results answer the reason.")


def rejected_code_feedback(reason: str, failures: str) -> str:
    """What the refiner reads after a person rejected the result."""
    return f"A reviewer rejected this code. Their reason: {reason or 'none given'}\n{failures}"
