"""Read the TestGenerator's output into individual ``TestCase`` records, and say what was
dropped and why.

Small models write tests in many shapes; each test found becomes one argument-free test
function, so that a single wrong expectation cannot hide the others:

- ``def test_*`` functions, a ``@pytest.mark.parametrize`` one expanded per row
  (``parametrize``), one made of asserts only split into one test per assert, with the
  ``@pytest.fixture`` functions they ask for (``fixtures``);
- ``unittest.TestCase`` classes and pytest-style ``Test*`` classes, one test per method
  (``class_tests``), named ``test_<Class>_<method>``;
- asserts written as a script, at the top level or in an ``if __name__ == "__main__":``
  block (``script_tests``; the latter named ``test_main_<n>``);
- zero-argument functions holding asserts that the script calls (``def check(): ...``).

Each test carries the imports, module constants and helper functions it uses. A piece that
cannot be run (unparsable, marked skip, a fixture pytest would have to supply) or that does
not use the function under test is dropped, and ``read_generated_tests`` returns why.

Example:
    >>> [t.name for t in parse_generated_tests("assert f(1) == 2\\nassert f(2) == 3", "f")]
    ['test_generated_1', 'test_generated_2']
    >>> read_generated_tests("assert g(1) == 2", "f").dropped[0].reason
    'it does not use `f`'
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

from dspy_coder.code.class_tests import class_pieces, is_pytest_class, is_unittest_class
from dspy_coder.code.extraction import extract_code
from dspy_coder.code.fixtures import (
    Fixture,
    collect_fixtures,
    definitions,
    is_fixture,
    resolve,
    set_up,
)
from dspy_coder.code.parametrize import expand_parametrized, is_parametrized
from dspy_coder.code.pieces import (
    Piece,
    call_name,
    defined_names,
    dropped,
    is_docstring,
    label_of,
    loaded_names,
    not_run_reason,
    plain_function,
    references,
    statement,
    uses_any,
)
from dspy_coder.code.script_tests import Script, has_assert, is_main_guard, support, unswallow
from dspy_coder.code.truncated_table import close_truncated_table
from dspy_coder.types import DroppedTest, TestCase

FRAMEWORKS = {"pytest", "unittest"}
CODE_MODULES = {"solution", "main"}


@dataclass
class GeneratedTests:
    """The tests read from one answer of the test writer, and what was dropped."""

    tests: list[TestCase] = field(default_factory=list)
    dropped: list[DroppedTest] = field(default_factory=list)


def parse_generated_tests(raw: str, entry_point: str | None, limit: int = 12,
                          restated: frozenset[str] = frozenset()) -> list[TestCase]:
    """The tests in ``raw`` (see ``read_generated_tests`` for what was dropped)."""
    return read_generated_tests(raw, entry_point, limit, restated=restated).tests


def read_generated_tests(raw: str, entry_point: str | None, limit: int = 12,
                         code_names: set[str] | None = None,
                         restated: frozenset[str] = frozenset()) -> GeneratedTests:
    """Up to ``limit`` tests from the test writer's answer ``raw``, and every piece dropped,
    with the reason. With ``code_names`` (what a package defines), a test must use one of
    them, not only what the test itself defines (the 1.5B's cache "integration" tests ran on
    a ``MockCache`` of their own). ``restated``: the names the task asks the code to define;
    the answer's own top-level definitions of them are left out, so its tests run on the
    code under test (the 1.5B wrote a whole ``class LRUCache`` above its LRU cache tests)."""
    result = GeneratedTests()
    source = extract_code(raw or "")
    closed = close_truncated_table(source, entry_point)
    if closed is not None:
        result.dropped.append(DroppedTest(
            name="the unfinished parametrize table",
            reason="the answer ended inside it; its complete rows were read and the test "
                   f"function it announced was written: `{closed.splitlines()[-1].strip()}`",
        ))
        source = closed
    tree = _parse_prefix(source, result.dropped)
    if tree is None:
        return result
    imports = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)
               and not _imports_code_under_test(node, entry_point)
               and not (isinstance(node, ast.ImportFrom) and node.module == "__future__")]
    module = _support_candidates(tree)
    own = [node for node in module if defined_names(node) & restated]
    for node in own:
        names = ", ".join(sorted(defined_names(node) & restated))
        result.dropped.append(DroppedTest(
            name=f"the answer's own {names}",
            reason="the task asks the code to define it: its tests use the code's instead",
        ))
    module = [node for node in module if node not in own]
    used: set[str] = set()
    numbered = 0
    for piece in _pieces(tree, entry_point):
        if piece.dropped:
            result.dropped.append(DroppedTest(name=piece.label, reason=piece.dropped))
            continue
        body = [*support(piece.body, module, entry_point), *piece.body]
        if not references(body, entry_point):
            reason = f"it does not use `{entry_point}`"
            result.dropped.append(DroppedTest(name=piece.label, reason=reason))
            continue
        if code_names is not None and not uses_any(body, code_names):
            reason = "it uses nothing of the code under test, only what the test defines"
            result.dropped.append(DroppedTest(name=piece.label, reason=reason))
            continue
        if len(result.tests) >= limit:
            reason = f"over the limit of {limit} generated tests"
            result.dropped.append(DroppedTest(name=piece.label, reason=reason))
            continue
        name = _unused(piece.name or f"test_generated_{numbered + 1}", used)
        code, problem = _render(name, [*_needed(imports, body), *body])
        if problem:
            result.dropped.append(DroppedTest(name=piece.label, reason=problem))
            continue
        used.add(name)
        numbered += piece.name is None
        result.tests.append(TestCase(name=name, code=code, source="generated", vetted=False))
    return result


def _render(name: str, body: list[ast.stmt]) -> tuple[str, str]:
    """The test function's source, or why it cannot be written as one (a test module with
    a syntax error would fail every test in it)."""
    try:
        code = ast.unparse(plain_function(name, body))
        compile(code, "<generated test>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return "", f"it cannot be rebuilt as a test function ({type(exc).__name__}: {exc})"
    return code, ""


def _parse_prefix(source: str, drops: list[DroppedTest]) -> ast.Module | None:
    """``source`` parsed, or its longest parsable prefix (small models often trail off
    mid-line); what was cut is recorded in ``drops``."""
    try:
        return ast.parse(source)
    except SyntaxError as exc:
        error = f"{exc.msg} at line {exc.lineno}"
    lines = source.splitlines()
    for end in range(len(lines) - 1, 0, -1):
        try:
            tree = ast.parse("\n".join(lines[:end]))
        except SyntaxError:
            continue
        cut = f"lines {end + 1}-{len(lines)}" if end + 1 < len(lines) else f"line {end + 1}"
        drops.append(DroppedTest(
            name=cut,
            reason=f"not valid Python ({error}); the lines before were read",
        ))
        return tree
    drops.append(DroppedTest(name="the whole answer", reason=f"not valid Python ({error})"))
    return None


def _imports_code_under_test(node: ast.Import | ast.ImportFrom, entry_point: str | None) -> bool:
    """``from solution import *``, or the function under test from a module the writer
    guessed (``from my_module import f``, ``from my_module import *``): the tests see the
    code's names already."""
    if not isinstance(node, ast.ImportFrom):
        return False
    module = node.module or ""
    star_from_elsewhere = any(a.name == "*" for a in node.names) and (
        node.level or module.split(".")[0] not in sys.stdlib_module_names
    )
    return (
        module in CODE_MODULES
        or star_from_elsewhere
        or any(a.name == entry_point for a in node.names)
    )


def _needed(imports: list[ast.stmt], body: list[ast.stmt]) -> list[ast.stmt]:
    """The module's imports for a test: all but ``pytest``/``unittest``, which only when the
    test uses them."""
    used = set().union(*(loaded_names(node) for node in body))
    chosen = []
    for node in imports:
        assert isinstance(node, ast.Import | ast.ImportFrom)
        framework = (node.module or "") if isinstance(node, ast.ImportFrom) else ""
        names = {(a.asname or a.name).split(".")[0] for a in node.names}
        roots = {a.name.split(".")[0] for a in node.names} | {framework.split(".")[0]}
        if not roots & FRAMEWORKS or names & used:
            chosen.append(node)
    return chosen


def _unused(name: str, used: set[str]) -> str:
    """``name``, or ``name_2``, ``name_3``... when a test already has it."""
    candidate, n = name, 1
    while candidate in used:
        n += 1
        candidate = f"{name}_{n}"
    return candidate


def _script_nodes(tree: ast.Module) -> Iterator[ast.stmt]:
    for node in tree.body:
        if is_main_guard(node):
            assert isinstance(node, ast.If)
            yield from node.body
        elif not isinstance(node, ast.Import | ast.ImportFrom | ast.FunctionDef
                            | ast.AsyncFunctionDef | ast.ClassDef):
            yield node


def _called_checks(tree: ast.Module) -> set[str]:
    """Top-level zero-argument functions holding asserts that the script calls."""
    called = {
        call_name(n)
        for node in _script_nodes(tree)
        for n in ast.walk(node)
        if isinstance(n, ast.Call) and not n.args and not n.keywords
    }
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and node.name in called
        and not node.args.args
        and not is_fixture(node)
        and any(has_assert(s) for s in node.body)
    }


def _is_test_function(node: ast.stmt, checks: set[str]) -> bool:
    return (
        isinstance(node, ast.FunctionDef)
        and (node.name.startswith("test") or node.name in checks)
        and not is_fixture(node)
    )


def _support_candidates(tree: ast.Module) -> list[ast.stmt]:
    """Module-level statements a test may need: assignments, helper functions and helper
    classes (a ``MockCache`` the tests build on; not a test class)."""
    checks = _called_checks(tree)
    return [
        node for node in tree.body
        if isinstance(node, ast.Assign | ast.AnnAssign)
        or isinstance(node, ast.FunctionDef) and not is_fixture(node)
        and not _is_test_function(node, checks)
        or isinstance(node, ast.ClassDef) and not node.name.startswith("Test")
        and not is_unittest_class(node) and not is_pytest_class(node)
    ]


def _pieces(tree: ast.Module, entry_point: str | None) -> Iterator[Piece]:
    """Every test in the output, in the order written."""
    fixtures = collect_fixtures(tree.body)
    checks = _called_checks(tree)
    script = Script(entry_point)
    for node in tree.body:
        if _is_test_function(node, checks):
            assert isinstance(node, ast.FunctionDef)
            yield from _function_pieces(node, fixtures)
        elif is_unittest_class(node) or is_pytest_class(node):
            assert isinstance(node, ast.ClassDef)
            yield from class_pieces(node, fixtures)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            yield from _unrecognised_class(node)
        elif is_main_guard(node):
            assert isinstance(node, ast.If)
            for inner in node.body:
                yield from script.add(inner, in_main=True)
        elif not isinstance(node, ast.Import | ast.ImportFrom | ast.FunctionDef
                            | ast.AsyncFunctionDef | ast.ClassDef):
            yield from script.add(node, in_main=False)


def _unrecognised_class(node: ast.ClassDef) -> Iterator[Piece]:
    bases = ", ".join(label_of(b) for b in node.bases)
    for method in node.body:
        if isinstance(method, ast.FunctionDef) and method.name.startswith("test"):
            yield dropped(
                f"{node.name}.{method.name}",
                f"its class derives from {bases}, neither unittest.TestCase nor nothing",
            )


def _function_pieces(node: ast.FunctionDef, fixtures: dict[str, Fixture]) -> Iterator[Piece]:
    reason = not_run_reason(node)
    if reason:
        yield dropped(node.name, reason)
        return
    cases = expand_parametrized(node, keep=frozenset(a.arg for a in node.args.args))
    for row, case in enumerate(cases, start=1):
        label = f"{node.name}[{row}]" if len(cases) > 1 else node.name
        if is_parametrized(case):
            yield dropped(label, "its @pytest.mark.parametrize table could not be expanded "
                                 "(values built at run time, or a parameter rebound)")
            continue
        if case.args.vararg or case.args.kwarg or case.args.kwonlyargs:
            yield dropped(label, "it takes arguments that cannot be supplied")
            continue
        requested = [a.arg for a in case.args.args]
        order, problem = resolve(requested, [fixtures])
        if problem:
            yield dropped(label, problem)
            continue
        case.decorator_list = []
        case.body = unswallow(case.body)
        if not order:
            yield from _assert_pieces(label, case.body)
            continue
        arguments = ", ".join(f"{name}={name}_value" for name in requested)
        run = set_up(order, [statement(f"{case.name}({arguments})")])
        yield Piece(label=label, body=[*definitions(order), case, *run])


def _assert_pieces(label: str, body: list[ast.stmt]) -> Iterator[Piece]:
    """A test that is nothing but asserts is one test per assert: the 1.5B writes one
    function with dozens of them (13 of 22 test answers on MBPP), and one wrong expected value would
    make candidates that agree on every other assert look as if they disagree on all."""
    checks = [node for node in body if not is_docstring(node)]
    if len(checks) < 2 or not all(isinstance(node, ast.Assert) for node in checks):
        yield Piece(label=label, body=body)
        return
    for number, check in enumerate(checks, start=1):
        yield Piece(label=f"{label} assert {number}", body=[check])


def parse_make_input(raw: str) -> str | None:
    """Source defining ``make_input(n)``, or None when the output has no usable definition."""
    source = extract_code(raw or "")
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    keep = [
        node
        for node in tree.body
        if isinstance(node, ast.Import | ast.ImportFrom | ast.FunctionDef)
    ]
    if not any(isinstance(n, ast.FunctionDef) and n.name == "make_input" for n in keep):
        return None
    return "\n\n".join(ast.unparse(node) for node in keep)
