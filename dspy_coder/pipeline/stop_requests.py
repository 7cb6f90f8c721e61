"""Stop requests from outside a run (``dspy-coder stop RUN_DIR``): the loop checks between
steps and ends after the current one, keeping the best attempt, rather than being cut off
mid-call as Ctrl-C does.

    with honouring(lambda: stop_file.exists()):
        coder(prompt=...)          # ends with stop_reason "stop_requested" once asked
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_CHECKS: contextvars.ContextVar[tuple[Callable[[], bool], ...]] = contextvars.ContextVar(
    "dspy_coder_stop_checks", default=())


@contextmanager
def honouring(check: Callable[[], bool]) -> Iterator[None]:
    """Runs in this context stop between steps once ``check()`` is true."""
    token = _CHECKS.set((*_CHECKS.get(), check))
    try:
        yield
    finally:
        _CHECKS.reset(token)


def stop_requested() -> bool:
    return any(check() for check in _CHECKS.get())
