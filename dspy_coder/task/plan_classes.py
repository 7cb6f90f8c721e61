"""Methods a planner listed as a module's interface become the class they belong to.

The 1.5B planned its cache as ``def __init__(self, capacity)``, ``def get(self, key)``...
in the interface of every module, with no class: each module then had to define free
functions taking ``self``, and the copies clashed. A module's methods (first parameter
``self`` or ``cls``) that the modules it depends on already list are copies and go; the rest
become one ``class`` entry named after the module, its constructor's parameters as the
class's, and its methods listed after it.

Example:
    >>> methods_into_classes(["def __init__(self, capacity: int)", "def get(self, key)"],
    ...                      "lru_cache", set())[0]
    ['class LruCache(capacity: int), with methods get(key)']
"""

from __future__ import annotations

import re

_METHOD = re.compile(r"^\s*(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(\s*(?:self|cls)\s*[:,)]")
_CLASS = re.compile(r"^\s*class\s+([A-Za-z_]\w*)(.*)$", re.S)


def method_name(signature: str) -> str | None:
    """``'get'`` for ``'def get(self, key) -> int'``; None for anything not a method."""
    match = _METHOD.match(signature)
    return match.group(1) if match else None


def _parameters_and_rest(signature: str) -> tuple[str, str]:
    """``('key: str', ' -> int')`` for ``'def get(self, key: str) -> int'``."""
    inside = signature[signature.index("(") + 1: signature.rindex(")")]
    parameters = [p.strip() for p in inside.split(",")][1:]  # without self
    return ", ".join(p for p in parameters if p), signature[signature.rindex(")") + 1:]


def _without_self(signature: str) -> str:
    """``'get(key: str) -> int'`` for ``'def get(self, key: str) -> int'``."""
    parameters, rest = _parameters_and_rest(signature)
    return f"{method_name(signature)}({parameters}){rest}"


def _class_name(module: str) -> str:
    return "".join(part.capitalize() for part in module.split("_") if part) or "Main"


def methods_into_classes(
    interface: list[str], module: str, inherited: set[str]
) -> tuple[list[str], list[str]]:
    """``interface`` with its methods gathered into a class, and what was done, in words.
    ``inherited``: the method names the modules it depends on list (copies, dropped)."""
    methods = [s for s in interface if method_name(s)]
    if not methods:
        return interface, []
    others = [s for s in interface if not method_name(s)]
    own = [s for s in methods if method_name(s) not in inherited]
    notes = []
    if len(own) < len(methods):
        copied = sorted({str(method_name(s)) for s in methods} - {method_name(s) for s in own})
        notes.append(f"Plan: module {module!r} listed the methods {', '.join(copied)} of a "
                     "module it depends on; dropped from its interface.")
    if not own:
        return others, notes
    constructor = next((s for s in own if method_name(s) == "__init__"), None)
    parameters = _parameters_and_rest(constructor)[0] if constructor else ""
    listed = [_without_self(s) for s in own if method_name(s) != "__init__"]
    classes = [(i, _CLASS.match(s)) for i, s in enumerate(others) if _CLASS.match(s)]
    tail = f", with methods {', '.join(listed)}" if listed else ""
    if classes:  # the methods are the class's the module already names
        index, match = classes[0]
        assert match is not None
        others[index] = others[index].rstrip() + tail
        name = match.group(1)
    else:
        name = _class_name(module)
        others.append(f"class {name}({parameters}){tail}")
    notes.append(f"Plan: module {module!r} listed methods (taking self) as its interface; "
                 f"they are the class {name!r}.")
    return others, notes
