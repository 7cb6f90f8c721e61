"""Turn what the supervisor observed (events, exit status, output) into an ExecutionResult dict.

Status rules (first match wins):

- the harness finished and reported every planned test: ``memory`` if a test hit MemoryError,
  else ``failed`` if any test failed (an assertion *or* an exception inside a test: like
  pytest, both are test failures), else ``passed``;
- wall-clock timeout, or killed by SIGXCPU (CPU-time limit): ``timeout``;
- the event stream is forged or inconsistent: ``crashed``;
- the code or the tests could not be loaded (syntax error, exception or sys.exit at import
  time, entry point missing, no tests found): ``error`` (``memory`` for a MemoryError);
- killed by a signal: ``memory`` if it used most of its memory allowance, else ``crashed``;
- exited before finishing (``os._exit`` in a test, or a crash of the harness): ``crashed``;
- no tests: ``passed`` if the module ran to the end or called ``sys.exit(0)``, else ``error``.

Example:
    >>> from dspy_coder.sandbox.rewrite import build_plan
    >>> obs = Observed(events=b"", child_status="0 1000", timed_out=True, duration_s=5.0)
    >>> from dspy_coder.sandbox.limits import Limits
    >>> build_result(build_plan("x = 1"), Limits(), obs, [])["status"]
    'timeout'
"""

from __future__ import annotations

import json
import os
import signal
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dspy_coder.sandbox.rewrite import Plan

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


@dataclass
class Observed:
    events: bytes
    stdout: bytes = b""
    stderr: bytes = b""
    dropped_stdout: int = 0
    dropped_stderr: int = 0
    child_status: str | None = None  # "<wait status> <maxrss KiB>" written by init
    timed_out: bool = False
    duration_s: float = 0.0
    nonce: str = ""


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
                             "done": False}
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
        else:
            return state, "unknown event"
    return state, ""


def _outcomes(plan: Plan, state: dict[str, Any], cut_reason: str) -> list[dict[str, Any]]:
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
    plan: Plan, limits: Limits, obs: Observed, layers: list[str]
) -> dict[str, Any]:
    """The ExecutionResult fields (as a dict) for one observed run."""
    n_tests = len(plan.test_names)
    state, tamper = _parse_events(obs.events, obs.nonce, n_tests)
    wait_status, maxrss_kib = None, 0
    if obs.child_status:
        first, second = obs.child_status.split()
        wait_status, maxrss_kib = int(first), int(second)
    peak_mb = round(maxrss_kib / 1024, 2)
    result: dict[str, Any] = {
        "stdout": _decode(obs.stdout, obs.dropped_stdout, limits.max_output_bytes),
        "stderr": _decode(obs.stderr, obs.dropped_stderr, limits.max_output_bytes),
        "duration_s": round(obs.duration_s, 6),
        "peak_memory_mb": peak_mb,
        "isolation": layers,
        "tests": [],
        "error": "",
    }
    sig, code = 0, None
    if wait_status is not None and os.WIFSIGNALED(wait_status):
        sig = os.WTERMSIG(wait_status)
    elif wait_status is not None and os.WIFEXITED(wait_status):
        code = os.WEXITSTATUS(wait_status)
    complete = state["done"] and len(state["tests"]) == n_tests and not tamper

    if complete and plan.kind != "none" and state["module_error"] is None:
        result["tests"] = _outcomes(plan, state, "")
        kinds = {e.get("kind") for e in state["tests"].values()}
        failed = any(not t["passed"] for t in result["tests"])
        result["status"] = "memory" if "memory" in kinds else ("failed" if failed else "passed")
        return result

    if obs.timed_out or sig == signal.SIGXCPU:
        what = (f"Timed out after {limits.timeout_s:g} s of wall-clock time"
                if obs.timed_out else f"CPU time limit ({limits.cpu_seconds()} s) exceeded")
        result["status"], result["error"] = "timeout", what + "; the process tree was killed."
        result["tests"] = _outcomes(plan, state, f"timed out ({what.lower()})")
        return result
    if tamper:
        result["status"] = "crashed"
        result["error"] = f"The result channel was tampered with ({tamper}); results discarded."
        result["tests"] = _outcomes(plan, {"tests": {}, "begun": []}, "results discarded")
        return result
    if state["module_error"] is not None:
        event = state["module_error"]
        result["status"] = "memory" if event.get("kind") == "memory" else "error"
        where = "the code" if event.get("where") == "code" else "the tests"
        result["error"] = f"Loading {where} failed:\n{event.get('msg', '')}"
        return result
    if sig:
        used = maxrss_kib * 1024 >= 0.8 * limits.memory_mb * MIB
        hint = SIGNAL_HINTS.get(sig, "")
        result["status"] = "memory" if used and sig != signal.SIGXFSZ else "crashed"
        result["error"] = f"The process was killed by {_signal_name(sig)}" + (
            f" ({hint})" if hint else "") + "."
        result["tests"] = _outcomes(plan, state, result["error"])
        return result
    if not state["done"]:
        how = f"exit status {code}" if code is not None else "no exit status"
        if code == 121:
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
