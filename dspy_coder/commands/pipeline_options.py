"""The Coder pipeline's command-line flags, declared once for ``solve``, ``bench`` and
``optimize``.

Every flag is unset by default (``None``/``False``), so ``Coder``'s own defaults apply unless
the user asks for something else; :func:`pipeline_options` turns the flags that were set into
validated ``Coder(**kwargs)`` keyword arguments, and :func:`pipeline_argv` back into
command-line words (for the reproducible command a benchmark records).

Example:
    >>> import argparse
    >>> parser = argparse.ArgumentParser()
    >>> add_pipeline_options(parser)
    >>> args = parser.parse_args(["--no-tests", "--max-iterations", "2"])
    >>> pipeline_options(args)
    {'max_iterations': 2, 'use_tests': False}
    >>> pipeline_argv(args)
    ['--max-iterations', '2', '--no-tests']
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from dspy_coder.errors import UsageError
from dspy_coder.pipeline.choices import PIPELINE_DEFAULTS, REFINE_STRATEGIES, ROUTINGS

# valued flags: (argparse dest == Coder keyword, command-line flag)
_VALUED = (
    ("max_iterations", "--max-iterations"),
    ("threshold", "--threshold"),
    ("routing", "--routing"),
    ("refine_attempts", "--refine-attempts"),
    ("refine_strategy", "--refine-strategy"),
    ("drafts", "--drafts"),
)
# switches: (argparse dest, command-line flag, Coder keyword set to False)
_SWITCHES = (
    ("no_plan", "--no-plan", "use_plan"),
    ("no_tests", "--no-tests", "use_tests"),
    ("no_refine", "--no-refine", "use_refine"),
)


def add_pipeline_options(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup,
    defaults: Mapping[str, Any] | None = None,
) -> None:
    """Declare the pipeline flags on ``parser`` (or an argument group of it).

    ``defaults`` only changes the defaults the help text names, for a command that applies
    its own (``optimize``); the flags themselves stay unset unless given.
    """
    shown = {**PIPELINE_DEFAULTS, **(defaults or {})}
    parser.add_argument(
        "--max-iterations",
        type=int,
        default=None,
        metavar="N",
        help=f"pipeline iteration limit, at least 1 (default {shown['max_iterations']})",
    )
    parser.add_argument(
        "--threshold",
        type=float,
        default=None,
        metavar="SCORE",
        help=f"pipeline stop score, 0 to 1 (default {shown['threshold']})",
    )
    parser.add_argument(
        "--routing",
        choices=ROUTINGS,
        default=None,
        help="simple: generate, check the docstring examples, refine on failure; complex: "
        "plan, write tests and profile too; auto: simple for short tasks with examples, "
        f"else ask the model (default {shown['routing']})",
    )
    parser.add_argument(
        "--refine-attempts",
        type=int,
        default=None,
        metavar="N",
        help="rollouts per refinement round, at least 1; more than 1 adds an advice call "
        f"between rollouts (default {shown['refine_attempts']})",
    )
    parser.add_argument(
        "--refine-strategy",
        choices=REFINE_STRATEGIES,
        default=None,
        help="repair: show the refiner the failing code; rewrite: a fresh implementation from "
        "the task and the failures only; alternate: rewrite first, then alternate "
        f"(default {shown['refine_strategy']})",
    )
    parser.add_argument(
        "--drafts",
        type=int,
        default=None,
        metavar="N",
        help="when the first answer fails its tests, sample up to N fresh drafts of it at "
        "temperature 1.0 before refining (0: refine only; "
        f"default {shown['drafts']})",
    )
    parser.add_argument("--no-plan", action="store_true", help="pipeline without the planning step")
    parser.add_argument("--no-tests", action="store_true", help="pipeline without generated tests")
    parser.add_argument("--no-refine", action="store_true", help="pipeline without refinement")


def pipeline_options(args: argparse.Namespace) -> dict[str, Any]:
    """Validated ``Coder`` keyword arguments for the pipeline flags that were set.

    Raises:
        UsageError: a value is out of range (the message says which values are valid).
    """
    options: dict[str, Any] = {}
    for dest, _flag in _VALUED:
        value = getattr(args, dest, None)
        if value is not None:
            options[dest] = value
    if options.get("max_iterations", 1) < 1:
        raise UsageError(f"--max-iterations must be at least 1 (got {options['max_iterations']}).")
    if not 0.0 <= options.get("threshold", 0.0) <= 1.0:
        raise UsageError(
            f"--threshold must be between 0 and 1 (got {options['threshold']}); "
            "it is the score at which the pipeline stops."
        )
    if options.get("routing", "auto") not in ROUTINGS:
        raise UsageError(
            f"--routing must be one of {', '.join(ROUTINGS)} (got {options['routing']!r})."
        )
    if options.get("refine_strategy", "repair") not in REFINE_STRATEGIES:
        raise UsageError(
            f"--refine-strategy must be one of {', '.join(REFINE_STRATEGIES)} "
            f"(got {options['refine_strategy']!r})."
        )
    if options.get("refine_attempts", 1) < 1:
        raise UsageError(
            f"--refine-attempts must be at least 1 (got {options['refine_attempts']})."
        )
    if options.get("drafts", 0) < 0:
        raise UsageError(f"--drafts must be 0 or more (got {options['drafts']}).")
    for dest, _flag, keyword in _SWITCHES:
        if getattr(args, dest, False):
            options[keyword] = False
    return options


def _given(args: argparse.Namespace) -> list[tuple[str, str | None]]:
    """(flag, value-or-None) for each pipeline flag that was set, in declaration order."""
    given: list[tuple[str, str | None]] = []
    for dest, flag in _VALUED:
        value = getattr(args, dest, None)
        if value is not None:
            given.append((flag, str(value)))
    given += [(flag, None) for dest, flag, _keyword in _SWITCHES if getattr(args, dest, False)]
    return given


def pipeline_argv(args: argparse.Namespace) -> list[str]:
    """The pipeline flags that were set, as command-line words (valued flags first)."""
    return [word for flag, value in _given(args) for word in (flag, value) if word is not None]


def refuse_pipeline_flags(args: argparse.Namespace, program: str) -> None:
    """Raise ``UsageError`` if pipeline flags were given for ``program``, which is not the
    Coder pipeline (e.g. ``"--program baseline"``)."""
    flags = [flag for flag, _value in _given(args)]
    if flags:
        verb, them = ("applies", "it") if len(flags) == 1 else ("apply", "them")
        raise UsageError(
            f"{', '.join(flags)} {verb} to the coder pipeline only, and {program} is not the "
            f"pipeline; drop {them}."
        )
