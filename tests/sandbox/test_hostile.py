"""Hostile code: each case must end with the right status, the host intact, nothing left."""

from __future__ import annotations

import os
import socket

import pytest

from dspy_coder.sandbox import Limits, run, shutdown
from dspy_coder.sandbox.isolation import support

pytestmark = [pytest.mark.hostile, pytest.mark.usefixtures("no_leftovers")]

FAST = Limits(timeout_s=2, memory_mb=256)
ADD_WRONG = "def add(a, b):\n    return a - b\n"


def _sandbox_still_works() -> None:
    assert run("print('alive')").stdout == "alive\n"


def test_infinite_loop_times_out():
    result = run("while True:\n    pass\n", limits=Limits(timeout_s=1))
    assert result.status == "timeout"
    assert "Timed out after 1 s" in result.error
    assert result.duration_s < 3


def test_infinite_loop_inside_one_test_keeps_earlier_results():
    tests = (
        "def test_first():\n    assert add(1, 1) == 0\n"
        "def test_hangs():\n    while True:\n        pass\n"
        "def test_never():\n    pass\n"
    )
    result = run(ADD_WRONG, tests, limits=Limits(timeout_s=1))
    assert result.status == "timeout"
    assert [t.passed for t in result.tests] == [True, False, False]
    assert "timed out" in result.tests[1].message
    assert result.tests[2].message.startswith("not run")


def test_fork_bomb_is_contained():
    code = (
        "import os\n"
        "while True:\n"
        "    try:\n"
        "        os.fork()\n"
        "    except OSError:\n"
        "        pass\n"
    )
    result = run(code, limits=Limits(timeout_s=2, max_processes=32))
    assert result.status == "timeout"
    _sandbox_still_works()


def test_memory_bomb():
    code = "chunks = []\nwhile True:\n    chunks.append(bytearray(16 * 1024 * 1024))\n"
    result = run(code, limits=Limits(timeout_s=5, memory_mb=256))
    assert result.status == "memory"
    assert result.peak_memory_mb < 256 + 100


def test_recursion_segfault_is_a_crash():
    code = (
        "import sys\n"
        "sys.setrecursionlimit(10 ** 7)\n"
        "nested = []\n"
        "for _ in range(300_000):\n"
        "    nested = [nested]\n"
        "repr(nested)  # C-level recursion: overflows the C stack\n"
    )
    result = run(code, limits=Limits(timeout_s=10, memory_mb=512))
    assert result.status == "crashed"
    assert "SIGSEGV" in result.error


def test_gigabytes_of_output_are_capped():
    code = (
        "import sys\n"
        "chunk = 'x' * (1 << 20)\n"
        "for _ in range(2048):\n"  # 2 GiB
        "    sys.stdout.write(chunk)\n"
        "    sys.stderr.write(chunk)\n"
    )
    result = run(code, limits=Limits(timeout_s=3))
    assert result.status in ("passed", "timeout")  # draining 4 GiB may outlast 3 s on a slow box
    for stream in (result.stdout, result.stderr):
        assert stream.startswith("x" * 1000)
        assert "[output truncated: kept the first 1048576 bytes" in stream
        assert len(stream) < (1 << 20) + 200


def test_cannot_write_or_delete_files_outside_temp_dir(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("original")
    tmp_path.chmod(0o755)
    code = (
        "import os, shutil\n"
        f"victim = {str(victim)!r}\n"
        "attempts = {\n"
        "    'overwrite': lambda: open(victim, 'w').write('pwned'),\n"
        "    'delete': lambda: os.remove(victim),\n"
        f"    'create': lambda: open({str(tmp_path / 'new.txt')!r}, 'w').write('x'),\n"
        "    'rmtree': lambda: shutil.rmtree(os.path.dirname(victim)),\n"
        "    'repo': lambda: open(os.path.join(os.path.dirname(os.__file__), 'evil.py'), 'w'),\n"
        "}\n"
        "for name, attempt in attempts.items():\n"
        "    try:\n"
        "        attempt()\n"
        "        print(name, 'succeeded')\n"
        "    except OSError:\n"
        "        print(name, 'blocked')\n"
        "open('/tmp/sandbox_was_here', 'w').write('x')\n"
        "open('inside.txt', 'w').write('fine')\n"
    )
    result = run(code, limits=FAST)
    assert result.status == "passed", result.error
    assert "succeeded" not in result.stdout
    assert victim.read_text() == "original"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["victim.txt"]
    assert not os.path.exists("/tmp/sandbox_was_here")
    assert not os.path.exists(os.path.join(os.path.dirname(os.__file__), "evil.py"))


def test_killing_the_parent_and_the_host(tmp_path):
    host_pid = os.getpid()
    code = (
        "import os, signal\n"
        f"for pid in (os.getppid(), 1, {host_pid}):\n"
        "    try:\n"
        "        os.kill(pid, signal.SIGKILL)\n"
        "    except OSError as exc:\n"
        "        print(pid, type(exc).__name__)\n"
        "os.killpg(0, signal.SIGKILL)\n"
    )
    result = run(code, limits=FAST)
    assert result.status == "crashed"  # killpg(0) only reaches the code's own group
    assert "SIGKILL" in result.error
    _sandbox_still_works()


@pytest.mark.skipif(
    not (support().pid_namespace and support().uid_drop),
    reason="kill(-1) is only harmless inside a PID namespace with a dropped uid",
)
def test_kill_everything():
    code = (
        "import os, signal, time\n"
        "if os.fork() == 0:\n"
        "    time.sleep(60)\n"
        "os.kill(-1, signal.SIGKILL)  # everything this uid may signal, except itself\n"
        "print('still here')\n"
    )
    result = run(code, limits=FAST)
    assert result.status == "passed"
    assert result.stdout == "still here\n"
    _sandbox_still_works()


def test_detached_daemon_does_not_outlive_the_run():
    code = (
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        import signal\n"
        "        signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "        time.sleep(120)\n"
        "    os._exit(0)\n"
        "print('parent done')\n"
    )
    result = run(code, limits=FAST)
    assert result.status == "passed"
    assert result.stdout == "parent done\n"
    # the no_leftovers fixture checks that the daemon is gone


def test_no_network_to_a_host_listener():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    code = (
        "import socket\n"
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {port}), timeout=1)\n"
        "    print('connected')\n"
        "except OSError as exc:\n"
        "    print('blocked', type(exc).__name__)\n"
    )
    try:
        result = run(code, limits=FAST)
        with pytest.raises(BlockingIOError):
            listener.accept()
    finally:
        listener.close()
    assert result.status == "passed"
    assert result.stdout.startswith("blocked")


def test_secrets_in_the_environment_do_not_leak(monkeypatch):
    monkeypatch.setenv("DSPY_CODER_TEST_SECRET", "s3cr3t-value")
    shutdown()  # the next run starts a fresh fork server from this environment
    code = (
        "import os\n"
        "print(dict(os.environ))\n"
        "for path in ('/proc/self/environ', '/proc/1/environ', f'/proc/{os.getppid()}/environ'):\n"
        "    try:\n"
        "        print(open(path, 'rb').read())\n"
        "    except OSError as exc:\n"
        "        print(path, type(exc).__name__)\n"
    )
    result = run(code, limits=FAST)
    assert result.status == "passed"
    assert "s3cr3t-value" not in result.stdout
    assert "DSPY_CODER_TEST_SECRET" not in result.stdout


def test_os_exit_inside_a_test_is_a_crash():
    tests = (
        "import os\n"
        "def check(candidate):\n"
        "    assert candidate(1, 1) == 2\n"
        "    os._exit(0)\n"
        "    assert candidate(2, 2) == 4\n"
    )
    result = run("def add(a, b):\n    return a + b\n", tests, entry_point="add", limits=FAST)
    assert result.status == "crashed"
    assert "ended before the run finished" in result.error
    assert result.tests[0].passed is True
    assert result.tests[1].passed is False


def test_os_exit_at_import_with_tests_is_a_crash():
    result = run("import os\nos._exit(0)\n", "def test_a():\n    pass\n", limits=FAST)
    assert result.status == "crashed"


def test_signal_tampering_does_not_stop_the_timeout():
    code = (
        "import signal\n"
        "for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGALRM,\n"
        "            signal.SIGXCPU, signal.SIGUSR1, signal.SIGPIPE):\n"
        "    signal.signal(sig, signal.SIG_IGN)\n"
        "signal.pthread_sigmask(signal.SIG_BLOCK, set(signal.Signals) - {signal.SIGKILL,\n"
        "                       signal.SIGSTOP})\n"
        "while True:\n"
        "    pass\n"
    )
    result = run(code, limits=Limits(timeout_s=1))
    assert result.status == "timeout"


def test_monkeypatching_the_runner_does_not_fake_success():
    tests = (
        "import json, os, sys\n"
        "import dspy_coder.sandbox.harness as harness\n"
        "harness.child_main = lambda *a, **k: None\n"
        "harness._Recorder.explain = lambda *a, **k: ''\n"
        "harness.exception_kind = lambda exc: 'ok'\n"
        "json.dumps = lambda *a, **k: '{\"e\": \"test\", \"ok\": true}'\n"
        "os.write = lambda fd, data: len(data)\n"
        "globals()['__dc_end'] = lambda step, exc, context='': None\n"
        "def check(candidate):\n"
        "    assert candidate(1, 2) == 3\n"
        "    assert candidate(2, 2) == 4\n"
    )
    result = run(ADD_WRONG, tests, entry_point="add", limits=FAST)
    assert result.status == "failed"
    assert [t.passed for t in result.tests] == [False, False]
    assert "candidate(1, 2) returned -1" in result.tests[0].message


def test_forged_report_on_every_descriptor_is_rejected():
    tests = (
        "import os\n"
        "fake = b'{\"e\": \"test\", \"i\": 0, \"ok\": true}\\n{\"e\": \"done\"}\\n'\n"
        "for fd in range(3, 1024):\n"
        "    try:\n"
        "        os.write(fd, fake)\n"
        "    except OSError:\n"
        "        pass\n"
        "os._exit(0)\n"
        "def check(candidate):\n"
        "    assert candidate(1, 2) == 3\n"
    )
    result = run(ADD_WRONG, tests, entry_point="add", limits=FAST)
    assert result.status == "crashed"
    assert "tampered" in result.error
    assert not any(t.passed for t in result.tests)
