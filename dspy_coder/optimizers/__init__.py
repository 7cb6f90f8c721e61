"""Compile dspy-coder programs with DSPy teleprompters against the train split's own tests.

- ``load_pool`` / ``build_split``: DSPy examples of the train/dev splits of one or more problem
  sets (HumanEval, MBPP), each split on its own; the test splits are refused;
- ``SandboxMetric``: pass rate on the example's tests in the sandbox (GEPA: score + feedback),
  optionally times a penalty per extra LM call;
- ``focused_dev``: a dev set weighted toward problems whose first draft fails its own examples;
- ``compile_program``: one function for BootstrapFewShot, random search, MIPROv2, GEPA, SIMBA
  under a ``Budget`` (``budget_for("light"|"medium"|"heavy")``);
- ``run_optimization``: the tracked (MLflow), checkpointed, resumable, saved compile behind
  ``dspy-coder optimize``, with a duration estimate before it starts;
- ``save_program`` / ``load_program``: ``program.json`` + ``program.meta.json`` sidecar, after
  the leak scan (``audit_leakage``).

Example:
    >>> from dspy_coder.optimizers import load_program
    >>> program = load_program("runs/bfs-baseline")        # doctest: +SKIP
"""

from dspy_coder.optimizers.artifacts import load_program, read_sidecar, save_program
from dspy_coder.optimizers.budgets import BUDGET_NAMES, Budget, budget_for
from dspy_coder.optimizers.compile import CompileResult, compile_program
from dspy_coder.optimizers.data import SplitData, build_split
from dspy_coder.optimizers.dev_focus import focused_dev
from dspy_coder.optimizers.leaks import audit_leakage, leaked_items
from dspy_coder.optimizers.metric import SandboxMetric
from dspy_coder.optimizers.pool import ProblemPool, load_pool
from dspy_coder.optimizers.registry import OPTIMIZERS, resolve_optimizer
from dspy_coder.pipeline.programs import PROGRAM_KINDS, make_program

__all__ = [
    "BUDGET_NAMES",
    "Budget",
    "CompileResult",
    "OPTIMIZERS",
    "PROGRAM_KINDS",
    "ProblemPool",
    "SandboxMetric",
    "SplitData",
    "audit_leakage",
    "budget_for",
    "build_split",
    "compile_program",
    "focused_dev",
    "leaked_items",
    "load_pool",
    "load_program",
    "make_program",
    "read_sidecar",
    "resolve_optimizer",
    "save_program",
]
