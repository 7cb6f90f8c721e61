r"""ClassEval (tasks 0 to 69, class-level code generation) as problems in HumanEval's shape.

Each ClassEval task asks for a whole class. The program sees the task as its import
statements and the class skeleton: the class docstring, the constructor and every method's
signature with a docstring and ``>>>`` examples (the examples may serve as ground truth, as
HumanEval's do). The entry point is the class name.

The hidden test is the task's ``unittest`` module, several ``TestCase`` classes (about one
per method, plus one that uses the methods together); it never reaches a prompt. Grading
(``bench/class_grading.py``) runs it the way ClassEval's own evaluator does: the task's import
statements, then the answer, then the test module, each test class with ``unittest``. A task
passes at class level when every test class passes; method level counts test classes.
``test_classes`` lists the classes that are graded: those of the task's ``test_classes`` that
define at least one test. ClassEval_69 also lists ``TestPDFHandler``, which holds only the
``setUpClass`` that the other classes call; run on its own it runs no test, which ClassEval's
evaluator counts as an error, so no answer could pass that task there. It is left out here.

Four skeletons are broken as published and are repaired before they become prompts
(``repair_skeleton``): ClassEval_43 and _46 open or close a docstring with typographic quotes
(``“”“``), ClassEval_22 leaves the docstring of ``register_class`` open into the next method
(these three are not valid Python), and ClassEval_5's whole skeleton sits inside a ``'''``
string (valid Python that defines no class).

``canonical_solution`` is the reference ``solution_code``, a whole program
(``Problem.reference_code()`` returns it as it is).

The data is read from ``../shared/datasets/classeval/ClassEval_0-69.json`` next to the
repository (see that folder's README); it is never copied into the repository.

Example:
    >>> print(class_prompt(["import math"], "import math\n\nclass Area:\n    pass\n"), end="")
    import math
    <BLANKLINE>
    class Area:
        pass
"""

from __future__ import annotations

import ast
import logging
from pathlib import Path
from typing import Any

from dspy_coder.shared_datasets import converted_records, dataset_file

logger = logging.getLogger(__name__)

CLASSEVAL_FILE = Path("classeval") / "ClassEval_0-69.json"
_IMPORT_PREFIXES = ("import ", "from ")
_CURLY_QUOTES = {  # a docstring delimiter typed with typographic quotes
    "\u201c\u201d\u201c", "\u201d\u201c\u201d", "\u201c\u201c\u201c", "\u201d\u201d\u201d",
}
_MEMBER_START = ("    def ", "    @", "    async def ")


def classeval_path(datasets_dir: Path | None = None) -> Path:
    """Where the ClassEval file is, or a ``UsageError`` naming the path that was tried."""
    return dataset_file("ClassEval", CLASSEVAL_FILE, datasets_dir)


def classeval_records(datasets_dir: Path | None = None) -> list[dict[str, Any]]:
    """The 70 ClassEval tasks as HumanEval-format records with ``test_classes`` and
    ``grading_prelude``, in file order (``datasets.load_problems("classeval")`` makes them
    ``Problem``s)."""
    return converted_records(classeval_path(datasets_dir), "ClassEval", "ClassEval tasks",
                             classeval_problem)


def classeval_problem(record: dict[str, Any]) -> dict[str, Any]:
    """One ClassEval task as the fields of a class-level ``Problem``."""
    imports = [str(line).strip() for line in record["import_statement"]]
    test = record["test"]
    graded = graded_test_classes(test, list(record["test_classes"]))
    if not graded:
        raise ValueError("none of its test classes defines a test")
    left_out = [name for name in record["test_classes"] if name not in graded]
    if left_out:
        logger.debug("%s: test classes without tests, not graded: %s",
                     record["task_id"], ", ".join(left_out))
    return {
        "task_id": str(record["task_id"]),
        "prompt": class_prompt(imports, repair_skeleton(record["skeleton"], record["task_id"])),
        "entry_point": record["class_name"],
        "test": test,
        "canonical_solution": record["solution_code"],
        "test_classes": graded,
        "grading_prelude": "".join(f"{line}\n" for line in imports),
    }


def class_prompt(imports: list[str], skeleton: str) -> str:
    """The task's import statements, then the skeleton without its own leading imports (most
    skeletons repeat them, some in another order or with fewer names)."""
    lines = skeleton.strip("\n").splitlines()
    head: list[str] = []
    while lines and (not lines[0].strip() or lines[0].startswith(_IMPORT_PREFIXES)):
        head.append(lines.pop(0).strip())
    extra = [line for line in head if line and line not in imports]
    header = "".join(f"{line}\n" for line in [*imports, *extra])
    body = "\n".join(lines) + "\n"
    return f"{header}\n{body}" if header else body


def repair_skeleton(skeleton: str, task_id: str = "") -> str:
    """The skeleton with three kinds of typo mended, so that it parses and defines its class:
    a skeleton wrapped whole in a ``'''`` string is unwrapped, a docstring delimiter typed
    as typographic quotes becomes ``\"\"\"``, and a docstring still open when the next
    method starts is closed before it. Each repair is logged."""
    lines = skeleton.split("\n")
    ends = [i for i, line in enumerate(lines) if line.strip()]
    if ends and all(lines[i].strip() == "'''" for i in (ends[0], ends[-1])) and ends[0] < ends[-1]:
        inner = lines[ends[0] + 1 : ends[-1]]
        if not any("'''" in line for line in inner):
            logger.debug("%s: the skeleton is wrapped in a ''' string, unwrapped", task_id)
            lines = inner
    repaired: list[str] = []
    open_quote = False
    for line in lines:
        if line.strip() in _CURLY_QUOTES:
            logger.debug("%s: typographic quotes as a docstring delimiter, repaired", task_id)
            line = line[: len(line) - len(line.lstrip())] + '"""'
        if open_quote and line.startswith(_MEMBER_START):
            while repaired and not repaired[-1].strip():
                repaired.pop()
            repaired += ['        """', ""]
            open_quote = False
            logger.debug("%s: docstring left open before %r, closed", task_id, line.strip())
        if line.count('"""') % 2:
            open_quote = not open_quote
        repaired.append(line)
    return "\n".join(repaired)


def graded_test_classes(test: str, names: list[str]) -> list[str]:
    """``names`` that define (or inherit from a class of the module) a ``test*`` method."""
    classes = {node.name: node for node in ast.parse(test).body if isinstance(node, ast.ClassDef)}

    def has_tests(name: str, seen: frozenset[str] = frozenset()) -> bool:
        node = classes.get(name)
        if node is None or name in seen:
            return False
        if any(isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
               and item.name.startswith("test") for item in node.body):
            return True
        bases = [base.id for base in node.bases if isinstance(base, ast.Name)]
        return any(has_tests(base, seen | {name}) for base in bases)

    missing = [name for name in names if name not in classes]
    if missing:
        raise ValueError(f"test classes {', '.join(missing)} are not in the test module")
    return [name for name in names if has_tests(name)]
