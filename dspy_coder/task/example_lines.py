"""Where a docstring's examples are: the lines that hold them, and definitions to keep.

``strip_examples`` removes what this finds. It sees the docstring's stripped lines and reads
the forms ``doc_examples`` parses, and more loosely: a call of any function (``grade_equation``
in the prompt of ``numerical_letter_grade``), unquoted arguments (``is_happy(abcd) => True``),
worked examples after a header, and what follows an example (``# comment``, ``= 2 + 3 = 5``,
``Explanation:`` paragraphs). Calls whose arguments name a parameter (``fib4(n) -> ...``) are
definitions, and so are the base cases written next to them.

Example:
    >>> sig = PromptSignature.from_prompt("def f(x):\\n    pass\\n", "f")
    >>> locate_examples(["Double x.", "", "Example:", "f(1) == 2", "", "Note: fast."], sig, {"x"})
    ExampleLines(removed={2, 3}, rewritten={})
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass, field

from dspy_coder.task.example_calls import PromptSignature, closing_bracket, named_inputs

_HEADER = re.compile(
    r"^(?:(?:for\s+)?(?:examples?|examble|samples?|\[input/output\]\s+samples?)(?:\s*\d+)?"
    r"|it\s+must\s+be\s+implemented\s+like\s+this)\s*:?$",
    re.I,
)
_CALL_PREFIX = re.compile(r"^(?:[*\-•]\s*|for\s+|assert\s+)?(?P<name>[A-Za-z_]\w*)\s*\(")
_ARROW = re.compile(
    r"\s*(?P<arrow>➞|→|==>|=>|->|==|=(?![=>])|should\s+return\b|should\s+be\b|returns?\b|#)", re.I
)
_FOR_SENTENCE = re.compile(
    r"^for\s+.+?\b(?:the\s+)?(?:output|result)\s+(?:should|will)\s+be\b", re.I
)
_INPUT = re.compile(r"^(?:example\s*\d*\s*:\s*)?input\s*:", re.I)
_OUTPUT = re.compile(r"^(?:output\s*:|return\b)", re.I)
_CONTINUATION = re.compile(r"^(?:#|=|->|=>|==>|➞|→|explanation\b)", re.I)
_EQUATION = re.compile(r"^[\w\s()\[\],.'\"+\-*/%]+=")
_MAX_CALL_LINES = 12  # a call spread over more lines is not an example line
_PROSE_WORDS = 4  # a line with this many words is prose, even with an "=" in it
_SYMBOLS = frozenset({"➞", "→", "==>", "=>", "->", "=="})  # arrows an equation replaces


@dataclass
class ExampleLines:
    """Docstring line indices to remove, and definition lines to rewrite (index -> text)."""

    removed: set[int] = field(default_factory=set)
    rewritten: dict[int, str] = field(default_factory=dict)


def is_header(text: str) -> bool:
    """``For example:``, ``Examples``, ``Example 2:``, ``[input/output] samples:``..."""
    return bool(_HEADER.match(text))


def locate_examples(texts: list[str], sig: PromptSignature, params: set[str]) -> ExampleLines:
    """The examples among a docstring's stripped lines ``texts``. ``params``: the parameter
    names of every function in the prompt (a call that uses one is a definition)."""
    definitions = _definition_lines(texts, params)
    found = ExampleLines(rewritten={i: t for i, t in definitions.items() if t != texts[i]})
    index = 0
    while index < len(texts):
        if index in definitions:
            index += 1
        elif _HEADER.match(texts[index]):
            end, any_example = _section(texts, index + 1, sig, definitions)
            if any_example:
                found.removed.update(range(index, end))
            index = max(end, index + 1)
        else:
            end = _example_end(texts, index, sig, definitions)
            found.removed.update(range(index, end or index))
            index = end or index + 1
    return found


def _call_example(texts: list[str], index: int) -> tuple[int, str] | None:
    """(end, name) of a call line such as ``f(1) == 2`` (the call may span lines)."""
    match = _CALL_PREFIX.match(texts[index])
    if match is None:
        return None
    upto = min(len(texts), index + _MAX_CALL_LINES)
    joined = "\n".join(texts[index:upto])
    end = closing_bracket(joined, match.end() - 1)
    if end is None:
        return None
    if not _ARROW.match(joined, end):
        return None
    return index + joined.count("\n", 0, end) + 1, match.group("name")


def _call_args_names(text: str) -> set[str]:
    """Variable names in the arguments of the call that starts ``text``."""
    match = _CALL_PREFIX.match(text)
    end = closing_bracket(text, match.end() - 1) if match else None
    try:
        node = ast.parse(text[match.start("name") : end], mode="eval").body if end else None
    except SyntaxError:
        return set()
    if not isinstance(node, ast.Call):
        return set()
    arguments = [*node.args, *(k.value for k in node.keywords)]
    return {n.id for arg in arguments for n in ast.walk(arg) if isinstance(n, ast.Name)}


def _definition_lines(texts: list[str], params: set[str]) -> dict[int, str]:
    """Lines of a definition written as calls (``fib4(n) -> fib4(n-1) + ...`` with its base
    cases ``fib4(0) -> 0`` next to it), rewritten as equations: {line index: new text}."""
    found: dict[int, str] = {}
    index = 0
    while index < len(texts):
        call = _call_example(texts, index)
        if call is None or call[0] != index + 1:
            index += 1
            continue
        run = [index]
        while run[-1] + 1 < len(texts):
            following = _call_example(texts, run[-1] + 1)
            if following is None or following[0] != run[-1] + 2 or following[1] != call[1]:
                break
            run.append(run[-1] + 1)
        if any(_call_args_names(texts[i]) & params for i in run):
            found.update({i: _as_equation(texts[i]) for i in run})
        index = run[-1] + 1
    return found


def _as_equation(text: str) -> str:
    """``f(0) -> 0`` as ``f(0) = 0``; words (``f(n) returns ...``) stay as written."""
    match = _CALL_PREFIX.match(text)
    end = closing_bracket(text, match.end() - 1) if match else None
    arrow = _ARROW.match(text, end) if end else None
    if arrow is None or arrow.group("arrow") not in _SYMBOLS:
        return text
    return f"{text[:end]} = {text[arrow.end() :].lstrip()}"


def _example_end(
    texts: list[str], index: int, sig: PromptSignature, definitions: dict[int, str]
) -> int | None:
    """End (exclusive) of the example starting at ``index`` with what follows it, or None."""
    text = texts[index]
    if index in definitions or not text:
        return None
    if text.startswith(">>>"):
        end = index + 1
        while end < len(texts) and texts[end] and not texts[end].startswith(">>>"):
            end += 1
        return end
    end = None
    call = _call_example(texts, index)
    if call is not None:
        end = call[0]
    elif _FOR_SENTENCE.match(text):
        end = index + 1
    elif _INPUT.match(text) or named_inputs(text, sig, prose_tail=False) is not None:
        end = index + 1
        while end < len(texts) and texts[end] and not _OUTPUT.match(texts[end]):
            if _INPUT.match(texts[end]) or _HEADER.match(texts[end]):
                break
            end += 1
        if end < len(texts) and _OUTPUT.match(texts[end]):
            end += 1
    if end is None:
        return None
    return _continuation_end(texts, end)


def _continuation_end(texts: list[str], end: int) -> int:
    """Past the comment, ``= ...`` and ``Explanation:`` lines that continue an example."""
    while end < len(texts) and _CONTINUATION.match(texts[end]):
        explanation = texts[end].lower().startswith("explanation")
        end += 1
        while explanation and end < len(texts) and texts[end]:
            if _HEADER.match(texts[end]) or _starts_example(texts, end):
                break
            end += 1
    return end


def _starts_example(texts: list[str], index: int) -> bool:
    text = texts[index]
    return bool(
        text.startswith(">>>")
        or _call_example(texts, index)
        or _FOR_SENTENCE.match(text)
        or _INPUT.match(text)
    )


def _code_like(text: str) -> bool:
    """A line of code or an equation (``array = [2, 3]``, ``30 = 2 * 3 * 5``), not prose."""
    if _CONTINUATION.match(text):
        return True
    if _EQUATION.match(text) and len(re.findall(r"[A-Za-z]{2,}", text)) < _PROSE_WORDS:
        return True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            return False
    if len(tree.body) != 1:
        return False
    statement = tree.body[0]
    if isinstance(statement, ast.Expr):
        return not isinstance(statement.value, (ast.Name, ast.Constant))
    return isinstance(statement, (ast.Assign, ast.AugAssign))


def _section(
    texts: list[str], index: int, sig: PromptSignature, definitions: dict[int, str]
) -> tuple[int, bool]:
    """End (exclusive) of the examples section whose header precedes ``index``, and whether it
    held any example. It ends at prose: a line that is no example, or a paragraph after a
    blank line that does not start with one."""
    found = False
    while index < len(texts):
        text = texts[index]
        if not text:
            ahead = index
            while ahead < len(texts) and not texts[ahead]:
                ahead += 1
            if ahead == len(texts) or not _example_like(texts, ahead, sig, definitions):
                return index, found
            index = ahead
            continue
        if _HEADER.match(text):
            index += 1
            continue
        end = _example_end(texts, index, sig, definitions)
        if end is None and index not in definitions and _code_like(text):
            end = _continuation_end(texts, index + 1)
        if end is None and text.lower().startswith("explanation"):
            end = _continuation_end(texts, index)
        if end is None:
            return index, found
        found, index = True, end
    return index, found


def _example_like(
    texts: list[str], index: int, sig: PromptSignature, definitions: dict[int, str]
) -> bool:
    text = texts[index]
    return bool(
        _HEADER.match(text)
        or _example_end(texts, index, sig, definitions) is not None
        or (index not in definitions and _code_like(text))
    )
