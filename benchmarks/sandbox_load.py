"""Sandbox load test: verdicts and leftovers of many concurrent runs of correct, wrong and
hostile code.

Measures, for ``--workers W`` threads calling ``dspy_coder.sandbox.run`` (and the same list
with one worker): wrong verdicts per kind, SandboxError count, p50/p95 wall latency per run
(around ``run()``), throughput, and what a pass leaves behind (processes, temp dirs, SysV IPC
objects, file descriptors). Exit status 1 on any wrong verdict, SandboxError or leftover.
Leftovers are reported, then removed (unless ``--keep-leftovers``). Record the figures in the
README's Results, not here.

Usage:
    python benchmarks/sandbox_load.py [--runs 1000] [--workers 4] [--runs-single N]
        [--no-compare-workers-1] [--seed 0] [--settle 10] [--json out.json]
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import ctypes
import glob
import itertools
import json
import logging
import os
import platform
import random
import shutil
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

import dspy_coder
from dspy_coder.sandbox import Limits, isolation_report, run

logger = logging.getLogger("sandbox_load")
SANDBOX_UID_FLOOR = 200_000  # runs use uids from here up (dspy_coder.sandbox.isolation)
TEMP_PATTERN = "dspy-coder-run-*"
KINDS = ("correct", "wrong", "hostile")

ADD_CHECK = ("def check(candidate):\n    assert candidate(1, 2) == 3\n"
             "    assert candidate(-1, 1) == 0\n    assert candidate(10, 5) == 15\n")


@dataclass(frozen=True)
class Case:
    """One catalogue entry. A verdict is right when its status is in ``expect`` (the correct
    one first) and, for kind "wrong", at least one test failed."""

    kind: str
    name: str
    code: str
    expect: tuple[str, ...]
    why: str
    tests: str = ADD_CHECK
    entry_point: str | None = "add"
    limits: Limits = field(default_factory=Limits)


SORT_TESTS = ("def test_sorted():\n    assert sort_desc([1, 3, 2]) == [3, 2, 1]\n\n"
              "def test_empty():\n    assert sort_desc([]) == []\n")
FORK_ONCE = """import os
def add(a, b):
    pid = os.fork()
    if pid == 0:
        os._exit(a + b)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
"""
SHM = """import ctypes
libc = ctypes.CDLL(None)
libc.shmget.argtypes = [ctypes.c_int, ctypes.c_size_t, ctypes.c_int]
def add(a, b):
    libc.shmget(0, 1 << 20, 0o1600)  # IPC_PRIVATE, IPC_CREAT | 0600, never IPC_RMID
    libc.semget(0, 1, 0o1600)
    libc.msgget(0, 0o1600)
    return a - b
"""
DAEMON = """import os, time
def add(a, b):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.closerange(0, 4096)
            time.sleep(60)
        os._exit(0)
    os.wait()
    return a - b
"""
FORGE_EQ = ("class A:\n    def __eq__(self, o): return True\n"
            "    def __ne__(self, o): return False\ndef add(a, b):\n    return A()\n")
FORGE_FRAMES = """import linecache, os, sys
def add(a, b):
    found, count, f = {}, None, sys._getframe(1)
    while f is not None:  # harness callables and its plan, wherever a frame shows them
        for k, v in [*f.f_locals.items(), *f.f_globals.items()]:
            if k.lstrip("_").rsplit("_", 1)[-1] in ("emit", "end", "finish") and callable(v):
                found.setdefault(k.lstrip("_").rsplit("_", 1)[-1], v)  # "__dc_end" -> "end"
            if count is None and isinstance(getattr(v, "test_names", None), list):
                count = len(v.test_names)
        f = f.f_back
    count = count or sum(x.strip().startswith("assert") for x in linecache.getlines("tests.py"))
    for i in range(count or 1):
        try:
            if "end" in found:
                found["end"](i, None)
            elif "emit" in found:
                found["emit"]({"e": "test", "i": i, "ok": True, "msg": "", "dt": 0, "kind": "ok"})
        except Exception:
            pass
    if "emit" in found:
        found["emit"]({"e": "done"})
        os._exit(0)
    return a + b + 1  # nothing found (or only end, whose later reports are ignored): wrong
"""
FORGE_NONCE = """import gc, json, linecache, os
def add(a, b):
    cells, others = [], []  # 32-hex strings; a closure cell (the harness's emit) first
    for obj in gc.get_objects():
        cell = type(obj).__name__ == "cell"
        try:
            if cell:
                values = [obj.cell_contents]
            elif isinstance(obj, (dict, list, tuple)):
                values = list(obj.values() if isinstance(obj, dict) else obj)
            else:
                continue
        except Exception:  # an empty cell
            continue
        for v in values:
            if type(v) is str and len(v) == 32 and set(v) <= set("0123456789abcdef"):
                (cells if cell else others).append(v)
    if not cells + others:
        return a + b + 1
    nonce, n = (cells + others)[0], {n}
    n = n or sum(x.strip().startswith("assert") for x in linecache.getlines("tests.py")) or 50
    events = [{{"e": "test", "i": k, "ok": True, "msg": "", "dt": 0, "kind": "ok", "n": nonce}}
              for k in range(n)] + [{{"e": "done", "n": nonce}}]
    data = "".join(json.dumps(e) + "\\n" for e in events).encode()
    for fd in os.listdir("/proc/self/fd"):
        try:
            os.write(int(fd), data)
        except OSError:
            pass
    os._exit(0)
"""
NOT_PASSED = ("crashed", "failed", "error")
FORGED = ("crashed", "failed", "error", "timeout")  # whatever the harness does: not passed
CATALOGUE: tuple[Case, ...] = (
    Case("correct", "add", "def add(a, b):\n    return a + b\n", ("passed",), "HumanEval check"),
    Case("correct", "sort_pytest", "def sort_desc(xs):\n    return sorted(xs, reverse=True)\n",
         ("passed",), "pytest-style tests", SORT_TESTS, None),
    Case("correct", "fork_once", FORK_ONCE, ("passed",),
         "forks one child: must pass however many runs are concurrent"),
    Case("correct", "thread", "from concurrent.futures import ThreadPoolExecutor\n"
         "def add(a, b):\n    with ThreadPoolExecutor(1) as pool:\n"
         "        return pool.submit(lambda: a + b).result()\n", ("passed",), "uses a thread"),
    Case("correct", "stdlib_import", "import decimal, fractions\ndef add(a, b):\n"
         "    return int(fractions.Fraction(a) + fractions.Fraction(decimal.Decimal(b)))\n",
         ("passed",), "imports stdlib modules the fork server did not preload"),
    Case("wrong", "off_by_one", "def add(a, b):\n    return a + b + 1\n", ("failed",),
         "wrong value"),
    Case("wrong", "sort_ascending", "def sort_desc(xs):\n    return sorted(xs)\n", ("failed",),
         "one pytest test fails", SORT_TESTS, None),
    Case("wrong", "raises", "def add(a, b):\n    raise ValueError('no')\n", ("failed",),
         "an exception inside a test is a test failure"),
    Case("wrong", "partial", "def add(a, b):\n    return abs(a) + b\n", ("failed",),
         "passes two asserts, fails one"),
    Case("hostile", "infinite_loop", "def add(a, b):\n    while True:\n        pass\n",
         ("timeout",), "never returns", limits=Limits(timeout_s=1)),
    Case("hostile", "fork_bomb", "import os\ndef add(a, b):\n    while True:\n        try:\n"
         "            os.fork()\n        except OSError:\n            pass\n",
         ("timeout", "crashed"), "forks until RLIMIT_NPROC, forever",
         limits=Limits(timeout_s=2, max_processes=32)),
    Case("hostile", "memory_bomb", "def add(a, b):\n    hog = []\n    while True:\n"
         "        hog.append(bytearray(16 << 20))\n", ("memory",),
         "MemoryError at the address-space limit", limits=Limits(memory_mb=128)),
    Case("hostile", "huge_output", "import sys\ndef add(a, b):\n    for _ in range(1024):\n"
         "        sys.stdout.write('x' * 65535 + '\\n')\n    return a * b\n", ("failed",),
         "64 MiB of stdout (kept output must stay capped), wrong value"),
    Case("hostile", "os_exit_in_test", "def add(a, b):\n    return a + b\n", NOT_PASSED,
         "a test ends the process before reporting", "import os\ndef test_add():\n"
         "    assert add(1, 2) == 3\n\ndef test_exit():\n    os._exit(0)\n", None),
    Case("hostile", "kill_parent", "import os\ndef add(a, b):\n    try:\n"
         "        os.kill(os.getppid(), 9)\n    except OSError:\n        pass\n"
         "    return a + b + 1\n", ("failed", "crashed"), "SIGKILLs its parent; wrong value"),
    Case("hostile", "sysv_ipc", SHM, ("failed",),
         "SysV shm/sem/msg objects that must not outlive the run; wrong value"),
    Case("hostile", "daemon", DAEMON, ("failed",),
         "double-forked setsid daemon that must not outlive the run; wrong value"),
    Case("hostile", "forge_eq", FORGE_EQ, ("failed", "error", "crashed", "timeout"),
         "(a) returns an object whose __eq__ is always True, not the int 3"),
    Case("hostile", "forge_frames", FORGE_FRAMES, FORGED,
         "(b) reports passes through harness emit/end found in caller frames, os._exit(0)"),
    Case("hostile", "forge_nonce_50", FORGE_NONCE.format(n=50), FORGED,
         "(c) nonce from gc, 50 forged test events + done to every fd, os._exit(0)"),
    Case("hostile", "forge_nonce_counted", FORGE_NONCE.format(n=0), FORGED,
         "(c) as above, as many test events as tests.py has asserts"),
)


def judge(case: Case, result: Any) -> str:
    """Empty if the verdict is right, else what is wrong with it."""
    if result.status not in case.expect:
        return f"got {result.status}, expected {'|'.join(case.expect)}"
    if case.kind == "wrong" and all(t.passed for t in result.tests):
        return "no failing test reported"
    if len(result.stdout) > case.limits.max_output_bytes + 256:
        return f"stdout not capped ({len(result.stdout)} chars)"
    return ""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def plan_runs(n: int, seed: int) -> list[Case]:
    """``n`` cases round-robin over the catalogue, shuffled with ``seed``."""
    cases = list(itertools.islice(itertools.cycle(CATALOGUE), n))
    random.Random(seed).shuffle(cases)
    return cases


def ipc_objects() -> dict[str, dict[str, int]]:
    """SysV IPC objects on the host: "shm 123" -> {"key": 0, "cuid": 200001}."""
    found = {}
    for kind in ("shm", "sem", "msg"):
        with open(f"/proc/sysvipc/{kind}") as fh:
            header, *rows = [line.split() for line in fh]
        for row in rows:
            cols = dict(zip(header, row, strict=False))
            found[f"{kind} {row[1]}"] = {"key": int(cols["key"]), "cuid": int(cols["cuid"])}
    return found


def temp_dirs() -> set[str]:
    roots = {"/dev/shm", "/tmp", tempfile.gettempdir()}
    return {p for root in roots for p in glob.glob(os.path.join(root, TEMP_PATTERN))}


def stray_processes(servers: set[int], since: float) -> dict[int, str]:
    """Descendants of our fork server(s), and sandbox-uid processes started ``since`` then
    (other users' runs may be going on) that were adopted by init."""
    found: dict[int, str] = {}
    for pid in servers:
        with contextlib.suppress(psutil.Error):
            for proc in psutil.Process(pid).children(recursive=True):
                found[proc.pid] = f"uid {proc.uids().real}: {' '.join(proc.cmdline())[:60]}"
    for proc in psutil.process_iter():
        with contextlib.suppress(psutil.Error):
            if (proc.uids().real < SANDBOX_UID_FLOOR or proc.pid in found
                    or proc.create_time() < since):
                continue
            parent = proc.parent()
            while parent is not None and parent.uids().real >= SANDBOX_UID_FLOOR:
                parent = parent.parent()
            if parent is None or parent.pid == 1:  # not inside another live run's tree
                found[proc.pid] = f"uid {proc.uids().real}, orphaned"
    return found


def leftovers(before: dict[str, Any], servers: set[int], settle_s: float) -> dict[str, Any]:
    """What the pass left, after waiting up to ``settle_s`` for cleanup after replies. Only
    what is still there ``settle_s`` after the pass counts, so other users' runs in flight
    (tests running next to this script) are not taken for ours."""
    deadline, first = time.monotonic() + settle_s, None
    while True:
        left = {
            "processes": stray_processes(servers, before["time"]),
            "temp_dirs": sorted(temp_dirs() - before["temp_dirs"]),
            "ipc": {k: v for k, v in ipc_objects().items() if k not in before["ipc"]},
            "fds_added": len(os.listdir("/proc/self/fd")) - before["fds"],
        }
        first = first or left
        if not has_leftovers(left):
            return left
        if time.monotonic() >= deadline:  # keep what was there all along
            left["processes"] = {k: v for k, v in left["processes"].items()
                                 if k in first["processes"]}
            left["temp_dirs"] = [p for p in left["temp_dirs"] if p in first["temp_dirs"]]
            left["ipc"] = {k: v for k, v in left["ipc"].items() if k in first["ipc"]}
            return left
        time.sleep(0.25)


def has_leftovers(left: dict[str, Any]) -> bool:
    return bool(left["processes"] or left["temp_dirs"] or left["ipc"] or left["fds_added"] > 0)


def remove(left: dict[str, Any]) -> None:
    """Kill and delete what a pass left behind (after it was counted)."""
    for pid in left["processes"]:
        with contextlib.suppress(psutil.Error):
            psutil.Process(pid).kill()
    for path in left["temp_dirs"]:
        shutil.rmtree(path, ignore_errors=True)
    libc = ctypes.CDLL(None)
    for key, info in left["ipc"].items():  # shmctl/msgctl(id, IPC_RMID, NULL), semctl(id, 0,
        kind, ident = key.split()           # IPC_RMID); only objects sandboxed code created
        if info["cuid"] >= SANDBOX_UID_FLOOR:
            getattr(libc, f"{kind}ctl")(int(ident), 0, None)


def one_pass(cases: list[Case], workers: int, settle_s: float, keep: bool) -> dict[str, Any]:
    run("pass")  # start the fork server outside the measured runs
    servers = {child.pid for child in psutil.Process().children()}
    before = {"temp_dirs": temp_dirs(), "ipc": ipc_objects(), "time": time.time(),
              "fds": len(os.listdir("/proc/self/fd"))}

    def timed(case: Case) -> dict[str, Any]:
        start = time.perf_counter()
        try:
            result = run(case.code, case.tests, case.entry_point, case.limits)
            status, problem, exc = result.status, judge(case, result), ""
            detail = (result.error or "; ".join(t.message for t in result.tests if t.message))
        except Exception as err:  # noqa: BLE001 - counted, not fatal
            status, problem, exc, detail = "exception", "", type(err).__name__, str(err)
        ms = (time.perf_counter() - start) * 1000
        return {"case": case.name, "kind": case.kind, "status": status, "ms": ms,
                "problem": problem, "exception": exc, "detail": detail[:160]}

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(timed, case) for case in cases]
        for k, _ in enumerate(as_completed(futures), 1):
            if k % max(1, len(cases) // 10) == 0:
                logger.info("workers=%d: %d/%d runs", workers, k, len(cases))
    records = [f.result() for f in futures]
    wall = time.perf_counter() - start
    left = leftovers(before, servers, settle_s)
    if not keep:
        remove(left)
    kinds: dict[str, Any] = {}
    for kind in (*KINDS, "all"):
        rows = [r for r in records if kind in ("all", r["kind"])]
        ms = [r["ms"] for r in rows]
        kinds[kind] = {"runs": len(rows), "wrong": sum(bool(r["problem"]) for r in rows),
                       "exceptions": sum(bool(r["exception"]) for r in rows),
                       "p50_ms": statistics.median(ms) if ms else float("nan"),
                       "p95_ms": percentile(ms, 0.95)}
    return {"workers": workers, "runs": len(cases), "wall_s": wall,
            "case_runs": dict(collections.Counter(c.name for c in cases)),
            "statuses": dict(collections.Counter(f"{r['case']} {r['status']}" for r in records)),
            "runs_per_s": len(cases) / wall, "kinds": kinds, "leftovers": left,
            "bad": [r for r in records if r["problem"] or r["exception"]]}


def report(passes: list[dict[str, Any]], facts: dict[str, Any]) -> None:
    print(f"sandbox load test: {len(CATALOGUE)} cases ("
          + ", ".join(f"{sum(c.kind == k for c in CATALOGUE)} {k}" for k in KINDS)
          + f"), seed {facts['seed']}")
    print(f"machine: {facts['cores']} cores, python {facts['python']}, "
          "load average {:.2f} {:.2f} {:.2f} -> {:.2f} {:.2f} {:.2f}".format(
              *facts["load_start"], *facts["load_end"]))
    print(f"sandbox: {facts['package']} at {facts['commit']}")
    print("isolation:", ", ".join(f"{k}={v}" for k, v in facts["isolation"].items()))
    print("\n" + " " * 10 + "".join(f"| workers={p['workers']:<2} ({p['runs']} runs)".ljust(36)
                                    for p in passes))
    print("kind".ljust(10) + "| runs wrong exc  p50 ms  p95 ms    " * len(passes))
    for kind in (*KINDS, "all"):
        print(kind.ljust(10) + "".join(
            "| {runs:4d} {wrong:5d} {exceptions:3d} {p50_ms:7.1f} {p95_ms:7.1f}    ".format(
                **p["kinds"][kind]) for p in passes))
    print("runs/s".ljust(10) + "".join(f"| {p['runs_per_s']:<34.2f}" for p in passes), end="")
    if len(passes) == 2:
        print(f"ratio {passes[0]['runs_per_s'] / passes[1]['runs_per_s']:.2f}x", end="")
    print()
    for p in passes:
        left = p["leftovers"]
        print(f"\nworkers={p['workers']}: leftovers: {len(left['processes'])} processes, "
              f"{len(left['temp_dirs'])} temp dirs, {len(left['ipc'])} SysV IPC objects, "
              f"{left['fds_added']:+d} fds")
        for pid, desc in list(left["processes"].items())[:5]:
            print(f"  process {pid}: {desc}")
        if left["ipc"]:
            kinds = collections.Counter(key.split()[0] for key in left["ipc"])
            print(f"  SysV IPC: {dict(kinds)}, created by uids "
                  f"{sorted({info['cuid'] for info in left['ipc'].values()})}")
        for path in left["temp_dirs"][:5]:
            print(f"  temp dir: {path}")
        cases = {c.name: c for c in CATALOGUE}
        for name in dict.fromkeys(r["case"] for r in p["bad"]):
            recs = [r for r in p["bad"] if r["case"] == name]
            got = "|".join(sorted({r["exception"] or r["status"] for r in recs}))
            print(f"  wrong: {name} [{cases[name].why}]: {len(recs)}/{p['case_runs'][name]} "
                  f"runs got {got}, expected {'|'.join(cases[name].expect)}"
                  + (f"; e.g. {recs[0]['detail'][:100]!r}" if recs[0]["detail"] else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--compare-workers-1", action=argparse.BooleanOptionalAction,
                        default=True, help="also run with one worker (default on)")
    parser.add_argument("--runs-single", type=int, default=None,
                        help="runs of the one-worker pass (default: --runs)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--settle", type=float, default=10.0,
                        help="seconds to wait for cleanup before counting leftovers")
    parser.add_argument("--keep-leftovers", action="store_true",
                        help="do not kill/remove what a pass left behind")
    parser.add_argument("--json", type=Path, default=None, help="write all figures as JSON")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

    def git(*cmd: str) -> str:  # about the dspy_coder that runs, which may not be this tree
        return subprocess.run(["git", *cmd], capture_output=True, text=True,
                              cwd=Path(dspy_coder.__file__).parent).stdout.strip()

    dirty = " + uncommitted changes" if git("status", "--porcelain", ".") else ""
    commit = (git("rev-parse", "--short", "HEAD") or "unknown") + dirty
    facts: dict[str, Any] = {
        "cores": os.cpu_count(), "python": platform.python_version(), "commit": commit,
        "package": os.path.relpath(Path(dspy_coder.__file__).parent,
                                   Path(__file__).resolve().parents[1]), "seed": args.seed,
        "load_start": os.getloadavg(), "isolation": isolation_report(Limits()),
    }
    passes = [one_pass(plan_runs(args.runs, args.seed), args.workers, args.settle,
                       args.keep_leftovers)]
    if args.compare_workers_1:
        single = args.runs if args.runs_single is None else args.runs_single
        passes.append(one_pass(plan_runs(single, args.seed), 1, args.settle, args.keep_leftovers))
    facts["load_end"] = os.getloadavg()
    report(passes, facts)
    if args.json:
        args.json.write_text(json.dumps({"facts": facts, "passes": passes}, indent=2))
        logger.info("wrote %s", args.json)
    clean = all(not p["bad"] and not has_leftovers(p["leftovers"]) for p in passes)
    return 0 if clean else 1


if __name__ == "__main__":
    raise SystemExit(main())
