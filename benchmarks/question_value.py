"""What the ``questions`` gate would have asked on a stored run, and what a person who knows
the task could have settled with it.

For each pipeline report of a run without examples, the questions are recomputed as the gate
asks them: the literal probe inputs (from the generated tests) on which the independently
written candidates returned different literal values. The "person" then answers each with
what the dataset's reference solution returns (run in the sandbox), and leaves a question
unanswered where the reference raises. That is the best a person
can do, so the figures are an upper bound on the gate's value, and grading only: the
reference's answers never reach a run.

An answer settles a problem when it contradicts the pipeline's wrong answer and some
candidate written from the task returns what the reference does on every question (the
pipeline would then have that candidate, or a refinement of it, to choose).

Usage:
    .venv/bin/python benchmarks/question_value.py benchmarks/results/RUN [RUN ...]
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NamedTuple

from dspy_coder.bench.grading import grade_answer
from dspy_coder.bench.run_problems import pipeline_verdicts, report_on_runs, stored_reports
from dspy_coder.datasets import Problem
from dspy_coder.judge.differential import outputs_of, probe_source
from dspy_coder.judge.run_record import INDEPENDENT_STAGES
from dspy_coder.pipeline.coder import PROBE_INPUTS
from dspy_coder.pipeline.question_gate import disagreeing_inputs, probe_inputs
from dspy_coder.sandbox import run as sandbox_run
from dspy_coder.task.example_values import is_literal


class Asked(NamedTuple):
    """One report: the inputs asked about, and what the answers would have done."""

    task_id: str
    passed: bool
    questions: int
    contradicts_answer: bool  # a reference answer differs from the pipeline's answer's output
    right_candidate_agrees: bool  # some right candidate returns the reference's every answer


def reference_outputs(problem: Problem, entry_point: str, inputs: list[tuple]) -> list[str]:
    """What the reference returns on ``inputs``, in the probe's normalised form."""
    reference = problem.reference_code()
    if reference is None:
        return []
    result = sandbox_run(reference, probe_source(entry_point, inputs, None))
    return list(outputs_of(result) or [])


def asked_of(run: Path, problems: dict[str, Problem]) -> list[Asked]:
    graded = pipeline_verdicts(run)
    found = []
    for task_id, report in stored_reports(run):
        problem = problems.get(task_id)
        entry_point = report["task"].get("entry_point")
        if problem is None or task_id not in graded or report["task"].get("examples") or (
                not entry_point):
            continue
        generated = [t["code"] for t in report["tests"] if t["source"] == "generated"]
        inputs = probe_inputs(generated, entry_point, PROBE_INPUTS)
        independent = [a for a in report["attempts"] if a["stage"] in INDEPENDENT_STAGES
                       and (a.get("code") or "").strip() and a.get("outputs")]
        asked = [index for index, _ in
                 disagreeing_inputs([a["outputs"] for a in independent], len(inputs))]
        if len(independent) < 2 or not asked:
            found.append(Asked(task_id, graded[task_id], 0, False, False))
            continue
        truth = reference_outputs(problem, entry_point, inputs)
        if len(truth) < len(inputs):
            continue  # the reference itself could not be probed: say nothing of it
        # where the reference raises (or its value has no literal form) a person has no
        # value to give: that question goes unanswered
        asked = [i for i in asked if is_literal(truth[i])]
        final = next((a for a in report["attempts"] if a.get("code") == report["code"]), None)
        mine = (final or {}).get("outputs") or []
        contradicts = any(i < len(mine) and mine[i] != truth[i] for i in asked)
        agrees = any(all(i < len(a["outputs"]) and a["outputs"][i] == truth[i] for i in asked)
                     and grade_answer(problem, a["code"]).passed for a in independent)
        found.append(Asked(task_id, graded[task_id], len(asked), contradicts and bool(asked),
                           agrees and bool(asked)))
    return found


def render(run: Path, found: list[Asked]) -> str:
    asked = [a for a in found if a.questions]
    wrong_contradicted = [a for a in asked if not a.passed and a.contradicts_answer]
    settled = [a for a in wrong_contradicted if a.right_candidate_agrees]
    right_contradicted = [a for a in asked if a.passed and a.contradicts_answer]
    lines = [
        f"## {run}", "",
        "| answers | gate asked | questions | wrong answers a reference answer contradicts | "
        "of them with a right candidate matching every answer | right answers contradicted |",
        "|---|---|---|---|---|---|",
        f"| {len(found)} | {len(asked)} | {sum(a.questions for a in asked)} | "
        f"{len(wrong_contradicted)} | {len(settled)} | {len(right_contradicted)} |", "",
        f"- settled by the answers: {', '.join(a.task_id for a in settled)}",
        "- contradicted, no right candidate to fall back on: "
        + ", ".join(a.task_id for a in wrong_contradicted if not a.right_candidate_agrees),
        f"- right answers contradicted: {', '.join(a.task_id for a in right_contradicted)}",
    ]
    return "\n".join(lines) + "\n\n"


def main(argv: list[str] | None = None) -> int:
    return report_on_runs(argv, __doc__, lambda run, problems: render(run, asked_of(run, problems)))


if __name__ == "__main__":
    sys.exit(main())
