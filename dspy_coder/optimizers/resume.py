"""Resuming a stopped compile: rerun the same ``dspy-coder optimize`` command with the same --out.

``OUT/resume/`` holds what the next attempt continues from:

- ``request.json``: the compile's settings; another command on the same --out is refused (a
  different budget, optimizer, LM, data or metric would resume someone else's compile);
- ``lm_cache/``: a DSPy response cache of this compile only (``replay_cache``). DSPy's
  optimizers are seeded, so the next attempt makes the same requests in the same order and
  they are answered from disk at no model cost until it passes the point where the last one
  stopped; from there every call is new. The sidecar counts replayed calls apart;
- ``sandbox_results.jsonl``: the metric's sandbox verdicts per (task, code) (``SandboxMemo``);
- ``scores.jsonl`` and ``candidates/``: every score credited to a candidate (``ScoreJournal``),
  so the best-so-far candidate and ``OUT/checkpoint/`` carry over, and replayed runs are not
  counted twice;
- GEPA's own state, ``OUT/optimizer_logs/gepa/`` (DSPy's ``log_dir``), from which GEPA itself
  resumes: its candidates and their scores (and its evaluation cache, where that is safe:
  ``registry.gepa_cache_keeps_sets_apart``).

What is not resumed: the optimizer's in-memory state other than GEPA's (it is rebuilt by the
replay, which is exact only while requests repeat: a prompt that differs, e.g. a pipeline
feedback text that quotes a measured time, or thread scheduling with --threads > 1, is a new
call and the compile may take another path from there); the MLflow run (each attempt is its
own run); and the compile time, which is per attempt (``resume.attempts`` in the sidecar).
``--restart`` deletes all of it and starts over.

Example:
    >>> state = ResumeState.open(Path("runs/gepa"), {"optimizer": "gepa"})   # doctest: +SKIP
    >>> with replay_cache(state.lm_cache_dir) as cache:                       # doctest: +SKIP
    ...     compile_program(...)
    >>> cache.hits                                                             # doctest: +SKIP
    57
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dspy
from dspy.clients.cache import Cache

from dspy_coder.durable_files import write_text_atomic
from dspy_coder.errors import UsageError

logger = logging.getLogger(__name__)

RESUME_DIR = "resume"
GEPA_DIR = Path("optimizer_logs") / "gepa"
CACHE_LIMIT_BYTES = 4 * 1024**3


@dataclass(frozen=True)
class ResumeState:
    """The ``OUT/resume/`` folder of one compile and which attempt this is (1 = the first)."""

    out_dir: Path
    attempt: int
    earlier_seconds: float

    @property
    def folder(self) -> Path:
        return self.out_dir / RESUME_DIR

    @property
    def lm_cache_dir(self) -> Path:
        return self.folder / "lm_cache"

    @property
    def sandbox_file(self) -> Path:
        return self.folder / "sandbox_results.jsonl"

    @property
    def scores_file(self) -> Path:
        return self.folder / "scores.jsonl"

    @staticmethod
    def check(out_dir: Path, settings: dict[str, Any]) -> dict[str, Any]:
        """``settings`` as stored; ``UsageError`` if ``out_dir`` holds a compile with others."""
        request_file = Path(out_dir) / RESUME_DIR / "request.json"
        settings = json.loads(json.dumps(settings, default=str))  # as it reads back
        try:
            earlier = json.loads(request_file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return settings  # nothing (readable) to continue: a fresh start
        differ = sorted(key for key in {*earlier, *settings}
                        if earlier.get(key) != settings.get(key))
        if differ:
            raise UsageError(
                f"{out_dir} holds a compile with other settings ({', '.join(differ)} differ), "
                "which this command would continue. Use another --out, or --restart to "
                "discard it."
            )
        return settings

    @classmethod
    def open(cls, out_dir: Path, settings: dict[str, Any], *, restart: bool = False
             ) -> ResumeState:
        """Start or continue the compile in ``out_dir`` whose settings are ``settings``."""
        folder = Path(out_dir) / RESUME_DIR
        if restart:
            for path in (folder, Path(out_dir) / GEPA_DIR):
                shutil.rmtree(path, ignore_errors=True)
        request_file, attempts_file = folder / "request.json", folder / "attempts.json"
        settings = cls.check(out_dir, settings)
        folder.mkdir(parents=True, exist_ok=True)
        write_text_atomic(request_file, json.dumps(settings, indent=1, sort_keys=True) + "\n")
        attempts = _read_attempts(attempts_file)
        state = cls(Path(out_dir), len(attempts) + 1,
                    sum(float(a.get("seconds") or 0) for a in attempts))
        if attempts:
            logger.info("Resuming the compile in %s (attempt %d): earlier LM calls are replayed "
                        "from %s.", out_dir, state.attempt, state.lm_cache_dir)
        return state

    def finish_attempt(self, seconds: float, replayed: int, interrupted: bool) -> dict[str, Any]:
        """Record this attempt; returns the sidecar's ``resume`` entry."""
        attempts_file = self.folder / "attempts.json"
        attempts = [*_read_attempts(attempts_file),
                    {"seconds": round(seconds, 1), "replayed_lm_calls": replayed,
                     "interrupted": interrupted}]
        write_text_atomic(attempts_file, json.dumps(attempts, indent=1) + "\n")
        return {"attempt": self.attempt, "attempts": attempts,
                "total_seconds": round(self.earlier_seconds + seconds, 1),
                "folder": str(self.folder)}


def _read_attempts(path: Path) -> list[dict[str, Any]]:
    try:
        attempts = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return []
    return attempts if isinstance(attempts, list) else []


class ReplayCache(Cache):
    """DSPy's response cache in one folder, counting the calls it answers."""

    def __init__(self, directory: Path) -> None:
        super().__init__(enable_disk_cache=True, enable_memory_cache=True,
                         disk_cache_dir=str(directory), disk_size_limit_bytes=CACHE_LIMIT_BYTES)
        self.hits = 0
        self._hits_lock = threading.Lock()

    def get(self, request: dict[str, Any], ignored_args_for_cache_key: list[str] | None = None
            ) -> Any:
        response = super().get(request, ignored_args_for_cache_key)
        if response is not None:
            self.count_hits(1)
        return response

    def count_hits(self, hits: int) -> None:
        """Count calls answered elsewhere from this folder (a Ray worker's copy of it)."""
        with self._hits_lock:
            self.hits += hits


@contextmanager
def replay_cache(directory: Path, lms: Sequence[Any] = ()) -> Iterator[ReplayCache]:
    """Answer LM calls from (and store them in) ``directory`` while inside; ``lms`` are switched
    to use DSPy's cache meanwhile. DSPy's own cache and the LMs' settings are restored after."""
    module = vars(dspy)
    had_cache, previous = "cache" in module, module.get("cache")
    cache = ReplayCache(directory)
    caching = [(lm, lm.cache) for lm in lms if lm is not None and hasattr(lm, "cache")]
    dspy.cache = cache
    for lm, _ in caching:
        lm.cache = True
    try:
        yield cache
    finally:
        for lm, was in caching:
            lm.cache = was
        if had_cache:
            dspy.cache = previous
        else:  # DSPy builds its default cache lazily: leave it unbuilt
            module.pop("cache", None)
