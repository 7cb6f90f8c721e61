"""The data that crosses between the code process and the test process: framing and values.

The candidate's code and the tests run in two processes (see ``supervisor``). Only *data*
crosses between them: builtin values (None, bool, int, float, complex, str, bytes, list,
tuple, dict, set, frozenset, range) are serialised by value, and so are those types themselves
(``str``, ``int``, ...: a test may pass ``type=str`` to the code); anything else the code returns
(an instance of its own class, a generator, a function) stays in the code process and crosses
as an opaque handle. So a comparison such as ``candidate(x) == y`` runs in the test process on
plain builtin values, and an object whose ``__eq__`` always returns True never reaches it.

Frames are length-prefixed JSON. Decoding builds only builtin objects and never imports or
calls anything named by the peer.

Example:
    >>> decode(json.loads(json.dumps(encode({(1, 2): [b"x", {3.5}]}, {}))))
    {(1, 2): [b'x', {3.5}]}
"""

from __future__ import annotations

import collections
import json
import os
from typing import Any

MAX_FRAME = 64 * 1024 * 1024
MAX_DEPTH = 200
MAX_NODES = 5_000_000
_SCALARS = (type(None), bool, int, float, str)
# stdlib subclasses that compare like their base type, so they cross as the base type's value
_PLAIN_SUBCLASSES = (collections.OrderedDict, collections.defaultdict, collections.Counter)


# the builtin value types, which cross by name (a fixed table: decoding names no other object)
_TYPES = {t.__name__: t for t in (bool, int, float, complex, str, bytes, list, tuple, dict, set,
                                   frozenset, range, object, type)}
_TYPE_NAMES = {t: name for name, t in _TYPES.items()}


class WireError(Exception):
    """A frame or value that does not follow the protocol (a broken or hostile peer)."""


class Handle:
    """Marker for a value that stays in the code process: ``index`` into its object table."""

    __slots__ = ("index", "type_name", "module")

    def __init__(self, index: int, type_name: str, module: str) -> None:
        self.index, self.type_name, self.module = index, type_name, module


# --------------------------------------------------------------------------------------------
# framing


def send_frame(fd: int, message: Any, write: Any = os.write, dumps: Any = json.dumps) -> None:
    """Write one length-prefixed JSON frame (blocking)."""
    body = dumps(message, ensure_ascii=True).encode("ascii")
    if len(body) > MAX_FRAME:
        raise WireError(f"message of {len(body)} bytes exceeds the {MAX_FRAME}-byte frame limit")
    data = memoryview(len(body).to_bytes(8, "big") + body)
    while data:
        data = data[write(fd, data) :]


def recv_frame(fd: int, read: Any = os.read, loads: Any = json.loads) -> Any:
    """Read one frame; raises EOFError when the peer has gone, WireError on garbage."""
    size = int.from_bytes(_read_exact(fd, 8, read), "big")
    if size > MAX_FRAME:
        raise WireError(f"frame of {size} bytes exceeds the limit")
    try:
        return loads(_read_exact(fd, size, read))
    except ValueError as exc:
        raise WireError(f"unreadable frame: {exc}") from None


def _read_exact(fd: int, size: int, read: Any) -> bytes:
    buf = bytearray()
    while len(buf) < size:
        chunk = read(fd, min(size - len(buf), 1 << 20))
        if not chunk:
            raise EOFError("peer closed the channel")
        buf += chunk
    return bytes(buf)


# --------------------------------------------------------------------------------------------
# values


def _builtin_base(value: Any) -> type | None:
    """The builtin container/scalar type ``value`` crosses as, or None (it stays a handle).

    A subclass crosses as its base only if it keeps the base's equality (a namedtuple, an
    IntEnum, a Counter), so benign code is judged as plain Python would judge it; one that
    overrides ``__eq__`` stays a handle.
    """
    kind = type(value)
    if kind in _SCALARS or kind in (bytes, complex, list, tuple, dict, set, frozenset, range):
        return kind
    for base in (bool, int, float, str, bytes, tuple, list, dict, set, frozenset):
        if isinstance(value, base):
            if isinstance(value, _PLAIN_SUBCLASSES):
                return dict
            same_eq = kind.__eq__ is base.__eq__ and kind.__ne__ is base.__ne__
            return base if same_eq else None
    return None


def encode(
    value: Any, table: dict[int, Any], budget: int = MAX_NODES, on_object: Any = None
) -> Any:
    """Encode ``value`` as JSON-ready data; non-data objects are stored in ``table``
    (index -> object) and encoded as handles, or passed to ``on_object`` when given (which
    returns their encoding or raises).

    A container that contains itself, or nesting deeper than MAX_DEPTH, stays a handle;
    more than ``budget`` values in all raise WireError (too large to cross).
    """
    return _Encoder(table, budget, on_object).encode(value, 0)


class _Encoder:
    def __init__(self, table: dict[int, Any], budget: int, on_object: Any) -> None:
        self.table, self.left, self.path = table, budget, set()
        self.on_object = on_object or (lambda obj: _handle(obj, table))

    def encode(self, value: Any, depth: int) -> Any:
        self.left -= 1
        if self.left < 0:
            raise WireError(f"the value has more than {MAX_NODES} elements")
        if type(value) is type and value in _TYPE_NAMES:  # `str` itself, as in f(x, type=str)
            return ["Y", _TYPE_NAMES[value]]
        base = _builtin_base(value)
        if base is None or depth > MAX_DEPTH:
            return self.on_object(value)
        if base is str:
            return str.__str__(value)
        if base is bool or base is type(None):
            return None if value is None else bool(value)
        if base is int:
            number = int.__index__(value)
            return number if -(1 << 53) < number < (1 << 53) else ["I", format(number, "x")]
        if base is float:
            return ["F", float.hex(float.__float__(value))]
        if base is bytes:
            return ["B", bytes(value).hex()]
        if base is complex:
            return ["C", float.hex(value.real), float.hex(value.imag)]
        if base is range:
            return ["R", value.start, value.stop, value.step]
        if id(value) in self.path:
            return self.on_object(value)
        self.path.add(id(value))
        nested = depth + 1
        if base is dict:
            out = ["D", [[self.encode(k, nested), self.encode(v, nested)]
                         for k, v in dict.items(value)]]
        else:
            tag = {list: "L", tuple: "T", set: "E", frozenset: "Z"}[base]
            out = [tag, [self.encode(item, nested) for item in base.__iter__(value)]]
        self.path.discard(id(value))
        return out


def _handle(value: Any, table: dict[int, Any]) -> list:
    """Store ``value`` in ``table`` (once: the same object keeps its index) as a handle."""
    ids = table.setdefault(0, {})  # index 0: object id -> index
    index = ids.get(id(value))
    if index is None:
        index = len(table)
        table[index] = value
        ids[id(value)] = index
    kind = type(value)
    return ["H", index, getattr(kind, "__qualname__", "object"), getattr(kind, "__module__", "")]


def decode(data: Any, make_handle: Any = None, depth: int = 0) -> Any:
    """Rebuild builtin values from :func:`encode` output; handles go to ``make_handle``
    (a callable taking a :class:`Handle`). Raises WireError on anything malformed."""
    if depth > MAX_DEPTH + 2:
        raise WireError("value nested too deeply")
    if data is None or type(data) in (bool, int, str):
        return data
    if type(data) is not list or not data or type(data[0]) is not str:
        raise WireError(f"malformed value {str(data)[:80]!r}")
    tag, rest = data[0], data[1:]
    try:
        if tag == "F":
            return float.fromhex(rest[0])
        if tag == "I":
            return int(rest[0], 16)
        if tag == "B":
            return bytes.fromhex(rest[0])
        if tag == "C":
            return complex(float.fromhex(rest[0]), float.fromhex(rest[1]))
        if tag == "R":
            return range(*(int(x) for x in rest[:3]))
        if tag == "Y":
            return _TYPES[rest[0]]
        if tag == "H":
            handle = Handle(int(rest[0]), str(rest[1]), str(rest[2]))
            return make_handle(handle) if make_handle else handle
        nested = depth + 1
        if tag == "D":
            return {decode(k, make_handle, nested): decode(v, make_handle, nested)
                    for k, v in rest[0]}
        items = [decode(item, make_handle, nested) for item in rest[0]]
        builders = {"L": list, "T": tuple, "E": set, "Z": frozenset}
        return builders[tag](items)
    except WireError:
        raise
    except (KeyError, IndexError, TypeError, ValueError, OverflowError) as exc:
        raise WireError(f"malformed value ({type(exc).__name__}: {exc})") from None
    except RecursionError:
        raise WireError("value nested too deeply") from None


__all__ = ["Handle", "WireError", "decode", "encode", "recv_frame", "send_frame"]
