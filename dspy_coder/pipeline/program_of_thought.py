"""``ProgramOfThoughtLoop``: ``dspy.ProgramOfThought``'s write, execute, rewrite loop, built on
public DSPy API only.

DSPy 3.4 deprecates ``dspy.ProgramOfThought`` (3.5 removes it) and the hooks a subclass would
need (``_generate_signature``, ``_generate_instruction``, ``_interpreter_context``) are private.
This module keeps the part the CodeGenerator uses: ProgramOfThought's "generate" and
"regenerate" signatures (the task's inputs, ``previous_code`` and ``error`` with
ProgramOfThought's own field descriptions), its step names ``code_generate`` and
``code_regenerate``, one interpreter per run from a factory, and the loop that regenerates
with the error until the code runs or ``max_iters`` programs were tried. What "runs" means is
the caller's ``check``.

Example:
    >>> import dspy
    >>> from dspy_coder.sandbox.interpreter import SandboxInterpreter
    >>> pot = ProgramOfThoughtLoop(dspy.Signature("question -> answer"), SandboxInterpreter,
    ...                            generate_instructions="Write code.",
    ...                            regenerate_instructions="Fix the code.")
    >>> [name for name, _ in pot.named_predictors()]
    ['code_generate.predict', 'code_regenerate.predict']
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import dspy
from dspy.primitives import CodeInterpreter

logger = logging.getLogger(__name__)

# ProgramOfThought's field descriptions: the prompts stay the ones it sent.
_CODE_DESC = "python code that answers the question"
_PREVIOUS_CODE_DESC = "previously-generated python code that errored"
_ERROR_DESC = "error message from previously-generated python code"

InterpreterFactory = Callable[[], CodeInterpreter]


def generate_signature(signature: type[dspy.Signature], instructions: str) -> type[dspy.Signature]:
    """ProgramOfThought's "generate" step: the inputs of ``signature`` -> ``generated_code``."""
    fields: dict[str, Any] = dict(signature.input_fields)
    fields["generated_code"] = dspy.OutputField(desc=_CODE_DESC)
    return dspy.Signature(fields, instructions)


def regenerate_signature(
    signature: type[dspy.Signature], instructions: str
) -> type[dspy.Signature]:
    """ProgramOfThought's "regenerate" step: the inputs, ``previous_code`` and ``error`` ->
    ``generated_code``."""
    fields: dict[str, Any] = dict(signature.input_fields)
    fields["previous_code"] = dspy.InputField(desc=_PREVIOUS_CODE_DESC)
    fields["error"] = dspy.InputField(desc=_ERROR_DESC)
    fields["generated_code"] = dspy.OutputField(desc=_CODE_DESC)
    return dspy.Signature(fields, instructions)


@dataclass
class LoopOutcome:
    """Where the loop stopped: the last program, its reasoning, every error in order, how many
    programs were checked, and the last program's error (None: it passed)."""

    code: str
    reasoning: str
    errors: list[str]
    hops: int
    error: str | None


class ProgramOfThoughtLoop(dspy.Module):
    """ProgramOfThought's steps and loop; subclasses decide how code is written and checked.

    Args:
        signature: whose input fields the generated code answers.
        interpreter_factory: zero-argument callable returning a ``CodeInterpreter``; each run
            gets its own, shut down afterwards.
        generate_instructions, regenerate_instructions: the two steps' instructions.
        max_iters: programs checked per run, the first one included.
        generate_step: the module that wraps the "generate" signature
            (``dspy.ChainOfThought``, as in ProgramOfThought, or any ``(signature, **config)``
            module whose prediction has ``generated_code`` and ``reasoning``).
        **config: LM settings of both steps (e.g. ``max_tokens``).
    """

    def __init__(
        self,
        signature: type[dspy.Signature],
        interpreter_factory: InterpreterFactory,
        *,
        generate_instructions: str,
        regenerate_instructions: str,
        max_iters: int = 3,
        generate_step: Callable[..., dspy.Module] = dspy.ChainOfThought,
        **config: Any,
    ) -> None:
        super().__init__()
        # An interpreter object is refused, as ProgramOfThought does: each run needs its own.
        is_interpreter = not isinstance(interpreter_factory, type) and isinstance(
            interpreter_factory, CodeInterpreter
        )
        if is_interpreter or not callable(interpreter_factory):
            raise TypeError(
                "interpreter_factory must be a zero-argument callable that creates a "
                f"CodeInterpreter, not {type(interpreter_factory).__name__}."
            )
        self.max_iters = max_iters
        self.code_generate = generate_step(
            generate_signature(signature, generate_instructions), **config
        )
        self.code_regenerate = dspy.ChainOfThought(
            regenerate_signature(signature, regenerate_instructions), **config
        )
        self.interpreter_factory = interpreter_factory

    @contextmanager
    def interpreter(self) -> Iterator[CodeInterpreter]:
        """A fresh interpreter from the factory for one run; shut down when the run ends."""
        interpreter = self.interpreter_factory()
        if not isinstance(interpreter, CodeInterpreter):
            raise TypeError(
                "interpreter_factory must return a CodeInterpreter, "
                f"not {type(interpreter).__name__}."
            )
        try:
            yield interpreter
        finally:
            interpreter.shutdown()

    def regenerate_until_it_runs(
        self,
        inputs: Mapping[str, str],
        code: str,
        reasoning: str,
        error: str | None,
        check: Callable[[str], str | None],
        assemble: Callable[[str], str],
    ) -> LoopOutcome:
        """From a first program and its ``check`` result: while it fails and fewer than
        ``max_iters`` programs were checked, ``code_regenerate`` gets the previous code and the
        error, ``assemble`` turns its answer into the next program, and ``check`` runs it."""
        errors: list[str] = []
        hops = 1
        while error is not None and hops < self.max_iters:
            errors.append(error)
            logger.info(
                "Generated code failed its own check (hop %d): %s",
                hops,
                error.splitlines()[0] if error else "",
            )
            prediction = self.code_regenerate(**inputs, previous_code=code, error=error)
            code, reasoning = assemble(prediction.generated_code), prediction.reasoning
            error = check(code)
            hops += 1
        if error is not None:
            errors.append(error)
        return LoopOutcome(code=code, reasoning=reasoning, errors=errors, hops=hops, error=error)
