"""A package's own imports, dropped where its modules run as one namespace.

A project's module is written and tested with the modules it depends on run before it (as
``context_code``), and the package is tested flattened into one module: in both, ``from
package.validator import validate_email`` has no package to import from, and the name it
would bind is already defined. Dropping those imports keeps every line number.

Example:
    >>> strip_package_imports("from mail.a import f\\nimport os\\nx = f()", "mail", set())
    '\\nimport os\\nx = f()'
"""

from __future__ import annotations

import ast


def _sibling_import(node: ast.stmt, package: str, modules: set[str]) -> bool:
    """``from .x import y``, ``from package.x import y``, ``from x import y`` for a module x of
    the package, ``import package.x`` or ``import x``."""
    if isinstance(node, ast.ImportFrom):
        root = (node.module or "").split(".")[0]
        return bool(node.level) or root == package or root in modules
    if isinstance(node, ast.Import):
        return all(a.name.split(".")[0] in ({package} | modules) for a in node.names)
    return False


def flat_package(modules: set[str]) -> str:
    """What a dropped import that bound a module's name binds instead: an object whose
    attributes are the package's modules (itself) and the flattened namespace's names
    (``package.module.f`` is ``f``); any other attribute is missing, as on a module, so that
    pytest's and inspect's probing (``__wrapped__``, fixture markers) finds nothing."""
    return ('type("FlatPackage", (), {"__getattr__": lambda self, name: self if name in '
            f'{sorted(modules)!r} else globals()[name] if name in globals() '
            'else getattr(object(), name)})()')


def _flat_bindings(names: list[str], modules: set[str]) -> str:
    """One line binding each of ``names``, unless the namespace already defines it, to
    ``flat_package``."""
    return "; ".join(f"{name} = globals().get({name!r}, {flat_package(modules)})"
                     for name in names)


def _module_names(node: ast.stmt, modules: set[str]) -> list[str]:
    """The names a package import binds to a module rather than to what a module defines:
    ``import package.x`` binds ``package``, ``import package.x as m`` binds ``m``, and
    ``from package import x`` binds ``x`` when ``x`` is one of the package's modules."""
    if isinstance(node, ast.Import):
        return [a.asname or a.name.split(".")[0] for a in node.names]
    if isinstance(node, ast.ImportFrom):
        return [a.asname or a.name for a in node.names if a.name in modules]
    return []


def strip_package_imports(code: str, package: str, modules: set[str]) -> str:
    """``code`` without its imports from the package, at the top or inside a function (a test
    reader copies a test file's imports into each test); line numbers hold: an import becomes
    blank lines, or, when it bound a module's name (``import package.x``, then
    ``package.x.f()``), one line binding that name, unless already defined, to
    ``flat_package``; a block left with
    nothing else gets one ``pass``. The package or a module read without any import is bound
    the same way on a last line. Unchanged when it does not parse."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    lines = code.splitlines()
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if not isinstance(block, list) or not block or not isinstance(block[0], ast.stmt):
                continue
            imports = [s for s in block if isinstance(s, ast.Import | ast.ImportFrom)
                       and _sibling_import(s, package, modules)]
            bound_any = False
            for statement in imports:
                for index in range(statement.lineno - 1, statement.end_lineno or statement.lineno):
                    lines[index] = ""
                bound = _module_names(statement, modules)
                if bound:
                    bound_any = True
                    # a name the namespace already defines (a module named like its
                    # function) keeps that definition
                    lines[statement.lineno - 1] = (" " * statement.col_offset
                                                   + _flat_bindings(bound, modules))
            if imports and len(imports) == len(block) and not bound_any and not isinstance(
                    node, ast.Module):
                first = imports[0]  # keep the block it sits in a valid statement
                lines[first.lineno - 1] = " " * first.col_offset + "pass"
    # the package or a module read with no import at all (the 1.5B's test reader kept a
    # test's other imports and dropped that one): bound after everything, lines unmoved
    unbound = sorted({node.id for node in ast.walk(tree) if isinstance(node, ast.Name)
                      and isinstance(node.ctx, ast.Load) and node.id in {package} | modules})
    if unbound:
        lines.append(_flat_bindings(unbound, modules))
    return "\n".join(lines) + ("\n" if code.endswith("\n") else "")


def strip_context_imports(code: str, names: list[str]) -> str:
    """``code`` without its imports of the modules ``names`` (a task's ``context_imports``: a
    project's package and its modules, whose code runs before the answer) and its relative
    imports; unchanged when ``names`` is empty."""
    return strip_package_imports(code, names[0], set(names[1:])) if names else code
