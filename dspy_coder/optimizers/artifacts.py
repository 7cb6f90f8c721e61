"""Save and load compiled programs: ``program.json`` (DSPy state) + ``program.meta.json``.

The sidecar records what the program is and how it was made: program kind and options,
optimizer, budget, LMs, split seed and sizes, train/dev scores, compile time, LM calls, git
commit and date. ``load_program`` rebuilds the program from the sidecar and loads the state;
``dspy-coder solve/bench --program PATH`` use the same files.

Before saving, ``audit_leakage`` (``leaks.py``) checks the state for every held-out
(test-split) task id, prompt, ``def entry_point(`` that is not also a train/dev entry point, and
hidden assert; a leak refuses the save.

Example:
    >>> save_program(program, "out/", {"program": "baseline"})   # doctest: +SKIP
    >>> program = load_program("out/")        # or "out/program.json"       # doctest: +SKIP
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import os
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import dspy

from dspy_coder.datasets import Problem
from dspy_coder.durable_files import fsync_directory, fsync_file, write_text_atomic
from dspy_coder.errors import UsageError
from dspy_coder.optimizers.leaks import audit_leakage
from dspy_coder.pipeline.programs import PROGRAM_KINDS, make_program

logger = logging.getLogger(__name__)

PROGRAM_FILE = "program.json"
SIDECAR_FILE = "program.meta.json"
SIDECAR_VERSION = 1


def git_commit(cwd: str | Path | None = None) -> str | None:
    """The current commit of the repository around ``cwd`` (None outside git)."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd or Path(__file__).parent,
            capture_output=True, text=True, timeout=10, check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def utc_now() -> str:
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()


def strip_lm_state(program: dspy.Module) -> dspy.Module:
    """Drop per-predictor LMs some optimizers leave behind (e.g. SIMBA's sampling copies),
    so a loaded program always runs with the LM the user configures."""
    for predictor in program.predictors():
        predictor.lm = None
    return program


def save_program(
    program: dspy.Module,
    out_dir: str | Path,
    sidecar: dict[str, Any],
    *,
    held_out: Sequence[Problem] = (),
    allowed_entry_points: Iterable[str] = (),
    allowed_asserts: Iterable[str] = (),
) -> tuple[Path, Path]:
    """Write ``program.json`` and ``program.meta.json`` under ``out_dir``; return both paths
    (after ``audit_leakage`` against ``held_out``, which refuses a leak)."""
    kind = sidecar.get("program")
    if kind not in PROGRAM_KINDS:
        raise UsageError(f"Sidecar 'program' must be one of {PROGRAM_KINDS}, got {kind!r}.")
    strip_lm_state(program)
    if held_out:
        audit_leakage(program, held_out, allowed_entry_points, allowed_asserts)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    program_path, sidecar_path = out / PROGRAM_FILE, out / SIDECAR_FILE
    tmp = out / (PROGRAM_FILE + ".tmp.json")
    program.save(str(tmp))
    fsync_file(tmp)  # on disk before it replaces the previous program
    os.replace(tmp, program_path)
    fsync_directory(out)
    meta = {"sidecar_version": SIDECAR_VERSION, "program_file": PROGRAM_FILE, **sidecar}
    meta.setdefault("options", {})
    meta.setdefault("saved_at", utc_now())
    meta.setdefault("git_commit", git_commit())
    meta["leak_check"] = "passed" if held_out else "not run"
    write_text_atomic(sidecar_path, json.dumps(meta, indent=2, default=str) + "\n")
    logger.info("Saved %s and %s", program_path, sidecar_path)
    return program_path, sidecar_path


def resolve_program_path(path: str | Path) -> Path:
    """``path`` may be the output directory or the program JSON itself."""
    candidate = Path(path)
    if candidate.is_dir():
        candidate = candidate / PROGRAM_FILE
    if not candidate.is_file():
        raise UsageError(f"No compiled program at {path} (expected a directory with "
                         f"{PROGRAM_FILE}, or the JSON file written by `dspy-coder optimize`).")
    return candidate


def read_sidecar(path: str | Path) -> dict[str, Any]:
    """The sidecar of a compiled program (``path``: directory or program JSON)."""
    program_path = resolve_program_path(path)
    sidecar = program_path.with_suffix(".meta.json")
    if not sidecar.is_file():
        raise UsageError(f"No sidecar {sidecar.name} next to {program_path}; it records the "
                         "program kind (coder/baseline/cot). Re-run `dspy-coder optimize`.")
    try:
        return json.loads(sidecar.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise UsageError(f"Sidecar {sidecar} is not valid JSON: {exc}") from exc


def load_program(path: str | Path, **option_overrides: Any) -> dspy.Module:
    """Rebuild a compiled program: construct it from the sidecar, then load its state.

    Example:
        >>> coder = load_program("runs/mipro-coder/")          # doctest: +SKIP
        >>> coder(prompt=task.prompt, entry_point=task.entry_point).code   # doctest: +SKIP
    """
    program_path = resolve_program_path(path)
    meta = read_sidecar(program_path)
    kind = meta.get("program")
    if kind not in PROGRAM_KINDS:
        raise UsageError(f"Sidecar of {program_path}: 'program' must be one of {PROGRAM_KINDS}, "
                         f"got {kind!r}.")
    options = {**(meta.get("options") or {}), **option_overrides}
    program = make_program(kind, options)
    try:
        program.load(str(program_path))
    except Exception as exc:  # DSPy raises KeyError/ValueError on a mismatched state
        raise UsageError(f"Could not load {program_path} into a {kind!r} program "
                         f"({type(exc).__name__}: {exc}).") from exc
    return program
