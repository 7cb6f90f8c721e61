"""The ``questions`` gate: after the sampling round of a task without examples, ask the person
what the function should return on the inputs where the independently written candidates
disagree (TiCoder's question, Lahiri et al. 2022). The answers become the task's examples.

Agreement among samples of one small model vouches for a shared misreading, and a minority
that read the task right loses the vote: on the full stripped HumanEval run, six of the nine
wrong answers that had a right candidate written from the task alone returned something else
than the right candidate on one of the probe inputs (/20: ``(-1.0, -2.0)`` from four
candidates, ``(-5.0, -4.0)`` from the right one). One answer from a person settles such a case.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from dspy_coder.judge.reporting import OPEN_QUESTIONS_NOTE
from dspy_coder.judge.run_record import INDEPENDENT_STAGES, RunRecord
from dspy_coder.pipeline.example_gate import adopt_examples
from dspy_coder.pipeline.review_gates import ReviewGates, keep_readable
from dspy_coder.task.confirmed_examples import chosen_lines, unreadable_units
from dspy_coder.task.doc_examples import doc_example_tests
from dspy_coder.task.example_values import is_literal
from dspy_coder.task.literal_calls import literal_calls
from dspy_coder.types import Attempt, ExecutionResult

MAX_QUESTIONS = 4  # inputs asked about at once: each should take a few seconds to answer


def probe_inputs(test_sources: list[str], entry_point: str, limit: int) -> list[tuple]:
    """The literal inputs differential testing runs every candidate on, in the probe's order
    (``make_input``'s come after them and have no literal form to show)."""
    return literal_calls(test_sources, (entry_point,), limit)


def disagreeing_inputs(outputs: list[list[str]], inputs: int) -> list[tuple[int, Counter]]:
    """``(index, Counter(value -> candidates))`` for each of the first ``inputs`` probe inputs
    (the literal ones) on which the candidates' ``outputs`` hold two or more different
    literal values; at most ``MAX_QUESTIONS``."""
    found = []
    for index in range(inputs):
        values = Counter(o[index] for o in outputs if index < len(o) and is_literal(o[index]))
        if len(values) >= 2:
            found.append((index, values))
    return found[:MAX_QUESTIONS]


def disagreements(entry_point: str, outputs: list[list[str]], inputs: list[tuple]
                  ) -> list[tuple[str, Counter]]:
    """``(call, Counter(value -> candidates))`` for each literal probe input the candidates
    disagree on (``disagreeing_inputs``), the call written out."""
    return [(_call_text(entry_point, inputs[index]), values)
            for index, values in disagreeing_inputs(outputs, len(inputs))]


def _candidates(count: int) -> str:
    """``1 candidate``, ``3 candidates``."""
    return f"{count} candidate{'s' if count > 1 else ''}"


def _call_text(entry_point: str, args: tuple) -> str:
    """The call as a person reads it: ``f(1, 'a')``."""
    return f"{entry_point}({', '.join(repr(a) for a in args)})"


def choices(found: list[tuple[str, Counter]]) -> list[str]:
    """Every ``f(x) == value`` line the person chooses from, numbered from 1 in this order."""
    return [f"{call} == {value}" for call, values in found for value, _ in values.most_common()]


def render_questions(found: list[tuple[str, Counter]]) -> str:
    """The questions as the person reads them: each call with the values candidates return."""
    blocks, number = [], 0
    for call, values in found:
        lines = []
        for value, count in values.most_common():
            number += 1
            lines.append(f"  [{number}] {call} == {value}    ({_candidates(count)})")
        blocks.append("\n".join(lines))
    return ("The task has no examples, and the candidates written from it disagree on what "
            "these calls return:\n\n" + "\n\n".join(blocks) + "\n\nEdit: answer with the "
            "numbers of the right lines (e.g. `2`), or write the right value as `f(x) == "
            "expected`; the answers become the task's examples, and the candidates are judged "
            "by them. Approve or reject to go on without answering.")


def _independent_outputs(record: RunRecord) -> list[list[str]]:
    """The probe outputs of the candidates written from the task alone."""
    return [list(a.outputs) for a in record.attempts
            if a.stage in INDEPENDENT_STAGES and a.code.strip() and a.outputs]


def open_questions_note(record: RunRecord, inputs: list[tuple]) -> str | None:
    """For a task still without examples at the end of a run: where the candidates written
    from it disagree, what each value's backing is and what the answer returns, so a person
    reading the result sees where a misreading would hide. None when they agree."""
    task, best = record.task, record.best()
    if task.examples or task.entry_point is None or best is None:
        return None
    outputs = _independent_outputs(record)
    if len(outputs) < 2:
        return None
    found = disagreeing_inputs(outputs, len(inputs))
    if not found:
        return None
    mine = list(best.outputs or [])
    parts = []
    for index, values in found:
        call = _call_text(task.entry_point, inputs[index])
        backing = ", ".join(f"{value} ({_candidates(count)})"
                            for value, count in values.most_common())
        answer = f"; this answer returns {mine[index]}" if index < len(mine) else ""
        parts.append(f"{call}: {backing}{answer}")
    return (f"{OPEN_QUESTIONS_NOTE} " + "; ".join(f"`{p}`" for p in parts) + ". Say which is "
            "right with examples in the task, or let --approve questions ask you.")


def ask_questions(record: RunRecord, gates: ReviewGates, inputs: list[tuple],
                  retest: Callable[[Attempt], ExecutionResult]) -> bool:
    """Ask about the disagreements, if any; an answer becomes the task's examples and every
    attempt is run against them (``retest``). True when the task got examples."""
    task = record.task
    entry_point = task.entry_point
    if not gates.asks("questions") or task.examples or entry_point is None:
        return False
    outputs = _independent_outputs(record)
    if len(outputs) < 2:
        record.note("The questions gate was not asked: fewer than two candidates written from "
                    "the task ran the probe inputs.")
        return False
    found = disagreements(entry_point, outputs, inputs)
    if not found:
        record.note("The questions gate was not asked: the candidates return the same values "
                    "on every input they were compared on.")
        return False
    decision = gates.ask(record, "questions", render_questions(found))
    if decision.verdict != "edit":
        return False
    units = chosen_lines(decision.edited, choices(found))
    kept = keep_readable(record, units, unreadable_units(task.prompt, entry_point, units),
                         "answers")
    if not kept:
        return False
    examples = adopt_examples(record, kept)
    record.add_tests(doc_example_tests(examples), retest)
    record.note(f"The reviewer answered {len(examples)} question(s); the answers are the "
                "task's examples from here on, and every attempt was run against them.")
    return True
