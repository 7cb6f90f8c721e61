"""Child-side test runner: executes a :class:`~dspy_coder.sandbox.rewrite.Plan` and streams
events to the supervisor as JSON lines on a private pipe.

Runs inside the isolated child, after privileges are dropped. Every function it needs is bound
to a local before user code runs, so code that monkeypatches modules (``os``, ``json``, this
module) cannot change how outcomes are reported. Events carry a per-run nonce; the supervisor
also checks that exactly the planned tests were reported. (Code that deliberately reads the
nonce from memory could still forge a report: see the README's security notes.)

Events: ``begin`` {i}, ``test`` {i, ok, msg, dt, kind}, ``module_error`` {where, msg, kind},
``exit`` {code} (sys.exit at module level, no tests), ``done``.

Example (what the supervisor does in the child):
    >>> from dspy_coder.sandbox.rewrite import build_plan
    >>> plan = build_plan("x = 1\\n")
    >>> # child_main(plan, result_fd, nonce)   # never returns
"""

from __future__ import annotations

import builtins
import json
import linecache
import os
import sys
import time
import traceback
import types
from typing import Any, NoReturn

from dspy_coder.sandbox.rewrite import (
    CODE_FILE,
    REC,
    REFS,
    TESTS_FILE,
    AssertInfo,
    Plan,
)

MAX_REPR = 240
MAX_FRAMES = 8
USER_FILES = (CODE_FILE, TESTS_FILE)


def safe_repr(value: Any, limit: int = MAX_REPR) -> str:
    """repr() that never raises and never returns more than ``limit`` characters."""
    try:
        text = repr(value)
    except BaseException as exc:  # noqa: BLE001 - hostile __repr__
        text = f"<unrepresentable {type(value).__name__}: {type(exc).__name__}>"
    if not isinstance(text, str):
        text = "<repr did not return str>"
    return text if len(text) <= limit else text[: limit - 12] + f"... ({len(text)} chars)"


def _safe_str(exc: BaseException) -> str:
    try:
        return str(exc)
    except BaseException:  # noqa: BLE001
        return "<unprintable message>"


def user_traceback(exc: BaseException) -> list[str]:
    """Traceback lines from the user's files only, recursion collapsed."""
    try:
        frames = [
            f
            for f in traceback.extract_tb(exc.__traceback__)
            if f.filename in USER_FILES
        ]
    except BaseException:  # noqa: BLE001
        return []
    lines = [
        f"  {f.filename}, line {f.lineno}, in {f.name}: {(f.line or '').strip()}" for f in frames
    ]
    if len(lines) > MAX_FRAMES:
        hidden = len(lines) - MAX_FRAMES
        lines = lines[:3] + [f"  ... {hidden} more frames ..."] + lines[-(MAX_FRAMES - 3) :]
    return lines


def describe_exception(exc: BaseException) -> str:
    """``Type: message`` plus the user-code traceback."""
    head = f"{type(exc).__name__}: {_safe_str(exc)}".rstrip(": ")
    if isinstance(exc, SystemExit):
        head = f"SystemExit: the code called sys.exit({safe_repr(exc.code)})"
    frames = user_traceback(exc)
    return head + ("\nTraceback (user code):\n" + "\n".join(frames) if frames else "")


def exception_kind(exc: BaseException) -> str:
    if isinstance(exc, MemoryError):
        return "memory"
    if isinstance(exc, AssertionError):
        return "assert"
    return "exception"


class _Recorder:
    """Holds values recorded by rewritten asserts and explains failed ones."""

    def __init__(self, asserts: list[AssertInfo]) -> None:
        self.asserts = asserts
        self.values: dict[int, dict[int, Any]] = {}
        self.last_aid = -1

    def rec(self, aid: int, slot: int, value: Any) -> Any:
        if slot == 0 or aid not in self.values:
            self.values[aid] = {}
        self.values[aid][slot] = value
        self.last_aid = aid
        return value

    def _failed_assert(self, exc: BaseException) -> int | None:
        tb = exc.__traceback__
        lineno = None
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == TESTS_FILE:
                lineno = tb.tb_lineno
            tb = tb.tb_next
        if lineno is None:
            return None
        hits = [i for i, a in enumerate(self.asserts) if a.lineno <= lineno <= a.end_lineno]
        if self.last_aid in hits:
            return self.last_aid
        return hits[-1] if hits else None

    def explain(self, exc: BaseException, context: str = "") -> str:
        """Failure text: the assert, the values it saw, or the exception and traceback."""
        aid = self._failed_assert(exc) if type(exc) is AssertionError else None
        if aid is None:
            text = describe_exception(exc)
            return f"{context}\n{text}" if context else text
        info = self.asserts[aid]
        lines = [info.source]
        seen: set[str] = set()
        for slot, value in self.values.get(aid, {}).items():
            source, is_call = info.slots[slot]
            if source in seen or callable(value) and not is_call:
                continue
            if isinstance(value, types.ModuleType):
                continue
            seen.add(source)
            verb = "returned" if is_call else "="
            lines.append(f"  {source} {verb} {safe_repr(value)}")
        message = _safe_str(exc)
        if message:
            lines.append(f"  message: {message[:MAX_REPR]}")
        return "\n".join(lines[:12])


def _register_source(filename: str, source: str) -> None:
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)


def child_main(plan: Plan, res_fd: int, nonce: str) -> NoReturn:
    """Run ``plan`` in this (already isolated) process, report on ``res_fd``, then _exit."""
    write, dumps, clock, hard_exit = os.write, json.dumps, time.perf_counter, os._exit
    out, err = sys.stdout, sys.stderr
    base_exc = BaseException

    def emit(event: dict[str, Any]) -> None:
        event["n"] = nonce
        data = (dumps(event) + "\n").encode()
        while data:
            try:
                sent = write(res_fd, data)
            except OSError:
                return
            data = data[sent:]

    def finish(code: int = 0) -> NoReturn:
        for stream in (out, err):
            try:
                stream.flush()
            except base_exc:  # noqa: BLE001
                pass
        hard_exit(code)

    recorder = _Recorder(plan.asserts)
    explain, kind_of, describe = recorder.explain, exception_kind, describe_exception
    _register_source(CODE_FILE, plan.code_src)
    _register_source(TESTS_FILE, plan.tests_src)
    name = "__main__" if plan.kind == "none" else "solution"
    module = types.ModuleType(name)
    module.__file__ = CODE_FILE
    ns = module.__dict__
    ns["__builtins__"] = builtins
    sys.modules["solution"] = module

    try:
        exec(plan.code_obj, ns)  # noqa: S102 - this is the sandbox
    except SystemExit as exc:
        if plan.kind == "none":
            emit({"e": "exit", "code": safe_repr(exc.code), "ok": exc.code in (None, 0)})
            emit({"e": "done"})
            finish()
        emit({"e": "module_error", "where": "code", "kind": "exception",
              "msg": describe_exception(exc) + "\n(at import time, so no test ran)"})
        finish()
    except base_exc as exc:  # noqa: BLE001
        emit({"e": "module_error", "where": "code", "kind": kind_of(exc),
              "msg": describe(exc)})
        finish()
    if plan.kind == "none":
        emit({"e": "done"})
        finish()

    starts: dict[int, float] = {}
    reported: set[int] = set()

    def begin(step: int) -> None:
        starts[step] = clock()
        emit({"e": "begin", "i": step})

    def end(step: int, exc: BaseException | None, context: str = "") -> None:
        if step in reported:
            return
        reported.add(step)
        dt = clock() - starts.get(step, clock())
        if exc is None:
            emit({"e": "test", "i": step, "ok": True, "msg": "", "dt": dt, "kind": "ok"})
        else:
            emit({"e": "test", "i": step, "ok": False, "dt": dt, "kind": kind_of(exc),
                  "msg": explain(exc, context)})

    ns[REC] = recorder.rec
    ns[REFS] = (begin, end)
    try:
        exec(plan.tests_obj, ns)  # noqa: S102
    except base_exc as exc:  # noqa: BLE001
        emit({"e": "module_error", "where": "tests", "kind": kind_of(exc),
              "msg": describe(exc)})
        finish()
    ns.pop(REFS, None)

    if plan.kind == "check":
        _run_check(plan, ns, begin, end, emit)
    else:
        _run_pytest(plan, ns, begin, end)
    emit({"e": "done"})
    finish()


def _run_check(plan: Plan, ns: dict, begin: Any, end: Any, emit: Any) -> None:
    candidate = ns.get(plan.entry_point or "")
    if not callable(candidate):
        emit({"e": "module_error", "where": "code", "kind": "exception",
              "msg": f"NameError: the code does not define a function `{plan.entry_point}`."})
        return
    check = ns.get("check")
    single = plan.test_names == ["check"]
    if single:
        begin(0)
    try:
        check(candidate)
    except BaseException as exc:  # noqa: BLE001
        if single:
            end(0, exc)
        for step in range(len(plan.test_names)):
            end(step, exc, "not run: check() stopped earlier with:")
        return
    for step in range(len(plan.test_names)):
        end(step, None)


def _run_pytest(plan: Plan, ns: dict, begin: Any, end: Any) -> None:
    import inspect

    for step, name in enumerate(plan.test_names):
        begin(step)
        func = ns.get(name)
        try:
            if not callable(func):
                raise TypeError(f"{name} is not a function")
            if inspect.signature(func).parameters:
                raise TypeError(f"{name} takes arguments; fixtures are not supported")
            result = func()
            if inspect.iscoroutine(result):
                import asyncio

                asyncio.run(result)
        except BaseException as exc:  # noqa: BLE001
            end(step, exc)
        else:
            end(step, None)
