"""Connecting a benchmark to Ray: start a local cluster or join one, and ship our code to it.

Ray is an optional extra (``pip install 'dspy-coder[ray]'``); this module imports it only when
a run asks for it, so single-machine use never loads it. The workers run the driver's own copy
of ``dspy_coder`` (shipped as a Ray ``py_modules`` runtime environment), so every unit of a run
is produced by the same code whatever is installed on the worker machines.

Example:
    >>> target = RayTarget()                      # start a local cluster
    >>> RayTarget(address="auto").describe()      # join the cluster running on this machine
    'the Ray cluster at auto'
    >>> with connected(target) as ray:            # doctest: +SKIP
    ...     ray.cluster_resources()["CPU"]
    2.0
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dspy_coder.errors import SetupError

logger = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # the dspy_coder package the driver runs
# What every process of ours needs before litellm or mlflow is imported (see dspy_coder._env).
WORKER_ENV = {
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "HF_HUB_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "RAY_USAGE_STATS_ENABLED": "0",
}


@dataclass(frozen=True)
class RayTarget:
    """Where a run's units go. ``address`` None starts a local cluster of ``num_cpus`` CPUs
    (default: all of them); otherwise it is any address ``ray.init`` takes (``auto``,
    ``host:6379``, ``ray://host:10001``). ``py_modules`` are extra local packages the workers
    need (the tests ship their own fakes this way). ``tracing`` (a
    ``tracking.WorkerTracing``) is where the workers trace their units, None for nowhere."""

    address: str | None = None
    num_cpus: int | None = None
    cpus_per_unit: float = 1.0
    py_modules: tuple[str, ...] = ()
    tracing: Any = None

    def describe(self) -> str:
        return f"the Ray cluster at {self.address}" if self.address else "a local Ray cluster"


def import_ray() -> Any:
    """The ``ray`` module, or a SetupError naming the install command."""
    try:
        import ray
    except ImportError as exc:
        raise SetupError(
            "--ray needs Ray, an optional extra: pip install 'dspy-coder[ray]' "
            "(or pip install 'ray[default]')."
        ) from exc
    return ray


def runtime_env(target: RayTarget) -> dict[str, Any]:
    """The runtime environment of the run's workers: our package and the environment it needs."""
    return {
        "py_modules": [str(PACKAGE_DIR), *target.py_modules],
        "env_vars": dict(WORKER_ENV),
    }


def init_ray(target: RayTarget) -> Any:
    """``ray.init`` for ``target``; returns the module. A cluster that cannot be reached is a
    SetupError that says how to start one."""
    ray = import_ray()
    options: dict[str, Any] = {
        "runtime_env": runtime_env(target),
        "include_dashboard": False,
        "logging_level": logging.WARNING,
        "configure_logging": False,  # the command line owns the log format
    }
    if target.address:
        options["address"] = target.address
    elif target.num_cpus is not None:
        options["num_cpus"] = target.num_cpus
    handlers = _signal_handlers()
    try:
        ray.init(**options)
    except ConnectionError as exc:
        raise SetupError(
            f"Could not join {target.describe()} ({exc}). Start it with 'ray start --head' "
            "(then use --ray auto, or --ray HEAD_IP:6379 from another machine), or give "
            "--ray with no address for a local cluster."
        ) from exc
    finally:
        _restore(handlers)
    logger.info(
        "Ray: %s, %s CPUs", target.describe(), ray.cluster_resources().get("CPU", "unknown")
    )
    return ray


def _signal_handlers() -> dict[int, Any]:
    return {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}


def _restore(handlers: dict[int, Any]) -> None:
    """Put back the command's own Ctrl-C/SIGTERM handling, which ``ray.init`` replaces with a
    plain exit: a stopped run must still keep its finished units and exit 130/143."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum, handler in handlers.items():
        if handler is not None and signal.getsignal(signum) is not handler:
            signal.signal(signum, handler)


@contextmanager
def connected(target: RayTarget) -> Iterator[Any]:
    """Ray, initialised for the block: an already initialised Ray is used as it is (and left
    running); one started here is shut down at the end."""
    ray = import_ray()
    if ray.is_initialized():
        yield ray
        return
    init_ray(target)
    try:
        yield ray
    finally:
        ray.shutdown()
