"""A machine-wide lock around llama.cpp inference.

llama.cpp uses every core it is given; two processes generating at once on a small machine
oversubscribe the CPU and each runs several times slower than if they took turns. All
dspy-coder processes on one machine therefore take turns per LM call (an ``flock`` on a file
in the temp dir). The in-process lock still guards the shared ``Llama`` object.

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


@contextlib.contextmanager
def machine_lock(path: Path = LOCK_PATH) -> Iterator[None]:
    """Hold the machine-wide inference lock for the duration of the block."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        started = time.perf_counter()
        fcntl.flock(fd, fcntl.LOCK_EX)
        waited = time.perf_counter() - started
        if waited > 1.0:
            logger.debug("Waited %.1fs for another process's llama.cpp call", waited)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
