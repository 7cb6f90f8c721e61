"""Shared helpers for sandbox tests: find processes a run left behind.

Other sandbox users may run on the same machine at the same time (for example a long-lived
ProgramOfThought worker in another test session), so "left behind" means: a descendant of
this session's fork server, or an orphan running as a sandbox uid that appeared during the
test.
"""

from __future__ import annotations

import time

import psutil
import pytest

from dspy_coder.sandbox import executor
from dspy_coder.sandbox.isolation import UID_BASE, UID_SPAN


def _is_sandbox_uid(proc: psutil.Process) -> bool:
    real_uid = proc.uids().real
    return UID_BASE <= real_uid < UID_BASE + UID_SPAN


def leftover_processes(since: float) -> list[psutil.Process]:
    """Live, non-zombie processes of this session's runs (see the module docstring)."""
    found: dict[int, psutil.Process] = {}
    server = executor._server
    server_proc = getattr(server, "_proc", None) if server is not None else None
    if server_proc is not None and server_proc.poll() is None:
        try:
            for child in psutil.Process(server_proc.pid).children(recursive=True):
                found[child.pid] = child
        except psutil.Error:
            pass
    for proc in psutil.process_iter():
        try:
            if proc.ppid() == 1 and proc.create_time() >= since - 1 and _is_sandbox_uid(proc):
                found[proc.pid] = proc
        except psutil.Error:
            continue
    alive = []
    for proc in found.values():
        try:
            if proc.status() != psutil.STATUS_ZOMBIE:
                alive.append(proc)
        except psutil.Error:
            continue
    return alive


def wait_no_leftovers(since: float, timeout_s: float = 3.0) -> list[psutil.Process]:
    """Wait until nothing is left behind; returns the survivors (empty when clean)."""
    deadline = time.monotonic() + timeout_s
    while True:
        left = leftover_processes(since)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


@pytest.fixture
def no_leftovers():
    """Fail the test if any process of its runs outlives it."""
    since = time.time()
    yield
    left = wait_no_leftovers(since)
    assert left == [], f"processes left behind: {[(p.pid, p.name()) for p in left]}"
