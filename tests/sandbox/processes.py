"""Process checks shared by the sandbox tests."""

from __future__ import annotations

import time


def is_alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie (read from /proc; the process name may
    itself contain ``)``, so the state is taken after the last one)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def all_dead_within(pids: list[int], timeout_s: float = 5.0) -> bool:
    """True once none of ``pids`` is alive, waiting up to ``timeout_s``: a killed process
    dies when the kernel next schedules it, which on a loaded machine takes a moment."""
    deadline = time.monotonic() + timeout_s
    while any(is_alive(p) for p in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
