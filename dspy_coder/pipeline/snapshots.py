"""Snapshots of a run as it goes: after every attempt the ``Coder`` offers its record to
whoever keeps them (a run directory writes ``state.json``), so a run killed mid-way leaves
its task, plan, tests, attempts, approvals, checkpoints and LM usage on disk.

    with keeping(lambda task_id, state: ...):
        coder(prompt=...)
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

logger = logging.getLogger(__name__)

Keeper = Callable[[str, dict[str, Any]], None]
_KEEPERS: contextvars.ContextVar[tuple[Keeper, ...]] = contextvars.ContextVar(
    "dspy_coder_snapshot_keepers", default=())


@contextmanager
def keeping(keeper: Keeper) -> Iterator[None]:
    """Runs in this context hand ``keeper`` a snapshot (task id, state) after each attempt."""
    token = _KEEPERS.set((*_KEEPERS.get(), keeper))
    try:
        yield
    finally:
        _KEEPERS.reset(token)


def offer(task_id: str, make: Callable[[], dict[str, Any]]) -> None:
    """Build the snapshot only if someone keeps it; a failing keeper never breaks a run."""
    keepers = _KEEPERS.get()
    if not keepers:
        return
    state = make()
    for keeper in keepers:
        try:
            keeper(task_id, state)
        except Exception as exc:
            logger.warning("Keeping a snapshot failed (%s: %s); the run goes on.",
                           type(exc).__name__, exc)
