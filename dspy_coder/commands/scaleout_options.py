"""The scale-out flags of ``dspy-coder bench``: ``--ray [ADDRESS]`` and ``--shard i/n``.

``--ray`` with no address starts a local Ray cluster; with one (``auto``, ``HOST:6379``,
``ray://HOST:10001``) it joins that cluster. ``--shard i/n`` runs one deterministic share of
the units, for machines without a cluster; ``bench merge`` joins the shards' folders.

Example:
    >>> parser = argparse.ArgumentParser()
    >>> add_scaleout_options(parser)
    >>> args = parser.parse_args(["--ray", "--shard", "2/3"])
    >>> ray_target(args).address is None, str(shard_of(args))
    (True, '2/3')
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from dspy_coder.errors import UsageError

if TYPE_CHECKING:
    from dspy_coder.bench.ray_cluster import RayTarget
    from dspy_coder.bench.shards import Shard

LOCAL_CLUSTER = "local"  # what a bare --ray stands for


def add_scaleout_options(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    add_ray_option(parser, "run each unit as a Ray task")
    parser.add_argument(
        "--shard",
        metavar="I/N",
        help="run only shard I of N of the units (deterministic; each shard gets its own "
        "results folder, joined with 'bench merge SHARD_DIR... --out RUN_DIR')",
    )


def add_ray_option(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup, what: str
) -> None:
    """``--ray [ADDRESS]``; ``what`` says what becomes a Ray task."""
    parser.add_argument(
        "--ray",
        nargs="?",
        const=LOCAL_CLUSTER,
        default=None,
        metavar="ADDRESS",
        help=f"{what} (pip install 'dspy-coder[ray]'): no ADDRESS starts a "
        "local cluster, an ADDRESS (auto, HOST:6379, ray://HOST:10001) joins one; the LM must "
        "be a server every worker reaches (see 'dspy-coder serve')",
    )


def ray_target(args: argparse.Namespace) -> RayTarget | None:
    """The Ray cluster asked for, or None (run in this process)."""
    if args.ray is None:
        return None
    from dspy_coder.bench.ray_cluster import RayTarget

    return RayTarget(address=None if args.ray == LOCAL_CLUSTER else args.ray)


def shard_of(args: argparse.Namespace) -> Shard | None:
    if not args.shard:
        return None
    from dspy_coder.bench.shards import parse_shard

    return parse_shard(args.shard)


def check_scaleout(args: argparse.Namespace, lm_spec: str) -> None:
    """Refuse combinations that cannot work, before anything starts."""
    if args.ray is None:
        return
    if args.workers != 1:
        raise UsageError(
            "--workers sets the threads of one process; with --ray every cluster CPU runs one "
            "unit at a time. Drop --workers."
        )
    refuse_in_process_lm(lm_spec)


def refuse_in_process_lm(lm_spec: str, flag: str = "--lm") -> None:
    """With ``--ray`` an LM must be a server that every worker reaches."""
    if lm_spec.startswith("local:") or lm_spec.endswith(".gguf"):
        raise UsageError(
            f"--ray with an in-process model ({lm_spec}) would load it once per worker. Serve "
            f"it once instead: dspy-coder serve --lm {lm_spec}, then pass the {flag} and "
            "--api-base it prints."
        )


def scaleout_argv(args: argparse.Namespace) -> list[str]:
    """The scale-out flags as command-line words, for the manifest's command."""
    argv: list[str] = []
    if args.ray is not None:
        argv += ["--ray"] if args.ray == LOCAL_CLUSTER else ["--ray", args.ray]
    if args.shard:
        argv += ["--shard", args.shard.replace(" ", "")]
    return argv


def shard_folder(out_dir: Path, shard: Shard | None) -> Path:
    """The default folder of a shard: the run's folder name with ``-shardIofN``."""
    return out_dir if shard is None else out_dir.with_name(f"{out_dir.name}-{shard.suffix}")
