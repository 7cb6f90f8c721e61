"""Sandbox-side worker of ``SandboxInterpreter`` (stdlib only; run as ``python -I <this file>``).

One JSON message per line. Host -> worker on stdin: ``execute`` (and replies to tool calls);
worker -> host on the protocol pipe (the original stdout): ``ready``, ``tool_request``, then
one of ``result`` / ``final`` / ``syntax`` / ``execution_error``. The user's ``print`` output
is captured (capped); anything written to fd 1/2 directly goes to /dev/null so it can never
corrupt the protocol. Never imported by the host.
"""

from __future__ import annotations

import ast
import builtins
import io
import json
import linecache
import os
import signal
import sys
import traceback
from typing import Any

_PROTO = os.fdopen(os.dup(1), "w", encoding="utf-8")
_IN = os.fdopen(os.dup(0), "r", encoding="utf-8")
_null = os.open(os.devnull, os.O_RDWR)
for _fd in (0, 1, 2):
    os.dup2(_null, _fd)
sys.stdin = io.StringIO("")  # input() sees end of file rather than the protocol
_CELL_PREFIX = "<cell "


class Submission(BaseException):
    """Raised by SUBMIT to end the execution with a final output."""

    def __init__(self, value: Any) -> None:
        super().__init__()
        self.value = value


class ExecutionTimeout(BaseException):
    """Raised inside the user's code when one execution exceeds its time limit."""


class CappedWriter(io.TextIOBase):
    """A text stream that keeps the first ``limit`` characters and counts the rest."""

    def __init__(self, limit: int) -> None:
        self.limit, self.parts, self.size, self.dropped = limit, [], 0, 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        room = self.limit - self.size
        if room > 0:
            self.parts.append(text[:room])
            self.size += min(len(text), room)
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def value(self) -> str:
        out = "".join(self.parts)
        if self.dropped:
            out += f"\n[output truncated: {self.dropped} more characters]"
        return out


def send(message: dict[str, Any]) -> None:
    _PROTO.write(json.dumps(message, default=repr) + "\n")
    _PROTO.flush()


def receive() -> dict[str, Any] | None:
    line = _IN.readline()
    return json.loads(line) if line else None


def jsonable(value: Any) -> Any:
    try:
        json.dumps(value, allow_nan=False)
        return value
    except (TypeError, ValueError):
        return repr(value)


_SYSTEM_DIRS = tuple({os.path.join(p, "") for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)})


def _is_user_file(filename: str) -> bool:
    """Frames of the submitted code (any pseudo-file it compiled), not of Python or this file."""
    return filename != __file__ and not filename.startswith(_SYSTEM_DIRS)


def describe(exc: BaseException) -> str:
    """The exception and the traceback lines of the user's own cells, as Python prints them."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if _is_user_file(f.filename)]
    text = "".join(traceback.format_exception_only(exc)).strip()
    if not frames:
        return text
    stack = "".join(traceback.StackSummary.from_list(frames).format())
    return f"Traceback (most recent call last):\n{stack}{text}"


class Session:
    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
        self.cells = 0
        self.output_fields: list[dict[str, Any]] | None = None

    def call_tool(self, name: str, args: tuple, kwargs: dict[str, Any]) -> Any:
        send({"type": "tool_request", "name": name, "args": list(args), "kwargs": kwargs})
        reply = receive()
        if reply is None:
            raise SystemExit(0)
        if reply.get("type") == "tool_error":
            raise RuntimeError(reply.get("error"))
        return reply.get("value")

    def submit(self, *args: Any, **kwargs: Any) -> None:
        fields = self.output_fields
        if args and kwargs:
            raise TypeError("SUBMIT takes positional or keyword values, not both")
        if not fields:
            if kwargs:
                raise Submission(dict(kwargs))
            if len(args) != 1:
                raise TypeError("SUBMIT takes exactly one value, e.g. SUBMIT({'answer': 42})")
            raise Submission({"output": args[0]})
        names = [f["name"] for f in fields]
        values = dict(zip(names, args, strict=False)) if args else dict(kwargs)
        if len(args) > len(names) or set(values) != set(names):
            raise TypeError(f"SUBMIT expects the fields {names}")
        raise Submission(values)

    def configure(self, request: dict[str, Any]) -> None:
        self.output_fields = request.get("output_fields")
        for name in request.get("tools", []):
            self.namespace[name] = (
                lambda *a, _n=name, **kw: self.call_tool(_n, a, kw)
            )
        self.namespace["SUBMIT"] = self.submit
        self.namespace.update(request.get("variables") or {})

    def execute(self, request: dict[str, Any]) -> dict[str, Any]:
        self.configure(request)
        self.cells += 1
        filename = f"{_CELL_PREFIX}{self.cells}>"
        code = request["code"]
        try:
            tree = ast.parse(code, filename=filename, mode="exec")
        except SyntaxError as exc:
            return {"type": "syntax", "error": exc.msg, "lineno": exc.lineno,
                    "offset": exc.offset, "text": exc.text}
        linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        out = CappedWriter(request["max_output_chars"])
        sys.stdout = sys.stderr = out
        signal.setitimer(signal.ITIMER_REAL, request["timeout_s"])
        try:
            exec(compile(tree, filename, "exec"), self.namespace)
            value = None
            if last is not None:
                expr = ast.Expression(last.value)
                value = eval(compile(expr, filename, "eval"), self.namespace)
            reply: dict[str, Any] = {"type": "result", "value": jsonable(value)}
        except Submission as submission:
            reply = {"type": "final", "value": jsonable(submission.value)}
        except ExecutionTimeout:
            reply = {"type": "execution_error", "error": (
                f"TimeoutError: the code ran longer than {request['timeout_s']:g} s and was "
                "interrupted. Use a faster algorithm or smaller inputs.")}
        except BaseException as exc:  # noqa: BLE001 - the user's failure is data for the model
            reply = {"type": "execution_error", "error": describe(exc)}
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        reply["stdout"] = out.value()
        return reply


_real_compile = builtins.compile


def _compile(source: Any, filename: Any, mode: str, *args: Any, **kwargs: Any) -> Any:
    """``compile`` that remembers the source of pseudo-files, so tracebacks can show it."""
    if isinstance(source, str) and isinstance(filename, str) and not os.path.exists(filename):
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    return _real_compile(source, filename, mode, *args, **kwargs)


def _on_alarm(_signum: int, _frame: Any) -> None:
    raise ExecutionTimeout


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
    builtins.compile = _compile
    session = Session()
    send({"type": "ready", "pid": os.getpid()})
    while True:
        request = receive()
        if request is None or request.get("type") == "shutdown":
            return
        try:
            reply = session.execute(request)
        except ExecutionTimeout:  # the timer fired between the user's code and its disarming
            reply = {"type": "execution_error", "error": "TimeoutError: time limit reached"}
        send(reply)


if __name__ == "__main__":
    main()
