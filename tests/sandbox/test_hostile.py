"""Hostile code: each case must end with the right status, the host intact, nothing left."""

from __future__ import annotations

import contextlib
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


# --------------------------------------------------------------------------------------------
# Verdicts the candidate tries to forge (issue #15 items 1-3): the comparison and the verdict
# happen in the test process, which the candidate's process cannot reach.

ADD_CHECK = (
    "def check(candidate):\n"
    "    assert candidate(1, 2) == 3\n"
    "    assert candidate(2, 5) == 7\n"
)


def test_an_object_equal_to_everything_does_not_pass():
    code = (
        "class AlwaysEqual:\n"
        "    def __eq__(self, other):\n"
        "        return True\n"
        "    def __ne__(self, other):\n"
        "        return False\n"
        "def add(a, b):\n"
        "    return AlwaysEqual()\n"
    )
    result = run(code, ADD_CHECK, entry_point="add", limits=FAST)
    assert result.status == "failed"
    assert not any(t.passed for t in result.tests)
    assert "cannot compare a AlwaysEqual object" in result.tests[0].message


def test_a_str_subclass_equal_to_everything_does_not_pass():
    code = (
        "class Sneaky(str):\n"
        "    def __eq__(self, other):\n"
        "        return True\n"
        "def greet(name):\n"
        "    return Sneaky('nope')\n"
    )
    tests = "def test_greet():\n    assert greet('Ann') == 'Hello, Ann'\n"
    result = run(code, tests, limits=FAST)
    assert result.status == "failed"


def test_harness_functions_taken_from_the_calling_frames_do_not_forge_a_pass():
    code = (
        "import os, sys\n"
        "def add(a, b):\n"
        "    found, frame = {}, sys._getframe(1)\n"
        "    while frame is not None:\n"
        "        for key, value in [*frame.f_locals.items(), *frame.f_globals.items()]:\n"
        "            name = key.lstrip('_').rsplit('_', 1)[-1]\n"
        "            if name in ('emit', 'end', 'finish') and callable(value):\n"
        "                found.setdefault(name, value)\n"
        "        frame = frame.f_back\n"
        "    for i in range(2):\n"
        "        if 'end' in found:\n"
        "            found['end'](i, None)\n"
        "        if 'emit' in found:\n"
        "            found['emit']({'e': 'test', 'i': i, 'ok': True, 'msg': '', 'dt': 0,\n"
        "                           'kind': 'ok'})\n"
        "    if 'emit' in found:\n"
        "        found['emit']({'e': 'done'})\n"
        "        os._exit(0)\n"
        "    return a - b\n"
    )
    result = run(code, ADD_CHECK, entry_point="add", limits=FAST)
    assert result.status == "failed"
    assert not any(t.passed for t in result.tests)


def test_a_nonce_found_in_memory_does_not_forge_a_pass():
    code = (
        "import gc, json, os\n"
        "def add(a, b):\n"
        "    cells, others = [], []  # 32-hex strings, closure cells (the emitter's) first\n"
        "    for obj in gc.get_objects():\n"
        "        cell = type(obj).__name__ == 'cell'\n"
        "        try:\n"
        "            values = [obj.cell_contents] if cell else (\n"
        "                list(obj.values()) if isinstance(obj, dict) else\n"
        "                list(obj) if isinstance(obj, (list, tuple)) else [])\n"
        "        except Exception:\n"
        "            continue\n"
        "        for v in values:\n"
        "            if type(v) is str and len(v) == 32 and set(v) <= set('0123456789abcdef'):\n"
        "                (cells if cell else others).append(v)\n"
        "    if not cells + others:\n"
        "        return a - b\n"
        "    nonce = (cells + others)[0]\n"
        "    events = [{'e': 'test', 'i': i, 'ok': True, 'msg': '', 'dt': 0, 'kind': 'ok',\n"
        "               'n': nonce} for i in range(2)] + [{'e': 'done', 'n': nonce}]\n"
        "    data = ''.join(json.dumps(e) + '\\n' for e in events).encode()\n"
        "    for fd in os.listdir('/proc/self/fd'):\n"
        "        try:\n"
        "            os.write(int(fd), data)\n"
        "        except OSError:\n"
        "            pass\n"
        "    os._exit(0)\n"
    )
    result = run(code, ADD_CHECK, entry_point="add", limits=FAST)
    assert result.status != "passed"
    assert not any(t.passed for t in result.tests)


def test_the_code_process_never_holds_the_tests():
    code = (
        "import gc, linecache\n"
        "def add(a, b):\n"
        "    secret = '-'.join(['value', '7f3a'])  # made at run time, not a constant\n"
        "    def holds(value):\n"
        "        return isinstance(value, str) and value is not secret and secret in value\n"
        "    for obj in gc.get_objects():\n"
        "        values = (obj.values() if isinstance(obj, dict) else\n"
        "                  obj if isinstance(obj, (list, tuple)) else ())\n"
        "        if any(holds(v) for v in values):\n"
        "            return 'saw the tests'\n"
        "    if any(holds(line) for line in linecache.getlines('tests.py')):\n"
        "        return 'saw the tests'\n"
        "    return 'blind'\n"
    )
    tests = "def test_a():\n    assert add(1, 2) == 'expected-value-7f3a'\n"
    result = run(code, tests, limits=FAST)
    assert result.status == "failed"
    assert "returned 'blind'" in result.tests[0].message


# --------------------------------------------------------------------------------------------
# Isolation holes (issue #15 items 4-10)


def _sysv_shm_ids() -> set[str]:
    with open("/proc/sysvipc/shm") as fh:
        return {line.split()[1] for line in fh.readlines()[1:] if line.strip()}


SHM_CODE = (
    "import ctypes\n"
    "libc = ctypes.CDLL(None, use_errno=True)\n"
    "made = 0\n"
    "for _ in range(8):\n"
    "    if libc.shmget(0, 32 * 1024 * 1024, 0o1600) >= 0:  # IPC_PRIVATE, IPC_CREAT|0600\n"
    "        made += 1\n"
    "print('segments', made)\n"
)


@pytest.mark.skipif(not getattr(support(), "ipc_namespace", True), reason="no IPC namespace")
def test_sysv_shared_memory_does_not_outlive_the_run_and_counts_against_memory():
    before = _sysv_shm_ids()
    result = run(SHM_CODE, limits=Limits(timeout_s=5, memory_mb=64))
    assert result.status == "passed", result.error
    assert _sysv_shm_ids() <= before
    made = int(result.stdout.split()[-1])
    assert made <= 2  # 64 MB of the run's allowance hold at most two 32 MiB segments


def test_concurrent_runs_do_not_share_a_process_limit():
    code = (
        "import os, threading\n"
        "def work(n):\n"
        "    box = []\n"
        "    thread = threading.Thread(target=box.append, args=(n,))\n"
        "    thread.start()\n"
        "    thread.join()\n"
        "    pid = os.fork()\n"
        "    if pid == 0:\n"
        "        os._exit(0)\n"
        "    os.waitpid(pid, 0)\n"
        "    return box[0] * 2\n"
    )
    tests = "def test_work():\n    assert work(21) == 42\n"
    hog = "import os, time\nfor _ in range(7):\n    os.fork()\ntime.sleep(3)\n"
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        hogs = [pool.submit(run, hog, None, None, Limits(timeout_s=2, max_processes=8))
                for _ in range(2)]
        results = list(pool.map(lambda _: run(code, tests, limits=Limits(max_processes=8)),
                                range(12)))
        for future in hogs:
            future.result()
    assert [r.status for r in results] == ["passed"] * 12, [r.tests for r in results]


def test_code_does_not_run_at_a_higher_priority_than_its_caller():
    code = "import os\nprint(os.getpriority(os.PRIO_PROCESS, 0))\n"
    before = os.getpriority(os.PRIO_PROCESS, 0)
    try:
        os.setpriority(os.PRIO_PROCESS, 0, max(before, 7))
        shutdown()  # a fresh fork server, started at this niceness
        result = run(code, limits=FAST)
    finally:
        shutdown()
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, 0, before)
    assert result.status == "passed"
    assert int(result.stdout) >= max(before, 7)


def test_the_cpu_limit_holds_for_code_that_ignores_sigxcpu():
    code = (
        "import signal\n"
        "signal.signal(signal.SIGXCPU, signal.SIG_IGN)\n"
        "while True:\n"
        "    pass\n"
    )
    result = run(code, limits=Limits(timeout_s=10, cpu_time_s=1))
    assert result.status == "timeout"
    assert "CPU time limit (1 s)" in result.error
    assert result.duration_s < 1.9  # the soft limit used to buy one more CPU-second


@pytest.mark.parametrize("max_open_files", [16, 40, 71])
def test_a_small_open_files_limit_still_runs(max_open_files):
    limits = Limits(timeout_s=5, max_open_files=max_open_files)
    result = run(ADD_WRONG, ADD_CHECK, entry_point="add", limits=limits)
    assert result.status == "failed", result.error
    assert run("print('ok')", limits=limits).stdout == "ok\n"


@pytest.mark.parametrize(
    ("code", "tests"),
    [
        ("x = " + "+".join(["1"] * 10_000) + "\n", None),
        ("def f():\n    return 1\n", "def test_f():\n    assert f() == " + "-" * 50_000 + "1\n"),
        ("def f(x):\n    return x\n",
         "def test_f():\n    assert " + " + ".join(["f(1)"] * 1_200) + " == 1200\n"),
    ],
    ids=["10000-terms", "50000-unary-minus", "1200-calls"],
)
def test_source_too_deep_to_compile_is_an_error_result(code, tests):
    result = run(code, tests, limits=FAST)
    assert result.status in ("error", "passed"), result.error
    if result.status == "error":
        assert "too deeply nested" in result.error or "SyntaxError" in result.error


def test_packages_of_an_interpreter_under_tmp_are_importable(monkeypatch):
    import tempfile

    site = tempfile.mkdtemp(prefix="dspy-coder-site-", dir="/tmp")
    try:
        os.chmod(site, 0o755)
        os.mkdir(os.path.join(site, "localpkg"), 0o755)
        with open(os.path.join(site, "localpkg", "__init__.py"), "w") as fh:
            fh.write("VALUE = 42\n")
        os.chmod(os.path.join(site, "localpkg", "__init__.py"), 0o666)  # only the mount guards
        monkeypatch.setattr("sys.path", [*__import__("sys").path, site])
        shutdown()  # a fresh fork server with this sys.path
        result = run("import localpkg\nprint(localpkg.VALUE)\n"
                     "open(localpkg.__file__, 'a').write('# changed')\n", limits=FAST)
    finally:
        shutdown()
        import shutil

        shutil.rmtree(site, ignore_errors=True)
    assert result.stdout == "42\n", result.error
    assert result.status == "error" and "Read-only file system" in result.error
