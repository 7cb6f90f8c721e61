"""Turn what the supervisor observed (events, exit statuses, output) into an ExecutionResult dict.

With tests, the events come from the test process; the code process's status matters only
if it ended before the tests were done. Status rules (first match wins):

- the test process finished and reported every planned test: ``memory`` if a test hit
  MemoryError, else ``failed`` if any test failed (an assertion *or* an exception inside a
  test: like pytest, both are test failures), else ``passed``;
- wall-clock timeout, or a process killed at its CPU-time limit: ``timeout``;
- the event stream is forged or inconsistent: ``crashed``;
- the code or the tests could not be loaded (syntax error, exception or sys.exit at import
  time, entry point missing, no tests found): ``error`` (``memory`` for a MemoryError);
- the code process ended while the tests needed it, or a process was killed by a signal:
  ``memory`` if the code used most of its memory allowance, else ``crashed``;
- a process exited before finishing (``os._exit``, or a crash of the harness): ``crashed``;
- no tests: ``passed`` if the module ran to the end or called ``sys.exit(0)``, else ``error``.

Example:
    >>> from dspy_coder.sandbox.rewrite import build_plan
    >>> obs = Observed(events=b"", child_status="0 1000 0.1", timed_out=True, duration_s=5.0)
    >>> from dspy_coder.sandbox.limits import Limits
    >>> build_result(build_plan("x = 1"), Limits(), obs, [])["status"]
    'timeout'
"""

from __future__ import annotations

import json
import os
import signal
from typing import TYPE_CHECKING, Any

from dspy_coder.sandbox.rewrite import RunPlan
from dspy_coder.sandbox.run_processes import SETUP_FAILED
from dspy_coder.sandbox.watch import Observed

if TYPE_CHECKING:
    from dspy_coder.sandbox.limits import Limits

MIB = 1024 * 1024

SIGNAL_HINTS = {
    signal.SIGSEGV: "segmentation fault: often unbounded recursion (sys.setrecursionlimit) or "
    "a crash in a C extension",
    signal.SIGABRT: "aborted: often a failed allocation or a C-level assertion",
    signal.SIGXFSZ: "file size limit exceeded",
    signal.SIGKILL: "killed",
}


class _Ended:
    """How one process ended, from a "<wait status> <maxrss KiB> <cpu s>" line."""

    def __init__(self, line: str | None) -> None:
        parts = (line or "").split()
        self.known = len(parts) >= 2
        status = int(parts[0]) if self.known else 0
        self.maxrss_kib = int(parts[1]) if self.known else 0
        self.cpu_s = float(parts[2]) if len(parts) >= 3 else 0.0
        self.signal = os.WTERMSIG(status) if self.known and os.WIFSIGNALED(status) else 0
        self.code = os.WEXITSTATUS(status) if self.known and os.WIFEXITED(status) else None

    def hit_cpu_limit(self, limit_s: int) -> bool:
        """Killed at RLIMIT_CPU (SIGXCPU at the soft limit, SIGKILL at the hard one)."""
        if self.signal == signal.SIGXCPU:
            return True
        # rusage lags the kernel's own CPU clock by a few ticks: allow 10%
        return self.signal == signal.SIGKILL and self.cpu_s >= 0.9 * limit_s


def _decode(data: bytes, dropped: int, limit: int) -> str:
    text = data.decode("utf-8", errors="replace")
    if dropped:
        text += f"\n[output truncated: kept the first {limit} bytes, dropped {dropped} more]"
    return text


def _signal_name(sig: int) -> str:
    try:
        return signal.Signals(sig).name
    except ValueError:
        return f"signal {sig}"


def _parse_events(raw: bytes, nonce: str, n_tests: int) -> tuple[dict[str, Any], str]:
    """Return (state, tamper_reason). state: tests{i: event}, begun[list], module_error, ..."""
    state: dict[str, Any] = {"tests": {}, "begun": [], "module_error": None, "exit": None,
                             "done": False, "code_gone": False}
    for line in raw.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            return state, "unreadable event"
        if not isinstance(event, dict) or event.get("n") != nonce:
            return state, "event without the run's nonce"
        kind = event.get("e")
        if state["done"]:
            return state, "event after done"
        if kind == "begin":
            state["begun"].append(event.get("i"))
        elif kind == "test":
            index = event.get("i")
            if not isinstance(index, int) or not 0 <= index < n_tests or index in state["tests"]:
                return state, "unexpected test report"
            state["tests"][index] = event
        elif kind == "module_error":
            state["module_error"] = event
        elif kind == "exit":
            state["exit"] = event
        elif kind == "done":
            state["done"] = True
        elif kind == "code_gone":
            state["code_gone"] = True
        else:
            return state, "unknown event"
    return state, ""


def _outcomes(plan: RunPlan, state: dict[str, Any], cut_reason: str) -> list[dict[str, Any]]:
    """One record per planned test; tests the run never finished get ``cut_reason``."""
    running = state["begun"][-1] if state["begun"] else None
    records = []
    for index, name in enumerate(plan.test_names):
        event = state["tests"].get(index)
        if event is not None:
            records.append({"name": name, "passed": bool(event.get("ok")),
                            "message": str(event.get("msg", "")),
                            "duration_s": float(event.get("dt", 0.0))})
        elif index == running and cut_reason:
            records.append({"name": name, "passed": False, "message": cut_reason})
        else:
            why = cut_reason or "the run ended early"
            records.append({"name": name, "passed": False, "message": f"not run: {why}"})
    return records


def build_result(
    plan: RunPlan, limits: Limits, obs: Observed, layers: list[str]
) -> dict[str, Any]:
    """The ExecutionResult fields (as a dict) for one observed run."""
    n_tests = len(plan.test_names)
    state, tamper = _parse_events(obs.events, obs.nonce, n_tests)
    code = _Ended(obs.child_status)
    tester = _Ended(obs.test_status)
    result: dict[str, Any] = {
        "stdout": _decode(obs.stdout, obs.dropped_stdout, limits.max_output_bytes),
        "stderr": _decode(obs.stderr, obs.dropped_stderr, limits.max_output_bytes),
        "duration_s": round(obs.duration_s, 6),
        "peak_memory_mb": round(code.maxrss_kib / 1024, 2),
        "isolation": layers,
        "tests": [],
        "error": "",
    }
    complete = state["done"] and len(state["tests"]) == n_tests and not tamper
    if complete and plan.kind != "none" and state["module_error"] is None:
        result["tests"] = _outcomes(plan, state, "")
        kinds = {e.get("kind") for e in state["tests"].values()}
        failed = any(not t["passed"] for t in result["tests"])
        result["status"] = "memory" if "memory" in kinds else ("failed" if failed else "passed")
        return result

    # the code process's end explains the run only if it came before the tests were done
    code_first = plan.kind == "none" or state["code_gone"]
    cpu = limits.cpu_seconds()
    if obs.timed_out or tester.hit_cpu_limit(cpu) or (code_first and code.hit_cpu_limit(cpu)):
        what = (f"Timed out after {limits.timeout_s:g} s of wall-clock time"
                if obs.timed_out else f"CPU time limit ({cpu} s) exceeded")
        result["status"], result["error"] = "timeout", what + "; the process tree was killed."
        result["tests"] = _outcomes(plan, state, f"timed out ({what.lower()})")
        return result
    if tamper:
        result["status"] = "crashed"
        result["error"] = f"The result channel was tampered with ({tamper}); results discarded."
        result["tests"] = _outcomes(plan, _no_events(), "results discarded")
        return result
    if state["module_error"] is not None:
        event = state["module_error"]
        result["status"] = "memory" if event.get("kind") == "memory" else "error"
        where = "the code" if event.get("where") == "code" else "the tests"
        result["error"] = f"Loading {where} failed:\n{event.get('msg', '')}"
        return result
    ended = code if code_first else tester
    if ended.signal:
        used = code.maxrss_kib * 1024 >= 0.8 * limits.memory_mb * MIB
        hint = SIGNAL_HINTS.get(ended.signal, "")
        result["status"] = "memory" if used and ended.signal != signal.SIGXFSZ else "crashed"
        result["error"] = f"The process was killed by {_signal_name(ended.signal)}" + (
            f" ({hint})" if hint else "") + "."
        result["tests"] = _outcomes(plan, state, result["error"])
        return result
    if not state["done"]:
        how = f"exit status {ended.code}" if ended.code is not None else "no exit status"
        if ended.code == SETUP_FAILED:
            how = "the sandbox could not set up the child process"
        result["status"] = "crashed"
        result["error"] = (f"The process ended before the run finished ({how}), e.g. through "
                           "os._exit() or a crash.")
        result["tests"] = _outcomes(plan, state, "the process ended before this test finished")
        return result
    if plan.kind == "none":
        exit_event = state["exit"]
        if exit_event is None or exit_event.get("ok"):
            result["status"] = "passed"
        else:
            result["status"] = "error"
            result["error"] = f"The code called sys.exit({exit_event.get('code')})."
        return result
    result["status"] = "crashed"
    result["error"] = "The harness reported incomplete results."
    result["tests"] = _outcomes(plan, state, "no result reported")
    return result


def _no_events() -> dict[str, Any]:
    return {"tests": {}, "begun": []}
