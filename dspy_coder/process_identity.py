"""Which process is doing something, recorded so that a later process can tell whether it is
still alive: host name, pid and the process's start time (a pid alone can be reused).

The bench tags its MLflow runs with :func:`process_tags`; a later session on the same results
folder asks :func:`is_alive` about a run still marked RUNNING, and closes it as KILLED when its
process is gone (a ``kill -9``, a lost machine).

Example:
    >>> is_alive(process_tags())
    True
    >>> is_alive({**process_tags(), STARTED: "0"})   # this pid, but another process's start
    False
"""

from __future__ import annotations

import os
import socket

import psutil

HOST, PID, STARTED = "dspy_coder.host", "dspy_coder.pid", "dspy_coder.process_started"
_START_TOLERANCE_S = 1.0  # start times are read back from the kernel in clock ticks


def process_tags() -> dict[str, str]:
    """This process's identity as string tags."""
    return {
        HOST: socket.gethostname(),
        PID: str(os.getpid()),
        STARTED: f"{psutil.Process().create_time():.2f}",
    }


def is_alive(tags: dict[str, str]) -> bool | None:
    """Whether the process these tags describe is still running: ``None`` when the tags do not
    say (recorded by an older version) or name another machine, where this one cannot look."""
    if PID not in tags or tags.get(HOST) != socket.gethostname():
        return None
    try:
        process = psutil.Process(int(tags[PID]))
        started = process.create_time()
        zombie = process.status() == psutil.STATUS_ZOMBIE
    except (ValueError, psutil.NoSuchProcess):
        return False
    except psutil.AccessDenied:  # it exists, but is not ours to inspect: leave it alone
        return True
    if zombie:
        return False
    recorded = tags.get(STARTED)
    return recorded is None or abs(started - float(recorded)) <= _START_TOLERANCE_S
