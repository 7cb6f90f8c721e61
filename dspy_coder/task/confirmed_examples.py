"""Examples a person confirms for a task that brings none (the ``examples`` approval gate).

Without examples the pipeline can only check code against what the model itself believes the
task means, and a misreading the model shares with its own tests passes every check (stripped
HumanEval/54: "the same characters" read as the same counts by all five candidates and the
test writer). A person settles that in seconds from a few expected results: the test writer's
asserts are shown as ``f(x) == y`` lines, the person keeps, fixes or adds lines, and those go
into the task's docstring, where they are parsed and trusted exactly like examples the task
came with.

Example:
    >>> proposed_examples(["def test_a():\\n    assert f(2) == 4\\n    assert f(3)"], "f")
    ['f(2) == 4', 'f(3) == True']
    >>> print(with_examples('def f(x):\\n    \"\"\"Square x.\"\"\"\\n', "f", ["f(2) == 4"]), end="")
    def f(x):
        \"\"\"Square x.
    <BLANKLINE>
        Examples:
        f(2) == 4
        \"\"\"
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from dspy_coder.task.doc_examples import extract_doc_examples
from dspy_coder.task.example_values import is_literal
from dspy_coder.task.literal_calls import source_nodes

MAX_PROPOSED = 8  # enough to pin a reading down, few enough to read in a minute
EDIT_HELP = ("Answer with the numbers of the lines you agree with (e.g. `1 3`), or keep them, "
             "fix the values that are wrong and add your own, one per line as "
             "`f(x) == expected` (or `>>> f(x)` then the value on the next line); "
             "the lines above may all hold under two readings of the task, so add the cases "
             "that tell them apart (repeats, empty input, ties, bounds).")


def proposed_examples(test_sources: Iterable[str], entry_point: str,
                      limit: int = MAX_PROPOSED) -> list[str]:
    """``f(args) == expected`` lines from the plain asserts in ``test_sources`` whose call has
    literal arguments and whose expected value is a literal (``assert f(x)`` is ``== True``,
    ``assert not f(x)`` is ``== False``); in order, without repeats, at most ``limit``."""
    lines: list[str] = []
    for node in source_nodes(test_sources):
        line = _example_line(node, entry_point) if isinstance(node, ast.Assert) else None
        if line and line not in lines:
            lines.append(line)
            if len(lines) == limit:
                return lines
    return lines


def _example_line(node: ast.Assert, entry_point: str) -> str | None:
    test = node.test
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _line(test.operand, ast.Constant(False), entry_point)
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        if isinstance(test.ops[0], ast.Eq):
            return _line(test.left, test.comparators[0], entry_point)
        if isinstance(test.ops[0], ast.Is) and isinstance(test.comparators[0], ast.Constant):
            return _line(test.left, test.comparators[0], entry_point)
        return None
    return _line(test, ast.Constant(True), entry_point)


def _line(call: ast.expr, expected: ast.expr, entry_point: str) -> str | None:
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
            and call.func.id == entry_point):
        return None
    parts = [*call.args, *(k.value for k in call.keywords), expected]
    if not all(is_literal(ast.unparse(part)) for part in parts):
        return None
    if any(k.arg is None for k in call.keywords):  # **kwargs
        return None
    line = f"{ast.unparse(call)} == {ast.unparse(expected)}"
    return None if '"""' in line or "\n" in line else line


def example_units(text: str) -> list[str]:
    """The examples a person typed, one per unit: a line, or a ``>>>`` line with the value
    line after it."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    units: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith(">>>") and index + 1 < len(lines) and not lines[index + 1].startswith(
                ">>>"):
            units.append(f"{line}\n{lines[index + 1]}")
            index += 2
            continue
        units.append(line)
        index += 1
    return units


def chosen_lines(edited: str, offered: list[str]) -> list[str]:
    """The person's answer as example units: numbers pick offered lines (``2``, ``1, 3``);
    anything else is read as lines they wrote (a copied line may keep its ``[n]`` and count)."""
    tokens = edited.replace(",", " ").split()
    if tokens and all(t.isdigit() and 1 <= int(t) <= len(offered) for t in tokens):
        return [offered[int(t) - 1] for t in tokens]
    units = []
    for unit in example_units(edited):
        unit = unit.split("    (")[0].strip()
        if unit.startswith("[") and "]" in unit:
            unit = unit.split("]", 1)[1].strip()
        units.append(unit)
    return units


def unreadable_units(prompt: str, entry_point: str, units: Iterable[str]) -> list[str]:
    """The units that do not read as an example of ``entry_point`` (a closed call and a
    literal value), so would be silently ignored if put in the task."""
    return [unit for unit in units
            if not extract_doc_examples(with_examples(prompt, entry_point, [unit]), entry_point)]


def with_examples(prompt: str, entry_point: str, units: list[str]) -> str:
    """``prompt`` with ``units`` under an ``Examples:`` heading at the end of the docstring of
    ``def entry_point`` (given one, if it has none); a prompt without that function (free
    text) gets the block at its end."""
    function = _function(prompt, entry_point)
    if function is None:
        return f"{prompt.rstrip()}\n\nExamples:\n" + "".join(f"{u}\n" for u in units)
    lines = prompt.splitlines(keepends=True)
    body = function.body[0]
    doc = (body if isinstance(body, ast.Expr) and isinstance(body.value, ast.Constant)
           and isinstance(body.value.value, str) else None)
    if doc is None:
        indent = " " * body.col_offset
        block = "".join(f"{indent}{u_line}\n" for u in units for u_line in u.splitlines())
        insert = f'{indent}"""\n{indent}Examples:\n{block}{indent}"""\n'
        return "".join(lines[: body.lineno - 1]) + insert + "".join(lines[body.lineno - 1:])
    indent = " " * doc.col_offset
    block = "".join(f"{indent}{u_line}\n" for u in units for u_line in u.splitlines())
    last = lines[doc.end_lineno - 1].encode()  # ast's column offsets count UTF-8 bytes
    closing_at = doc.end_col_offset - 3  # the closing quotes
    before, closing = last[:closing_at].decode(), last[closing_at:].decode()
    head = f"{before.rstrip()}\n" if before.strip() else ""
    insert = f"{head}\n{indent}Examples:\n{block}{indent}{closing.lstrip()}"
    if not insert.endswith("\n"):
        insert += "\n"
    return "".join(lines[: doc.end_lineno - 1]) + insert + "".join(lines[doc.end_lineno:])


def _function(prompt: str, entry_point: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    try:
        tree = ast.parse(prompt)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == entry_point:
            return node
    return None
