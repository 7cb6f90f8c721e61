"""Shared helpers for sandbox tests: find processes the sandbox left behind."""

from __future__ import annotations

import time

import psutil
import pytest

from dspy_coder.sandbox.isolation import UID_BASE, UID_SPAN


def sandbox_processes() -> list[psutil.Process]:
    """Live (non-zombie) processes running as a sandbox uid, or children of our fork server."""
    found = []
    for proc in psutil.process_iter(["uids", "status"]):
        try:
            real_uid = proc.info["uids"].real
            if UID_BASE <= real_uid < UID_BASE + UID_SPAN and proc.info["status"] != "zombie":
                found.append(proc)
        except (psutil.Error, AttributeError):
            continue
    return found


def wait_no_sandbox_processes(timeout_s: float = 3.0) -> list[psutil.Process]:
    """Wait until no sandbox process is left; returns the survivors (empty when clean)."""
    deadline = time.monotonic() + timeout_s
    while True:
        left = sandbox_processes()
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


@pytest.fixture
def no_leftovers():
    """Fail the test if any sandbox process outlives it."""
    yield
    left = wait_no_sandbox_processes()
    assert left == [], f"processes left behind: {[(p.pid, p.name()) for p in left]}"
