"""``dspy-coder stop RUN_DIR``: ask a running ``solve`` or ``project`` to end after its
current step, keeping its best attempt and report; ``dspy-coder resume RUN_DIR`` goes on
from there later.

Example:
    dspy-coder stop out/run
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from dspy_coder.commands.run_dir import STOP, read_run
from dspy_coder.durable_files import write_text_atomic

logger = logging.getLogger(__name__)


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "stop", help="ask a running solve or project to stop after its current step",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    return parser


def run(args: argparse.Namespace, settings) -> int:
    state = read_run(args.run_dir)
    if state["status"] != "running":
        logger.info("The run in %s is not running (%s); nothing to stop.", args.run_dir,
                    state["status"])
        return 0
    write_text_atomic(args.run_dir / STOP, "stop requested\n")
    logger.info("Asked the run in %s to stop after its current step.", args.run_dir)
    return 0
