"""``dspy-coder optimize --ray [ADDRESS]``: the compile's program runs as Ray tasks.

Kept apart from ``optimize.py`` so that command only adds the flag, checks it and opens the
runs around the compile. Ray is imported only when ``--ray`` is given.

Example:
    >>> parser = argparse.ArgumentParser()
    >>> add_ray_options(parser)
    >>> parser.parse_args(["--ray", "auto"]).ray
    'auto'
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from dspy_coder.commands.scaleout_options import add_ray_option, ray_target, refuse_in_process_lm

if TYPE_CHECKING:
    from dspy_coder.datasets import Problem
    from dspy_coder.optimizers.pool import ProblemPool


def add_ray_options(parser: argparse.ArgumentParser) -> None:
    add_ray_option(
        parser,
        "run every program run of the compile (the program, its sandbox, the metric's tests) "
        "as a Ray task; the optimizer stays here and --threads runs stay in flight",
    )


def check_ray(args: argparse.Namespace, lm_spec: str) -> None:
    """Refuse LMs the workers cannot share, before anything loads."""
    if args.ray is None:
        return
    refuse_in_process_lm(lm_spec)
    if args.teacher_lm:  # the teacher bootstraps demos on the workers too
        refuse_in_process_lm(args.teacher_lm, "--teacher-lm")


def program_runs(
    args: argparse.Namespace,
    options: dict[str, Any],
    problems: Sequence[Problem] | ProblemPool,
    seed: int,
) -> contextlib.AbstractContextManager[dict[str, Any]]:
    """The keyword arguments of ``run_optimization`` that place its program runs: none (this
    process), or with ``--ray`` a Ray cluster's for the block."""
    target = ray_target(args)
    if target is None:
        return contextlib.nullcontext({})
    from dspy_coder.optimizers.ray_runs import runs_on_ray

    return runs_on_ray(target, kind=args.kind, options=options, problems=problems, seed=seed,
                       threads=args.threads)
