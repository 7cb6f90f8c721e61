"""The test process's runner: executes a :class:`~dspy_coder.sandbox.rewrite.RunPlan`'s tests
against the candidate (proxied from the code process, see ``remote``) and streams events to
the supervisor as JSON lines on a private pipe. Also runs code without tests (``run_module``).

The candidate's code never runs in this process: its functions are proxies whose results
arrive as data, so the comparisons in the tests and the events reported here are out of its
reach. Every function the runner needs is still bound to a local before the tests run, so
tests that monkeypatch ``os``, ``json`` or this module cannot change how outcomes are
reported. Events carry a per-run nonce, and the supervisor checks that exactly the planned
tests were reported.

Events: ``begin`` {i}, ``test`` {i, ok, msg, dt, kind}, ``module_error`` {where, msg, kind},
``exit`` {code} (sys.exit at module level, no tests), ``code_gone`` (the code process ended
while the tests needed it), ``done``.

Example (what the supervisor does in the test process):
    >>> from dspy_coder.sandbox.rewrite import build_plan
    >>> plan = build_plan("x = 1\\n")
    >>> # run_tests(plan, result_fd, channel_fd, nonce)   # never returns
"""

from __future__ import annotations

import builtins
import json
import os
import sys
import time
import types
from typing import Any, NoReturn

from dspy_coder.sandbox.exception_text import (
    MAX_ASSERT_MESSAGE,
    describe_exception,
    exception_kind,
    safe_repr,
    safe_str,
)
from dspy_coder.sandbox.remote import Channel, hard_exit_after, looks_callable, namespace
from dspy_coder.sandbox.rewrite import (
    CODE_FILE,
    REC,
    REFS,
    TESTS_FILE,
    AssertInfo,
    RunPlan,
    register_source,
)


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
            if source in seen or looks_callable(value) and not is_call:
                continue
            if isinstance(value, types.ModuleType):
                continue
            seen.add(source)
            verb = "returned" if is_call else "="
            lines.append(f"  {source} {verb} {safe_repr(value)}")
        message = safe_str(exc)
        if message:
            lines.append(f"  message: {message[:MAX_ASSERT_MESSAGE]}")
        return "\n".join(lines[:12])


def _events(res_fd: int, nonce: str) -> tuple[Any, Any]:
    """``emit`` (one JSON line per event, tagged with the nonce) and ``finish`` (flush, exit),
    bound before any user code runs."""
    write, dumps, hard_exit = os.write, json.dumps, os._exit
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

    return emit, finish


def run_module(plan: RunPlan, res_fd: int, nonce: str) -> NoReturn:
    """No tests: run the code as ``__main__`` and report whether it ran to the end."""
    emit, finish = _events(res_fd, nonce)
    register_source(CODE_FILE, plan.code_src)
    module = types.ModuleType("__main__")
    module.__file__ = CODE_FILE
    module.__dict__["__builtins__"] = builtins
    sys.modules["solution"] = module
    try:
        exec(plan.code_obj, module.__dict__)  # noqa: S102 - this is the sandbox
    except SystemExit as exc:
        emit({"e": "exit", "code": safe_repr(exc.code), "ok": exc.code in (None, 0)})
    except BaseException as exc:  # noqa: BLE001
        emit({"e": "module_error", "where": "code", "kind": exception_kind(exc),
              "msg": describe_exception(exc)})
        finish()
    emit({"e": "done"})
    finish()


def run_tests(plan: RunPlan, res_fd: int, channel_fd: int, nonce: str) -> NoReturn:
    """Run ``plan``'s tests against the code process on ``channel_fd``; report on ``res_fd``."""
    emit, finish = _events(res_fd, nonce)
    clock = time.perf_counter
    base_exc = BaseException
    recorder = _Recorder(plan.asserts)
    explain, kind_of, describe = recorder.explain, exception_kind, describe_exception
    register_source(TESTS_FILE, plan.tests_src)
    channel = Channel(channel_fd, hard_exit_after(emit))
    first = channel.first()
    if "names" not in first:
        emit({"e": "module_error", "where": "code", "kind": str(first.get("kind", "exception")),
              "msg": str(first.get("load_error", "the code process sent nothing"))})
        finish()
    module = namespace(channel, first["names"])
    ns = module.__dict__
    ns["__builtins__"] = builtins
    sys.modules["solution"] = module

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
        _run_pytest(plan, ns, begin, end, channel)
    emit({"e": "done"})
    finish()


def _run_check(plan: RunPlan, ns: dict, begin: Any, end: Any, emit: Any) -> None:
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


def _run_pytest(plan: RunPlan, ns: dict, begin: Any, end: Any, channel: Channel) -> None:
    """Each test function in turn, in an empty directory that the code process works in too
    (so a test can write the file the code reads, or read the database it wrote), as the
    ``test_solution.py`` written for plain pytest does (a ``tmp_path`` per test)."""
    import inspect

    chdir, os_error = os.chdir, OSError  # bound before any test can patch them
    for step, name in enumerate(plan.test_names):
        begin(step)
        func = ns.get(name)
        try:
            try:
                chdir(channel.request("fresh_dir", args=(step,)))
            except os_error:  # not shared (no uid drop and no group): the test's own cwd
                pass
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
