"""The isolation helpers: spawn_isolated, kill_tree, isolation_report."""

from __future__ import annotations

import sys
import time

from dspy_coder.sandbox import Limits, isolation_report, kill_tree, spawn_isolated
from dspy_coder.sandbox.isolation import descendants, support
from tests.sandbox.processes import all_dead_within


def test_report_lists_core_layers_as_active():
    report = isolation_report(Limits())
    for layer in ("process", "rlimits", "temp_dir", "scrubbed_env"):
        assert report[layer] == "active"
    assert isolation_report(Limits(network=True))["net_namespace"].startswith("disabled")


def test_spawn_isolated_scrubs_env_and_uses_temp_cwd(monkeypatch):
    monkeypatch.setenv("DSPY_CODER_SECRET", "hunter2")
    code = "import os; print(os.getcwd()); print(os.environ.get('DSPY_CODER_SECRET'))"
    with spawn_isolated([sys.executable, "-c", code], Limits()) as proc:
        out, _ = proc.popen.communicate(timeout=20)
        temp_dir = proc.temp_dir
        lines = out.decode().split()
    assert lines == [str(temp_dir), "None"]
    assert not temp_dir.exists()


def test_spawn_isolated_kill_removes_daemons():
    code = (
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        time.sleep(600)\n"
        "    os._exit(0)\n"
        "print('ready', flush=True)\n"
        "time.sleep(600)\n"
    )
    proc = spawn_isolated([sys.executable, "-c", code], Limits())
    assert proc.popen.stdout.readline().strip() == b"ready"
    time.sleep(0.2)
    before = descendants(proc.pid)
    proc.kill()
    assert before, "the worker should have had children"
    assert all_dead_within(before)


def test_kill_tree_kills_children():
    import subprocess

    proc = subprocess.Popen([sys.executable, "-c", "import subprocess, sys, time; "
                             "subprocess.Popen([sys.executable, '-c', 'import time; "
                             "time.sleep(600)']); print('ok', flush=True); time.sleep(600)"],
                            stdout=subprocess.PIPE)
    assert proc.stdout.readline().strip() == b"ok"
    kids = descendants(proc.pid)
    assert len(kids) == 1
    assert kill_tree(proc.pid) >= 2
    proc.wait(timeout=5)
    assert all_dead_within(kids)


def test_support_is_cached():
    assert support() is support()


def test_unavailable_layers_are_reported_and_logged_once(monkeypatch, caplog):
    from dspy_coder.sandbox import isolation

    fake = isolation.IsolationSupport(
        root=False, pid_namespace=False, net_namespace=False, mount_namespace=False,
        user_namespace=False, notes={"pid_namespace": "no unshare here"},
    )
    monkeypatch.setattr(isolation, "support", lambda: fake)
    monkeypatch.setattr(isolation, "_logged", set())
    with caplog.at_level("WARNING", logger="dspy_coder.sandbox.isolation"):
        first = isolation_report(Limits())
        isolation_report(Limits())
    assert first["pid_namespace"] == "unavailable: no unshare here"
    assert first["uid_drop"].startswith("unavailable")
    assert "pid_namespace" not in isolation.active_layers(Limits())
    pid_warnings = [r for r in caplog.records if "pid_namespace" in r.getMessage()]
    assert len(pid_warnings) == 1
