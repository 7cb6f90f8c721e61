"""The ``--datasets-dir`` flag of the commands that read the shared datasets (``bench``,
``optimize``): where MBPP and ClassEval are, from the flag or ``DSPY_CODER_DATASETS``."""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def add_datasets_dir_option(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    parser.add_argument(
        "--datasets-dir",
        type=Path,
        default=os.environ.get("DSPY_CODER_DATASETS"),
        help="folder holding mbpp/sanitized-mbpp.json and classeval/ClassEval_0-69.json (env "
        "DSPY_CODER_DATASETS; default ../shared/datasets next to the repository)",
    )
