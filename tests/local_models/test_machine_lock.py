"""The machine-wide llama.cpp lock excludes other holders (other processes use other fds)."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import time

import pytest

from dspy_coder.local_models.machine_lock import machine_lock, others_waiting


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


def _until_waiting(path, seconds: float = 10.0) -> None:
    """Return once another process waits for the lock at ``path`` (a fixed sleep was too short
    on a loaded machine: the forked waiter had not reached the lock, and the test failed)."""
    deadline = time.monotonic() + seconds
    while not others_waiting(path):
        assert time.monotonic() < deadline, "the waiting process never reached the lock"
        time.sleep(0.01)


def _waiter(path: str, done: multiprocessing.Queue) -> None:
    with machine_lock(__import__("pathlib").Path(path)):
        done.put(time.monotonic())


def test_a_busy_caller_does_not_starve_a_waiting_process(tmp_path):
    """A process calling back-to-back must let a waiting process in, not win every time."""
    path = tmp_path / "llama.lock"
    done: multiprocessing.Queue = multiprocessing.get_context("fork").Queue()
    with machine_lock(path):
        waiter = multiprocessing.get_context("fork").Process(target=_waiter, args=(str(path), done))
        waiter.start()
        _until_waiting(path)  # the waiter is now blocked on the lock
    turns_ended = []
    for _ in range(20):  # back-to-back calls of 20 ms each
        with machine_lock(path):
            time.sleep(0.02)
        turns_ended.append(time.monotonic())
    got_in = done.get(timeout=10)
    waiter.join(timeout=10)
    turns_before_waiter = sum(1 for ended in turns_ended if ended < got_in)
    assert turns_before_waiter <= 2


def test_a_caller_asking_again_at_once_goes_after_the_waiting_process(tmp_path):
    """Continuous batching releases and takes the lock again between decoding steps with no
    gap; plain flock often let it win for dozens of turns (40 of 200 in one trial, and in 2 of
    5 runs of one trial here), the turnstile hands the next turn to the waiter every time."""
    path = tmp_path / "llama.lock"
    context = multiprocessing.get_context("fork")
    turns_before_waiter = []
    for _trial in range(10):
        done: multiprocessing.Queue = context.Queue()
        with machine_lock(path):
            waiter = context.Process(target=_waiter, args=(str(path), done))
            waiter.start()
            _until_waiting(path)  # the waiter is now blocked on the lock
        turns_ended = []
        for _ in range(200):  # back-to-back turns with no work and no gap
            with machine_lock(path):
                pass
            turns_ended.append(time.monotonic())
        got_in = done.get(timeout=10)
        waiter.join(timeout=10)
        turns_before_waiter.append(sum(1 for ended in turns_ended if ended < got_in))
    assert max(turns_before_waiter) <= 1, turns_before_waiter


def test_a_holder_sees_that_another_process_waits(tmp_path):
    path = tmp_path / "llama.lock"
    assert not others_waiting(path)  # no lock file yet
    context = multiprocessing.get_context("fork")
    done: multiprocessing.Queue = context.Queue()
    with machine_lock(path):
        assert not others_waiting(path)
        waiter = context.Process(target=_waiter, args=(str(path), done))
        waiter.start()
        _until_waiting(path)  # the waiter is now blocked on the lock
        assert others_waiting(path)
    done.get(timeout=10)
    waiter.join(timeout=10)
    assert not others_waiting(path)
