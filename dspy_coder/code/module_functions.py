"""Module-level functions an interface declares, served by one default instance of the class
that implements them as methods.

A project plan often gives a stateful module an interface of plain functions (``def get(key)``,
``def set(key, value, ttl)``), and a small model then writes a ``class Cache`` with those
methods: ``from cache.store import get`` fails although the behaviour is there. The standard
library answers the same mismatch the same way (``random.random`` is a bound method of a
hidden ``Random()``): when one class defines every missing name as a method and can be built
without arguments, the module gets a default instance and binds the names to it.

Example:
    >>> code = "class Store:\\n    def get(self, key):\\n        return key\\n"
    >>> print(with_module_functions(code, ["get"]).split("\\n\\n\\n")[-1])
    # The interface's module-level functions, served by one default Store (as random does)
    _default_store = Store()
    get = _default_store.get
    <BLANKLINE>
"""

from __future__ import annotations

import ast
import re

# ``def name(`` (not a method's ``self``/``cls``) or ``class Name`` on a line of its own
_DECLARED = re.compile(
    r"^\s*(?:(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\((?!\s*(?:self|cls)\b)|class\s+([A-Za-z_]\w*))",
    re.MULTILINE)


def declared_top_level(prose: str) -> list[str]:
    """The names a prose task declares on signature lines of their own, in order (the task
    layer's ``stated_requirements`` reads the same lines as its ``top_level``)."""
    return list(dict.fromkeys(f or c for f, c in _DECLARED.findall(prose)))


def top_level_bindings(code: str) -> set[str]:
    """What ``from module import name`` would find in ``code``: its top-level definitions,
    plain assignments and imports (empty when it does not parse)."""
    try:
        return _bound_at_top(ast.parse(code))
    except SyntaxError:
        return set()


def _bound_at_top(tree: ast.Module) -> set[str]:
    bound = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            bound |= {t.id for t in targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.Import | ast.ImportFrom):
            bound |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return bound


def _builds_without_arguments(node: ast.ClassDef) -> bool:
    """Whether ``node()`` can be called: its ``__init__`` (if any) needs nothing but self."""
    for item in node.body:
        if isinstance(item, ast.FunctionDef) and item.name == "__init__":
            args = item.args
            positional = [*args.posonlyargs, *args.args][1:]  # without self
            required_kw = [a for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)
                           if d is None]
            return len(positional) <= len(args.defaults) and not required_kw
    return not node.bases  # a base class's __init__ is not read here


def _methods(node: ast.ClassDef) -> set[str]:
    return {item.name for item in node.body
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
            and not item.name.startswith("_")}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def with_module_functions(code: str, declared: list[str] | tuple[str, ...]) -> str:
    """``code`` with the ``declared`` top-level names it lacks bound to one default instance
    of the class defining them all as methods; unchanged when none is missing, no single class
    defines them, or that class needs constructor arguments."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    have = _bound_at_top(tree)
    missing = [name for name in declared if name not in have]
    if not missing:
        return code
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef)
               and set(missing) <= _methods(node)]
    if len(classes) != 1 or not _builds_without_arguments(classes[0]):
        return code
    cls = classes[0].name
    instance = f"_default_{_snake(cls)}"
    lines = [f"# The interface's module-level functions, served by one default {cls} "
             "(as random does)", f"{instance} = {cls}()"]
    lines += [f"{name} = {instance}.{name}" for name in missing]
    return code.rstrip("\n") + "\n\n\n" + "\n".join(lines) + "\n"
