"""`dspy-coder optimize` (placeholder until its issue lands)."""

from __future__ import annotations

import argparse

from dspy_coder.errors import UsageError


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    return subparsers.add_parser("optimize", help="not available yet")


def run(args: argparse.Namespace, settings: object) -> int:
    raise UsageError("'dspy-coder optimize' is not implemented yet.")
