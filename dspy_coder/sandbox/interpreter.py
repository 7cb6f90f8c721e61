"""DSPy ``CodeInterpreter`` on top of the sandbox, for ``dspy.ProgramOfThought`` and friends.

DSPy's default interpreter (Deno + Pyodide) downloads from deno.land at start and cannot run
offline. ``SandboxInterpreter`` runs the code in one long-lived CPython worker per session,
started with ``spawn_isolated`` (own PID and network namespace, unused uid, rlimits, scrubbed
environment, temp cwd), so state persists across ``execute`` calls.

Errors follow the protocol:

- ``SyntaxError`` for code that does not parse;
- ``CodeExecutionError`` (recoverable) for an exception in the code, with the exception and
  the traceback lines of the submitted code only; also for a ``MemoryError`` and for code that
  runs past ``limits.timeout_s`` (interrupted inside the worker, so the session survives);
- ``CodeInterpreterError`` (terminal) when the worker dies, hangs past the hard deadline, or
  breaks the protocol. The worker is killed and the session cannot be used again.
"""

from __future__ import annotations

import json
import keyword
import logging
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from dspy.primitives.code_interpreter import (
    CodeExecutionError,
    CodeInterpreterError,
    FinalOutput,
)

from dspy_coder.sandbox.isolation import IsolatedProcess, spawn_isolated
from dspy_coder.sandbox.limits import Limits

__all__ = ["SandboxInterpreter"]

logger = logging.getLogger(__name__)

_WORKER = str(Path(__file__).with_name("_interpreter_worker.py"))
_RESERVED = {"SUBMIT", "__builtins__", "__name__"}
_START_TIMEOUT_S = 20.0
_HARD_GRACE_S = 3.0  # after the in-worker timeout fires, how long before the worker is killed


class SandboxInterpreter:
    """A persistent, isolated Python session implementing ``dspy.CodeInterpreter``.

    Args:
        tools: host functions callable by name from the code (JSON-compatible arguments and
            results). They run in *this* process: expose only what the code may use.
        output_fields: optional ``[{"name": ...}]`` for typed ``SUBMIT(a, b)`` /
            ``SUBMIT(a=..., b=...)``. Without it ``SUBMIT(x)`` returns
            ``FinalOutput({"output": x})`` (DSPy's convention) and ``SUBMIT(k=v)`` returns
            ``FinalOutput({"k": v})``.
        limits: ``timeout_s`` per ``execute``; ``memory_mb`` of the worker; output cap.
        session_cpu_s: CPU seconds the worker may use over its whole life (RLIMIT_CPU).
        site_dirs: a project environment's site-packages that the code imports from,
            read-only (see ``spawn_isolated``).

    Example:
        >>> with SandboxInterpreter() as interp:
        ...     interp.execute("x = 6 * 7")
        ...     interp.execute("print(x + n)", {"n": 1})
        '43'
        >>> import dspy
        >>> pot = dspy.ProgramOfThought("question -> answer",
        ...                             interpreter_factory=SandboxInterpreter)
    """

    def __init__(
        self,
        tools: dict[str, Callable[..., Any]] | None = None,
        output_fields: list[dict[str, Any]] | None = None,
        *,
        limits: Limits | None = None,
        session_cpu_s: float = 300.0,
        site_dirs: Sequence[str] = (),
    ) -> None:
        self._tools = dict(tools or {})
        bad = [n for n in self._tools if not _is_name(n)]
        if bad:
            raise CodeInterpreterError(f"tool names must be non-reserved identifiers: {bad!r}")
        self.output_fields = [dict(f) for f in output_fields] if output_fields else None
        self.limits = limits or Limits(timeout_s=10, memory_mb=512)
        self.session_cpu_s = session_cpu_s
        self.site_dirs = tuple(str(d) for d in site_dirs)
        self._proc: IsolatedProcess | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._lock = threading.Lock()
        self._ended = False

    @property
    def tools(self) -> dict[str, Callable[..., Any]]:
        """Host-side tools callable from the interpreted code."""
        return self._tools

    @property
    def isolation(self) -> list[str]:
        """Isolation layers active for the running worker (empty before ``start``)."""
        return list(self._proc.layers) if self._proc else []

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Start the worker; idempotent while the session is alive."""
        if self._ended:
            raise CodeInterpreterError(
                "This SandboxInterpreter session has ended; create a new one."
            )
        if self._proc is not None:
            return
        limits = self.limits.model_copy(update={"cpu_time_s": self.session_cpu_s})
        self._proc = spawn_isolated(
            [sys.executable, "-I", _WORKER], limits, stderr=subprocess.DEVNULL,
            site_dirs=self.site_dirs,
        )
        threading.Thread(target=self._pump, args=(self._proc.popen,), daemon=True).start()
        ready = self._receive(time.monotonic() + _START_TIMEOUT_S, "did not start")
        if ready.get("type") != "ready":
            self._fail(f"sandbox worker sent an invalid greeting: {ready!r}")
        logger.debug("sandbox interpreter started (layers: %s)", ", ".join(self._proc.layers))

    def shutdown(self) -> None:
        """Kill the worker and its whole process tree; the session cannot be used again."""
        self._ended = True
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.kill()

    def __enter__(self) -> SandboxInterpreter:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.shutdown()

    def __call__(self, code: str, variables: dict[str, Any] | None = None) -> Any:
        return self.execute(code, variables)

    # -- execution -------------------------------------------------------------------------

    def execute(self, code: str, variables: dict[str, Any] | None = None) -> Any:
        """Run ``code`` in the session; return the last expression's value, else the stdout.

        Returns ``FinalOutput`` when the code calls ``SUBMIT``, ``None`` for no output.
        """
        if not self._lock.acquire(blocking=False):
            raise CodeInterpreterError("SandboxInterpreter is already executing code.")
        try:
            request = self._request(code, variables or {})
            self.start()
            self._send(request)
            deadline = time.monotonic() + self.limits.timeout_s + _HARD_GRACE_S
            message = self._receive(deadline, "stopped responding")
            while message.get("type") == "tool_request":
                self._send(self._call_tool(message))
                message = self._receive(deadline, "stopped responding")
            return self._outcome(message)
        finally:
            self._lock.release()

    def _request(self, code: str, variables: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(code, str):
            raise CodeInterpreterError("code must be a string")
        bad = [n for n in variables if not _is_name(n) or n in self._tools]
        if bad:
            raise CodeInterpreterError(
                f"variable names must be identifiers distinct from tools and SUBMIT: {bad!r}"
            )
        try:
            json.dumps(variables, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise CodeInterpreterError(f"variables must be JSON-serialisable: {exc}") from exc
        return {
            "type": "execute", "code": code, "variables": variables, "tools": list(self._tools),
            "output_fields": self.output_fields, "timeout_s": self.limits.timeout_s,
            "max_output_chars": self.limits.max_output_bytes,
        }

    def _outcome(self, message: dict[str, Any]) -> Any:
        kind = message.get("type")
        stdout = message.get("stdout") or ""
        if kind == "final":
            return FinalOutput(message.get("value"))
        if kind == "result":
            value = message.get("value")
            return value if value is not None else (stdout.rstrip("\n") or None)
        if kind == "syntax":
            raise SyntaxError(
                message.get("error") or "invalid syntax",
                ("<code>", message.get("lineno"), message.get("offset"), message.get("text")),
            )
        if kind == "execution_error":
            error = message.get("error") or "error"
            if stdout:
                error += f"\n\nOutput before the error:\n{stdout[-2000:]}"
            raise CodeExecutionError(error)
        self._fail(f"sandbox worker sent an unknown message: {message!r}")

    def _call_tool(self, message: dict[str, Any]) -> dict[str, Any]:
        name = message.get("name")
        try:
            if name not in self._tools:
                raise KeyError(f"unknown tool {name!r}")
            value = self._tools[name](*message.get("args", []), **message.get("kwargs", {}))
            json.dumps(value, allow_nan=False)
            return {"type": "tool_result", "value": value}
        except Exception as exc:  # a tool failure is reported to the code, like any exception
            return {"type": "tool_error", "error": f"{type(exc).__name__}: {exc}"}

    # -- protocol plumbing -----------------------------------------------------------------

    def _pump(self, popen: subprocess.Popen[bytes]) -> None:
        assert popen.stdout is not None
        try:
            for raw in popen.stdout:
                self._lines.put(raw.decode("utf-8", errors="replace"))
        except (OSError, ValueError):
            pass
        self._lines.put(None)

    def _send(self, message: dict[str, Any]) -> None:
        proc = self._proc
        assert proc is not None and proc.popen.stdin is not None
        try:
            proc.popen.stdin.write((json.dumps(message) + "\n").encode())
            proc.popen.stdin.flush()
        except (OSError, ValueError) as exc:
            self._fail(f"sandbox worker is gone ({exc}); the session state is lost", exc)

    def _receive(self, deadline: float, what: str) -> dict[str, Any]:
        try:
            line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            self._fail(
                f"sandbox worker {what} (no reply within {self.limits.timeout_s:g} s + grace); "
                "it was killed and the session state is lost"
            )
        if line is None:
            code = self._proc.popen.poll() if self._proc else None
            self._fail(f"sandbox worker died (exit status {code}; a crash, os._exit, or a "
                       "resource limit such as the session CPU budget); the session state is lost")
        try:
            message = json.loads(line)
        except json.JSONDecodeError as exc:
            self._fail(f"sandbox worker broke the protocol: {line[:200]!r}", exc)
        if not isinstance(message, dict):
            self._fail(f"sandbox worker broke the protocol: {line[:200]!r}")
        return message

    def _fail(self, message: str, cause: BaseException | None = None) -> NoReturn:
        self.shutdown()
        raise CodeInterpreterError(message) from cause


def _is_name(name: object) -> bool:
    return (
        isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)
        and name not in _RESERVED
    )
