"""A minimal pool of daemon threads that a stopped run can walk away from.

``concurrent.futures.ThreadPoolExecutor`` joins its threads when the interpreter exits, so a
benchmark stopped by Ctrl-C or ``kill`` would wait for the problem in progress, minutes with a
local model. These threads are daemons: :meth:`DaemonPool.stop` drops the queued work and
returns at once; a task still running is abandoned (it ends with the process) and must not
touch shared state once :attr:`DaemonPool.stopped` is set.

Example:
    >>> done = threading.Event()
    >>> pool = DaemonPool(2, "demo")
    >>> pool.submit(done.set)
    >>> done.wait(timeout=5)
    True
    >>> pool.stop(wait_s=5)   # work still queued at this point would be dropped
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

_STOP = object()


class DaemonPool:
    """``workers`` daemon threads running submitted calls in order of submission."""

    def __init__(self, workers: int, name: str) -> None:
        self._tasks: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._stopped = threading.Event()
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True)
            for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    @property
    def stopped(self) -> bool:
        """True once :meth:`stop` was called: a running task should drop its result."""
        return self._stopped.is_set()

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        self._tasks.put((fn, args))

    def stop(self, wait_s: float = 0.0) -> None:
        """Drop the queued tasks, let each thread finish its current one, then end it.

        Waits at most ``wait_s`` seconds for the threads (0: do not wait; a stopped run
        abandons the task in progress).
        """
        self._stopped.set()
        for _ in self._threads:
            self._tasks.put(_STOP)
        for thread in self._threads:
            thread.join(timeout=wait_s)
            if thread.is_alive() and wait_s:
                logger.debug("%s still busy after %.1f s; abandoning it", thread.name, wait_s)

    def _work(self) -> None:
        while True:
            task = self._tasks.get()
            if task is _STOP or self._stopped.is_set():
                return
            fn, args = task
            fn(*args)  # callers catch their own exceptions (BaseException included)
