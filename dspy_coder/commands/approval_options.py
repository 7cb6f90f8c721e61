"""The approval flags of ``solve`` and ``project``: which gates ask, and who answers."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dspy_coder.pipeline.approval import Approval


def add_approval_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("human approval")
    group.add_argument("--approve", default="auto", metavar="GATES",
                       help="ask a person at these gates, comma-separated: plan, examples (for "
                       "a task without examples: confirm or fix the expected results the test "
                       "writer proposes; they become the task's examples), questions (for a "
                       "task without examples, after the first candidates: what it should "
                       "return where they disagree), final; a rejection "
                       "comes back with its reason (default auto: ask nobody)")
    group.add_argument("--approval-command", metavar="CMD",
                       help="answer each gate by running CMD: the request as JSON on stdin, "
                       'a decision such as {"verdict": "approve"} on stdout')
    group.add_argument("--approval-file", type=Path, metavar="FILE.jsonl",
                       help='answer the gates from this file, one JSON line each: '
                       '{"gate": "final", "verdict": "reject", "reason": "..."}')
    group.add_argument("--approval-rounds", type=int, default=3, metavar="N",
                       help="rejections a gate takes before the run stops (default 3)")


def approval_from_args(args: argparse.Namespace) -> Approval | None:
    """The ``Approval`` the flags ask for; fails at once when nobody could answer."""
    from dspy_coder.pipeline.approval_sources import approval_from_options, parse_gates

    return approval_from_options(parse_gates(args.approve), args.approval_command,
                                 args.approval_file, sys.stdin.isatty(), args.approval_rounds)
