"""Who answers an approval gate: a person at the terminal, a command, or a file of answers.

- terminal: the request is shown on stderr; ``a`` approves, ``r`` asks for a reason, ``e``
  reads the edited text up to a line holding only ``.``.
- command (``--approval-command CMD``): CMD runs with the request as JSON on stdin and
  answers one JSON object on stdout: ``{"verdict": "reject", "reason": "..."}``.
- file (``--approval-file FILE``): JSON lines answered in order, each with its ``gate``
  (``{"gate": "final", "verdict": "approve"}``); a run that asks more than the file answers
  stops with the error, its report kept.
"""

from __future__ import annotations

import getpass
import json
import shlex
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TextIO

from dspy_coder.errors import UsageError
from dspy_coder.pipeline.approval import (
    GATES,
    Approval,
    ApprovalRequest,
    ApprovalSourceError,
    Decision,
)

NUMBERED_GATES = ("examples", "questions")  # their lines can be chosen by number
COMMAND_TIMEOUT_S = 3600.0  # a person may take a while; a hung command must not hang forever


class TerminalApprover:
    """Asks the person at the terminal (``read`` is ``input``; tests pass their own)."""

    def __init__(self, read: Callable[[str], str] = input, out: TextIO | None = None) -> None:
        self.read, self.out = read, out

    def __call__(self, request: ApprovalRequest) -> Decision:
        out = self.out or sys.stderr
        out.write(f"\n=== {request.gate} approval ({request.task_id or 'task'}, round "
                  f"{request.round}) ===\n{request.text}\n")
        out.flush()
        numbered = request.gate in NUMBERED_GATES
        question = ("[a]pprove, [r]eject, [e]dit, or the numbers of the right lines? " if numbered
                    else "[a]pprove, [r]eject, [e]dit? ")
        while True:
            typed = self.read(question).strip()
            if numbered and typed and all(c.isdigit() or c in ", " for c in typed):
                return Decision(verdict="edit", edited=typed)
            answer = typed.lower()[:1]
            if answer == "a":
                return Decision(verdict="approve")
            if answer == "r":
                return Decision(verdict="reject", reason=self.read("Why? ").strip())
            if answer == "e":
                out.write("Type the edited text; end with a line holding only '.':\n")
                lines = []
                while (line := self.read("")) != ".":
                    lines.append(line)
                if any(line.strip() for line in lines):
                    return Decision(verdict="edit", edited="\n".join(lines) + "\n")
                out.write("Nothing was typed; answer again.\n")


class CommandApprover:
    """Runs a command per request: the request as JSON on stdin, the decision on stdout."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __call__(self, request: ApprovalRequest) -> dict:
        try:
            done = subprocess.run(shlex.split(self.command), input=request.model_dump_json(),
                                  capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S,
                                  check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ApprovalSourceError(f"The approval command {self.command!r} did not run: "
                                      f"{exc}.") from exc
        if done.returncode != 0:
            raise ApprovalSourceError(
                f"The approval command {self.command!r} exited {done.returncode}: "
                f"{done.stderr.strip()[-300:] or 'no message'}.")
        return _decision_json(done.stdout, f"the approval command {self.command!r}")


class FileApprover:
    """Answers from a JSON-lines file, in order per gate."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.answers: dict[str, list[dict]] = {gate: [] for gate in GATES}
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if not line.strip():
                continue
            answer = _decision_json(line, f"{path} line {number}", usage=True)
            gate = answer.pop("gate", None)
            if gate not in GATES:
                raise UsageError(f"{path} line {number}: say which gate it answers, "
                                 '"gate": "plan", "examples", "questions" or "final".')
            self.answers[gate].append(answer)

    def __call__(self, request: ApprovalRequest) -> dict:
        left = self.answers[request.gate]
        if not left:
            raise ApprovalSourceError(f"{self.path} has no answer left for the {request.gate} "
                                      f"gate (round {request.round}); add a line to it.")
        return left.pop(0)


def _decision_json(text: str, where: str, usage: bool = False) -> dict:
    error = UsageError if usage else ApprovalSourceError
    try:
        answer = json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{where} is not JSON ({exc.msg}); write an object such as "
                    '{"verdict": "reject", "reason": "..."}.') from exc
    if not isinstance(answer, dict):
        raise error(f"{where} must be a JSON object with a verdict.")
    return answer


def approval_from_options(gates: Iterable[str], command: str | None, file: Path | None,
                          interactive: bool, max_rounds: int = 3) -> Approval | None:
    """The ``Approval`` the flags ask for, or None for ``auto``. Without a command or a file
    the person must be at a terminal: otherwise this fails at once, before any LM call."""
    gates = [g for g in gates if g != "auto"]
    if not gates:
        if command or file:
            raise UsageError("--approval-command/--approval-file need --approve with the gates "
                             "to ask (plan, examples, questions, final).")
        return None
    if command and file:
        raise UsageError("Give --approval-command or --approval-file, not both.")
    if command:
        return Approval(CommandApprover(command), gates, max_rounds, by=f"command:{command}")
    if file:
        if not file.is_file():
            raise UsageError(f"--approval-file {file} does not exist.")
        return Approval(FileApprover(file), gates, max_rounds, by=f"file:{file}")
    if not interactive:
        raise UsageError("--approve needs a person at a terminal, and stdin is not one: give "
                         "--approval-command CMD or --approval-file FILE, or drop --approve.")
    return Approval(TerminalApprover(), gates, max_rounds, by=f"terminal:{getpass.getuser()}")


def parse_gates(text: str) -> list[str]:
    """``plan,examples,final`` -> ["plan", "examples", "final"]; ``auto`` -> []."""
    gates = [g.strip() for g in text.split(",") if g.strip()]
    unknown = sorted(set(gates) - {*GATES, "auto"})
    if unknown:
        raise UsageError("--approve takes plan, examples, questions, final "
                         f"(comma-separated), or auto; not {', '.join(unknown)}.")
    return gates
