"""Append-only files a stopped compile leaves behind, so the same command continues from them.

- ``SandboxMemo``: every sandbox verdict the metric computed, keyed by (task, code): a resumed
  compile does not run a candidate's code on an example again.
- ``ScoreJournal``: every score credited to a candidate (and the candidate's state, once), so
  the best-so-far candidate of the earlier attempt is known from the start of the next one.

One JSON object per line, flushed as it is written; a line cut short by a kill is skipped.

Example:
    >>> memo = SandboxMemo(Path("runs/x/resume/sandbox_results.jsonl"))  # doctest: +SKIP
    >>> memo.put(key, result); memo.get(key) == result                   # doctest: +SKIP
    True
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from dspy_coder.types import ExecutionResult

logger = logging.getLogger(__name__)


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    """The JSON objects of ``path`` (none if it is missing); a broken line is skipped."""
    if not path.exists():
        return
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                logger.warning("%s: line %d is incomplete (a stop while writing); skipped.",
                               path, number)
                continue
            if isinstance(record, dict):
                yield record


class _AppendOnly:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._cut_short = _ends_mid_line(self.path)

    def _append(self, record: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            if self._cut_short:  # end the broken line, so this record gets its own
                handle.write("\n")
                self._cut_short = False
            handle.write(json.dumps(record, default=str) + "\n")
            handle.flush()


def _ends_mid_line(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            handle.seek(0, 2)
            if handle.tell() == 0:
                return False
            handle.seek(-1, 2)
            return handle.read(1) != b"\n"
    except OSError:
        return False


class SandboxMemo(_AppendOnly):
    """Sandbox results by key (the metric's hash of task id and code), kept on disk."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._results: dict[str, ExecutionResult] = {}
        for record in _lines(self.path):
            try:
                self._results[str(record["key"])] = ExecutionResult.model_validate(
                    record["result"])
            except (KeyError, ValidationError):
                continue

    def __len__(self) -> int:
        return len(self._results)

    def get(self, key: str) -> ExecutionResult | None:
        return self._results.get(key)

    def put(self, key: str, result: ExecutionResult) -> None:
        if key in self._results:
            return
        self._results[key] = result
        self._append({"key": key, "result": result.model_dump(mode="json")})


class ScoreJournal(_AppendOnly):
    """Scores credited to candidates, in order, and each candidate's state (one file each)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.states_dir = self.path.parent / "candidates"

    def entries(self) -> list[tuple[str, str, float]]:
        """(candidate fingerprint, task id, score) of every earlier score, in order."""
        return [(str(r["candidate"]), str(r.get("task_id")), float(r["score"]))
                for r in _lines(self.path) if "candidate" in r and "score" in r]

    def state(self, fingerprint: str) -> dict[str, Any] | None:
        path = self.states_dir / f"{fingerprint}.json"
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return None

    def append(self, fingerprint: str, task_id: str | None, score: float,
               state: dict[str, Any] | None = None) -> None:
        """Record one score (and the candidate's state, the first time it is scored)."""
        if state is not None and not (self.states_dir / f"{fingerprint}.json").exists():
            from dspy_coder.durable_files import write_text_atomic

            self.states_dir.mkdir(parents=True, exist_ok=True)
            write_text_atomic(self.states_dir / f"{fingerprint}.json",
                              json.dumps(state, default=str))
        self._append({"candidate": fingerprint, "task_id": task_id, "score": score})
