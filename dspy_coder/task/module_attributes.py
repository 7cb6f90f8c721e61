"""Whether code uses only attributes its imported modules really have.

A small model knows a library's name better than its API: the 1.5B's TOML project called
``tomli_w.load``, which does not exist, in every candidate, and no counted test reached that
line. Like a name nothing defines (``requirements.undefined_names``), a module attribute
nothing provides is an AttributeError waiting to happen, decided without the LM: the source
says which ``module.attribute`` it reads, and the environment the code runs in says what the
module has. So the check runs where the code runs (the sandbox, with a project's libraries),
as a test built for each candidate; the test file written for a person reads ``solution.py``.

Example:
    >>> module_attribute_uses("import json as j\\nj.loadz('1')\\nj.dumps(1)\\n")
    {'json': ['dumps', 'loadz']}
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable, Collection

from dspy_coder.types import TestCase

MODULE_ATTRIBUTES_TEST = "test_code_uses_only_what_its_modules_offer"


def imported_object(dotted: str) -> object:
    """The module ``dotted`` names, or the name its last part is in the module before it
    (``collections.OrderedDict``). Raises ImportError or AttributeError when neither exists."""
    import importlib

    try:
        return importlib.import_module(dotted)
    except ImportError:
        parent, _, name = dotted.rpartition(".")
        if not parent:
            raise
        return getattr(importlib.import_module(parent), name)


# the check itself, shared by the sandbox's per-candidate test and the written test file;
# it imports nothing of dspy_coder (``imported_object`` is written into it), so it runs
# wherever the code runs
_CHECK = textwrap.indent(inspect.getsource(imported_object), "    ") + \
    '''    import difflib as _difflib
    import importlib as _importlib
    for _name in _imports:  # what the code imports, so its submodules are attributes too
        try:
            _importlib.import_module(_name)
        except Exception:
            pass
    _missing = []
    for _name, _attributes in _uses.items():
        try:
            _object = imported_object(_name)
        except Exception:
            continue  # not importable here: the code's own import fails first, and says so
        _offered = sorted(_n for _n in dir(_object) if not _n.startswith("_"))
        for _attribute in _attributes:
            if not hasattr(_object, _attribute):
                _near = _difflib.get_close_matches(_attribute, _offered, n=3)
                _hint = (f"did you mean {', '.join(_near)}?" if _near
                         else f"it has {', '.join(_offered[:12])}")
                _missing.append(f"{_name}.{_attribute} ({_name} has no {_attribute}; {_hint})")
    assert not _missing, ("The code uses " + "; ".join(_missing)
                          + ": an AttributeError when that line runs.")
'''


def module_attribute_uses(code: str, skip: Collection[str] = ()) -> dict[str, list[str]]:
    """Module (or ``module.name``) -> the attributes ``code`` reads from it through a name an
    import bound (``import x.y as z`` then ``z.f``; ``from x import y`` then ``y.f``).
    Conservative: a name bound any other way too, or by imports of different objects, a
    relative import, an attribute the code sets itself, the modules in ``skip`` (a project's
    own package) and code that does not parse are not judged."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return {}
    modules: dict[str, set[str]] = {}  # bound name -> the modules imports bind it to
    rebound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                name = alias.asname or alias.name.split(".")[0]
                modules.setdefault(name, set()).add(alias.name if alias.asname
                                                    else alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                name = alias.asname or alias.name
                if node.level or not node.module or alias.name == "*":
                    rebound.add(name)
                else:
                    modules.setdefault(name, set()).add(f"{node.module}.{alias.name}")
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            rebound.add(node.name)
        elif isinstance(node, ast.arg):
            rebound.add(node.arg)
        elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            rebound.add(node.id)
    judged = {name: next(iter(found)) for name, found in modules.items()
              if len(found) == 1 and name not in rebound
              and next(iter(found)).split(".")[0] not in skip}
    uses: dict[str, set[str]] = {}
    assigned: set[tuple[str, str]] = set()  # (name, attribute) the code sets or deletes
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in judged):
            if isinstance(node.ctx, ast.Load):
                uses.setdefault(judged[node.value.id], set()).add(node.attr)
            else:
                assigned.add((judged[node.value.id], node.attr))
    read = {target: sorted(a for a in attributes if (target, a) not in assigned)
            for target, attributes in sorted(uses.items())}
    return {target: attributes for target, attributes in read.items() if attributes}


def imported_modules(code: str) -> list[str]:
    """Every module ``code`` imports by absolute name (``import a.b``, ``from a.b import c``),
    in order; empty when it does not parse."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
    return list(dict.fromkeys(names))


def candidate_attributes_test(code: str, skip: Collection[str] = ()) -> TestCase:
    """The check for one candidate, its uses written in: runs in the sandbox's test process."""
    imports = [name for name in imported_modules(code) if name.split(".")[0] not in skip]
    return _check_case(f"    _uses = {module_attribute_uses(code, skip)!r}\n"
                       f"    _imports = {imports!r}\n")


def module_attributes_test() -> TestCase:
    """The check as the test file a person runs next to ``solution.py`` has it."""
    return _check_case(
        "    import pathlib as _pathlib\n"
        "    import pytest as _pytest\n"
        '    _reader = _pytest.importorskip("dspy_coder.task.module_attributes")\n'
        '    _source = _pathlib.Path(__file__).with_name("solution.py").read_text()\n'
        "    _uses = _reader.module_attribute_uses(_source)\n"
        "    _imports = _reader.imported_modules(_source)\n")


def _check_case(setup: str) -> TestCase:
    """The check as a test: ``setup`` binds ``_uses`` and ``_imports``, ``_CHECK`` reads them."""
    return TestCase(name=MODULE_ATTRIBUTES_TEST,
                    code=f"def {MODULE_ATTRIBUTES_TEST}():\n{setup}{_CHECK}",
                    source="requirement", vetted=True)


# Requirement tests that are run, not decided from the source: what a module offers is known only
# where the code runs. Each maps to the builder of its per-candidate form (code, the modules to
# leave alone); the judge runs that form with the candidate's tests.
RUN_WITH_CANDIDATE: dict[str, Callable[[str, Collection[str]], TestCase]] = {
    MODULE_ATTRIBUTES_TEST: candidate_attributes_test,
}
