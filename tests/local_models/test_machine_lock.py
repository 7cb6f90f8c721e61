"""The machine-wide llama.cpp lock excludes other holders (other processes use other fds)."""

from __future__ import annotations

import fcntl
import os

import pytest

from dspy_coder.local_models.machine_lock import machine_lock


def _try_flock(path) -> bool:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


def test_lock_is_held_inside_and_released_after(tmp_path):
    path = tmp_path / "llama.lock"
    with machine_lock(path):
        assert not _try_flock(path)
    assert _try_flock(path)


def test_lock_is_released_when_the_call_fails(tmp_path):
    path = tmp_path / "llama.lock"
    with pytest.raises(RuntimeError):
        with machine_lock(path):
            raise RuntimeError("llama.cpp failed")
    assert _try_flock(path)
