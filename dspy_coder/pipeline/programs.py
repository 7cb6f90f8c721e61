"""Build a program by kind: ``coder`` (the pipeline), ``baseline``, ``cot``; what benchmarks run
and optimizers compile.

Example:
    >>> type(make_program("baseline")).__name__
    'SingleShot'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import dspy

from dspy_coder.errors import SetupError, UsageError

PROGRAM_KINDS = ("coder", "baseline", "cot")


def make_program(kind: str, options: dict[str, Any] | None = None) -> dspy.Module:
    """A fresh, uncompiled program of ``kind`` with constructor ``options``."""
    options = dict(options or {})
    if kind == "baseline" or kind == "cot":
        from dspy_coder.pipeline.baseline import SingleShot

        if options:
            raise UsageError(f"The {kind} program takes no options (got {sorted(options)}).")
        return SingleShot(chain_of_thought=kind == "cot")
    if kind == "coder":
        try:
            from dspy_coder.pipeline.coder import Coder
        except ImportError as exc:
            raise SetupError(
                "The coder pipeline (dspy_coder.pipeline.coder) is not available in this install; "
                "reinstall with: pip install -e ."
            ) from exc
        return Coder(**options)  # unknown or out-of-range settings are a UsageError
    raise UsageError(f"Unknown program kind {kind!r}; use one of: {', '.join(PROGRAM_KINDS)}.")
