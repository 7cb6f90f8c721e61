"""Docstring examples -> ground-truth tests.

Recognised forms (their parsers are in ``dspy_coder.task.example_forms``):

* doctest: ``>>> add(2, 3)`` then ``5``; any closed expression such as
  ``>>> round(div(1, 3), 2)`` then ``0.33``; ``>>> add(2, 3) == 5`` with no output line;
* one line: ``add(2, 3) ➞ 5`` (several on a line of prose: ``add(1, 1) returns 2 and
  add(2, 3) gives 5.``), also with ``gives``, ``yields``, ``is``, ``evaluates to``, ``=>``,
  ``->``, ``==>``, ``==``, ``=``, ``should return``, ``# returns``; the value may carry a
  ``# comment``, a trailing ``(aside)`` or an agreeing equation chain (``-> 10 - 5 = 5``);
* named inputs: ``For a = 2, b = 3 the output should be 5``; ``Input: a = 2, b = 3`` (or
  ``Input:`` then ``a : 2`` lines, or a bare literal for one parameter) then ``Output: 5``;
  ``a = 2, b = 3`` then ``return 5``.

Only examples whose call is closed (literals, the entry point, the prompt's own functions and
pure builtins) and whose expected value is a literal are kept: a wrong example would be a
wrong test, so unclear text is skipped, not guessed.

Example:
    >>> [e.call for e in extract_doc_examples("def f(x):\\n    # f(1) == 2", "f")]
    ['f(1)']
"""

from __future__ import annotations

import ast
import logging

from dspy_coder.task.class_examples import class_doc_examples
from dspy_coder.task.example_forms import (
    PromptSignature,
    block_examples,
    doctest_examples,
    for_sentence_example,
    inline_examples,
    starts_block,
)
from dspy_coder.types import DocExample, TestCase

logger = logging.getLogger(__name__)


def extract_doc_examples(prompt: str, entry_point: str | None) -> list[DocExample]:
    """All examples in ``prompt`` whose call and expected value are trustworthy Python."""
    sig = PromptSignature.from_prompt(prompt, entry_point)
    lines = [line.strip() for line in prompt.splitlines()]
    examples: list[DocExample] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith(">>>"):
            found, index = doctest_examples(lines, index, sig)
            examples.extend(found)
            continue
        if starts_block(line, sig):
            found, after = block_examples(lines, index, sig)
            if found:
                examples.extend(found)
                index = after
                continue
        inline = inline_examples(line, sig)
        sentence = None if inline else for_sentence_example(line, sig)
        examples.extend(inline or ([sentence] if sentence else []))
        index += 1
    if entry_point and not examples:  # a class skeleton: its methods' sessions
        examples = class_doc_examples(prompt, entry_point)
    unique: dict[tuple[str, str, str], DocExample] = {}
    for example in examples:
        unique.setdefault((example.setup, example.call, example.expected), example)
    logger.debug("%d docstring example(s) for %s", len(unique), entry_point)
    return list(unique.values())


LONG_VALUE_CHARS = 40  # a literal in the calls before an example longer than this shows as ...


class _ElideLongValues(ast.NodeTransformer):
    def visit(self, node: ast.AST) -> ast.AST:
        literal = isinstance(node, ast.List | ast.Tuple | ast.Set | ast.Dict | ast.Constant)
        if literal and len(ast.unparse(node)) > LONG_VALUE_CHARS:
            elided = [ast.Constant(...)]
            if isinstance(node, ast.List):
                return ast.List(elided)  # [...]
            return ast.Set(elided) if isinstance(node, ast.Dict | ast.Set) else elided[0]
        return super().visit(node)


def calls_before(setup: str) -> str:
    """A class example's setup as one line for its failure message, long literal values
    shown as ``...``: the message names the calls, and a long value there filled it before the
    call to blame (ClassEval_49's listing). The setup itself runs with the whole value."""
    lines = [line.strip() for line in setup.splitlines() if line.strip()]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return "; ".join(lines)
    return "; ".join(ast.unparse(_ElideLongValues().visit(statement)) for statement in tree.body)


def doc_example_tests(examples: list[DocExample]) -> list[TestCase]:
    """Render examples as pytest-style functions with a concrete failure message.

    The scorer runs them, and so does the CodeGenerator's in-step check (``example_check``),
    so both judge an example alike. Reports record their source: keep it byte for byte. An
    example without an expected value (a class's call shown without a result) only has to
    run. A class's example with a setup says in its failure message which calls came
    before (``b.items returned [2], expected [1] (after b = Box(); b.put(1))``)."""
    tests = []
    for number, example in enumerate(examples, start=1):
        setup = "".join(f"    {line}\n" for line in example.setup.splitlines())
        if not example.expected:
            code = (
                f"def test_docstring_example_{number}():\n"
                f"{setup}"
                f"    _call = {example.call!r}\n"
                f"    _result = {example.call}  # shown without a result: it only has to run\n"
            )
            tests.append(TestCase(name=f"test_docstring_example_{number}", code=code,
                                  source="docstring", vetted=True))
            continue
        # a class's example names the calls before it: the value depends on them
        after = calls_before(example.setup)
        code = (
            f"def test_docstring_example_{number}():\n"
            f"{setup}"
            f"    _call = {example.call!r}\n"
            f"    _result = {example.call}\n"
            f"    _expected = {example.expected}\n"
            f"    if isinstance(_expected, float) or isinstance(_result, float):\n"
            f"        import math as _math\n"
            f"        _ok = _math.isclose(_result, _expected, rel_tol=1e-6, abs_tol=1e-6)\n"
            f"    else:\n"
            f"        _ok = _result == _expected\n"
            f"    assert _ok, f'{{_call}} returned {{_result!r}}, expected {{_expected!r}}"
            + (" (after {_after})'\n" if after else "'\n")
        )
        if after:  # the message's source stays short: the calls are in a variable
            code = code.replace("    _call = ", f"    _after = {after!r}\n    _call = ", 1)
        tests.append(
            TestCase(
                name=f"test_docstring_example_{number}", code=code, source="docstring", vetted=True
            )
        )
    return tests
