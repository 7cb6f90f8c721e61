"""Does a problem's first draft pass what its own prompt shows? Asked once per problem and LM.

The check uses only what a user would give the program: the docstring examples, read as the
pipeline reads them, or, when it finds none, the ``assert`` lines the prompt shows (MBPP's first
assert in ``mbpp-evalplus``). The hidden tests are never run. A problem whose prompt shows
neither is ``unchecked`` and costs no LM call. Outcomes are kept in a JSON file
(``FirstDraftChecks``) keyed by task id and prompt, so they are computed once per student LM and
shared by every compile that points at the file.

Example:
    >>> checks = FirstDraftChecks(Path("runs/first_drafts.json"), lm="local:qwen2.5-coder-1.5b",
    ...                           program="baseline")                        # doctest: +SKIP
    >>> outcome_of = first_draft_checker(checks, make_program("baseline"), lm)  # doctest: +SKIP
    >>> outcome_of(problem)                                                     # doctest: +SKIP
    'fails'
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import dspy

from dspy_coder.datasets import Problem
from dspy_coder.durable_files import write_text_atomic
from dspy_coder.errors import UsageError
from dspy_coder.task.doc_examples import doc_example_tests

logger = logging.getLogger(__name__)

Outcome = Literal["fails", "passes", "unchecked"]
OUTCOMES: tuple[Outcome, ...] = ("fails", "passes", "unchecked")
CHECKS_VERSION = 1


def shown_asserts(prompt: str) -> list[str]:
    """The ``assert`` lines a prompt shows (one per line, as ``mbpp-evalplus`` shows one)."""
    return [line.strip() for line in prompt.splitlines() if line.strip().startswith("assert ")]


def visible_checks(problem: Problem) -> str | None:
    """Test source for what ``problem``'s prompt shows (see the module docstring), or None."""
    examples = problem.to_task().examples
    if examples:
        return "\n\n".join(test.code for test in doc_example_tests(examples))
    asserts = shown_asserts(problem.prompt)
    if not asserts:
        return None
    modules = sorted({name for line in asserts for name in re.findall(r"\b([a-z_]\w*)\.", line)
                      if name in sys.stdlib_module_names})
    imports = "".join(f"import {name}\n" for name in modules)
    tests = "\n".join(f"def test_shown_assert_{n}():\n    {line}\n"
                      for n, line in enumerate(asserts, start=1))
    return f"{imports}\n{tests}" if imports else tests


def _prompt_key(problem: Problem) -> str:
    return hashlib.sha256(problem.prompt.encode()).hexdigest()[:16]


class FirstDraftChecks:
    """The JSON file of first-draft outcomes for one student LM and drafting program.

    A file written for another LM or program is refused (its outcomes would be someone else's);
    an entry whose prompt changed since is computed again.
    """

    def __init__(self, path: Path, *, lm: str, program: str) -> None:
        self.path, self.lm, self.program = Path(path), lm, program
        self._lock = threading.Lock()
        self.outcomes: dict[str, dict[str, str]] = {}
        if self.path.exists():
            self._load()

    def _load(self) -> None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise UsageError(f"{self.path} is not a readable first-draft file ({exc}); delete it "
                             "to draft again.") from exc
        made_by = (data.get("lm"), data.get("program")) if isinstance(data, dict) else None
        if made_by != (self.lm, self.program):
            raise UsageError(
                f"{self.path} holds first drafts of {made_by}, not of ({self.lm!r}, "
                f"{self.program!r}); point --first-drafts at another file or delete it."
            )
        self.outcomes = dict(data.get("outcomes") or {})

    def get(self, problem: Problem) -> Outcome | None:
        """The stored outcome of ``problem`` (None if none, or if its prompt changed since)."""
        entry = self.outcomes.get(problem.task_id) or {}
        if entry.get("prompt") == _prompt_key(problem) and entry.get("outcome") in OUTCOMES:
            return entry["outcome"]  # type: ignore[return-value]
        return None

    def put(self, problem: Problem, outcome: Outcome) -> None:
        """Record ``outcome`` and rewrite the file (atomically: a stop loses at most this one)."""
        with self._lock:
            self.outcomes[problem.task_id] = {"outcome": outcome, "prompt": _prompt_key(problem)}
            data = {"version": CHECKS_VERSION, "lm": self.lm, "program": self.program,
                    "outcomes": self.outcomes}
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(self.path, json.dumps(data, indent=1, sort_keys=True) + "\n")


def first_draft_checker(checks: FirstDraftChecks, program: dspy.Module, lm: Any,
                        runner: Callable[..., Any] | None = None, limits: Any = None
                        ) -> Callable[[Problem], Outcome]:
    """``outcome_of(problem)``: the stored outcome, or draft once with ``program`` on ``lm``, run
    the draft on the visible checks in the sandbox, store and return the outcome."""

    def outcome_of(problem: Problem) -> Outcome:
        stored = checks.get(problem)
        if stored is not None:
            return stored
        tests = visible_checks(problem)
        if tests is None:
            outcome: Outcome = "unchecked"
        else:
            with dspy.context(lm=lm):
                draft = program(prompt=problem.prompt, entry_point=problem.entry_point)
            code = getattr(draft, "code", None) or ""
            run = runner
            if run is None:
                from dspy_coder.optimizers.metric import default_runner

                run = default_runner()
            result = run(code, tests=tests, entry_point=problem.entry_point, limits=limits)
            outcome = "passes" if code.strip() and result.passed else "fails"
        checks.put(problem, outcome)
        logger.info("first draft of %s: %s", problem.task_id, outcome)
        return outcome

    return outcome_of
