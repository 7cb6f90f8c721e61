"""The code process: runs the candidate's module and answers the test process's requests.

It never sees the tests: it is forked before the supervisor reads them, so no expected value
is in its memory, and it has no channel to the supervisor's result pipe. All it can do is
compute: each request (call this function, read this attribute, iterate this object) is
answered with data or a handle (see ``wire``), or with the exception it raised.

Messages, one JSON frame each on the channel to the test process:
- first, ``{"load_error": text, "kind": ...}`` or ``{"names": [[name, entry], ...]}``;
- then one reply per request (a call, an attribute, an operator, or ``fresh_dir`` before each
  test: see ``fresh_directory``): ``{"v": value, "back": [[arg, value], ...]}`` (``back``: the
  list/dict/set arguments after the call, so in-place changes reach the caller) or
  ``{"x": exception}``.

Example (what the supervisor does in the forked code process):
    >>> from dspy_coder.sandbox.rewrite import build_plan
    >>> plan = build_plan("def f(x):\\n    return x\\n")
    >>> # serve_code(plan, channel_fd)   # never returns
"""

from __future__ import annotations

import builtins
import operator
import os
import sys
import types
from typing import Any, NoReturn

from dspy_coder.sandbox.exception_text import (
    describe_exception,
    exception_kind,
    safe_str,
    user_traceback,
)
from dspy_coder.sandbox.rewrite import CODE_FILE, RunPlan, register_source
from dspy_coder.sandbox.wire import WireError, decode, encode, recv_frame, send_frame

# Operations the test process may apply to a handle: builtins and operators, nothing by name.
APPLY = {
    "len": len, "str": str, "repr": repr, "bool": bool, "iter": iter, "next": next,
    "int": int, "float": float, "index": operator.index, "format": format,
    "getitem": operator.getitem, "setitem": operator.setitem, "delitem": operator.delitem,
    "contains": operator.contains, "add": operator.add, "sub": operator.sub,
    "mul": operator.mul, "truediv": operator.truediv, "floordiv": operator.floordiv,
    "mod": operator.mod, "pow": operator.pow, "neg": operator.neg, "pos": operator.pos,
    "abs": operator.abs, "invert": operator.invert, "and": operator.and_,
    "or": operator.or_, "xor": operator.xor, "lshift": operator.lshift,
    "rshift": operator.rshift, "matmul": operator.matmul, "reversed": reversed,
    "enter": lambda obj: type(obj).__enter__(obj),
    "exit": lambda obj: type(obj).__exit__(obj, None, None, None),
}
MAX_MESSAGE = 2000
_MUTABLE = (list, dict, set)


def _exception_record(exc: BaseException) -> dict[str, Any]:
    """What the test process needs to raise an equivalent exception."""
    kind = type(exc)
    builtin = next(
        (c.__name__ for c in kind.__mro__ if c.__module__ == "builtins"
         and issubclass(c, BaseException)),
        "Exception",
    )
    handles: dict[int, Any] = {}
    try:
        args = encode(exc.args, handles, budget=10_000)
    except (WireError, RecursionError, MemoryError):
        args = None
    message = safe_str(exc)
    return {
        "type": getattr(kind, "__qualname__", "Exception"), "module": kind.__module__,
        "builtin": builtin, "args": args, "msg": message[:MAX_MESSAGE],
        "tb": user_traceback(exc), "kind": exception_kind(exc),
    }


def _inventory(ns: dict[str, Any], table: dict[int, Any]) -> list[list[Any]]:
    """The module's public names: modules by name, its own classes, everything else encoded."""
    names: list[list[Any]] = []
    for name, value in list(ns.items()):
        if name.startswith("__") and name.endswith("__"):
            continue
        if isinstance(value, types.ModuleType):
            names.append([name, {"module": value.__name__}])
            continue
        if isinstance(value, type) and value.__module__ == "solution":
            exc_bases = [c.__name__ for c in value.__mro__
                         if c.__module__ == "builtins" and issubclass(c, BaseException)]
            own_bases = [c.__qualname__ for c in value.__mro__[1:] if c.__module__ == "solution"]
            names.append([name, {"class": encode(value, table), "qualname": value.__qualname__,
                                 "exception": exc_bases[:1], "bases": own_bases}])
            continue
        try:
            names.append([name, {"v": encode(value, table)}])
        except WireError:
            names.append([name, {"v": encode(object(), table)}])
    return names


def fresh_directory(root: str, step: int) -> str:
    """Make an empty directory ``step`` under ``root`` the working directory and return its
    path, so files one test's calls write (a database, a log) are not there for the next
    test; the test process works there too (it may read and write the same files)."""
    path = os.path.join(root, f"test-{int(step)}")
    os.makedirs(path, exist_ok=True)
    os.chdir(path)
    return path


def _answer(request: Any, table: dict[int, Any], root: str) -> dict[str, Any]:
    """Carry out one request from the test process (``root``: its first working directory)."""

    def resolve(handle: Any) -> Any:
        if handle.index <= 0:
            raise KeyError(handle.index)
        return table[handle.index]

    try:
        op = request["op"]
        args = [decode(a, resolve) for a in request.get("args", [])]
        kwargs = {str(k): decode(v, resolve) for k, v in request.get("kw", [])}
        target = table[int(request["h"])] if request.get("h") else None
        name = str(request.get("name", ""))
    except (KeyError, TypeError, ValueError, WireError) as exc:
        return {"x": {"type": "TypeError", "module": "builtins", "builtin": "TypeError",
                      "args": None, "msg": f"bad request to the code process: {exc}",
                      "tb": [], "kind": "exception"}}
    try:
        if op == "call":
            value = target(*args, **kwargs)
        elif op == "getattr":
            value = getattr(target, name)
        elif op == "setattr":
            value = setattr(target, name, args[0])
        elif op == "delattr":
            value = delattr(target, name)
        elif op == "apply" and name in APPLY:
            value = APPLY[name](*args)
        elif op == "fresh_dir":
            value = fresh_directory(root, args[0])
        else:
            raise TypeError(f"unsupported request {op!r} {name!r}")
        reply = {"v": encode(value, table)}
        back = [[i, encode(a, table)] for i, a in enumerate(args) if type(a) in _MUTABLE]
        back += [[k, encode(v, table)] for k, v in kwargs.items() if type(v) in _MUTABLE]
        if back:
            reply["back"] = back
        return reply
    except WireError as exc:
        error = TypeError(f"the result cannot cross the sandbox boundary: {exc}")
        return {"x": _exception_record(error)}
    except BaseException as exc:  # noqa: BLE001 - the candidate's exception is data
        return {"x": _exception_record(exc)}


def serve_code(plan: RunPlan, channel: int) -> NoReturn:
    """Run the candidate's module, then answer requests until the test process hangs up."""
    send, receive, hard_exit = send_frame, recv_frame, os._exit
    out, err = sys.stdout, sys.stderr
    register_source(CODE_FILE, plan.code_src)
    module = types.ModuleType("solution")
    module.__file__ = CODE_FILE
    ns = module.__dict__
    ns["__builtins__"] = builtins
    sys.modules["solution"] = module
    table: dict[int, Any] = {}
    root = os.getcwd()
    try:
        exec(plan.code_obj, ns)  # noqa: S102 - this is the sandbox
        first: dict[str, Any] = {"names": _inventory(ns, table)}
    except SystemExit as exc:
        first = {"load_error": describe_exception(exc) + "\n(at import time, so no test ran)",
                 "kind": "exception"}
    except BaseException as exc:  # noqa: BLE001
        first = {"load_error": describe_exception(exc), "kind": exception_kind(exc)}
    try:
        send(channel, first)
        while "names" in first:
            request = receive(channel)
            send(channel, _answer(request, table, root))
    except (EOFError, OSError, WireError):
        pass
    for stream in (out, err):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001
            pass
    hard_exit(0)
