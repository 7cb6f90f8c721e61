"""GEPA's instruction proposer, held to instructions that serve every task.

With the embedded 1.5B as reflection LM, DSPy's default proposer rewrote the regeneration
step's instruction into the statement of the one training problem it had been shown ("I need
you to write a function to find the lateral surface area of a cone ...", in both GEPA compiles
of issue #18): a candidate that cannot help any other problem, yet costs a minibatch to try.
``GeneralInstructionProposer`` asks for a general rule, and refuses a proposal that still
quotes a problem it was shown or states one of its own (``quotes_a_task``, a heuristic: a
restatement in other words passes): a refused component is left out of the result, so GEPA
builds no candidate from it and spends no evaluation on it.

``LessonProposer`` (``optimize --gepa-proposer lesson``) asks for less: one general lesson of at
most two sentences, added to the current instruction (which stays whole), held to the same test.
(Tried for a small model that cannot rewrite an instruction without restating a task; the
1.5B's lessons were about one problem too, and were refused.)

Example:
    >>> quotes_a_task("Find the lateral surface area of a cone.",
    ...               ["Write a function to find the lateral surface area of a cone."])
    'repeats "find the lateral surface area of" from a task it was shown'
    >>> quotes_a_task("Read the error, fix its cause, return the whole corrected source.",
    ...               ["def lateralsurface_cone(r, h): ..."]) is None
    True
"""

from __future__ import annotations

import builtins
import json
import keyword
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from dspy.teleprompt.gepa.instruction_proposal import InstructionProposer

from dspy_coder.optimizers.leaks import strings_in

logger = logging.getLogger(__name__)

GENERAL_RULE = (
    "This step runs on many different Python tasks. Write an instruction that helps with any of "
    "them: a general rule about how to do this step well, learned from the feedback. Do not "
    "describe, name or solve the tasks in the examples (no function names, formulas or values "
    "from them), and keep the names of the step's input and output fields."
)
REFUSED_FILE = "refused_proposals.jsonl"  # in GEPA's log folder
LESSON_PROMPT = (
    "You improve one step of a program that writes Python code for many different tasks. Read "
    "the current instruction of the step and examples of its inputs, outputs and the feedback "
    "they got. In `new_instruction`, write ONE general lesson, at most two sentences, that would "
    "have avoided the failures in the feedback and helps with any task: a rule about how to do "
    "the step, not about these tasks. Do not restate, name or solve the tasks of the examples. "
    "Write only the lesson: it is added to the current instruction, which stays as it is."
)
LESSON_MAX_CHARS = 400
LESSON_HEADING = "Lesson from earlier attempts:"
# "a function that takes a list of integers ...", "a function to find ...": the statement of
# one task (the 1.5B proposed "Write a new Python function that takes a list of integers as
# input and returns the sum of all the elements in the list." for the first-draft step)
_STATES_A_TASK = re.compile(
    r"\bfunction (?:that|which|to) (?:takes?|accepts?|returns? the|finds?|computes?|calculates?|"
    r"counts?|checks? (?:if|whether)|converts?|removes?|sorts?|sums?|generates?|reverses?)\b",
    re.IGNORECASE)
# A run of this many words shared with a task the proposer was shown is a quote of it.
QUOTE_WORDS = 6
_NAME = re.compile(r"\b(?:def|class)\s+([A-Za-z_]\w*)|\b([A-Za-z_]\w*)\s*\(")
_WORD = re.compile(r"[a-z0-9_]+")
# names any task may use (builtins, methods of the builtin types): no sign of one task
_BUILTINS = frozenset(dir(builtins)).union(
    *(dir(kind) for kind in (str, bytes, list, dict, set, tuple, int, float, object)))


def _names(text: str) -> set[str]:
    """Functions and classes ``text`` defines or calls, long and specific enough to mean one
    task (``lateralsurface_cone``, not ``len`` or ``print``)."""
    found = {a or b for a, b in _NAME.findall(text)}
    return {name for name in found
            if len(name) >= 6 and not keyword.iskeyword(name) and name not in _BUILTINS}


def _runs(text: str, size: int = QUOTE_WORDS) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i:i + size]) for i in range(len(words) - size + 1)}


def quotes_a_task(proposal: str, task_texts: Iterable[str], current: str = "") -> str | None:
    """Why ``proposal`` quotes one of ``task_texts``, or states a task of its own (None when
    it does neither). What the current instruction already says does not count against it."""
    texts = list(task_texts)
    stated = _STATES_A_TASK.search(proposal)
    if stated and not _STATES_A_TASK.search(current):
        return f'states a task of its own ("{stated.group(0)}")'
    task_names = set().union(*map(_names, texts)) if texts else set()
    for name in sorted(task_names):
        if re.search(rf"\b{re.escape(name)}\b", proposal) and not re.search(
                rf"\b{re.escape(name)}\b", current):
            return f"names {name}, from a task it was shown"
    proposal_runs = _runs(proposal) - _runs(current)
    for text in texts:
        shared = proposal_runs & _runs(text)
        if shared:
            return f'repeats "{" ".join(min(shared))}" from a task it was shown'
    return None


class GeneralInstructionProposer(InstructionProposer):
    """DSPy's ``InstructionProposer`` asked for a general rule, refusing task-specific ones.

    ``record_to``: a JSONL file each refused proposal is appended to, with its reason.
    """

    def __init__(self, record_to: Path | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("additional_instructions", GENERAL_RULE)
        super().__init__(**kwargs)
        self.record_to = record_to
        self.refused: list[dict[str, str]] = []

    def __call__(
        self,
        candidate: dict[str, str],
        reflective_dataset: Mapping[str, Sequence[Mapping[str, Any]]],
        components_to_update: list[str],
    ) -> dict[str, str]:
        proposed = super().__call__(candidate, reflective_dataset, components_to_update)
        kept: dict[str, str] = {}
        for name, text in proposed.items():
            shown = [t for record in reflective_dataset.get(name, ())
                     for t in strings_in(record.get("Inputs", {}))]
            current = candidate.get(name, "")
            reason = self.why_refused(text, shown, current)
            if reason is None:
                kept[name] = self.instruction(current, text)
            else:
                self.refuse(name, reason, text)
        return kept

    def why_refused(self, proposal: str, shown: list[str], current: str) -> str | None:
        """Why ``proposal`` is left out (None: it is kept)."""
        return quotes_a_task(proposal, shown, current)

    def instruction(self, current: str, proposal: str) -> str:
        """The step's new instruction, from a kept proposal."""
        return proposal

    def refuse(self, component: str, reason: str, proposal: str) -> None:
        """Note (and log, and record) a proposal left out of the result."""
        refusal = {"component": component, "reason": reason, "proposal": proposal}
        self.refused.append(refusal)
        if self.record_to is not None:
            self.record_to.parent.mkdir(parents=True, exist_ok=True)
            with self.record_to.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(refusal) + "\n")
        logger.info("Refused GEPA's proposal for %s: it %s (%r); the current instruction stays "
                    "and no evaluation is spent on it.", component, reason, proposal[:120])


class LessonProposer(GeneralInstructionProposer):
    """One general lesson added to the current instruction, instead of a new instruction."""

    def __init__(self, record_to: Path | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("base_instructions", LESSON_PROMPT)
        # no max_chars: DSPy shows it as a `length_limit` field, and the 1.5B's first lesson was
        # "The new instruction must be at most 400 characters." (checked here instead)
        kwargs.setdefault("additional_instructions", None)
        super().__init__(record_to=record_to, **kwargs)

    def why_refused(self, proposal: str, shown: list[str], current: str) -> str | None:
        return super().why_refused(proposal, shown, current) or not_a_lesson(proposal, current)

    def instruction(self, current: str, proposal: str) -> str:
        return with_lesson(current, proposal)


def not_a_lesson(lesson: str, instruction: str) -> str | None:
    """Why ``lesson`` is not a lesson to add to ``instruction`` (None when it is one)."""
    text = " ".join(lesson.split())
    if not text:
        return "is empty"
    if text in " ".join(instruction.split()):
        return "is already in the instruction"
    if len(text) > LESSON_MAX_CHARS:
        return f"is longer than {LESSON_MAX_CHARS} characters"
    if re.search(r"\binstructions?\b|\bcharacters\b", text, re.IGNORECASE):
        return "is about the instruction, not about the step"
    return None


def with_lesson(instruction: str, lesson: str) -> str:
    """``instruction`` with ``lesson`` added under one heading (a child of a candidate that
    already has lessons adds to the same list).

    >>> with_lesson(with_lesson("Fix the code.", "Read the error first."), "Keep the name.")
    'Fix the code.\\n\\nLesson from earlier attempts:\\n- Read the error first.\\n- Keep the name.'
    """
    lesson = " ".join(lesson.split())
    if LESSON_HEADING in instruction:
        return f"{instruction.rstrip()}\n- {lesson}"
    return f"{instruction.rstrip()}\n\n{LESSON_HEADING}\n- {lesson}"
