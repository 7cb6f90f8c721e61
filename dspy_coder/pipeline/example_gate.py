"""The ``examples`` gate in a ``Coder`` run: for a task without examples, the test writer's
expected results, confirmed or fixed by a person, become the task's docstring examples, its
ground truth from then on (the text work is in ``task.confirmed_examples``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dspy_coder.judge.run_record import RunRecord
from dspy_coder.pipeline.review_gates import ReviewGates
from dspy_coder.task.build import task_text
from dspy_coder.task.confirmed_examples import proposed_examples, unreadable_units, with_examples
from dspy_coder.task.doc_examples import extract_doc_examples
from dspy_coder.types import DocExample


def asks_for_examples(gates: ReviewGates, record: RunRecord) -> bool:
    """Whether the gate applies: asked for, a task without examples, a function to call
    (when asked for but not applying, a note says why)."""
    task = record.task
    if not gates.asks("examples"):
        return False
    if task.examples:
        record.note(f"The examples gate was not asked: the task has {len(task.examples)} "
                    "example(s) of its own.")
        return False
    if task.entry_point is None:
        record.note("The examples gate was not asked: the task names no function to call "
                    "(name it in the task, as in \"a function slugify(text)\", or with "
                    "--entry-point).")
        return False
    return True


def confirm_examples(record: RunRecord, gates: ReviewGates,
                     write_tests: Callable[[str], Any]) -> None:
    """Ask the person; ``write_tests(task_text)`` is the test writer's call (a prediction
    with ``tests``, or None). The record's task gets the examples the person stands by."""
    task = record.task
    entry_point = task.entry_point
    assert entry_point is not None
    text = task_text(task, audience="tests")  # the run's own test writer prompt, unchanged

    def propose(feedback: str) -> list[str]:
        result = write_tests(f"{text.rstrip()}\n\n{feedback}" if feedback else text)
        return proposed_examples([t.code for t in result.tests] if result else [], entry_point)

    lines = gates.review_examples(
        record, propose, lambda units: unreadable_units(task.prompt, entry_point, units))
    if not lines:
        return
    examples = adopt_examples(record, lines)
    record.note(f"The reviewer confirmed {len(examples)} example(s); they are in "
                "the task's docstring and are its ground truth from here on.")


def adopt_examples(record: RunRecord, lines: list[str]) -> list[DocExample]:
    """Put the lines a person stands by into the record's task: its docstring, and its
    examples as parsed from there (so the prompt and the ground truth cannot differ)."""
    task = record.task
    assert task.entry_point is not None
    prompt = with_examples(task.prompt, task.entry_point, lines)
    examples = extract_doc_examples(prompt, task.entry_point)
    record.task = task.model_copy(update={"prompt": prompt, "examples": examples})
    return examples
