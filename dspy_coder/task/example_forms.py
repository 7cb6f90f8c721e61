"""Parsers for the ways docstrings write examples; each returns ``DocExample``s or nothing.

A parser sees the docstring's stripped lines and the prompt's ``PromptSignature``. What it
keeps has a closed call (see ``example_calls``) and a literal expected value
(``example_values``); anything less clear (``is_happy(a)``, ``bucket_capacity : 1`` for
``capacity``) is skipped rather than guessed.

Example:
    >>> sig = PromptSignature.from_prompt("def f(arr, k):\\n    pass\\n", "f")
    >>> block_examples(["Input: arr = [1, 2], k = 1", "Output: [2]"], 0, sig)
    ([DocExample(call='f([1, 2], 1)', expected='[2]', setup='')], 2)
"""

from __future__ import annotations

import ast
import re

from dspy_coder.task.example_calls import (
    PromptSignature,
    closed_expression,
    closing_bracket,
    literal_call,
    named_inputs,
    render_call,
)
from dspy_coder.task.example_values import clean_value, is_literal, parse_expression, strip_comment
from dspy_coder.types import DocExample

_ARROW = re.compile(
    r"\s*(?:#\s*)?(➞|→|==>|=>|->|==|=(?![=>])|(?:should\s+(?:return|be|give)|returns?|gives?|"
    r"yields?|evaluates\s+to|is)\b)\s*", re.I
)
# a call in the text after an example's value: "... returns 'b' and g('c') returns 'd'"
_NEXT_CALL = re.compile(r"(?<![\w'\"])[A-Za-z_]\w*\s*\(")
# what joins one example to the next in prose: "'b' and f('c') ...", "2, f(3) ..."
_JOINING_TAIL = re.compile(r"(?:[\s,;]|\b(?:and|or|but|while|whereas|then)\b)+$", re.I)
_FOR_SENTENCE = re.compile(
    r"^for\s+(?P<inputs>.+?)[,\s]*\bthe\s+(?:output|result)\s+should\s+be\s+(?P<out>.+)$", re.I
)
_INPUT = re.compile(r"^(?:example\s*\d*\s*:\s*)?input\s*:\s*(?P<rest>.*)$", re.I)
_OUTPUT = re.compile(r"^(?:output\s*:|return\s*=?)\s*(?P<rest>.+)$", re.I)


def doctest_examples(
    lines: list[str], index: int, sig: PromptSignature
) -> tuple[list[DocExample], int]:
    """``>>> expr`` then its output (up to a blank line), or ``>>> f(x) == value`` alone."""
    source = strip_comment(lines[index][3:].strip())
    expected, collected, end = None, [], index + 1
    for cursor in range(index + 1, len(lines)):
        line = lines[cursor]
        if not line or line.startswith((">>>", '"""', "'''")):
            break
        collected.append(line)
        value = clean_value(" ".join(collected), prose=False)
        if value is not None:  # keep the longest run of lines that is a literal
            expected, end = value, cursor + 1
    if expected is not None:
        keep = closed_expression(source, sig)
        return ([DocExample(call=source, expected=expected)] if keep else []), end
    node = parse_expression(source)
    if (
        isinstance(node, ast.Compare)
        and len(node.ops) == 1
        and isinstance(node.ops[0], ast.Eq)
        and is_literal(ast.unparse(node.comparators[0]))
        and closed_expression(ast.unparse(node.left), sig)
    ):
        left = source[node.left.col_offset : node.left.end_col_offset]
        right = source[node.comparators[0].col_offset : node.comparators[0].end_col_offset]
        return [DocExample(call=left, expected=right)], index + 1
    return [], index + 1


def inline_examples(line: str, sig: PromptSignature) -> list[DocExample]:
    """``f(args) <arrow> value`` on one line: ``➞ => -> == = should return # returns``, as
    often as the line has one: prose runs examples together ("f('a') returns 'b' and f('c')
    returns 'd'."), and a call without literal arguments (``f(text)``) is passed over."""
    if not sig.entry_point:
        return []
    examples = []
    for match in re.finditer(rf"\b{re.escape(sig.entry_point)}\s*\(", line):
        end = closing_bracket(line, match.end() - 1)
        if end is None:
            continue
        call = line[match.start() : end]
        arrow = _ARROW.match(line, end)
        if not arrow or not literal_call(call):
            continue
        if arrow.group(1) == "=" and sig.recurrence:
            continue
        # the value ends where the next call begins, of this function or another one
        later = _NEXT_CALL.search(line, arrow.end())
        stop = later.start() if later else len(line)
        # in prose a trailing "." ends the sentence, it is not a float's decimal point
        text = _JOINING_TAIL.sub("", line[arrow.end() : stop]).strip().rstrip(".")
        expected = clean_value(text)
        if expected:
            examples.append(DocExample(call=call, expected=expected))
    return examples


def for_sentence_example(line: str, sig: PromptSignature) -> DocExample | None:
    """``For lst = [1,2,3] the output should be 14`` / ``For s = "ab", c = "a", the result
    should be ('b',False)``."""
    match = _FOR_SENTENCE.match(line)
    if not match:
        return None
    inputs = named_inputs(match.group("inputs"), sig, prose_tail=True)
    call = render_call(inputs, sig) if inputs else None
    expected = clean_value(match.group("out").strip().rstrip("."))
    return DocExample(call=call, expected=expected) if call and expected else None


def _input_line(line: str, sig: PromptSignature) -> dict[str, str] | str | None:
    """One line of inputs: ``arr = [1], k = 2``, ``grid : [[0, 1]]`` or a bare literal."""
    named = named_inputs(line, sig, prose_tail=False)
    if named is not None:
        return named
    return line if is_literal(line) else None


def block_examples(
    lines: list[str], index: int, sig: PromptSignature
) -> tuple[list[DocExample], int]:
    """An inputs block, then ``Output: value`` or ``return value``; ``-> step`` lines between.

    Starts at ``Input: ...`` (values on that line or on the following ``name : value`` lines)
    or at a ``param = value`` line (``arr = [2, 1]`` ... ``return ["Two", "One"]``).
    """
    header = _INPUT.match(lines[index])
    first = header.group("rest") if header else lines[index]
    inputs: dict[str, str] | str = {}
    if first:
        parsed = _input_line(first, sig)
        if parsed is None or (not header and not isinstance(parsed, dict)):
            return [], index + 1
        inputs = parsed
    cursor = index + 1
    while cursor < len(lines) and isinstance(inputs, dict):
        more = named_inputs(lines[cursor], sig, prose_tail=False)
        if more is None or set(more) & set(inputs):
            break
        inputs, cursor = {**inputs, **more}, cursor + 1
    while cursor < len(lines) and lines[cursor].startswith("->"):
        cursor += 1
    output = _OUTPUT.match(lines[cursor]) if cursor < len(lines) else None
    if not output or not inputs:
        return [], index + 1
    call = render_call(inputs, sig)
    expected = clean_value(output.group("rest").strip())
    if not call or not expected:
        return [], index + 1
    return [DocExample(call=call, expected=expected)], cursor + 1


def starts_block(line: str, sig: PromptSignature) -> bool:
    """``Input: ...`` or a line assigning literals to the entry point's parameters."""
    return bool(_INPUT.match(line)) or named_inputs(line, sig, prose_tail=False) is not None
