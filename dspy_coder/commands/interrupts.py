"""Ctrl-C and ``kill``: stop a command with KeyboardInterrupt and exit 128 + the signal number.

Inside :func:`stop_on_signals`, SIGINT and SIGTERM raise :class:`SignalInterrupt` (a
``KeyboardInterrupt``) in the main thread, so ``finally`` blocks still write partial results and
MLflow marks the run KILLED; ``dspy-coder`` then exits 130 (SIGINT) or 143 (SIGTERM), as a
shell reports a process killed by that signal. Code that catches the interrupt to return what
it has (the ``Coder`` returns its report so far) is still told apart: the block's
:class:`Stops` records the signal and gives the exit code.

A signal that lands while the main thread runs a ``__del__`` or a weakref callback (SQLAlchemy
registers such callbacks) would be lost: Python prints "Exception ignored in ..." and carries on.
Inside the block such a swallowed interrupt is delivered again, so a stop is never dropped.
One arriving inside :func:`dspy_coder.uninterrupted.uninterrupted` (an MLflow write) is held
until that section ends.

Example:
    >>> with stop_on_signals() as stops:
    ...     pass
    >>> stops.signum is None
    True
"""

from __future__ import annotations

import _thread
import logging
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from dspy_coder.uninterrupted import hold

logger = logging.getLogger(__name__)

INTERRUPT_EXIT_CODE = 128 + signal.SIGINT
REDELIVERY_DELAY_S = 0.05


class SignalInterrupt(KeyboardInterrupt):
    """The command was stopped by signal ``signum``."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(f"stopped by {signal.Signals(signum).name}")

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def exit_code_for(interrupt: KeyboardInterrupt) -> int:
    """130 for Ctrl-C, 128 + the signal number for a :class:`SignalInterrupt`."""
    return interrupt.exit_code if isinstance(interrupt, SignalInterrupt) else INTERRUPT_EXIT_CODE


@dataclass
class Stops:
    """The first stop signal received inside a :func:`stop_on_signals` block, if any."""

    signum: int | None = None

    @property
    def exit_code(self) -> int:
        """128 + the signal number (130 for Ctrl-C, also when no signal was recorded)."""
        return 128 + self.signum if self.signum is not None else INTERRUPT_EXIT_CODE


@contextmanager
def stop_on_signals(
    signums: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM),
) -> Iterator[Stops]:
    """Raise :class:`SignalInterrupt` on these signals inside the block (main thread only;
    elsewhere the block runs unchanged) and record the first in the :class:`Stops` it yields.
    The previous handlers come back afterwards."""
    stops = Stops()
    if threading.current_thread() is not threading.main_thread():
        yield stops
        return

    def interrupt(signum: int, frame: object) -> None:
        if stops.signum is None:
            stops.signum = signum
        if hold(signum):  # inside an uninterrupted() section: delivered again as it ends
            return
        raise SignalInterrupt(signum)

    active = threading.Event()
    active.set()
    previous_hook = sys.unraisablehook

    def redeliver_swallowed(unraisable: object) -> None:
        exc = getattr(unraisable, "exc_value", None)
        if not isinstance(exc, SignalInterrupt):
            previous_hook(unraisable)  # type: ignore[arg-type]
            return
        logger.debug("%s landed where Python ignores exceptions; delivering it again", exc)
        # from another thread: a re-raise inside this hook would be swallowed too
        timer = threading.Timer(REDELIVERY_DELAY_S, _interrupt_main_if, (active, exc.signum))
        timer.daemon = True
        timer.start()

    previous = {signum: signal.signal(signum, interrupt) for signum in signums}
    sys.unraisablehook = redeliver_swallowed
    try:
        yield stops
    finally:
        active.clear()
        sys.unraisablehook = previous_hook
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _interrupt_main_if(active: threading.Event, signum: int) -> None:
    """Run the main thread's handler for ``signum`` again, unless its block has ended."""
    if active.is_set():
        _thread.interrupt_main(signum)
