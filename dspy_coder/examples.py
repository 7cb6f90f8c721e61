"""Docstring examples -> ground-truth tests.

Recognised forms (the ones HumanEval and ordinary docstrings use):

    >>> add(2, 3)          add(2, 3) ➞ 5          add(2, 3) == 5
    5                      add(2, 3) => 5         add(2, 3) should return 5

Example:
    >>> [e.call for e in extract_doc_examples('def f(x):\\n    """>>> f(1)\\n    2\\n    """', "f")]
    ['f(1)']
"""

from __future__ import annotations

import ast
import re

from dspy_coder.types import DocExample, TestCase

_ARROW = re.compile(r"\s*(?:➞|→|==>|=>|->|==|should\s+return|returns?|should\s+be|is|=)\s*", re.I)


def _parses(source: str) -> bool:
    try:
        ast.parse(source, mode="eval")
    except (SyntaxError, ValueError):
        return False
    return True


def _clean_expected(text: str) -> str | None:
    """Trim trailing prose punctuation until the value parses as a Python expression."""
    candidate = text.strip()
    for _ in range(3):
        if candidate and _parses(candidate):
            return candidate
        candidate = candidate.rstrip(".,;").strip()
    return candidate if candidate and _parses(candidate) else None


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
    if not arrow or not _parses(call):
        return None
    expected = _clean_expected(line[arrow.end() :])
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
            expected_lines: list[str] = []
            index += 1
            while index < len(lines):
                nxt = lines[index].strip()
                if not nxt or nxt.startswith(">>>") or nxt.startswith('"""'):
                    break
                expected_lines.append(nxt)
                index += 1
            expected = _clean_expected(" ".join(expected_lines)) if expected_lines else None
            if call and expected and _parses(call):
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
            f"    result = {example.call}\n"
            f"    expected = {example.expected}\n"
            f"    if isinstance(expected, float) or isinstance(result, float):\n"
            f"        import math\n"
            f"        ok = math.isclose(result, expected, rel_tol=1e-6, abs_tol=1e-6)\n"
            f"    else:\n"
            f"        ok = result == expected\n"
            f"    assert ok, f'{example.call} returned {{result!r}}, expected {{expected!r}}'\n"
        )
        tests.append(
            TestCase(name=f"test_docstring_example_{number}", code=code, source="docstring",
                     vetted=True)
        )
    return tests
