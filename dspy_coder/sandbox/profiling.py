"""Measure generated code: time and peak memory per call, and empirical time complexity.

Both functions run the code in an isolated child (``spawn_isolated``: own PID and network
namespace, unused uid, rlimits, scrubbed env, temp cwd) and never in the host process.

``make_input`` convention: the caller gives Python *source* defining ``make_input(n)``, which
returns the positional arguments for one call at size ``n`` as a **tuple**; any other return
value is passed as the single argument (to pass one tuple argument, return ``(the_tuple,)``).
If a call is seen to mutate its arguments (an in-place sort, say), every later call gets a
fresh copy of them, made outside the timed region.

Failures of the code under test (an exception, a call that never ends) are data: the result's
``status`` is ``"error"`` or ``"timeout"`` with a readable ``error``. Only a broken sandbox
raises (``SandboxError``); bad arguments raise ``UsageError``.
"""

from __future__ import annotations

import ast
import json
import logging
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from dspy_coder.errors import SandboxError, UsageError
from dspy_coder.sandbox.complexity import estimate_complexity
from dspy_coder.sandbox.isolation import kill_tree, spawn_isolated
from dspy_coder.sandbox.limits import MIB, Limits
from dspy_coder.types import ComplexityEstimate, PerformanceMetrics

__all__ = ["CallMeasurement", "ProfileResult", "SizePoint", "measure", "profile"]

logger = logging.getLogger(__name__)

_RUNNER = str(Path(__file__).with_name("_profile_runner.py"))
_STARTUP_SLACK_S = 6.0
MeasureStatus = Literal["ok", "error", "timeout"]


class SizePoint(BaseModel):
    """Timing of the function at one input size ``n``."""

    n: int
    time_s: float = Field(description="Min time per call, per-call overhead subtracted.")
    raw_time_s: float = Field(description="Min time per call as measured.")
    median_time_s: float
    peak_memory_mb: float = Field(description="Peak Python allocation during one call (MiB).")


class ProfileResult(BaseModel):
    """Per-size time and memory of a function, with its fitted complexity class."""

    status: MeasureStatus
    error: str = ""
    points: list[SizePoint] = Field(default_factory=list)
    complexity: ComplexityEstimate | None = None
    space_complexity: str | None = Field(
        default=None, description="Class fitted to peak memory per call (same method)."
    )
    call_overhead_s: float = 0.0
    fresh_inputs: bool = Field(
        default=False, description="True when calls mutated their arguments and got copies."
    )
    stop_reason: str = ""
    duration_s: float = 0.0
    isolation: list[str] = Field(default_factory=list)

    def to_metrics(self) -> PerformanceMetrics:
        """The pipeline's view: largest-size time and memory plus the complexity labels."""
        last = self.points[-1] if self.points else None
        return PerformanceMetrics(
            execution_time_s=last.raw_time_s if last else None,
            peak_memory_mb=last.peak_memory_mb if last else None,
            time_complexity=self.complexity.label if self.complexity else None,
            complexity_fit=self.complexity.fit_quality if self.complexity else None,
            space_complexity=self.space_complexity,
        )


class CallMeasurement(BaseModel):
    """Time and peak memory of one call."""

    status: MeasureStatus
    time_s: float | None = None
    peak_memory_mb: float | None = None
    error: str = ""
    isolation: list[str] = Field(default_factory=list)


def _run_child(
    request: dict[str, Any], limits: Limits, wall_s: float, site_dirs: Sequence[str] = ()
) -> tuple[list[dict], bool, list[str]]:
    """Run the runner isolated (importing from ``site_dirs``, read-only); return its
    messages, whether it was killed, and the layers."""
    payload = json.dumps(request).encode()
    runner_limits = limits.model_copy(update={"cpu_time_s": wall_s + 1})
    proc = spawn_isolated(
        [sys.executable, "-I", _RUNNER], runner_limits, stderr=subprocess.DEVNULL,
        site_dirs=site_dirs,
    )
    killed = False
    with proc:
        try:
            out, _ = proc.popen.communicate(payload, timeout=wall_s)
        except subprocess.TimeoutExpired:
            killed = True
            kill_tree(proc.pid)
            try:  # communicate() again returns what was already read: keep streamed points
                out, _ = proc.popen.communicate(timeout=5)
            except subprocess.TimeoutExpired:
                out = b""
    messages = []
    for line in out.decode(errors="replace").splitlines():
        try:
            messages.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    finished = any(m["type"] in ("done", "error") for m in messages)
    code = proc.popen.returncode
    if not finished and not killed and code not in (0, None):
        if not messages and 0 < code < 128:  # the runner itself failed before any output
            raise SandboxError(f"profiling runner exited with status {code} and no output")
        death = {"type": "error", "kind": "error", "error": _death_text(code, limits)}
        messages.append(death)  # a crash mid-way: keep the sizes measured before it
    return messages, killed, proc.layers


def _death_text(code: int, limits: Limits) -> str:
    signo = -code if code < 0 else code - 128
    if signo <= 0:
        return f"The process exited with status {code} while being profiled (e.g. os._exit)."
    if signo == 9:
        return f"The process was killed (memory limit {limits.memory_mb} MiB or CPU limit)."
    return f"The process died from signal {signo} (crash, or a resource limit)."


def _aggregate(messages: list[dict]) -> tuple[list[SizePoint], float, bool]:
    fresh = any(m.get("fresh_inputs") for m in messages if m["type"] in ("done", "explored"))
    by_n: dict[int, list[dict]] = {}
    for m in messages:
        if m["type"] == "point":
            by_n.setdefault(m["n"], []).append(m)
    points: list[SizePoint] = []
    overheads: list[float] = []
    for n in sorted(by_n):
        runs = [m for m in by_n[n] if m["fresh"]] if fresh else by_n[n]
        runs = runs or by_n[n]
        raw = min(m["raw_s"] for m in runs)
        overhead = min(m["overhead_s"] for m in runs)
        overheads.append(overhead)
        points.append(
            SizePoint(
                n=n,
                time_s=max(raw - overhead, 0.0),
                raw_time_s=raw,
                median_time_s=min(m["median_s"] for m in runs),
                peak_memory_mb=max(m["memory_bytes"] for m in runs) / MIB,
            )
        )
    overhead_s = sorted(overheads)[len(overheads) // 2] if overheads else 0.0
    return points, overhead_s, fresh


def profile(
    code: str,
    entry_point: str,
    make_input_source: str,
    sizes: Sequence[int] | None = None,
    limits: Limits | None = None,
    *,
    budget_s: float = 4.0,
    target_call_s: float = 0.02,
    max_call_s: float = 0.5,
    n_start: int = 1,
    n_max: int = 2**20,
    repeats: int = 5,
    site_dirs: Sequence[str] = (),
) -> ProfileResult:
    """Time ``entry_point`` over growing n and fit its complexity class.

    Sizes are adaptive unless given: n doubles from ``n_start`` until one call takes
    ``target_call_s`` (or ``n_max``, or 60% of ``budget_s``); growth faster than ~n^5 switches
    to linear steps so exponential functions get several points. Each size is timed
    ``repeats`` times in batches of >= 2 ms and the minimum is kept; a second pass in reverse
    order re-times every size (noise on a shared machine only ever adds time). The per-call
    overhead of an empty function called the same way is subtracted. ``site_dirs``: a
    project environment's site-packages the code imports from, read-only.

    Example:
        >>> r = profile("def total(xs):\\n    return sum(xs)\\n", "total",
        ...             "def make_input(n):\\n    return (list(range(n)),)\\n")  # doctest: +SKIP
        >>> r.complexity.label  # doctest: +SKIP
        'O(n)'
    """
    if not entry_point.isidentifier():
        raise UsageError(f"entry_point must be a Python identifier, got {entry_point!r}.")
    if "make_input" not in make_input_source:
        raise UsageError("make_input_source must define `def make_input(n): ...`.")
    if sizes is not None and (len(sizes) < 3 or min(sizes) < 1):
        raise UsageError("sizes must list at least 3 sizes, each >= 1 (or pass None).")
    limits = limits or Limits(timeout_s=budget_s, memory_mb=1024)
    request = {
        "mode": "profile", "code": code, "entry_point": entry_point,
        "make_input": make_input_source, "sizes": list(sizes) if sizes else None,
        "budget_s": budget_s, "target_call_s": target_call_s, "max_call_s": max_call_s,
        "n_start": n_start, "n_max": n_max, "repeats": repeats, "min_batch_s": 0.002,
        "memory": True,
    }
    start = time.perf_counter()
    wall = budget_s + 4 * max_call_s + _STARTUP_SLACK_S
    messages, killed, layers = _run_child(request, limits, wall, site_dirs)
    points, overhead, fresh = _aggregate(messages)
    errors = [m for m in messages if m["type"] == "error"]
    explored = next((m for m in messages if m["type"] == "explored"), {})
    result = ProfileResult(
        status="ok", points=points, call_overhead_s=overhead, fresh_inputs=fresh,
        stop_reason=explored.get("reason", ""), isolation=layers,
    )
    if errors:
        result.status = "timeout" if errors[0].get("kind") == "timeout" else "error"
        result.error = errors[0]["error"]
    elif killed or not any(m["type"] == "done" for m in messages):
        result.status, result.error = "timeout", f"Profiling did not finish within {wall:.0f} s."
    if len(points) >= 3:
        ns = [p.n for p in points]
        # The subtraction is uncertain by a fraction of the overhead: fit with that as a floor.
        floor = 0.25 * overhead + 5e-9
        estimate = estimate_complexity(ns, [p.time_s + floor for p in points])
        result.complexity = estimate.model_copy(update={"times_s": [p.time_s for p in points]})
        mem = [p.peak_memory_mb * MIB + 1024 for p in points]
        result.space_complexity = estimate_complexity(ns, mem, min_growth=0.5).label
    elif result.status == "ok":
        result.error = f"Only {len(points)} size(s) measured; need 3 to fit a complexity class."
    result.duration_s = time.perf_counter() - start
    return result


def measure(
    code: str, entry_point: str, args: Sequence[Any] | str, limits: Limits | None = None
) -> CallMeasurement:
    """Time and peak memory of ``entry_point(*args)`` (min of up to 5 calls if fast).

    ``args`` is a tuple/list of Python literals, or the source of an expression that evaluates
    to the argument tuple (e.g. ``"(list(range(1000)),)"``).

    Example:
        >>> m = measure("def sq(x):\\n    return x * x\\n", "sq", (12,))
        >>> m.status, m.time_s < 0.01
        ('ok', True)
    """
    if isinstance(args, str):
        source = args
    else:
        source = repr(tuple(args))
        try:
            if ast.literal_eval(source) != tuple(args):
                raise ValueError
        except (ValueError, SyntaxError) as exc:
            raise UsageError(
                "args must be Python literals (numbers, strings, lists, dicts, ...); for other "
                "values pass the source of an expression that builds the tuple."
            ) from exc
    limits = limits or Limits()
    request = {"mode": "measure", "code": code, "entry_point": entry_point, "args": source,
               "max_call_s": limits.timeout_s}
    messages, killed, layers = _run_child(request, limits, 5 * limits.timeout_s + _STARTUP_SLACK_S)
    done = next((m for m in messages if m["type"] == "done"), None)
    if done is not None:
        return CallMeasurement(status="ok", time_s=done["time_s"],
                               peak_memory_mb=done["memory_bytes"] / MIB, isolation=layers)
    error = next((m for m in messages if m["type"] == "error"), None)
    if error is not None:
        status: MeasureStatus = "timeout" if error.get("kind") == "timeout" else "error"
        return CallMeasurement(status=status, error=error["error"], isolation=layers)
    return CallMeasurement(status="timeout", error="The call did not finish in time.",
                           isolation=layers)
