"""``CoderConfig``: every setting of the ``Coder`` pipeline, its default and its check, once.

The command-line flags are generated from the fields that declare one (``commands/
pipeline_options.py``), ``Coder`` validates through it, and a benchmark's program
fingerprint reads :meth:`CoderConfig.identity`, so a changed default of any setting is
visible to a resumed benchmark. DSPy-free, so building the command line stays fast.

Example:
    >>> config = CoderConfig(max_iterations=2)
    >>> config.max_iterations, config.drafts
    (2, 4)
    >>> CoderConfig(drafts=-1)
    Traceback (most recent call last):
    ...
    dspy_coder.errors.UsageError: drafts must be 0 or more (got -1).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from dspy_coder.errors import UsageError
from dspy_coder.judge.scoring import ScoreWeights
from dspy_coder.pipeline.choices import (
    CLASS_STRATEGIES,
    REFINE_STRATEGIES,
    ROUTINGS,
    ClassStrategy,
    RefineStrategy,
    Routing,
)

# Output budgets per step (tokens): bounded so a rambling small model cannot stall a run. The
# assessor's was 96 until 2026-12-05, which cut its reply off before the route field.
STEP_MAX_TOKENS: Mapping[str, int] = MappingProxyType(
    {"assess": 256, "plan": 600, "generate": 900, "tests": 700, "refine": 1000, "rewrite": 900}
)


def _setting(default: Any, help: str, flag: str | None = None, metavar: str | None = None,
             switch: str | None = None, factory: Callable[[], Any] | None = None) -> Any:
    """A config field; ``flag`` (valued) or ``switch`` (``--no-x`` sets it False) makes it a
    command-line flag with this ``help`` (the default is appended to the help text)."""
    metadata = {"help": help, "flag": flag, "metavar": metavar, "switch": switch}
    if factory is not None:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class CoderConfig:
    """The pipeline's settings. Frozen: change one with :meth:`replace`."""

    max_iterations: int = _setting(
        4, "pipeline iteration limit, at least 1", flag="--max-iterations", metavar="N")
    threshold: float = _setting(
        0.95, "pipeline stop score, 0 to 1", flag="--threshold", metavar="SCORE")
    patience: int = _setting(2, "stop after this many rounds without a better score")
    routing: Routing = _setting(
        "auto",
        "simple: generate, check the docstring examples, refine on failure; complex: plan, "
        "write tests and profile too; auto: simple for short tasks with examples, else ask "
        "the model",
        flag="--routing")
    use_plan: bool = _setting(True, "pipeline without the planning step", switch="--no-plan")
    use_tests: bool = _setting(True, "pipeline without generated tests", switch="--no-tests")
    use_refine: bool = _setting(True, "pipeline without refinement", switch="--no-refine")
    refine_attempts: int = _setting(
        1, "rollouts per refinement round, at least 1; more than 1 adds an advice call "
        "between rollouts", flag="--refine-attempts", metavar="N")
    generate_max_iters: int = _setting(
        3, "ProgramOfThought hops of the first generation (draft + regenerations)")
    reason_first: bool = _setting(False, "reason before writing the first draft")
    refine_strategy: RefineStrategy = _setting(
        "repair",
        "repair: show the refiner the failing code; rewrite: a fresh implementation from the "
        "task and the failures only; alternate: rewrite first, then alternate",
        flag="--refine-strategy")
    drafts: int = _setting(
        4, "when the first answer fails its tests, sample up to N fresh drafts of it at "
        "temperature 1.0 before refining (0: refine only)", flag="--drafts", metavar="N")
    class_strategy: ClassStrategy = _setting(
        "whole",
        "a class skeleton's first draft: whole writes the class in one answer; per_method "
        "writes its methods one at a time, each seeing those before (ClassEval's incremental "
        "generation)", flag="--class-strategy")
    method_samples: int = _setting(
        2, "per_method: answers drawn for each failing method in a repair round; the others "
        "than the first are drawn at temperature 1.0 with their own seeds and run alone",
        flag="--method-samples", metavar="N")
    concurrent_draws: int | None = _setting(
        None, "draws of a sampling round in flight at once when every draw is made (tasks "
        "without docstring examples); None: as many as the LM decodes together (a local "
        "model's parallel, else 1). The answers are the same either way")
    checkpoint_interval: int = _setting(
        2, "with a senior LM: it reviews the junior's failed attempts after every N "
        "unsuccessful iterations", flag="--checkpoint-interval", metavar="N")
    escalate: bool = _setting(
        True, "with a senior LM: never let the senior take the task over when the junior "
        "runs out of iterations or stalls", switch="--no-escalate")
    senior_iterations: int = _setting(
        2, "with a senior LM: iterations the senior gets when it takes the task over")
    weights: ScoreWeights = _setting(
        None, "score = tests x weight + performance x weight", factory=ScoreWeights)
    timeout_s: float = _setting(10.0, "wall-clock limit of one sandbox run, seconds")
    memory_mb: int = _setting(1024, "memory limit of one sandbox run, MiB")
    simple_prompt_chars: int = _setting(
        1200, "auto routing: the longest prompt that may take the fast path without an LM call")
    lm_retries: int = _setting(3, "tries of a step when the LM is unreachable")
    retry_backoff_s: float = _setting(2.0, "first wait between LM retries, doubled each time")
    step_max_tokens: Mapping[str, int] = _setting(
        None, "output token budget per step (a partial mapping changes only those steps)",
        factory=lambda: STEP_MAX_TOKENS)

    def __post_init__(self) -> None:
        check_settings({f.name: getattr(self, f.name) for f in dataclasses.fields(self)})
        # a partial mapping changes only the steps it names
        budgets = {**STEP_MAX_TOKENS, **self.step_max_tokens}
        object.__setattr__(self, "step_max_tokens", MappingProxyType(budgets))

    def replace(self, **changes: Any) -> CoderConfig:
        """A copy with ``changes`` applied (validated); unknown names are a ``UsageError``."""
        unknown = sorted(set(changes) - SETTING_NAMES)
        if unknown:
            raise UsageError(
                f"Unknown Coder setting(s): {', '.join(unknown)}; the settings are "
                f"{', '.join(sorted(SETTING_NAMES))}."
            )
        return dataclasses.replace(self, **changes)

    def identity(self) -> dict[str, Any]:
        """What a program fingerprint hashes: the settings fingerprinted since the first
        benchmarks, always, and any other setting that differs from ``IDENTITY_REFERENCE``
        (so the committed fingerprints stay valid and a changed default changes them)."""
        values = self._plain()
        reference = IDENTITY_REFERENCE._plain()
        return {
            name: value
            for name, value in values.items()
            if (name in ALWAYS_IN_IDENTITY or value != reference[name])
            and not unread_setting(name, values) and name not in NOT_IN_IDENTITY
        }

    def __deepcopy__(self, memo: dict) -> CoderConfig:
        return self  # immutable: copies of a module share it

    def __reduce__(self) -> tuple:
        return (_rebuild, (self._plain(),))

    def _plain(self) -> dict[str, Any]:
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        values["weights"] = self.weights.model_dump()
        values["step_max_tokens"] = dict(self.step_max_tokens)
        return values


def _rebuild(values: dict[str, Any]) -> CoderConfig:
    return CoderConfig(**{**values, "weights": ScoreWeights(**values["weights"])})


SETTING_NAMES: frozenset[str] = frozenset(f.name for f in dataclasses.fields(CoderConfig))
FLAG_FIELDS: tuple[dataclasses.Field, ...] = tuple(
    f for f in dataclasses.fields(CoderConfig) if f.metadata["flag"] or f.metadata["switch"]
)

# The settings a fingerprint held before ``CoderConfig`` existed; the rest join it only
# when they differ from their value then (IDENTITY_REFERENCE, written out in full).
ALWAYS_IN_IDENTITY = frozenset({
    "max_iterations", "threshold", "patience", "routing", "use_plan", "use_tests",
    "use_refine", "refine_attempts", "reason_first", "refine_strategy", "drafts",
})


# Settings that change how fast a program runs, never its answers: in no fingerprint.
NOT_IN_IDENTITY = frozenset({"concurrent_draws"})


# Settings only the per_method class strategy reads: not in a whole-class program's identity.
PER_METHOD_ONLY = frozenset({"method_samples"})


def unread_setting(name: str, values: Mapping[str, Any]) -> bool:
    """Whether the program ``values`` configure never reads the setting ``name`` (a per_method
    setting of a whole-class program), so it names neither that program's label nor its
    fingerprint."""
    return name in PER_METHOD_ONLY and values.get("class_strategy") != "per_method"


def check_settings(values: Mapping[str, Any], spell: Callable[[str], str] = str) -> None:
    """Raise ``UsageError`` for the first out-of-range value; ``spell`` names a setting in
    the message (a command-line flag for the CLI)."""
    problems = (
        ("max_iterations", lambda v: v >= 1, "must be at least 1"),
        ("threshold", lambda v: 0.0 <= v <= 1.0, "must be between 0 and 1"),
        ("patience", lambda v: v >= 1, "must be at least 1"),
        ("routing", lambda v: v in ROUTINGS, f"must be one of {', '.join(ROUTINGS)}"),
        ("refine_attempts", lambda v: v >= 1, "must be at least 1"),
        ("generate_max_iters", lambda v: v >= 1, "must be at least 1"),
        ("refine_strategy", lambda v: v in REFINE_STRATEGIES,
         f"must be one of {', '.join(REFINE_STRATEGIES)}"),
        ("drafts", lambda v: v >= 0, "must be 0 or more"),
        ("class_strategy", lambda v: v in CLASS_STRATEGIES,
         f"must be one of {', '.join(CLASS_STRATEGIES)}"),
        ("method_samples", lambda v: v >= 1, "must be at least 1"),
        ("concurrent_draws", lambda v: v is None or v >= 1, "must be at least 1"),
        ("checkpoint_interval", lambda v: v >= 1, "must be at least 1"),
        ("senior_iterations", lambda v: v >= 0, "must be 0 or more"),
        ("timeout_s", lambda v: v > 0, "must be more than 0"),
        ("memory_mb", lambda v: v > 0, "must be more than 0"),
        ("simple_prompt_chars", lambda v: v >= 0, "must be 0 or more"),
        ("lm_retries", lambda v: v >= 1, "must be at least 1"),
        ("retry_backoff_s", lambda v: v >= 0, "must be 0 or more"),
    )
    for name, ok, rule in problems:
        if name in values and not ok(values[name]):
            raise UsageError(f"{spell(name)} {rule} (got {values[name]!r}).")
    budgets = values.get("step_max_tokens") or {}
    unknown = sorted(set(budgets) - set(STEP_MAX_TOKENS))
    if unknown or any(not isinstance(v, int) or v < 1 for v in budgets.values()):
        raise UsageError(
            f"{spell('step_max_tokens')} maps steps ({', '.join(STEP_MAX_TOKENS)}) to token "
            f"budgets of at least 1 (got {dict(budgets)!r})."
        )


IDENTITY_REFERENCE = CoderConfig(
    max_iterations=4, threshold=0.95, patience=2, routing="auto", use_plan=True,
    use_tests=True, use_refine=True, refine_attempts=1, generate_max_iters=3,
    reason_first=False, refine_strategy="repair", drafts=4, class_strategy="whole",
    method_samples=1, concurrent_draws=None, checkpoint_interval=2, escalate=True,
    senior_iterations=2,
    weights=ScoreWeights(tests=0.7, performance=0.3), timeout_s=10.0, memory_mb=1024,
    simple_prompt_chars=1200, lm_retries=3, retry_backoff_s=2.0,
    step_max_tokens={"assess": 96, "plan": 600, "generate": 900, "tests": 700,
                     "refine": 1000, "rewrite": 900},
)

# The defaults of the settings the command line offers (the help text names them).
PIPELINE_DEFAULTS: Mapping[str, Any] = MappingProxyType(
    {f.name: getattr(CoderConfig(), f.name) for f in FLAG_FIELDS}
)
