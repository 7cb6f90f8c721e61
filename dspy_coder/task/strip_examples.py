"""Remove the examples from a prompt's docstrings, keeping its signature and task description.

For benchmarks of tasks that bring no examples (issue #20). Removed: doctest lines with their
output, call lines (``f(1) ➞ 2``, ``== 2``, ``=> 2``, ``= 2``, ``returns 2``, ``# => 2``, also
for a misnamed function and across lines), ``For x = 1 the output should be 2`` sentences,
``Input: ...``/``Output: ...`` and ``arr = [...]``/``return ...`` blocks, the explanations and
comments that follow them, ``For example`` sentences in prose that state a result, and the
headers that introduced them ("For example:", "Examples:", "Example 1:"). A prose line that
introduced removed examples (``If the array is empty, return an empty array:``) ends in a
period instead of a colon.

Definitions stay: a recurrence written in an example's notation (``fib4(0) -> 0`` next to
``fib4(n) -> fib4(n-1) + ...``) becomes equations (``fib4(0) = 0``), the notation that
``doc_examples`` already reads as maths rather than as an example.

Example:
    >>> print(strip_examples('def f(x):\\n    \"\"\"Double x.\\n\\n    Example:\\n'
    ...                      '    f(1) == 2\\n    \"\"\"\\n', "f"), end="")
    def f(x):
        \"\"\"Double x.
        \"\"\"
"""

from __future__ import annotations

import ast
import logging
import re
import warnings

from dspy_coder.task.example_calls import PromptSignature
from dspy_coder.task.example_lines import is_header, locate_examples

logger = logging.getLogger(__name__)

_EXAMPLE_SENTENCE = re.compile(r"\bfor\s+(?:example|instance)\b", re.I)
_STATES_RESULT = re.compile(r"\b(?:returns?|output|result)\b", re.I)


def strip_examples(prompt: str, entry_point: str | None) -> str:
    """``prompt`` with the examples removed from every docstring (unchanged if it has none)."""
    tree = _parse(prompt)
    if tree is None:
        logger.warning("Cannot strip examples from a prompt that is not Python: %.60r", prompt)
        return prompt
    sig = PromptSignature.from_prompt(prompt, entry_point)
    params = _all_params(tree) | {name for name, _, _ in sig.params or ()}
    lines = prompt.split("\n")
    spans = [
        (node.lineno - 1, node.end_lineno - 1, node.col_offset, node.end_col_offset)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        and node.end_lineno is not None
        and node.end_col_offset is not None
        and node.end_lineno - 1 < len(lines)
    ]
    for first, last, start_col, end_col in sorted(spans, reverse=True):
        if first == last:
            continue  # a one-line docstring has no room for examples
        block = lines[first : last + 1]
        lines[first : last + 1] = _strip_docstring(block, start_col, end_col, sig, params)
    return "\n".join(lines)


def _parse(prompt: str) -> ast.Module | None:
    """The prompt's syntax tree; a prompt ending at a ``def`` line gets a body to parse."""
    body = prompt.rstrip() + "\n" + " " * 8 + "pass\n"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for source in (prompt, body):
            try:
                return ast.parse(source)
            except (SyntaxError, ValueError):
                continue
    return None


def _all_params(tree: ast.Module) -> set[str]:
    """Parameter names of every function the prompt defines."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args
            every = args.posonlyargs + args.args + args.kwonlyargs
            names |= {a.arg for a in every}
            names |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    return names


def _strip_docstring(
    block: list[str], start_col: int, end_col: int, sig: PromptSignature, params: set[str]
) -> list[str]:
    """The docstring's source lines with its examples removed."""
    opening = re.match(r"[rRuUbBfF]*(\"\"\"|'''|\"|')", block[0][start_col:])
    if opening is None:
        return block
    quote = opening.group(1)
    head = block[0][: start_col + opening.end()]
    tail = block[-1][end_col - len(quote) :]
    body = [block[0][len(head) :], *block[1:-1], block[-1][: end_col - len(quote)]]
    stripped = _strip_lines(body, sig, params)
    if stripped == body:
        return block
    indent = re.match(r"\s*", block[0]).group(0)
    first = stripped[0] if stripped[0] is not None else ""
    last = stripped[-1] if stripped[-1] is not None else indent
    middle = [line for line in stripped[1:-1] if line is not None]
    if not last.strip():  # the closing quote sits on its own line: no blank lines before it
        while middle and not middle[-1].strip():
            middle.pop()
    if not first.strip():
        while middle and not middle[0].strip():
            middle.pop(0)
    tidy: list[str] = []
    for line in middle:
        previous = tidy[-1] if tidy else first
        if line.strip() or previous.strip():
            tidy.append(line)
    return [head + first, *tidy, last + tail]


def _strip_lines(body: list[str], sig: PromptSignature, params: set[str]) -> list[str | None]:
    """Each docstring line, rewritten or None when removed."""
    texts = [line.strip() for line in body]
    found = locate_examples(texts, sig, params)
    out: list[str | None] = list(body)
    for index, text in found.rewritten.items():
        out[index] = body[index][: len(body[index]) - len(body[index].lstrip())] + text
    for index in found.removed:
        out[index] = None
    _end_colons_with_periods(out, texts)
    _drop_example_sentences(out, sig)
    return out


def _end_colons_with_periods(out: list[str | None], texts: list[str]) -> None:
    """A kept sentence that introduced removed examples ends in a period, not a colon."""
    for index, line in enumerate(out):
        if line is None or not line.rstrip().endswith(":") or is_header(texts[index]):
            continue
        following = next((j for j in range(index + 1, len(out)) if texts[j]), None)
        if following is not None and out[following] is None and out[index + 1] is None:
            out[index] = line.rstrip()[:-1].rstrip() + "."


def _drop_example_sentences(out: list[str | None], sig: PromptSignature) -> None:
    """Remove "For example ..." sentences of kept prose that state a result or call the
    function (``For example closest_integer("14.5") should return 15``)."""
    index = 0
    while index < len(out):
        if out[index] is None or not out[index].strip():
            index += 1
            continue
        end = index
        while end < len(out) and out[end] is not None and out[end].strip():
            end += 1
        _drop_in_paragraph(out, index, end, sig)
        index = end


def _drop_in_paragraph(out: list[str | None], start: int, end: int, sig: PromptSignature) -> None:
    """Cut those sentences out of the paragraph ``out[start:end]``; emptied lines go."""
    lines = [str(out[i]) for i in range(start, end)]
    text = "\n".join(lines)
    calls_entry = re.compile(rf"\b{re.escape(sig.entry_point)}\s*\(") if sig.entry_point else None
    cuts: list[tuple[int, int]] = []
    for match in _EXAMPLE_SENTENCE.finditer(text):
        before = text[: match.start()].rstrip()
        if before and before[-1] not in ".!?:":
            continue  # not the start of a sentence
        stop = _sentence_end(text, match.end())
        sentence = text[match.start() : stop]
        if _STATES_RESULT.search(sentence) or (calls_entry and calls_entry.search(sentence)):
            cuts.append((match.start(), stop))
    if not cuts:
        return
    offset = 0
    for number, line in enumerate(lines):
        line_start, line_end = offset, offset + len(line)
        kept = "".join(
            char
            for position, char in enumerate(line, start=line_start)
            if not any(a <= position < b for a, b in cuts)
        )
        if kept != line:
            out[start + number] = kept.rstrip() if kept.strip() else None
        offset = line_end + 1


def _sentence_end(text: str, start: int) -> int:
    """Index past the sentence's closing ``.``/``!``/``?`` (and spaces), quotes respected."""
    quote = None
    depth = 0
    for index in range(start, len(text)):
        char = text[index]
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"" and (index == 0 or not text[index - 1].isalnum()):
            quote = char  # a string literal opens; an apostrophe (it's) does not
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(0, depth - 1)
        elif char in ".!?" and depth == 0 and (index + 1 == len(text) or text[index + 1].isspace()):
            stop = index + 1
            while stop < len(text) and text[stop] in " \t":
                stop += 1
            return stop
    return len(text)
