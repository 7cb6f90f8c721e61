"""Docstring examples -> ground-truth tests.

Recognised forms (the ones HumanEval and ordinary docstrings use):

    >>> add(2, 3)          add(2, 3) ➞ 5          add(2, 3) == 5
    5                      add(2, 3) => 5         add(2, 3) should return 5

Example:
    >>> [e.call for e in extract_doc_examples("def f(x):\\n    # f(1) == 2", "f")]
    ['f(1)']
"""

from __future__ import annotations

import ast
import re

from dspy_coder.types import DocExample, TestCase

_ARROW = re.compile(r"\s*(?:➞|→|==>|=>|->|==|should\s+return|returns?|should\s+be)\s*", re.I)
_JSON_WORDS = {"true": "True", "false": "False", "null": "None"}


def _parses(source: str) -> bool:
    try:
        ast.parse(source, mode="eval")
    except (SyntaxError, ValueError):
        return False
    return True


def _is_literal(source: str) -> bool:
    try:
        ast.literal_eval(source)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False
    return True


def _literal_call(call: str) -> bool:
    """A call whose arguments are all literals (not ``f(n)`` from a recurrence definition)."""
    try:
        node = ast.parse(call, mode="eval").body
    except SyntaxError:
        return False
    if not isinstance(node, ast.Call):
        return False
    args = list(node.args) + [k.value for k in node.keywords]
    return all(_is_literal(ast.unparse(arg)) for arg in args)


def _clean_expected(text: str) -> str | None:
    """Trim trailing prose punctuation until the value is a Python literal."""
    candidate = _JSON_WORDS.get(text.strip().rstrip(".,;").lower(), text.strip())
    for _ in range(3):
        if candidate and _is_literal(candidate):
            return candidate
        candidate = candidate.rstrip(".,;").strip()
    return candidate if candidate and _is_literal(candidate) else None


def _balanced_call(line: str, start: int) -> int | None:
    """Index just past the ')' closing the call whose '(' is at ``start``."""
    depth = 0
    quote: str | None = None
    for index in range(start, len(line)):
        char = line[index]
        if quote:
            if char == quote and line[index - 1] != "\\":
                quote = None
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                return index + 1
    return None


def _inline_example(line: str, entry_point: str) -> DocExample | None:
    """``entry_point(args) <arrow> value`` on one line."""
    match = re.search(rf"\b{re.escape(entry_point)}\s*\(", line)
    if not match:
        return None
    end = _balanced_call(line, match.end() - 1)
    if end is None:
        return None
    call = line[match.start() : end]
    arrow = _ARROW.match(line, end)
    if not arrow or not _literal_call(call):
        return None
    # in prose a trailing "." ends the sentence, it is not a float's decimal point
    expected = _clean_expected(line[arrow.end() :].strip().rstrip("."))
    return DocExample(call=call, expected=expected) if expected else None


def extract_doc_examples(prompt: str, entry_point: str | None) -> list[DocExample]:
    """All examples in ``prompt`` whose call and expected value parse as Python."""
    lines = prompt.splitlines()
    examples: list[DocExample] = []
    index = 0
    while index < len(lines):
        stripped = lines[index].strip()
        if stripped.startswith(">>>"):
            call = stripped[3:].strip()
            # doctest output runs to a blank line; keep the longest prefix that is a literal
            expected, collected, end = None, [], index + 1
            for cursor in range(index + 1, len(lines)):
                nxt = lines[cursor].strip()
                if not nxt or nxt.startswith((">>>", '"""', "'''")):
                    break
                collected.append(nxt)
                value = _clean_expected(" ".join(collected))
                if value is not None:
                    expected, end = value, cursor + 1
            index = end
            if (
                call
                and expected
                and _parses(call)
                and (_literal_call(call) or not re.match(r"^\w+\(", call))
            ):
                examples.append(DocExample(call=call, expected=expected))
            continue
        if entry_point:
            example = _inline_example(stripped, entry_point)
            if example:
                examples.append(example)
        index += 1
    unique: dict[tuple[str, str], DocExample] = {}
    for example in examples:
        unique.setdefault((example.call, example.expected), example)
    return list(unique.values())


def doc_example_tests(examples: list[DocExample]) -> list[TestCase]:
    """Render examples as pytest-style functions with a concrete failure message."""
    tests = []
    for number, example in enumerate(examples, start=1):
        code = (
            f"def test_docstring_example_{number}():\n"
            f"    _call = {example.call!r}\n"
            f"    _result = {example.call}\n"
            f"    _expected = {example.expected}\n"
            f"    if isinstance(_expected, float) or isinstance(_result, float):\n"
            f"        import math as _math\n"
            f"        _ok = _math.isclose(_result, _expected, rel_tol=1e-6, abs_tol=1e-6)\n"
            f"    else:\n"
            f"        _ok = _result == _expected\n"
            f"    assert _ok, f'{{_call}} returned {{_result!r}}, expected {{_expected!r}}'\n"
        )
        tests.append(
            TestCase(
                name=f"test_docstring_example_{number}", code=code, source="docstring", vetted=True
            )
        )
    return tests
