"""Build and validate a ``Task`` from what a user gives: a prompt and optionally an entry point.

Example:
    >>> task = build_task("def add(a, b):\\n    # add(1, 2) == 3\\n")
    >>> task.entry_point, [e.call for e in task.examples]
    ('add', ['add(1, 2)'])
"""

from __future__ import annotations

import re
from typing import Literal

from dspy_coder.errors import UsageError
from dspy_coder.task.doc_examples import extract_doc_examples
from dspy_coder.task.interface_stubs import interface_stubs
from dspy_coder.task.requirements import defined_names, stated_requirements
from dspy_coder.types import DocExample, Task

_DEF = re.compile(r"^def\s+([A-Za-z_]\w*)\s*\(", re.M)
_MIN_WORDS = 3
_CLASS_WORD = re.compile(r"\bclass(?:es)?\b", re.I)
_NAMED_FUNCTION = re.compile(r"\bfunction\s+(?:named|called)\s+`?([A-Za-z_]\w*)`?", re.I)


def detect_entry_point(prompt: str) -> str | None:
    """The last top-level ``def`` in the prompt (HumanEval puts helpers first)."""
    names = _DEF.findall(prompt)
    return names[-1] if names else None


def _is_function_name(name: str, prompt: str) -> bool:
    """A lower-case name (``_sum`` too), or a capitalised one in a task that never says
    "class": MBPP's ``Find_Max_Length`` is a function, the LRU task's ``LRUCache`` a class."""
    return name.lstrip("_")[:1].islower() or not _CLASS_WORD.search(prompt)


def _prose_functions(prompt: str) -> list[str]:
    """The functions a task in prose names with their arguments; none for code."""
    return [name for name in stated_requirements(prompt, None).names
            if _is_function_name(name, prompt)]


def prose_entry_point(prompt: str) -> str | None:
    """The one function a task in prose names with its arguments ("Write a function
    slugify(text) that ..."), as its entry point: then the examples its prose gives count as
    ground truth, and the checks that need the function's name (differential testing, the
    examples and questions gates) run. None for code, or prose naming several names or a
    class (``LRUCache(capacity) with get(key) and put(key, value)``)."""
    names = stated_requirements(prompt, None).names
    if not names and not _DEF.search(prompt):  # "a function named count_words that ..."
        names = tuple(dict.fromkeys(_NAMED_FUNCTION.findall(prompt)))
    if len(names) != 1 or not _is_function_name(names[0], prompt):
        return None
    return names[0]


def _examples(prompt: str, entry_point: str | None, prose: bool) -> list[DocExample]:
    """The task's examples: of its entry point, or, for prose naming several functions
    ("validate_email(s) and normalize_email(s) ... normalize_email(' A@B.C ') returns
    'a@b.c'"), of each of them."""
    if entry_point is not None or not prose:
        return extract_doc_examples(prompt, entry_point)
    return [example for name in _prose_functions(prompt)
            for example in extract_doc_examples(prompt, name)]


def build_task(
    prompt: str, entry_point: str | None = None, task_id: str | None = None,
    context_code: str = "",
    feedback: str = "",
    context_imports: list[str] | None = None,
) -> Task:
    """Validate the prompt and extract its docstring examples; raise ``UsageError`` if unusable.
    ``context_code``, ``context_imports`` and ``feedback``: see ``Task``. A task in prose
    without an ``entry_point`` gets the one function it names (``prose_entry_point``), and the
    examples of each function it names, unless it is written on other code (a project's
    module), whose prose names that code's functions too."""
    if prompt is None or not str(prompt).strip():
        raise UsageError(
            "The task is empty. Pass a function signature with a docstring, or a sentence "
            "describing the function to write."
        )
    prompt = str(prompt)
    entry_point = entry_point or detect_entry_point(prompt)
    prose = entry_point is None and not context_code and not context_imports
    if prose:
        entry_point = prose_entry_point(prompt)
    words = re.findall(r"[A-Za-z]{2,}", prompt)
    if entry_point is None and len(words) < _MIN_WORDS:
        raise UsageError(
            f"The task {prompt.strip()[:60]!r} is too short to act on. Describe what the function "
            "should do (at least a sentence), or give its signature and docstring."
        )
    if entry_point is not None and not re.fullmatch(r"[A-Za-z_]\w*", entry_point):
        raise UsageError(f"entry_point {entry_point!r} is not a Python identifier.")
    return Task(
        prompt=prompt,
        entry_point=entry_point,
        task_id=task_id,
        examples=_examples(prompt, entry_point, prose),
        context_code=context_code,
        context_imports=list(context_imports or []),
        feedback=feedback,
    )


CONTEXT_HEADER = ("The code this builds on is already written and runs before yours (its "
                  "interface, bodies left out): call its names directly, do not define or "
                  "import them again.")
OWN_CODE_ONLY = "Write only this code's own part: define {names} (and any helpers); the names " \
                "above already exist."
NEW_CODE_ONLY = "Write only the new code; the names above already exist."
OWN_TESTS_ONLY = "Test only this code's own part: {names}; the names above are already " \
                 "written and tested on their own."
NEW_TESTS_ONLY = "Test only the new code; the names above are already written and tested on " \
                 "their own."


FEEDBACK_HEADER = "An earlier answer to this task failed like this; avoid it:"


def task_text(task: Task, audience: Literal["code", "tests"] = "code") -> str:
    """How the task is shown to the LM: the prompt, plus the function name for free text, and
    the code it builds on (``context_code``) when there is some.

    That code comes first, as its interface (``interface_stubs``), and the text ends with the
    names this code must define: shown the whole code after its task, the 1.5B copied it and
    wrote none of its own functions (0 of 3 drafts of the TOML project's toml_writer; 3 of 3
    with this layout). The test writer (``audience="tests"``) is told instead which names to
    test: "define" asks it for code."""
    text = task.prompt
    if task.entry_point and f"def {task.entry_point}" not in task.prompt:
        text = f"{task.prompt.strip()}\n\nName the function `{task.entry_point}`."
    if task.feedback.strip():
        text = f"{text.rstrip()}\n\n{FEEDBACK_HEADER}\n{task.feedback.strip()}"
    if task.context_code.strip():
        shown = interface_stubs(task.context_code).strip()
        text = (f"{CONTEXT_HEADER}\n```python\n{shown}\n```\n\n{text.strip()}\n\n"
                f"{_own_part_only(task, audience)}")
    return text


def _own_part_only(task: Task, audience: Literal["code", "tests"]) -> str:
    """The closing line of a task written on context code: the names it must define itself
    (or, for the test writer, test)."""
    theirs = defined_names(task.context_code)
    names = [name for name in stated_requirements(task.prompt, task.entry_point).names
             if name not in theirs]
    if not names and task.entry_point:
        names = [task.entry_point]
    if audience == "tests":
        return OWN_TESTS_ONLY.format(names=", ".join(names)) if names else NEW_TESTS_ONLY
    return OWN_CODE_ONLY.format(names=", ".join(names)) if names else NEW_CODE_ONLY


def runnable_code(task: Task, code: str) -> str:
    """What runs for a candidate: the task's ``context_code``, then the candidate."""
    if not task.context_code.strip():
        return code
    return f"{task.context_code.rstrip()}\n\n\n{code}"
