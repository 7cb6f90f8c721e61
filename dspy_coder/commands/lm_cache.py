"""The ``--lm-cache`` flag of the commands that report LM costs (``bench``, ``optimize``,
``solve``, ``project``).

DSPy answers a repeated prompt from its disk cache for free, so a cached run's call counts,
tokens and seconds are not what the run costs. These commands therefore call the model for
real unless the user opts in to the cache (fast reruns, replayed ablations).
"""

from __future__ import annotations

import argparse


def add_lm_cache_option(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    parser.add_argument(
        "--lm-cache",
        action="store_true",
        help="answer repeated prompts from DSPy's cache (fast reruns; off by default because "
        "a cache hit costs nothing and would make the cost figures wrong)",
    )
