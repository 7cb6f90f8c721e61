"""``dspy-coder project``: build a small multi-module package from requirements.

The requirements come from flags, a TOML file (``--requirements``) or five questions
(``--interactive``). The plan is checked, the modules are written in dependency order through
the ``solve`` pipeline (its flags apply to every module), the modules are tested together, and
the package goes to ``--out``: ``src/<package>/``, ``tests/`` (run them with plain ``pytest``
there), ``pyproject.toml``, ``README.md`` and ``project_report.json``. The summary goes to
stdout, logs to stderr. Ctrl-C or SIGTERM stop after the current step and what was built so far
is written (exit 130 / 143).

Examples:
    dspy-coder project "an email library: a validator and a normaliser" --tech CLI
    dspy-coder project "a TTL + LRU cache" --lib cachetools:TTLCache --out out/cache
    dspy-coder project "a TOML config writer" --lib tomli-w:dumps --install-libs
    dspy-coder project --requirements req.toml --lm local:qwen2.5-coder-1.5b
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from pathlib import Path

from dspy_coder.commands.approval_options import add_approval_options, approval_from_args
from dspy_coder.commands.interrupts import stop_on_signals
from dspy_coder.commands.live_view import add_view_option, choose_view, viewing
from dspy_coder.commands.lm_cache import add_lm_cache_option
from dspy_coder.commands.parallel_option import add_parallel_option, parallel_settings
from dspy_coder.commands.pipeline_options import (
    add_pipeline_options,
    add_senior_option,
    pipeline_options,
)
from dspy_coder.commands.project_libraries import (
    add_library_options,
    library_site_dirs,
    sandbox_runners,
)
from dspy_coder.commands.run_dir import add_run_dir_option, journaled, kept_run, run_dir_path
from dspy_coder.commands.solve import check_out_dir, events_to
from dspy_coder.durable_files import write_text_atomic
from dspy_coder.errors import UsageError
from dspy_coder.pipeline.approval import Approval

logger = logging.getLogger(__name__)


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "project",
        help="build a small multi-module package from requirements",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("goal", nargs="?", help="what the package should do")
    source.add_argument("--requirements", type=Path, metavar="FILE.toml",
                        help="read the requirements from a TOML file")
    source.add_argument("--interactive", action="store_true",
                        help="answer five questions in the terminal")
    parser.add_argument("--approach", default="", help="the algorithmic approach")
    parser.add_argument("--tech", action="append", metavar="TECH",
                        help="a technology (repeat or comma-separate)")
    parser.add_argument("--lib", action="append", metavar="NAME[:FEATURE,...]",
                        help="a library and the features to use (repeat)")
    parser.add_argument("--doc", action="append", metavar="REF",
                        help="a documentation reference (repeat)")
    parser.add_argument("--context", default="", help="anything else the builder should know")
    parser.add_argument("--max-replans", type=int, default=2, metavar="N",
                        help="plans sent back to the planner before giving up (default 2)")
    parser.add_argument("--integration-rounds", type=int, default=1, metavar="N",
                        help="rounds of fixing modules an integration test blames (default 1)")
    add_library_options(parser)
    pipeline = parser.add_argument_group("pipeline (for every module)")
    add_pipeline_options(pipeline)
    add_senior_option(pipeline)
    add_parallel_option(pipeline)
    add_approval_options(parser)
    parser.add_argument("--out", type=Path, default=Path("out/project"),
                        help="output directory (default out/project)")
    add_lm_cache_option(parser)
    add_run_dir_option(parser)
    add_view_option(parser)
    parser.add_argument("--events", type=Path, metavar="FILE.jsonl",
                        help="append the run's live events to this file, one JSON line each "
                        "(watch it with tail -f)")
    return parser


REQUIREMENTS_FILE = "requirements.json"


def read_requirements(args: argparse.Namespace):
    """The ``Requirements`` from whichever source the flags chose; a resumed run reads the ones
    its run directory kept, so ``--interactive`` does not ask again and an edited TOML file
    does not change a run half-way."""
    from dspy_coder.task.project_requirements import (
        Requirements,
        requirements_from_flags,
        requirements_from_toml,
        requirements_interactively,
    )

    kept = run_dir_path(args) / REQUIREMENTS_FILE
    if getattr(args, "resuming", False) and kept.exists():
        logger.info("Requirements as the run kept them in %s", kept)
        return Requirements.model_validate_json(kept.read_text(encoding="utf-8"))
    if args.requirements:
        return requirements_from_toml(args.requirements)
    if args.interactive:
        return requirements_interactively(input, sys.stdin.isatty())
    return requirements_from_flags(args.goal, args.approach, args.tech, args.lib, args.doc,
                                   args.context)


def write_files(out: Path, files: dict[str, str]) -> list[Path]:
    """Write every file under ``out`` (each atomically); returns their paths."""
    written = []
    for relative, text in sorted(files.items()):
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        written.append(write_text_atomic(path, text))
    return written


def run(args: argparse.Namespace, settings) -> int:
    if args.max_replans < 0 or args.integration_rounds < 0:
        raise UsageError("--max-replans and --integration-rounds must be 0 or more.")
    requirements = read_requirements(args)
    check_out_dir(args.out)  # all checks before the LM loads, so bad input fails fast
    approval = approval_from_args(args)
    from dspy_coder.judge.project_report import render_project_report
    from dspy_coder.pipeline.coder import Coder
    from dspy_coder.pipeline.project_coder import ProjectCoder

    options = pipeline_options(args)  # checked before the LM loads
    lm_options, draw_options = parallel_settings(args, settings)
    # installed here, or into the project environment the sandboxed runs import from
    site_dirs = library_site_dirs(args, requirements.libraries)
    runners = sandbox_runners(site_dirs)
    senior = settings.make_lm(args.senior_lm) if args.senior_lm else None
    with stop_on_signals() as stops, kept_run(args) as run_dir:
        # the run's journal (or, with --lm-cache, DSPy's)
        settings.configure(cache=True, **lm_options)
        approval = journaled(approval, run_dir)  # one journal for every gate of the run
        write_text_atomic(run_dir.path / REQUIREMENTS_FILE, requirements.model_dump_json(indent=2))
        # the project's plan is reviewed once; each module's examples and result at its own
        module_approval = module_gates(approval)
        project = ProjectCoder(Coder(approval=module_approval, senior=senior, **runners,
                                     **options, **draw_options),
                               max_replans=args.max_replans,
                               integration_rounds=args.integration_rounds, approval=approval,
                               executor=runners.get("executor"), library_dirs=site_dirs)
        logger.info("Building %r with %s (run kept in %s)", requirements.goal, settings.lm,
                    run_dir.path)
        with events_to(args.events), viewing(choose_view(args.view),
                                             f"dspy-coder project · {settings.lm}"):
            result = project(requirements=requirements)
        run_dir.end_and_tell(stops.signum is None and not result.report.stopped_early,
                    result.report.status)
    written = write_files(args.out, result.files)
    sys.stdout.write(render_project_report(result.report)
                     + f"\nWrote {len(written)} files to {args.out}\n")
    sys.stdout.flush()
    if stops.signum is not None or result.report.stopped_early:
        return stops.exit_code
    return 0 if result.report.status == "success" else 1


def module_gates(approval: Approval | None) -> Approval | None:
    """The gates each module's ``Coder`` asks: examples, questions and final, if asked for
    the run (the plan gate is the project's)."""
    gates = [g for g in ("examples", "questions", "final")
             if approval is not None and approval.asks(g)]
    return dataclasses.replace(approval, gates=tuple(gates)) if gates else None
