"""Whether the pipeline lost answers by choosing, or never wrote a right one.

For each pipeline answer in a bench results folder, every distinct program its report tried
(first draft, samples, repairs) is graded by the dataset's hidden tests in the sandbox. An
answer is then one of: right; a *selection loss* (wrong, though one of its candidates is
right: the ranking chose badly); or *no right candidate* (generation is what failed). The
first draft is the single greedy call, so "first draft right" is the baseline on the same
problems.

This grades stored answers only, after the run: nothing reaches the pipeline. Tuning the
ranking on a folder's losses makes that folder's figures optimistic; confirm a change on
problems it was not chosen on.

Usage:
    .venv/bin/python benchmarks/candidate_headroom.py benchmarks/results/RUN [RUN ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

from dspy_coder.bench.grading import grade_answer
from dspy_coder.bench.run_problems import pipeline_verdicts, report_on_runs, stored_reports
from dspy_coder.datasets import Problem


def headroom(run: Path, problems: dict[str, Problem]) -> dict[str, list[str]]:
    """Task ids by outcome: right, selection_loss, no_right_candidate, first_draft_right."""
    verdicts = pipeline_verdicts(run)
    outcome: dict[str, list[str]] = {"right": [], "selection_loss": [],
                                     "no_right_candidate": [], "first_draft_right": []}
    for task_id, report in stored_reports(run):
        attempts = report.get("attempts") or []
        if task_id not in verdicts or not attempts:
            continue
        problem = problems[task_id]
        graded: dict[str, bool] = {}
        for attempt in attempts:
            code = attempt.get("code") or ""
            if code not in graded:
                graded[code] = bool(code.strip()) and grade_answer(problem, code).passed
        if graded[attempts[0].get("code") or ""]:
            outcome["first_draft_right"].append(task_id)
        if verdicts[task_id]:
            outcome["right"].append(task_id)
        elif any(graded.values()):
            outcome["selection_loss"].append(task_id)
        else:
            outcome["no_right_candidate"].append(task_id)
    return outcome


def render(run: Path, outcome: dict[str, list[str]]) -> str:
    answers = sum(len(outcome[k]) for k in ("right", "selection_loss", "no_right_candidate"))
    lines = [f"## {run}", "", "| answers | right | selection losses | no right candidate | "
             "first draft right |", "|---|---|---|---|---|",
             f"| {answers} | {len(outcome['right'])} | {len(outcome['selection_loss'])} | "
             f"{len(outcome['no_right_candidate'])} | {len(outcome['first_draft_right'])} |", ""]
    for key in ("selection_loss", "no_right_candidate"):
        if outcome[key]:
            lines.append(f"- {key.replace('_', ' ')}: {', '.join(outcome[key])}")
    lost = sorted(set(outcome["first_draft_right"]) - set(outcome["right"]))
    if lost:
        lines.append(f"- first draft right, answer wrong: {', '.join(lost)}")
    return "\n".join(lines) + "\n\n"


def main(argv: list[str] | None = None) -> int:
    return report_on_runs(argv, __doc__, lambda run, problems: render(run, headroom(run, problems)))


if __name__ == "__main__":
    sys.exit(main())
