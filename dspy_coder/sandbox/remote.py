"""The test process's view of the candidate: proxies that forward to the code process.

Tests see the candidate's module as usual (``candidate``, ``from solution import f``, its
classes and constants), but every function, class and object in it is a proxy: calling it
sends the arguments as data to the code process and brings the result back as data (see
``wire``). Comparisons therefore run here, on builtin values. A proxy refuses ``==`` and
ordering with anything but itself: an object the code returns cannot decide a comparison.

Example:
    >>> standin = exception_class("InvalidEmail", "ValueError")
    >>> issubclass(standin, ValueError), standin.__name__
    (True, 'InvalidEmail')
"""

from __future__ import annotations

import builtins
import importlib
import os
import types
from collections.abc import Callable
from typing import Any, NoReturn

from dspy_coder.sandbox.exception_text import REMOTE_FRAMES
from dspy_coder.sandbox.wire import Handle, WireError, decode, encode, recv_frame, send_frame

COMPARE_REFUSED = (
    "cannot compare a {kind} object returned by the code: only builtin values (numbers, "
    "strings, bytes, lists, tuples, dicts, sets, None) cross the sandbox boundary to be "
    "compared; return one of those"
)
_REF = "_dc_ref"


class Channel:
    """The request/reply channel to the code process. Functions are bound at creation, so
    tests that monkeypatch ``os`` or ``json`` cannot change what crosses."""

    def __init__(self, fd: int, on_gone: Callable[[], NoReturn]) -> None:
        self.fd, self.on_gone = fd, on_gone
        self._send, self._recv = send_frame, recv_frame
        self.classes: dict[str, type] = {}
        self.proxies: dict[int, Any] = {}

    def first(self) -> dict[str, Any]:
        try:
            message = self._recv(self.fd)
        except (EOFError, OSError, WireError):
            self.on_gone()
        return message if isinstance(message, dict) else {}

    def request(self, op: str, target: Any = None, args: tuple = (), kwargs: Any = None,
                name: str = "") -> Any:
        """Run ``op`` in the code process; returns its result as data or proxies, or raises
        the exception it raised there."""
        message: dict[str, Any] = {"op": op, "name": name,
                                   "args": [self.encode(a) for a in args],
                                   "kw": [[k, self.encode(v)] for k, v in (kwargs or {}).items()]}
        if target is not None:
            message["h"] = object.__getattribute__(target, _REF)
        try:
            self._send(self.fd, message)
            reply = self._recv(self.fd)
        except (EOFError, OSError, WireError):
            self.on_gone()
        if not isinstance(reply, dict):
            raise TypeError("the code process sent a malformed reply")
        if "x" in reply:
            raise self.exception(reply["x"])
        for key, value in reply.get("back", []):
            original = args[key] if isinstance(key, int) else (kwargs or {}).get(key)
            _copy_back(original, self.decode(value))
        return self.decode(reply.get("v"))

    def encode(self, value: Any) -> Any:
        """Arguments as data; proxies go back as the code process's own handles."""
        try:
            return encode(value, {}, on_object=_handle_of)
        except WireError as exc:
            raise TypeError(f"cannot pass this argument to the code: {exc}") from None

    def decode(self, data: Any) -> Any:
        try:
            return decode(data, self.proxy)
        except WireError as exc:
            raise TypeError(f"the code process sent a malformed value: {exc}") from None

    def proxy(self, handle: Handle) -> Any:
        known = self.proxies.get(handle.index)
        if known is not None:  # the same object keeps one proxy, so `is` works
            return known
        cls = self.classes.get(handle.type_name) if handle.module == "solution" else None
        obj = object.__new__(cls if cls is not None else RemoteObject)
        object.__setattr__(obj, _REF, handle.index)
        object.__setattr__(obj, "_dc_channel", self)
        object.__setattr__(obj, "_dc_type", handle.type_name)
        self.proxies[handle.index] = obj
        return obj

    def exception(self, record: Any) -> BaseException:
        """An exception equivalent to the one raised in the code process."""
        if not isinstance(record, dict):
            return TypeError("the code process sent a malformed exception")
        name, module = str(record.get("type", "Exception")), str(record.get("module", ""))
        base = getattr(builtins, str(record.get("builtin", "")), Exception)
        if not (isinstance(base, type) and issubclass(base, BaseException)):
            base = Exception
        if module == "builtins" and getattr(builtins, name, None) is base:
            cls: type = base
        elif module == "solution" and name in self.classes:
            cls = self.classes[name]
        else:
            cls = exception_class(name.rsplit(".", 1)[-1], base.__name__, module)
        args = None
        if record.get("args") is not None:
            try:
                args = self.decode(record["args"])
            except TypeError:
                args = None
        try:
            exc = cls(*args) if isinstance(args, tuple) else cls(str(record.get("msg", "")))
        except BaseException:  # noqa: BLE001 - a constructor with other arguments
            exc = exception_class(cls.__name__, base.__name__, module)(record.get("msg", ""))
        frames = record.get("tb")
        setattr(exc, REMOTE_FRAMES, [str(f) for f in frames] if isinstance(frames, list) else [])
        return exc


def exception_class(name: str, base_name: str, module: str = "solution") -> type:
    """A local stand-in for an exception class of the code, so ``pytest.raises(X)`` and
    ``except ValueError`` work on exceptions raised there."""
    base = getattr(builtins, base_name, Exception)
    if not (isinstance(base, type) and issubclass(base, BaseException)):
        base = Exception
    name = name if name.isidentifier() else "RemoteError"
    return type(name, (base,), {"__module__": module})


def _handle_of(obj: Any) -> list:
    """The handle of a proxy (or of a stand-in class) being passed back to the code."""
    if isinstance(obj, RemoteClass):
        obj = obj._dc_class_proxy
    if not isinstance(obj, RemoteObject):
        raise TypeError(f"cannot pass a {type(obj).__name__} to the code: only builtin values "
                        "and objects the code returned cross the sandbox boundary")
    return ["H", object.__getattribute__(obj, _REF), "", ""]


def looks_callable(value: Any) -> bool:
    """callable(), but a proxied instance of the code's class does not count as a function."""
    if isinstance(value, RemoteObject) and not isinstance(value, RemoteClass):
        kind = object.__getattribute__(value, "_dc_type")
        return kind in ("function", "method", "builtin_function_or_method", "type", "partial",
                        "_lru_cache_wrapper", "staticmethod", "classmethod")
    return callable(value)


def _copy_back(original: Any, updated: Any) -> None:
    """Apply the code's in-place change of a list/dict/set argument to the caller's object."""
    if type(original) is list and type(updated) is list:
        original[:] = updated
    elif type(original) in (dict, set) and type(original) is type(updated):
        original.clear()
        original.update(updated)


class RemoteObject:
    """A function, class instance or other object that lives in the code process."""

    __slots__ = (_REF, "_dc_channel", "_dc_type", "__weakref__")

    def _dc(self, op: str, *args: Any, name: str = "", **kwargs: Any) -> Any:
        channel = object.__getattribute__(self, "_dc_channel")
        return channel.request(op, self, args, kwargs, name)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_dc"):
            raise AttributeError(name)
        return RemoteObject._dc(self, "getattr", name=name)

    def __setattr__(self, name: str, value: Any) -> None:
        RemoteObject._dc(self, "setattr", value, name=name)

    def __delattr__(self, name: str) -> None:
        RemoteObject._dc(self, "delattr", name=name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        channel = object.__getattribute__(self, "_dc_channel")
        return channel.request("call", self, args, kwargs)

    def __eq__(self, other: object) -> bool:
        if other is self:
            return True
        raise TypeError(COMPARE_REFUSED.format(kind=object.__getattribute__(self, "_dc_type")))

    def __ne__(self, other: object) -> bool:
        return not RemoteObject.__eq__(self, other)

    def __hash__(self) -> int:
        return hash(("remote", object.__getattribute__(self, _REF)))

    def __repr__(self) -> str:
        return RemoteObject._dc(self, "apply", self, name="repr")

    def __str__(self) -> str:
        return RemoteObject._dc(self, "apply", self, name="str")

    def __format__(self, spec: str) -> str:
        return RemoteObject._dc(self, "apply", self, spec, name="format")


def _forward(name: str, arity: int) -> Callable:
    if arity == 1:
        def unary(self: RemoteObject) -> Any:
            return RemoteObject._dc(self, "apply", self, name=name)
        return unary

    def binary(self: RemoteObject, *rest: Any) -> Any:
        return RemoteObject._dc(self, "apply", self, *rest, name=name)
    return binary


def _reflected(name: str) -> Callable:
    def method(self: RemoteObject, other: Any) -> Any:
        return RemoteObject._dc(self, "apply", other, self, name=name)
    return method


def _refuse_order(self: RemoteObject, other: Any) -> bool:
    raise TypeError(COMPARE_REFUSED.format(kind=object.__getattribute__(self, "_dc_type")))


def _exit(self: RemoteObject, *exc: Any) -> Any:
    return RemoteObject._dc(self, "apply", self, name="exit")


RemoteObject.__exit__ = _exit  # type: ignore[attr-defined]
for _name, _arity in (("len", 1), ("bool", 1), ("iter", 1), ("next", 1), ("int", 1),
                      ("float", 1), ("index", 1), ("neg", 1), ("pos", 1), ("abs", 1),
                      ("invert", 1), ("reversed", 1), ("enter", 1),
                      ("getitem", 2), ("setitem", 3), ("delitem", 2), ("contains", 2),
                      ("add", 2), ("sub", 2), ("mul", 2), ("truediv", 2), ("floordiv", 2),
                      ("mod", 2), ("pow", 2), ("and", 2), ("or", 2), ("xor", 2),
                      ("lshift", 2), ("rshift", 2), ("matmul", 2)):
    setattr(RemoteObject, f"__{_name}__", _forward(_name, _arity))
    if _arity == 2 and _name not in ("getitem", "delitem", "contains"):
        setattr(RemoteObject, f"__r{_name}__", _reflected(_name))
for _name in ("__lt__", "__le__", "__gt__", "__ge__"):
    setattr(RemoteObject, _name, _refuse_order)


class RemoteClass(type):
    """Metaclass of the stand-ins for the code's own classes: ``Foo(...)`` constructs in the
    code process, ``Foo.attr`` reads there, and ``isinstance(obj, Foo)`` works here."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        channel = cls._dc_class_channel
        return channel.request("call", cls._dc_class_proxy, args, kwargs)

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("_dc") or name.startswith("__"):
            raise AttributeError(name)
        return getattr(cls._dc_class_proxy, name)


def namespace(channel: Channel, names: Any) -> types.ModuleType:
    """The ``solution`` module as the tests see it, built from the code process's inventory."""
    module = types.ModuleType("solution")
    module.__file__ = "solution.py"
    if not isinstance(names, list):
        return module
    entries = [e for e in names if isinstance(e, list) and len(e) == 2
               and isinstance(e[0], str) and e[0].isidentifier() and not e[0].startswith("__")
               and isinstance(e[1], dict)]
    for name, entry in entries:  # classes first: their stand-ins type what proxies return
        if "class" in entry:
            _add_class(channel, module, name, entry)
    for name, entry in entries:
        try:
            if "module" in entry:
                setattr(module, name, _local_module(channel, entry))
            elif "v" in entry:
                setattr(module, name, channel.decode(entry["v"]))
        except TypeError:
            continue
    return module


def _local_module(channel: Channel, entry: dict[str, Any]) -> Any:
    """The same module imported here, so tests that use ``math`` from the code's namespace
    compute with the real one."""
    name = str(entry.get("module", ""))
    if not all(part.isidentifier() for part in name.split(".")):
        raise TypeError(name)
    try:
        return importlib.import_module(name)
    except BaseException:  # noqa: BLE001 - not importable here: leave the name out
        raise TypeError(name) from None


def _add_class(channel: Channel, module: types.ModuleType, name: str, entry: dict) -> None:
    qualname = str(entry.get("qualname", name))
    proxy = channel.decode(entry["class"])
    exception = entry.get("exception") or []
    if exception and isinstance(exception[0], str):
        cls = exception_class(qualname.rsplit(".", 1)[-1], exception[0])
    else:
        bases = tuple(channel.classes[b] for b in entry.get("bases", [])
                      if isinstance(b, str) and b in channel.classes
                      and isinstance(channel.classes[b], RemoteClass))[:1] or (RemoteObject,)
        cls = RemoteClass(qualname.rsplit(".", 1)[-1], bases,
                          {"__slots__": (), "__module__": "solution", "__qualname__": qualname})
        type.__setattr__(cls, "_dc_class_channel", channel)
        type.__setattr__(cls, "_dc_class_proxy", proxy)
    channel.classes[qualname] = cls
    setattr(module, name, cls)


def hard_exit_after(emit: Callable[[dict], None], code: int = 0) -> Callable[[], NoReturn]:
    """The channel's ``on_gone``: report that the code process ended, then stop here."""
    exit_now = os._exit

    def gone() -> NoReturn:
        emit({"e": "code_gone"})
        exit_now(code)
    return gone
