"""Requirements a task states in prose, checked without running anything.

A free-text task often names what it wants ("a validate_email(s) and a normalize_email(s)
function", "class LRUCache(capacity) with get(key) and put(key, value)") and how fast ("O(1)
each"). Those are requirements a candidate can miss however its tests went: a name the task
calls for that the code does not define is a failed requirement the refiner is told about, and
a stated complexity becomes the performance target the candidate is profiled against.

Example:
    >>> stated = stated_requirements(
    ...     "Build validate_email(s) and normalize_email(s), O(n) time.", None)
    >>> stated.names, stated.time_complexity
    (('validate_email', 'normalize_email'), 'O(n)')
    >>> missing_names("def validate_email(s):\\n    return True\\n", stated.names)
    ['normalize_email']
"""

from __future__ import annotations

import ast
import builtins
import keyword
import re
from dataclasses import dataclass

from dspy_coder.task.module_attributes import module_attributes_test
from dspy_coder.types import TestCase

# ``name(`` in prose; a dotted ``x.name(`` is a method call on something else, not a request,
# and ``word (`` with a space is an aside ("sorted items (ascending)").
_CALLED_NAME = re.compile(r"(?<![\w.])([A-Za-z_]\w*)\(")
# ``def name(`` / ``class Name`` written as a line of its own: a signature, so a top-level one
# (a method's, ``def get(self, key)``, is not).
_SIGNATURE_LINE = re.compile(
    r"^\s*(?:(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\((?!\s*(?:self|cls)\b)|class\s+([A-Za-z_]\w*))",
    re.MULTILINE)
_COMPLEXITY = re.compile(r"\bO\(\s*([^()]*(?:\([^()]*\)[^()]*)*)\s*\)")
# Words written before a parenthesis in ordinary prose, not names of code to write.
_PROSE_WORDS = frozenset({"e", "i", "eg", "ie", "etc", "see", "note", "and", "or", "a", "an"})


@dataclass(frozen=True)
class StatedRequirements:
    """What the prose of a task asks for: names to define, and a time-complexity target."""

    names: tuple[str, ...] = ()
    time_complexity: str | None = None
    # the names the prose declares with a signature line (``def invalidate(pattern)``): those
    # must be defined at the top of the module, where ``from module import name`` finds them
    top_level: tuple[str, ...] = ()


def stated_requirements(prompt: str, entry_point: str | None) -> StatedRequirements:
    """The names a task's prose calls for and its complexity target, if it states one.

    A prompt that is code (a signature with a docstring) states its names in its ``def``
    lines, so only its docstrings are read, and for the complexity target only."""
    prose = _prose_of(prompt)
    names: list[str] = []
    for match in _CALLED_NAME.finditer(prose):
        name = match.group(1)
        if (
            name in names
            or keyword.iskeyword(name)
            or hasattr(builtins, name)
            or name.lower() in _PROSE_WORDS
            or len(name) < 2
            or not _reads_as_arguments(prose, match.end())
        ):
            continue
        names.append(name)
    top_level = list(dict.fromkeys(
        function or cls for function, cls in _SIGNATURE_LINE.findall(prose)))
    names += [name for name in top_level if name not in names]
    if _is_code(prompt):
        names = top_level = []  # a code prompt states its names in its own ``def`` lines
    found = _COMPLEXITY.search(prose)
    complexity = f"O({found.group(1).strip()})" if found else None
    return StatedRequirements(names=tuple(names), time_complexity=complexity,
                              top_level=tuple(top_level))


def _reads_as_arguments(text: str, start: int) -> bool:
    """Whether what follows an opening parenthesis at ``start`` reads as a call's arguments or
    a parameter list, as in ``put(key, value)`` or ``parse(s: str)``, and not as an aside in
    prose: "a total number of seconds (an int)" asks for no function ``seconds``."""
    depth, end = 1, start
    while end < len(text) and depth:
        depth += {"(": 1, ")": -1}.get(text[end], 0)
        end += 1
    if depth:
        return False
    inside = text[start:end - 1]
    for form in (f"_({inside})", f"def _({inside}): pass"):
        try:
            ast.parse(form)
        except SyntaxError:
            continue
        return True
    return False


def _is_code(prompt: str) -> bool:
    try:
        tree = ast.parse(prompt)
    except SyntaxError:
        return False
    return any(isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
               for n in tree.body)


def _prose_of(prompt: str) -> str:
    """A code prompt's docstrings, or the whole text when it is prose."""
    try:
        tree = ast.parse(prompt)
    except SyntaxError:
        return prompt
    docs = [
        ast.get_docstring(node) or ""
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Module)
    ]
    return "\n".join(doc for doc in docs if doc)


def defined_names(code: str) -> set[str]:
    """Every function, class and method name ``code`` defines, and its top-level variables."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def missing_names(code: str, required: tuple[str, ...] | list[str]) -> list[str]:
    """The required names ``code`` does not define (a method of any class counts; the judge
    checks the names a task declares top-level with ``code.module_functions``)."""
    have = defined_names(code)
    return [name for name in required if name not in have]


REQUIREMENT_PREFIX = "test_task_names_"
TOP_LEVEL_PREFIX = "test_task_defines_"
DEFINED_NAMES_TEST = "test_code_defines_every_name_it_uses"


def undefined_names(code: str) -> list[str]:
    """Names ``code`` reads but never binds anywhere (not imported, assigned, defined, a
    parameter, nor a builtin): each is a NameError when its line runs, e.g. a ``Node`` class
    the model forgot. Conservative: a name bound anywhere counts as defined everywhere, and
    code with a star import or a syntax error is not judged."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    bound: set[str] = set(dir(builtins)) | {"__name__", "__file__", "__doc__", "__builtins__"}
    loaded: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            return []
        if isinstance(node, ast.Import | ast.ImportFrom):
            bound |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            bound |= set(node.names)
        elif isinstance(node, ast.MatchAs | ast.MatchStar) and node.name:
            bound.add(node.name)
        elif isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                loaded.append(node.id)
            else:
                bound.add(node.id)
    return sorted({name for name in loaded if name not in bound})


def requirement_tests(stated: StatedRequirements, defined_names_test: bool = False
                      ) -> list[TestCase]:
    """One test per name the task calls for (and, with ``defined_names_test``, one that the
    code uses no name it never defines and one that it reads only attributes its imported
    modules have), runnable with pytest next to ``solution.py``; the judge decides the names
    statically (``missing_names``, ``undefined_names``) and runs the attribute check where the
    candidate runs (``module_attributes``)."""
    extra = [
        TestCase(
            name=DEFINED_NAMES_TEST,
            code=(
                f"def {DEFINED_NAMES_TEST}():\n"
                "    import pathlib as _pathlib\n"
                "    import pytest as _pytest\n"
                '    _check = _pytest.importorskip("dspy_coder.task.requirements")\n'
                '    _source = _pathlib.Path(__file__).with_name("solution.py").read_text()\n'
                "    _undefined = _check.undefined_names(_source)\n"
                "    assert not _undefined, _check.undefined_message(_undefined)\n"
            ),
            source="requirement",
            vetted=True,
        )
    ] + [module_attributes_test()] if defined_names_test else []
    return extra + [_top_level_test(name) if name in stated.top_level else _named_test(name)
                    for name in stated.names]


def _named_test(name: str) -> TestCase:
    return _requirement_case(f"{REQUIREMENT_PREFIX}{name}", (
        "    import ast as _ast, pathlib as _pathlib\n"
        '    _source = _pathlib.Path(__file__).with_name("solution.py").read_text()\n'
        "    _defined = {_n.name for _n in _ast.walk(_ast.parse(_source))\n"
        "                if isinstance(_n, (_ast.FunctionDef, _ast.AsyncFunctionDef,\n"
        "                                   _ast.ClassDef))}\n"
        f"    assert {name!r} in _defined, {requirement_message(name)!r}\n"))


def _top_level_test(name: str) -> TestCase:
    """The module must bind ``name`` itself: importing it is the check."""
    return _requirement_case(f"{TOP_LEVEL_PREFIX}{name}", (
        "    import solution as _solution\n"
        f"    assert hasattr(_solution, {name!r}), {top_level_message(name, False)!r}\n"))


def _requirement_case(test_name: str, body: str) -> TestCase:
    return TestCase(name=test_name, code=f"def {test_name}():\n{body}", source="requirement",
                    vetted=True)


def undefined_message(names: list[str]) -> str:
    return (f"The code uses {', '.join(names)} but never defines or imports it: a NameError "
            "when that line runs.")


def requirement_message(name: str) -> str:
    return f"The task asks for {name}(...), but the code does not define {name}."


def top_level_message(name: str, is_method: bool) -> str:
    where = (f"defines {name} only inside a class, as a method" if is_method
             else f"does not define {name} at the top of the module")
    return (f"The task declares {name} at the top level (`from <module> import {name}` must "
            f"work), but the code {where}.")
