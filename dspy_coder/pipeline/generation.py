"""The CodeGenerator step: ProgramOfThought's loop run through our sandbox interpreter.

ProgramOfThought's generate/regenerate loop is exactly what code generation needs: the model
writes code, the interpreter runs it, and an error goes back to the model as
``previous_code`` + ``error`` until the code runs or ``max_iters`` is reached. Here "runs"
means: the module executes, defines the entry point, and passes the task's own docstring
examples, judged by the scorer's own tests (``task/example_check.py``). The final program is
the answer, so ProgramOfThought's last "answer" call (which would only copy the code) does not
exist here.

The first draft is by default (``reason_first=False``) the single-shot baseline's own call
(``FunctionWriter`` on the prompt, the LM's own token limit), so the pipeline starts from the
baseline's answer and spends more only when it fails: a reasoning preface, a longer instruction
or the plan in that first call made a small model lose problems the baseline solves (see the
README's Results). The plan steers what comes after a failure instead: the regenerations,
the generated tests and the samples of a sampling round (``sample``: the CodeGenerator on the
task and the plan). Regeneration after an error reasons first (ChainOfThought), since
reasoning about the error is the point.

Example:
    >>> step = GenerateCode(interpreter_factory=SandboxInterpreter)     # doctest: +SKIP
    >>> step(task=prompt, plan="", prompt=prompt, entry_point="add",
    ...      examples=[]).code                                        # doctest: +SKIP
"""

from __future__ import annotations

import logging
from functools import partial

import dspy
from dspy.primitives import CodeExecutionError, CodeInterpreter, CodeInterpreterError

from dspy_coder.code.extraction import assemble_solution
from dspy_coder.judge.failure_hints import with_hints
from dspy_coder.judge.feedback import mask_addresses
from dspy_coder.pipeline.class_draft import is_class_task
from dspy_coder.pipeline.program_of_thought import (
    InterpreterFactory,
    LoopOutcome,
    ProgramOfThoughtLoop,
)
from dspy_coder.pipeline.signatures.function_writer import FunctionWriter
from dspy_coder.pipeline.signatures.generator import CodeGenerator
from dspy_coder.task.example_check import EXAMPLES_FAILED, example_check_program, is_crash
from dspy_coder.types import DocExample

logger = logging.getLogger(__name__)

__all__ = ["EXAMPLES_FAILED", "GenerateCode", "example_check_program", "is_crash"]

GENERATE_INSTRUCTIONS = (
    f"{CodeGenerator.__doc__.strip()}\n\nRespond with `generated_code`: the complete "
    "Python source. It is executed and the task's docstring examples are checked."
)
REGENERATE_INSTRUCTIONS = (
    "The previous code (`previous_code`) failed when executed; `error` says how. "
    "Find the cause and respond with the complete corrected Python source in "
    "`generated_code`, defining the same function."
)


class _DirectGenerate(dspy.Module):
    """A ``dspy.Predict`` with ChainOfThought's attribute layout (``.predict``), so both kinds
    of first step are configured, saved and loaded the same way; ``reasoning`` is empty."""

    def __init__(self, signature: type[dspy.Signature], **config: object) -> None:
        super().__init__()
        self.predict = dspy.Predict(signature, **config)

    def forward(self, **kwargs: object) -> dspy.Prediction:
        prediction = self.predict(**kwargs)
        return dspy.Prediction(generated_code=prediction.generated_code, reasoning="")


class GenerateCode(ProgramOfThoughtLoop):
    """CodeGenerator as ProgramOfThought: generate, execute with the examples, regenerate.

    Not a ``dspy.ProgramOfThought`` subclass: DSPy deprecates it and its extension points are
    private, so ``ProgramOfThoughtLoop`` rebuilds its steps on public API with the same prompts
    and predictor names (``code_generate``, ``code_regenerate``), and saved programs load.
    """

    def __init__(
        self,
        interpreter_factory: InterpreterFactory,
        max_iters: int = 3,
        max_tokens: int | None = None,
        reason_first: bool = False,
        class_drafter: dspy.Module | None = None,
    ) -> None:
        super().__init__(
            CodeGenerator,
            interpreter_factory,
            generate_instructions=GENERATE_INSTRUCTIONS,
            regenerate_instructions=REGENERATE_INSTRUCTIONS,
            max_iters=max_iters,
            generate_step=dspy.ChainOfThought if reason_first else _DirectGenerate,
            **({"max_tokens": max_tokens} if max_tokens else {}),
        )
        self.reason_first = reason_first
        # The first draft of a task without a plan: the single-shot baseline's call, verbatim.
        self.first_draft = dspy.Predict(FunctionWriter)
        # A class skeleton's first draft method by method (class_strategy="per_method" only,
        # so the default program's predictors, and its fingerprint, are unchanged).
        if class_drafter is not None:
            self.class_drafter = class_drafter

    def draft(self, task: str, plan: str) -> tuple[str, str]:
        """The first draft's raw code and reasoning: the single-shot baseline's call, whether
        or not there is a plan (with ``reason_first``: the CodeGenerator on task and plan)."""
        if self.reason_first:
            return self._from_plan(task, plan)
        return self.first_draft(prompt=task).code, ""

    def sample(self, task: str, plan: str) -> tuple[str, str]:
        """One fresh candidate for a sampling round (run at temperature 1.0, see
        ``resampling``): the CodeGenerator on the task and the plan when there is a plan,
        else the first draft's own call again."""
        if plan.strip():
            return self._from_plan(task, plan)
        return self.draft(task, plan)

    def repair_crash(
        self,
        task: str,
        plan: str,
        raw: str,
        prompt: str,
        entry_point: str | None,
        examples: list[DocExample],
    ) -> tuple[str, str] | None:
        """One regeneration (the step's own ``code_regenerate``) when ``raw`` crashes its
        check, e.g. a sample that uses an undefined name; None when it runs (right or wrong)
        or cannot be checked."""
        code = assemble_solution(raw, prompt, entry_point)
        with self.interpreter() as interpreter:
            try:
                error = self._check(interpreter, code, entry_point, examples)
            except CodeInterpreterError:
                return None
        if error is None or not is_crash(error):
            return None
        prediction = self.code_regenerate(task=task, plan=plan, previous_code=code, error=error)
        return prediction.generated_code, prediction.reasoning

    def drafts_by_method(self, prompt: str, entry_point: str | None) -> bool:
        """Whether a draft of this task is written method by method (a class skeleton under
        ``class_strategy="per_method"``); its failures are then repaired by method too."""
        return getattr(self, "class_drafter", None) is not None and is_class_task(
            prompt, entry_point)

    def _from_plan(self, task: str, plan: str) -> tuple[str, str]:
        prediction = self.code_generate(task=task, plan=plan)
        return prediction.generated_code, prediction.reasoning

    def _check(
        self,
        interpreter: CodeInterpreter,
        code: str,
        entry_point: str | None,
        examples: list[DocExample],
    ) -> str | None:
        """None when the code runs and passes its examples, else the error text for the LM."""
        try:
            interpreter.execute(example_check_program(code, entry_point, examples))
        except (CodeExecutionError, SyntaxError) as exc:
            return with_hints(mask_addresses(str(exc))[:1500]) or type(exc).__name__
        return None

    def forward(
        self,
        task: str,
        plan: str,
        prompt: str,
        entry_point: str | None,
        examples: list[DocExample],
        follow_plan: bool = False,
    ) -> dspy.Prediction:
        """``follow_plan``: write the first draft from the plan (a person approved or wrote
        it) instead of the single-shot call."""
        assemble = partial(assemble_solution, prompt=prompt, entry_point=entry_point)
        with self.interpreter() as interpreter:
            check = partial(self._check, interpreter, entry_point=entry_point, examples=examples)
            per_method = self.drafts_by_method(prompt, entry_point)
            if per_method:
                raw, reasoning = self.class_drafter(prompt=prompt, class_name=entry_point).code, ""
            elif follow_plan and plan.strip():
                raw, reasoning = self._from_plan(task, plan)
            else:
                raw, reasoning = self.draft(task, plan)
            code = assemble(raw)
            try:
                error = check(code)
            except CodeInterpreterError as exc:  # the worker died: cannot verify here
                logger.warning("Interpreter failed (%s); skipping in-step verification.", exc)
                return dspy.Prediction(
                    code=code,
                    reasoning=reasoning,
                    errors=[str(exc)],
                    hops=1,
                    verified=False,
                )
            if per_method:  # its failures are repaired method by method, not by a rewrite
                outcome = LoopOutcome(code=code, reasoning=reasoning,
                                      errors=[error] if error else [], hops=1, error=error)
            else:
                outcome = self.regenerate_until_it_runs(
                    {"task": task, "plan": plan}, code, reasoning, error, check, assemble
                )
        return dspy.Prediction(
            code=outcome.code,
            reasoning=outcome.reasoning,
            errors=outcome.errors,
            hops=outcome.hops,
            verified=outcome.error is None,
        )
