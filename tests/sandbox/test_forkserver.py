"""The fork server's lifetime: it serves the whole client process and ends with it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

from dspy_coder.sandbox.forkserver import ForkServer
from tests.sandbox.processes import is_alive

HELLO = {"code": "print(1)", "limits": {"timeout_s": 5.0}, "support": {}}


def test_server_outlives_the_thread_that_started_it():
    # Grading runs in worker threads; the first run in a thread starts the server. It must
    # keep serving after that thread ends (a parent-death signal tied to the starting thread
    # killed it, and a run handed over meanwhile failed with "connection reset by peer").
    server = ForkServer()
    results: list[dict] = []
    worker = threading.Thread(target=lambda: results.append(server.submit(HELLO, timeout_s=30)))
    worker.start()
    worker.join()
    assert results[0]["stdout"] == "1\n"
    assert server._proc is not None
    pid = server._proc.pid
    time.sleep(0.5)
    try:
        assert is_alive(pid), "the fork server died with the thread that started it"
        assert server.submit(HELLO, timeout_s=30)["stdout"] == "1\n"
        assert server._proc.pid == pid  # the same server, not a restarted one
    finally:
        server.close()


def test_server_ends_when_its_client_process_is_killed():
    client = textwrap.dedent(
        """
        import sys, time
        sys.path.insert(0, sys.argv[1])
        from dspy_coder.sandbox.forkserver import ForkServer
        server = ForkServer()
        server.submit({"code": "print(1)", "limits": {}, "support": {}}, timeout_s=30)
        print(server._proc.pid, flush=True)
        time.sleep(60)
        """
    )
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    proc = subprocess.Popen(
        [sys.executable, "-c", client, root], stdout=subprocess.PIPE, text=True
    )
    try:
        server_pid = int(proc.stdout.readline())
        assert is_alive(server_pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while is_alive(server_pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not is_alive(server_pid), "the fork server outlived its killed client"
    finally:
        proc.kill()
        proc.wait()
