"""``dspy-coder solve``: develop tested code for one task and write it to ``--out``.

Examples:
    dspy-coder solve "Write a function is_palindrome(s) that ignores case and spaces."
    dspy-coder solve --file task.py --out out/
    dspy-coder solve --humaneval HumanEval/12 --lm local:qwen2.5-coder-0.5b
    dspy-coder solve --demo
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from pathlib import Path

from dspy_coder.commands.interrupts import Stops, stop_on_signals
from dspy_coder.commands.pipeline_options import (
    add_pipeline_options,
    pipeline_options,
    refuse_pipeline_flags,
)
from dspy_coder.durable_files import write_text_atomic
from dspy_coder.errors import UsageError

logger = logging.getLogger(__name__)

DEMO_TASK = '''def merge_intervals(intervals: list[list[int]]) -> list[list[int]]:
    """Merge all overlapping closed intervals and return them sorted by start.
    Intervals that touch (end == next start) are merged too.

    >>> merge_intervals([[1, 3], [2, 6], [8, 10], [15, 18]])
    [[1, 6], [8, 10], [15, 18]]
    >>> merge_intervals([[1, 4], [4, 5]])
    [[1, 5]]
    >>> merge_intervals([])
    []
    """
'''


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "solve",
        help="develop tested code for one task",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("task", nargs="?", help="the task as text")
    source.add_argument("--file", type=Path, help="read the task from a file")
    source.add_argument("--humaneval", metavar="ID", help="a HumanEval problem, e.g. HumanEval/12")
    source.add_argument("--demo", action="store_true", help="solve the built-in demo task")
    parser.add_argument("--entry-point", help="function name (default: detected from the task)")
    parser.add_argument("--program", type=Path, help="a compiled program saved by 'optimize'")
    add_pipeline_options(parser.add_argument_group("pipeline"))
    parser.add_argument("--out", type=Path, default=Path("out"), help="output directory")
    return parser


def _read_task(args: argparse.Namespace):
    """(prompt, entry_point, task_id, problem-or-None) from the chosen source."""
    if args.demo:
        return DEMO_TASK, "merge_intervals", "demo/merge_intervals", None
    if args.file:
        return read_task_file(args.file), args.entry_point, args.file.stem, None
    if args.humaneval:
        from dspy_coder.datasets import load_problems, select_problems

        problem = select_problems(load_problems("humaneval"), ids=[args.humaneval])[0]
        return problem.prompt, problem.entry_point, problem.task_id, problem
    return args.task, args.entry_point, None, None


def read_task_file(path: Path) -> str:
    """The task text in ``path``; a missing, unreadable or binary file is a usage error."""
    if not path.is_file():
        raise UsageError(f"Task file {path} does not exist.")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = exc.object[exc.start]
        raise UsageError(
            f"Task file {path} is not UTF-8 text (byte {exc.start} is 0x{bad:02x}). Pass a "
            "Python file with the function's signature and docstring, or a text file "
            "describing the function."
        ) from exc
    except OSError as exc:
        raise UsageError(f"Cannot read task file {path}: {exc.strerror or exc}.") from exc
    if "\x00" in text:
        raise UsageError(f"Task file {path} is binary (it contains NUL bytes), not a task.")
    return text


def check_out_dir(out: Path) -> None:
    """Create ``--out`` and prove it writable (a probe file, removed at once), so a run that
    takes minutes is never lost at the end for want of a place to write it."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} exists and is not a directory; pass a directory path.")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".dspy-coder-write-check-"):
            pass
    except OSError as exc:
        raise UsageError(
            f"Cannot write the results to --out {out} ({exc.strerror or exc}); pass a "
            "directory you can create and write to."
        ) from exc


def _build_program(args: argparse.Namespace):
    """The Coder with the pipeline flags, or a compiled program (pipeline flags override the
    options it was compiled with, as in ``bench``)."""
    options = pipeline_options(args)
    if args.program:
        from dspy_coder.optimizers import load_program, read_sidecar

        kind = read_sidecar(args.program).get("program") if options else "coder"
        if kind != "coder":
            refuse_pipeline_flags(args, f"{args.program} (a {kind} program)")
        return load_program(args.program, **options)
    from dspy_coder.pipeline.coder import Coder

    return Coder(**options)


def _solution_text(report) -> str:
    """The code, or, when the run produced none, a note saying so (never an empty file that
    could pass for an answer, or leave an earlier run's solution in place)."""
    if report.code.strip():
        return report.code
    return (
        f"# dspy-coder produced no code for this task (status {report.status}); "
        "see report.json, error_trail.\n"
    )


def _write_outputs(out: Path, report) -> None:
    tests = "\n\n\n".join(t.code for t in report.tests if t.vetted)
    write_text_atomic(out / "solution.py", _solution_text(report))
    write_text_atomic(
        out / "test_solution.py", f"from solution import *  # noqa: F403\n\n\n{tests}\n"
    )
    write_text_atomic(out / "report.json", report.model_dump_json(indent=2))


def run(args: argparse.Namespace, settings) -> int:
    prompt, entry_point, task_id, problem = _read_task(args)
    check_out_dir(args.out)  # all checks before the LM loads, so bad input fails fast
    program = _build_program(args)
    # Ctrl-C/kill: the Coder stops and returns its report so far, which is written; exit
    # 130/143 as bench does (a signal outside the Coder reaches cli.main, which does the same)
    with stop_on_signals() as stops:
        settings.configure()
        logger.info("Solving %s with %s", task_id or "the task", settings.lm)
        prediction = program(prompt=prompt, entry_point=entry_point, task_id=task_id)
        report = getattr(prediction, "report", None)
        if report is None:  # a compiled baseline: wrap its code in a minimal report
            report = _single_shot_report(prediction, prompt, entry_point, task_id)
        return _finish(args, report, problem, stops)


def _single_shot_report(prediction, prompt: str, entry_point: str | None, task_id: str | None):
    from dspy_coder.task.build import build_task
    from dspy_coder.types import DevelopmentReport

    code = str(getattr(prediction, "code", "") or "")
    return DevelopmentReport(
        task=build_task(prompt, entry_point, task_id),
        status="partial" if code.strip() else "failed",
        code=code,
        notes=["single-shot program: no tests were run"],
    )


def _finish(args: argparse.Namespace, report, problem, stops: Stops) -> int:
    """Write and log the result; grade it with a HumanEval problem's hidden tests."""
    from dspy_coder.judge.reporting import render_report

    _write_outputs(args.out, report)
    logger.info("Result:\n%s", render_report(report))
    interrupted = stops.signum is not None or report.stop_reason == "interrupted"
    if interrupted:
        logger.warning("Interrupted: %s holds the attempts so far.", args.out / "report.json")
        return stops.exit_code
    if problem is not None and report.code.strip():
        from dspy_coder.sandbox import Limits
        from dspy_coder.sandbox import run as sandbox_run

        graded = sandbox_run(
            report.code,
            tests=problem.test,
            entry_point=problem.entry_point,
            limits=Limits(timeout_s=10),
        )
        logger.info(
            "Graded by the hidden HumanEval tests (after solving): %s",
            "PASSED" if graded.passed else f"FAILED ({graded.status})",
        )
    logger.info(
        "Wrote %s, %s and %s",
        args.out / "solution.py",
        args.out / "test_solution.py",
        args.out / "report.json",
    )
    return 0 if report.status == "success" else 1
