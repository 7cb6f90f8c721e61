"""The daemon pool the runner uses: runs work in order, and a stop does not wait for it."""

from __future__ import annotations

import threading
import time

from dspy_coder.daemon_pool import DaemonPool


def test_runs_submitted_work_and_ends_its_threads():
    pool = DaemonPool(2, "test-pool")
    done: list[int] = []
    lock = threading.Lock()

    def work(i: int) -> None:
        with lock:
            done.append(i)

    for i in range(10):
        pool.submit(work, i)
    deadline = time.monotonic() + 10
    while len(done) < 10 and time.monotonic() < deadline:
        time.sleep(0.01)
    pool.stop(wait_s=5)
    assert sorted(done) == list(range(10))
    assert not any(t.is_alive() for t in pool._threads)


def test_stop_returns_at_once_drops_queued_work_and_leaves_daemon_threads():
    pool = DaemonPool(1, "test-pool")
    release = threading.Event()
    ran: list[str] = []
    pool.submit(lambda: (ran.append("busy"), release.wait(30)))
    pool.submit(ran.append, "queued")
    while not ran:
        time.sleep(0.01)
    started = time.monotonic()
    pool.stop()
    assert time.monotonic() - started < 1.0
    assert pool.stopped and all(t.daemon for t in pool._threads)
    release.set()
    pool._threads[0].join(timeout=5)
    assert ran == ["busy"]  # the queued call was dropped
