"""Process checks shared by the sandbox tests."""

from __future__ import annotations


def is_alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie (read from /proc; the process name may
    itself contain ``)``, so the state is taken after the last one)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
