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
from dspy_coder.pipeline.choices import CLASS_STRATEGIES, REFINE_STRATEGIES, ROUTINGS
from dspy_coder.pipeline.config import FLAG_FIELDS, PIPELINE_DEFAULTS, check_settings

# (argparse dest, command-line flag, Coder keyword): valued flags, then ``--no-x`` switches
_VALUED = tuple(
    (f.name, f.metadata["flag"], f.name) for f in FLAG_FIELDS if f.metadata["flag"]
)
_SWITCHES = tuple(
    (f.metadata["switch"][2:].replace("-", "_"), f.metadata["switch"], f.name)
    for f in FLAG_FIELDS
    if f.metadata["switch"]
)
_FLAG_OF = {keyword: flag for _dest, flag, keyword in (*_VALUED, *_SWITCHES)}


def add_pipeline_options(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup,
    defaults: Mapping[str, Any] | None = None,
) -> None:
    """Declare the pipeline flags on ``parser`` (or an argument group of it), one per
    ``CoderConfig`` setting that declares a flag.

    ``defaults`` only changes the defaults the help text names, for a command that applies
    its own (``optimize``); the flags themselves stay unset unless given.
    """
    shown = {**PIPELINE_DEFAULTS, **(defaults or {})}
    for setting in FLAG_FIELDS:
        meta = setting.metadata
        if meta["switch"]:
            parser.add_argument(meta["switch"], action="store_true", help=meta["help"])
            continue
        parser.add_argument(
            meta["flag"],
            type=type(PIPELINE_DEFAULTS[setting.name]),
            default=None,
            metavar=meta["metavar"],
            choices=_choices(setting.name),
            help=f"{meta['help']} (default {shown[setting.name]})",
        )


def _choices(name: str) -> tuple[str, ...] | None:
    return {"routing": ROUTINGS, "refine_strategy": REFINE_STRATEGIES,
            "class_strategy": CLASS_STRATEGIES}.get(name)


def pipeline_options(args: argparse.Namespace) -> dict[str, Any]:
    """Validated ``Coder`` keyword arguments for the pipeline flags that were set.

    Raises:
        UsageError: a value is out of range (the message names the flag and what is valid).
    """
    options: dict[str, Any] = {}
    for dest, _flag, keyword in _VALUED:
        value = getattr(args, dest, None)
        if value is not None:
            options[keyword] = value
    check_settings(options, spell=lambda name: _FLAG_OF.get(name, name))
    for dest, _flag, keyword in _SWITCHES:
        if getattr(args, dest, False):
            options[keyword] = False
    return options


def _given(args: argparse.Namespace) -> list[tuple[str, str | None]]:
    """(flag, value-or-None) for each pipeline flag that was set, in declaration order."""
    given: list[tuple[str, str | None]] = []
    for dest, flag, _keyword in _VALUED:
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


def add_senior_option(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    parser.add_argument(
        "--senior-lm", metavar="LM",
        help="a stronger model that writes the junior's minimal spec, reviews its failed "
        "attempts at checkpoints (--checkpoint-interval) and may take the task over "
        "(--no-escalate keeps it out); any --lm value, e.g. local:qwen2.5-coder-1.5b")
