"""Sandbox-side timing runner (stdlib only; run as ``python -I _profile_runner.py``).

Reads one JSON request on stdin, streams JSON lines on the protocol pipe (the original
stdout): ``{"type": "point", ...}`` per measured size, then ``{"type": "done", ...}`` or
``{"type": "error", ...}``. Points are streamed so a host that kills a hung run keeps them.
The user's own stdout/stderr go to /dev/null. Never imported by the host.
"""

from __future__ import annotations

import ast
import gc
import json
import linecache
import math
import os
import pickle
import signal
import sys
import time
import traceback
import tracemalloc
from itertools import repeat
from typing import Any

_PROTO = os.fdopen(os.dup(1), "w", encoding="utf-8")
_null = os.open(os.devnull, os.O_WRONLY)
os.dup2(_null, 1)
os.dup2(_null, 2)
_CLOCK = time.perf_counter


class _TooSlow(BaseException):
    """Raised by the interval timer when one batch of calls exceeds its time cap."""


def _on_alarm(_signum: int, _frame: Any) -> None:
    raise _TooSlow


def send(message: dict[str, Any]) -> None:
    _PROTO.write(json.dumps(message) + "\n")
    _PROTO.flush()


_SYSTEM_DIRS = tuple({os.path.join(p, "") for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)})


def _is_user_file(filename: str) -> bool:
    """Frames of the submitted code (any pseudo-file it compiled), not of Python or this file."""
    return filename != __file__ and not filename.startswith(_SYSTEM_DIRS)


def describe(exc: BaseException) -> str:
    """The exception plus traceback lines from the user's code only."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if _is_user_file(f.filename)]
    text = "".join(traceback.format_exception_only(exc)).strip()
    if not frames:
        return text
    stack = "".join(traceback.StackSummary.from_list(frames).format())
    return f"Traceback (most recent call last):\n{stack}{text}"


class _Missing(Exception):
    """The code does not define the function the request names."""


def load(source: str, filename: str, name: str) -> Any:
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict[str, Any] = {"__name__": "__candidate__"}
    exec(compile(source, filename, "exec"), namespace)
    if not callable(namespace.get(name)):
        raise _Missing(f"{filename} does not define a function named {name!r}.")
    return namespace[name]


def _noop(*_args: Any, **_kwargs: Any) -> None:
    return None


class Timer:
    """Times ``fn(*args)`` with fresh copies of the arguments when the function mutates them."""

    def __init__(self, fn: Any, max_call_s: float) -> None:
        self.fn = fn
        self.max_call_s = max_call_s
        self.fresh = False  # sticky: set once a call is seen to mutate its arguments

    def batch(self, fn: Any, args: tuple, blob: bytes | None, number: int) -> float:
        copies = [pickle.loads(blob) for _ in range(number)] if self.fresh and blob else None
        signal.setitimer(signal.ITIMER_REAL, self.max_call_s * number + 0.05)
        gc.disable()
        try:
            if copies is not None:
                start = _CLOCK()
                for call_args in copies:
                    fn(*call_args)
            else:
                start = _CLOCK()
                for _ in repeat(None, number):
                    fn(*args)
            elapsed = _CLOCK() - start
        finally:
            gc.enable()
            signal.setitimer(signal.ITIMER_REAL, 0)
        return elapsed / number

    def first_call(self, args: tuple) -> tuple[float, bytes | None]:
        try:
            blob: bytes | None = pickle.dumps(args)
        except Exception:
            blob = None
        elapsed = self.batch(self.fn, args, blob, 1)
        if blob is not None and not self.fresh:
            try:
                self.fresh = pickle.dumps(args) != blob
            except Exception:
                self.fresh = False
        return elapsed, blob

    def peak_memory(self, args: tuple, blob: bytes | None) -> int:
        call_args = pickle.loads(blob) if self.fresh and blob else args
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            base = tracemalloc.get_traced_memory()[0]
            signal.setitimer(signal.ITIMER_REAL, self.max_call_s * 4 + 0.05)
            try:
                self.fn(*call_args)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            return max(tracemalloc.get_traced_memory()[1] - base, 0)
        finally:
            tracemalloc.stop()


def as_args(value: Any) -> tuple:
    return value if isinstance(value, tuple) else (value,)


def measure_size(timer: Timer, make_input: Any, n: int, req: dict[str, Any]) -> dict[str, Any]:
    args = as_args(make_input(n))
    single, blob = timer.first_call(args)
    min_batch = req["min_batch_s"]
    number = max(1, min(100_000, math.ceil(min_batch / max(single, 1e-9))))
    if single >= req["target_call_s"] * 2:
        repeats = 1
    else:
        repeats = req["repeats"] if single * number < 0.01 else max(2, req["repeats"] // 2)
    runs = [single] if number == 1 else []
    runs += [timer.batch(timer.fn, args, blob, number) for _ in range(repeats)]
    overhead = min(timer.batch(_noop, args, blob, number) for _ in range(3))
    runs.sort()
    memory = timer.peak_memory(args, blob) if req["memory"] else 0
    return {
        "n": n,
        "raw_s": runs[0],
        "median_s": runs[len(runs) // 2],
        "overhead_s": overhead,
        "number": number,
        "memory_bytes": memory,
        "fresh": timer.fresh,
    }


def explore(timer: Timer, make_input: Any, req: dict[str, Any], deadline: float) -> list[dict]:
    """Grow n geometrically until a call takes target_call_s; step linearly on explosive growth."""
    points: list[dict] = []
    n, step, stop_reason = req["n_start"], 0, "n_max"
    while n <= req["n_max"]:
        if _CLOCK() > deadline:
            stop_reason = "budget"
            break
        try:
            point = measure_size(timer, make_input, n, req)
        except _TooSlow:
            if not points:  # even the smallest input is too slow: report a timeout
                raise
            stop_reason = "call-too-slow"
            if step == 0 and points and n - points[-1]["n"] > 1:  # back off to linear steps
                last = points[-1]["n"]
                step = max(1, (n - last) // 4)
                n = last + step
                continue
            break
        points.append(point)
        send({"type": "point", **point})
        if point["raw_s"] >= req["target_call_s"]:
            stop_reason = "target"
            break
        if step == 0 and len(points) >= 2 and _explosive(points[-2], points[-1]):
            step = max(1, (points[-1]["n"] - points[-2]["n"]) // 4)
        n = n + step if step else max(n + 1, n * 2)
    send({"type": "explored", "reason": stop_reason, "fresh_inputs": timer.fresh})
    return points


def _explosive(prev: dict[str, Any], cur: dict[str, Any]) -> bool:
    """Growth faster than ~n^5 between two clearly measurable points: step n linearly."""
    t0, t1 = prev["raw_s"] - prev["overhead_s"], cur["raw_s"] - cur["overhead_s"]
    if t0 < 1e-6 or t1 <= t0:
        return False
    return math.log(t1 / t0) / math.log(cur["n"] / prev["n"]) > 5


def remeasure(timer: Timer, make_input: Any, sizes: list[int], req: dict, deadline: float) -> None:
    """A second pass in reverse order: the host keeps the minimum of both passes."""
    for n in reversed(sizes):
        if _CLOCK() > deadline:
            return
        try:
            point = measure_size(timer, make_input, n, {**req, "memory": False})
        except _TooSlow:
            continue
        send({"type": "point", **point})


def profile(req: dict[str, Any]) -> None:
    start = _CLOCK()
    fn = load(req["code"], "<candidate>", req["entry_point"])
    make_input = load(req["make_input"], "<make_input>", "make_input")
    timer = Timer(fn, req["max_call_s"])
    if req.get("sizes"):
        sizes = [int(n) for n in req["sizes"]]
        remeasure(timer, make_input, list(reversed(sizes)), req, start + req["budget_s"])
    else:
        points = explore(timer, make_input, req, start + req["budget_s"] * 0.6)
        sizes = [p["n"] for p in points]
    remeasure(timer, make_input, sizes, req, start + req["budget_s"])
    send({"type": "done", "fresh_inputs": timer.fresh})


def measure(req: dict[str, Any]) -> None:
    fn = load(req["code"], "<candidate>", req["entry_point"])
    source = req["args"]
    linecache.cache["<args>"] = (len(source), None, [source], "<args>")
    args = as_args(eval(compile(ast.parse(source, mode="eval"), "<args>", "eval"), {}))
    timer = Timer(fn, req["max_call_s"])
    single, blob = timer.first_call(args)
    runs = [single]
    while single < 0.01 and len(runs) < 5:
        runs.append(timer.batch(fn, args, blob, 1))
    memory = timer.peak_memory(args, blob)
    send({"type": "done", "time_s": min(runs), "memory_bytes": memory})


def import_site_dirs() -> None:
    """Import from the read-only library directories the sandbox names in
    DSPY_CODER_SITE_DIRS (see sandbox.site_dirs), before this interpreter's site-packages."""
    paths = [p for p in os.environ.pop("DSPY_CODER_SITE_DIRS", "").split(os.pathsep) if p]
    where = next((i for i, entry in enumerate(sys.path) if entry.endswith("-packages")),
                 len(sys.path))
    sys.path[where:where] = paths


def main() -> None:
    import_site_dirs()
    signal.signal(signal.SIGALRM, _on_alarm)
    sys.setrecursionlimit(10_000)
    req = json.loads(sys.stdin.read())
    try:
        (profile if req["mode"] == "profile" else measure)(req)
    except _TooSlow:
        send({"type": "error", "kind": "timeout", "error": "A single call exceeded the time cap."})
    except _Missing as exc:
        send({"type": "error", "kind": "error", "error": str(exc)})
    except BaseException as exc:  # the user's code failed: report it as data
        send({"type": "error", "kind": "error", "error": describe(exc)})


if __name__ == "__main__":
    main()
