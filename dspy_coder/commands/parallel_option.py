"""The ``--parallel N`` flag of ``solve`` and ``project``: several draws of a sampling round
in flight at once. A local model decodes them together (``batching``); a server gets them as
concurrent requests. The answers are the same as with ``--parallel 1``."""

from __future__ import annotations

import argparse
from typing import Any

from dspy_coder.errors import UsageError


def add_parallel_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--parallel", type=int, default=1, metavar="N",
        help="up to N model calls of the task in flight at once: the first draft beside its "
        "tests, and the samples of a round of a task without docstring examples; a local model "
        "decodes them together (up to 3). The run is the same as with 1 (default 1)")


def parallel_settings(args: argparse.Namespace, settings: Any) -> tuple[dict[str, Any],
                                                                          dict[str, Any]]:
    """``(LM options, Coder options)`` for ``--parallel``: a local model is started with that
    many decoding slots (the Coder then draws as many at once), a server's Coder is told."""
    from dspy_coder.lm import is_local_spec

    parallel = args.parallel
    if parallel < 1:
        raise UsageError(f"--parallel must be at least 1 (got {parallel}).")
    if parallel == 1:
        return {}, {}
    if is_local_spec(settings.lm):
        return {"parallel": parallel}, {}
    return {}, {"concurrent_draws": parallel}
