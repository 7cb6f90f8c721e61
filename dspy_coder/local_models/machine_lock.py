"""A machine-wide lock around llama.cpp inference.

llama.cpp uses every core it is given; two processes generating at once on a small machine
oversubscribe the CPU and each runs several times slower than if they took turns. All
dspy-coder processes on one machine therefore take turns per LM call (an ``flock`` on a file
in the temp dir). A continuous batch (``bench --workers``) has answers in flight almost all the
time, so it holds the lock over many steps and gives a turn when ``others_waiting``; it then
asks again at once, and ``flock`` alone is not fair to the waiter then (the asker often wins
again). So a caller first passes a turnstile (a second lock file) and waits for the lock
holding it: whoever releases and asks again finds the waiter in the turnstile and goes after
it, and a holder can see that someone waits. The in-process lock still guards the shared
``Llama`` object.

Example (a private lock file, so the example never waits for a running model):
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as scratch:
    ...     with machine_lock(Path(scratch) / "example.lock"):
    ...         pass
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

logger = logging.getLogger(__name__)

LOCK_PATH = Path(tempfile.gettempdir()) / "dspy-coder-llama.lock"


def turnstile_path(path: Path) -> Path:
    """The lock file a caller holds while it waits for ``path``."""
    return path.with_name(path.name + ".turn")


def others_waiting(path: Path = LOCK_PATH) -> bool:
    """Whether another caller is waiting for the lock at ``path`` (it holds the turnstile
    while it waits), for a holder that keeps the lock over many steps and should give a turn."""
    try:
        turn = os.open(turnstile_path(path), os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(turn, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(turn)  # also releases the probe's own hold
    return False


@contextlib.contextmanager
def machine_lock(path: Path = LOCK_PATH) -> Iterator[None]:
    """Hold the machine-wide inference lock for the duration of the block; a caller already
    waiting for it goes first."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        started = time.perf_counter()
        turn = os.open(turnstile_path(path), os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(turn, fcntl.LOCK_EX)
            fcntl.flock(fd, fcntl.LOCK_EX)
        finally:
            os.close(turn)  # closing releases the turnstile: the next caller may queue
        waited = time.perf_counter() - started
        if waited > 1.0:
            logger.debug("Waited %.1fs for another process's llama.cpp call", waited)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
