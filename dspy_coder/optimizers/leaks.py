"""The leak scan every save runs: held-out material in a compiled program's demos or instructions.

A program is refused if its state names a held-out (test-split) problem of any set it was
compiled from: its task id (``HumanEval/12``, ``Mbpp/12``), its prompt, ``def <entry_point>(``
(unless a train/dev problem has that name too), or one of its hidden tests' asserts, written
as a demo would hold it (HumanEval's ``candidate`` named by the entry point, spacing ignored).
Asserts also found in train/dev tests are not flagged: they are not the held-out problem's own.

Example:
    >>> from dspy_coder.datasets import Problem
    >>> held = Problem(task_id="Mbpp/9", prompt="def f(x):\\n", entry_point="f",
    ...                test="def test_1():\\n    assert f(3) == 9\\n")
    >>> leaked_items("demo: assert f(3)==9", [held], allowed_entry_points={"f"})
    ['hidden assert of Mbpp/9: f(3) == 9']
"""

from __future__ import annotations

import ast
import json
import re
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import dspy

from dspy_coder.datasets import DEFAULT_SPLIT_SEED, Problem
from dspy_coder.errors import UsageError
from dspy_coder.optimizers.pool import ProblemPool

_SPACE = re.compile(r"\s+")


def _squeezed(text: str) -> str:
    return _SPACE.sub("", text)


def _parses(expression: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(expression, mode="eval")
        except (SyntaxError, ValueError):
            return False
    return True


def assert_calls(problem: Problem) -> list[str]:
    """The one-line asserts of ``problem``'s hidden test that call its entry point (HumanEval's
    ``candidate(`` renamed to it), without ``assert``: what a leaked test looks like."""
    found: list[str] = []
    for line in problem.test.splitlines():
        stripped = line.strip()
        if not stripped.startswith("assert "):
            continue
        expression = re.sub(r"\bcandidate\s*\(", f"{problem.entry_point}(", stripped[7:].strip())
        if re.search(rf"\b{re.escape(problem.entry_point)}\s*\(", expression) and _parses(
                expression):
            found.append(expression)
    return found


def allowed_assert_calls(problems: Iterable[Problem]) -> set[str]:
    """The assert calls of train/dev problems (spacing removed): never flagged as a leak."""
    return {_squeezed(expression) for p in problems for expression in assert_calls(p)}


def leaked_items(text: str, held_out: Sequence[Problem], allowed_entry_points: Iterable[str] = (),
                 allowed_asserts: Iterable[str] = ()) -> list[str]:
    """Held-out task ids, prompts, ``def <entry_point>(`` and hidden asserts found in ``text``.

    Entry points shared with allowed (train/dev) problems are not flagged, since a train demo
    may legitimately define a function of the same name; nor are asserts in ``allowed_asserts``.
    """
    allowed, allowed_calls = set(allowed_entry_points), set(allowed_asserts)
    squeezed_text = _squeezed(text)
    found: list[str] = []
    for problem in held_out:
        if re.search(rf"{re.escape(problem.task_id)}(?!\d)", text):
            found.append(f"task id {problem.task_id}")
        prompt = problem.prompt.strip()
        if prompt and prompt in text:
            found.append(f"prompt of {problem.task_id}")
        if problem.entry_point not in allowed and re.search(
            rf"def\s+{re.escape(problem.entry_point)}\s*\(", text
        ):
            found.append(f"def {problem.entry_point}( of {problem.task_id}")
        for expression in assert_calls(problem):
            key = _squeezed(expression)
            if key not in allowed_calls and key in squeezed_text:
                found.append(f"hidden assert of {problem.task_id}: {expression[:80]}")
    return found


def scan_for(pool: ProblemPool, seed: int = DEFAULT_SPLIT_SEED) -> dict[str, Any]:
    """The keyword arguments of ``save_program`` that scan for ``pool``'s held-out problems
    (every set's test split), allowing what its train/dev problems share with them."""
    held_out = pool.held_out(seed)
    held_ids = {p.task_id for p in held_out}
    kept = [p for p in pool.problems if p.task_id not in held_ids]
    return {
        "held_out": held_out,
        "allowed_entry_points": {p.entry_point for p in kept} - {p.entry_point for p in held_out},
        "allowed_asserts": allowed_assert_calls(kept),
    }


def strings_in(value: Any) -> list[str]:
    """Every string in a JSON-like value, keys included."""
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*strings_in(k), *strings_in(v))]
    if isinstance(value, list | tuple):
        return [s for v in value for s in strings_in(v)]
    return [str(value)] if value is not None else []


def state_text(state: dict[str, Any]) -> str:
    """The state as the JSON text DSPy writes, then every string in it as it reads (no JSON
    escapes: a prompt's quotes and newlines would otherwise hide it)."""
    return json.dumps(state, default=str) + "\n" + "\n".join(strings_in(state))


def audit_leakage(program: dspy.Module, held_out: Sequence[Problem],
                  allowed_entry_points: Iterable[str] = (),
                  allowed_asserts: Iterable[str] = ()) -> None:
    """Raise ``UsageError`` if any held-out problem appears in the program's demos or
    instructions."""
    found = leaked_items(state_text(program.dump_state()), held_out, allowed_entry_points,
                         allowed_asserts)
    if found:
        raise UsageError(
            "The compiled program contains held-out (test-split) material: "
            + "; ".join(found[:10])
            + ". It was not saved. Compile only from the train/dev splits of the same seed."
        )
