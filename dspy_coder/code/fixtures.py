"""pytest fixtures in generated tests, supplied by plain calls.

The sandbox runs argument-free test functions, and so does the ``test_solution.py`` that
``solve`` writes, so a test that takes fixtures carries their source and calls them: each
fixture once, its own fixtures first, ``autouse`` ones before the rest, and a ``yield``
fixture's teardown (the code after its ``yield``) runs in a ``finally`` after the test.
Fixtures defined in a test class are called on the instance. pytest's built-in fixtures
(``tmp_path``, ``monkeypatch``, ...) and parametrized fixtures are not supplied: such a test
is dropped with the reason.

Example:
    >>> import ast
    >>> tree = ast.parse("@pytest.fixture\\ndef two():\\n    return 2\\n")
    >>> fixtures = collect_fixtures(tree.body)
    >>> order, problem = resolve(["two"], [fixtures])
    >>> [ast.unparse(s) for s in set_up(order, [ast.parse("run(two=two_value)").body[0]])]
    ['two_value = two()', 'run(two=two_value)']
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass

from dspy_coder.code.pieces import call_name, statement

PYTEST_BUILTINS = frozenset({
    "cache", "capfd", "capfdbinary", "caplog", "capsys", "capsysbinary", "doctest_namespace",
    "monkeypatch", "pytestconfig", "record_property", "record_testsuite_property",
    "record_xml_attribute", "recwarn", "request", "subtests", "testdir", "tmp_path",
    "tmp_path_factory", "tmpdir", "tmpdir_factory",
})


OWN_DIRECTORY_FIXTURE = '''@pytest.fixture(autouse=True)
def _own_working_directory(tmp_path, monkeypatch):
    """Each test starts in an empty directory of its own, as in dspy-coder's sandbox."""
    monkeypatch.chdir(tmp_path)
'''
"""The fixture a written test file (or a project's ``tests/conftest.py``) carries so tests run
under plain pytest as they ran in the sandbox, where each test's calls work in a fresh
directory (files one test writes, e.g. a sqlite database, are not there for the next)."""


@dataclass(frozen=True)
class Fixture:
    """One ``@pytest.fixture`` function, its decorator removed."""

    name: str
    node: ast.FunctionDef
    params: tuple[str, ...]
    autouse: bool
    yields: bool
    method: bool
    unsupported: str = ""

    @property
    def value(self) -> str:
        return f"{self.name}_value"


def _fixture_decorator(node: ast.FunctionDef) -> ast.expr | None:
    for decorator in node.decorator_list:
        if call_name(decorator) == "fixture":
            return decorator
    return None


def is_fixture(node: ast.stmt) -> bool:
    return isinstance(node, ast.FunctionDef) and _fixture_decorator(node) is not None


def _keyword(decorator: ast.expr, name: str) -> ast.expr | None:
    if isinstance(decorator, ast.Call):
        return next((k.value for k in decorator.keywords if k.arg == name), None)
    return None


def _yields(node: ast.FunctionDef) -> bool:
    """A ``yield`` in the fixture's own body (not in a function nested in it)."""
    stack: list[ast.AST] = list(node.body)
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Yield | ast.YieldFrom):
            return True
        if isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            continue
        stack.extend(ast.iter_child_nodes(current))
    return False


def collect_fixtures(body: list[ast.stmt], method: bool = False) -> dict[str, Fixture]:
    """The fixtures defined in ``body`` (a module's, or a test class's with ``method``)."""
    found: dict[str, Fixture] = {}
    for node in body:
        if not isinstance(node, ast.FunctionDef):
            continue
        decorator = _fixture_decorator(node)
        if decorator is None:
            continue
        renamed = _keyword(decorator, "name")
        name = renamed.value if isinstance(renamed, ast.Constant) else node.name
        autouse = _keyword(decorator, "autouse")
        params = [a.arg for a in node.args.args][1 if method else 0 :]
        unsupported = ""
        if _keyword(decorator, "params") is not None:
            unsupported = f"its fixture `{name}` is parametrized"
        elif node.args.vararg or node.args.kwarg or node.args.kwonlyargs:
            unsupported = f"its fixture `{name}` takes arguments that cannot be supplied"
        plain = copy.deepcopy(node)
        plain.decorator_list = [d for d in plain.decorator_list if call_name(d) != "fixture"]
        found[str(name)] = Fixture(
            name=str(name),
            node=plain,
            params=tuple(params),
            autouse=isinstance(autouse, ast.Constant) and bool(autouse.value),
            yields=_yields(node),
            method=method,
            unsupported=unsupported,
        )
    return found


def resolve(
    requested: list[str], scopes: list[dict[str, Fixture]]
) -> tuple[list[Fixture], str]:
    """The fixtures to set up for a test asking for ``requested``, in order (autouse ones of
    the outer scope first, then each fixture after its own), looked up innermost scope first;
    or ``([], reason)`` when one cannot be supplied."""
    order: list[Fixture] = []
    visiting: set[str] = set()

    def lookup(name: str, below: int) -> tuple[Fixture | None, int]:
        for depth in range(below, len(scopes)):
            if name in scopes[depth]:
                return scopes[depth][name], depth
        return None, len(scopes)

    def add(name: str, below: int = 0) -> str:
        fixture, depth = lookup(name, below)
        if fixture is None:
            if name in PYTEST_BUILTINS:
                return f"it needs pytest's built-in fixture `{name}`, which is not supplied"
            return f"it needs the fixture `{name}`, which the output does not define"
        if fixture in order:
            return ""
        if fixture.unsupported:
            return fixture.unsupported
        if name in visiting:
            return f"its fixture `{name}` depends on itself"
        visiting.add(name)
        for param in fixture.params:
            # a fixture that asks for its own name gets the one of the outer scope
            problem = add(param, depth + 1 if param == name else depth)
            if problem:
                return problem
        visiting.discard(name)
        order.append(fixture)
        return ""

    autouse = [f.name for scope in reversed(scopes) for f in scope.values() if f.autouse]
    for name in [*autouse, *requested]:
        problem = add(name)
        if problem:
            return [], problem
    return order, ""


def definitions(order: list[Fixture]) -> list[ast.stmt]:
    """The source of the module-level fixtures in ``order`` (class ones live in the class)."""
    return [copy.deepcopy(f.node) for f in order if not f.method]


def set_up(order: list[Fixture], run: list[ast.stmt], instance: str = "instance") -> list[ast.stmt]:
    """``run`` with every fixture in ``order`` set up before it and torn down after it.

    A fixture's value is ``<name>_value``; ``run`` passes it on."""
    statements = run
    for fixture in reversed(order):
        owner = f"{instance}." if fixture.method else ""
        arguments = ", ".join(f"{p}={p}_value" for p in fixture.params)
        call = f"{owner}{fixture.node.name}({arguments})"
        if fixture.yields:
            generator = f"{fixture.name}_fixture"
            teardown = ast.Try(
                body=statements,
                handlers=[],
                orelse=[],
                finalbody=[statement(f"next({generator}, None)")],
            )
            statements = [
                statement(f"{generator} = {call}"),
                statement(f"{fixture.value} = next({generator})"),
                teardown,
            ]
        else:
            statements = [statement(f"{fixture.value} = {call}"), *statements]
    return [ast.fix_missing_locations(s) for s in statements]
