"""``dspy-coder models``: list the built-in local models and prepare (assemble + verify) them.

Examples:
    dspy-coder models                      # what is installed and assembled
    dspy-coder models --prepare qwen2.5-coder-0.5b
"""

from __future__ import annotations

import argparse
import logging

logger = logging.getLogger(__name__)


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("models", help="list and prepare the built-in local models",
                                   description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prepare", metavar="NAME", action="append", default=[],
                        help="assemble and verify this model now (repeatable)")
    return parser


def run(args: argparse.Namespace, settings) -> int:
    from dspy_coder.local_models.assembly import default_cache_dir, ensure_model_file, locate_parts
    from dspy_coder.local_models.registry import BUILTIN_MODELS, get_spec

    for name in args.prepare:
        path = ensure_model_file(get_spec(name), settings.cache_dir)
        logger.info("%s ready at %s", name, path)
    cache = settings.cache_dir or default_cache_dir()
    for spec in BUILTIN_MODELS.values():
        assembled = (cache / spec.filename).is_file()
        try:
            locate_parts(spec)
            parts = "installed"
        except Exception:  # SetupError names the install command
            parts = f"missing: {spec.install_command()}"
        logger.info("local:%-20s %s | parts %s | assembled: %s", spec.name, spec.description,
                    parts, cache / spec.filename if assembled else "no")
    return 0
