"""``dspy-coder resume RUN_DIR``: continue a ``solve`` or ``project`` run that Ctrl-C, a
signal or kill -9 stopped, from its run directory (see ``commands.run_dir``).

The run is started again with its own command line, in its own working directory, and its
LM journal answers every call it already made, so it reaches where it stopped without
paying for them and goes on from there.

Example:
    dspy-coder solve --file task.py --out out/    # Ctrl-C
    dspy-coder resume out/run
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from dspy_coder.commands.run_dir import read_run

logger = logging.getLogger(__name__)


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "resume",
        help="continue a stopped solve or project run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("run_dir", type=Path, metavar="RUN_DIR",
                        help="the run's directory (default of a run: <--out>/run)")
    return parser


def run(args: argparse.Namespace, settings) -> int:
    from dspy_coder.cli import build_parser, settings_from_args

    run_dir = args.run_dir.resolve()
    state = read_run(run_dir)
    if state["status"] == "finished":
        logger.info("The run in %s already finished (%s); nothing to resume.", run_dir,
                    state.get("result", "?"))
        return 0
    logger.info("Resuming %s (%s since %s): dspy-coder %s", run_dir, state["status"],
                state.get("ended") or state["started"], " ".join(state["argv"]))
    os.chdir(state["cwd"])
    inner = build_parser().parse_args(state["argv"])
    inner.argv, inner.run_dir, inner.resuming = state["argv"], run_dir, True
    return inner._run(inner, settings_from_args(inner))
