"""MBPP (the sanitized set, 427 problems) as problems in HumanEval's shape, in two prompt forms.

``mbpp`` (issue #20, tasks without examples): the program sees each problem as its task
sentence and the function's signature only: a ``def name(args):`` stub with the sentence as its
docstring, the name and arguments taken from the reference ``code``'s function that the asserts
call (12 references define helpers first). No assert reaches the prompt, so the task brings no
example; the name and arguments are fixed by the stub instead.

``mbpp-evalplus`` (issue #18, compiling): EvalPlus's convention, the task sentence plus the
*first* assert. The same stub, with the first assert as the docstring's last line; it counts
as a ground-truth example (the example parser reads 401 of the 427 as one). The other asserts
never reach the prompt. Only the prompt differs: the ids, hidden tests and splits are the same.

The hidden test is ``test_imports`` and every ``test_list`` assert (three for 397 problems, up
to seven), one pytest-style function each, called by name: the answer passes when all of them
pass, in the same sandbox run as HumanEval's ``check``. They are not wrapped in
``check(candidate)`` because one entry point is itself called ``check`` (Mbpp/56).
``canonical_solution`` is the reference ``code``, a whole program
(``Problem.reference_code()`` returns it as it is).

The data is read from ``../shared/datasets/mbpp/sanitized-mbpp.json`` next to the repository
(see that folder's README); it is never copied into the repository.

Example:
    >>> print(mbpp_records()[0]["prompt"], end="")
    def similar_elements(test_tup1, test_tup2):
        \"\"\"Write a function to find the shared elements from the given two lists.\"\"\"
"""

from __future__ import annotations

import ast
import copy
import textwrap
import warnings
from pathlib import Path
from typing import Any

from dspy_coder.shared_datasets import converted_records, dataset_file

MBPP_FILE = Path("mbpp") / "sanitized-mbpp.json"
PROMPT_FORMS = {"mbpp": "stub", "mbpp-evalplus": "first-assert"}  # dataset name -> prompt form
# ../shared/datasets relative to the repository root (the folder that holds dspy_coder/)
TASK_PREFIX = "Mbpp/"
_WIDTH = 92  # docstring lines of long task sentences are wrapped at this width


def mbpp_path(datasets_dir: Path | None = None) -> Path:
    """Where the MBPP file is, or a ``UsageError`` naming the path that was tried."""
    return dataset_file("MBPP", MBPP_FILE, datasets_dir)


def mbpp_records(datasets_dir: Path | None = None, *, show_first_assert: bool = False
                 ) -> list[dict[str, Any]]:
    """The 427 sanitized MBPP problems as HumanEval-format records, in file order
    (``datasets.load_problems("mbpp")`` or ``("mbpp-evalplus")`` makes them ``Problem``s)."""
    return converted_records(
        mbpp_path(datasets_dir), "MBPP", "MBPP records",
        lambda record: mbpp_problem(record, show_first_assert=show_first_assert),
    )


def mbpp_problem(record: dict[str, Any], *, show_first_assert: bool = False) -> dict[str, Any]:
    """One MBPP record as the fields of a HumanEval-format problem (the prompt with the first
    assert shown if ``show_first_assert``: EvalPlus's convention)."""
    function = entry_function(record["code"], record["test_list"])
    prompt = stub(function, record["prompt"])
    if show_first_assert:
        prompt = with_shown_assert(prompt, record["test_list"][0])
    return {
        "task_id": f"{TASK_PREFIX}{record['task_id']}",
        "prompt": prompt,
        "entry_point": function.name,
        "test": hidden_test(record.get("test_imports") or [], record["test_list"]),
        "canonical_solution": record["code"],
    }


def entry_function(code: str, asserts: list[str]) -> ast.FunctionDef:
    """The reference's top-level function that the asserts call (every one of them, if
    several are called; then the one called first)."""
    with warnings.catch_warnings():  # e.g. "\w" in a reference's regex: still Python
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        tree = ast.parse(code)
    defined = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    called: list[list[str]] = []
    for line in asserts:
        names = [
            node.func.id
            for node in ast.walk(ast.parse(line))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        ]
        called.append([name for name in names if name in defined])
    everywhere = [name for name in called[0] if all(name in names for names in called)]
    if not everywhere:
        raise ValueError("no function of the reference code is called by every assert")
    return defined[everywhere[0]]


def stub(function: ast.FunctionDef, sentence: str) -> str:
    """``def name(args):`` with ``sentence`` as the docstring (annotations dropped: the
    reference's imports are not part of the prompt)."""
    arguments = copy.deepcopy(function.args)
    for arg in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
        arg.annotation = None
    for arg in (arguments.vararg, arguments.kwarg):
        if arg is not None:
            arg.annotation = None
    text = " ".join(sentence.split()).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if text.endswith('"'):
        text = text[:-1] + '\\"'
    header = f"def {function.name}({ast.unparse(arguments)}):\n"
    if len(text) + 10 <= _WIDTH:
        return f'{header}    """{text}"""\n'
    wrapped = textwrap.fill(
        text, width=_WIDTH, initial_indent='    """', subsequent_indent="    ",
        break_long_words=False, break_on_hyphens=False,
    )
    return f'{header}{wrapped}\n    """\n'


def with_shown_assert(prompt: str, assertion: str) -> str:
    """``prompt`` (a stub from ``stub``) with ``assertion`` as its docstring's last line, after
    a blank line: the one test the task shows (EvalPlus's MBPP prompt)."""
    line = assertion.strip()
    if "\n" in line or '"""' in line or "\\" in line:
        raise ValueError(f"the first assert cannot be shown on one docstring line: {line!r}")
    body = prompt.rstrip("\n")
    if not body.endswith('"""'):
        raise ValueError("the stub does not end with its docstring")
    return f'{body[:-3].rstrip()}\n\n    {line}\n    """\n'


def hidden_test(imports: list[str], asserts: list[str]) -> str:
    """``test_imports`` then one test function per assert, as the grader runs them."""
    parts = ["".join(f"{line}\n" for line in imports)] if imports else []
    parts += [
        f"def test_mbpp_assert_{number}():\n    {line.strip()}\n"
        for number, line in enumerate(asserts, start=1)
    ]
    return "\n".join(parts)
