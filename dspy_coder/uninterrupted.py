"""Short sections a stop signal must not cut in half.

An MLflow write to SQLite cut by Ctrl-C or ``kill`` partway leaves the database locked by the
abandoned transaction, so the run can no longer be marked KILLED and stays RUNNING. Inside
:func:`uninterrupted` the handler of :func:`dspy_coder.commands.interrupts.stop_on_signals`
holds the signal (:func:`hold`) and it is delivered again as the section ends, a moment later.
Signals reach Python only in the main thread, so sections elsewhere need no holding.

Example:
    >>> with uninterrupted():
    ...     pass
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_depth = 0
_held: list[int] = []


@contextmanager
def uninterrupted() -> Iterator[None]:
    """Run the block whole: a stop signal arriving inside it is delivered when it ends."""
    global _depth
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0 and _held:
            signum = _held[0]
            _held.clear()
            signal.raise_signal(signum)  # the handler runs again, now outside any section


def hold(signum: int) -> bool:
    """True (and the signal kept for later) when the main thread is inside a section; called
    by a signal handler, which Python runs in the main thread only."""
    if _depth == 0:
        return False
    _held.append(signum)
    return True
