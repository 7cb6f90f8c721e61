"""Programs for the Ray tests; they run inside Ray workers, so they live in an importable module.

``TableProgram`` answers from a table and notes the pid of every attempt in a file per entry
point, so a test can tell which process ran a unit and how often. For the entry points in
``kills`` it SIGKILLs its own worker on the first ``kills[name]`` attempts, as a crashing
machine would.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import dspy


class TableProgram(dspy.Module):
    def __init__(
        self, codes: dict[str, str], marker_dir: Path, kills: dict[str, int] | None = None
    ) -> None:
        super().__init__()
        self.codes, self.marker_dir, self.kills = codes, str(marker_dir), dict(kills or {})

    def forward(self, prompt: str, entry_point: str, task_id: str) -> dspy.Prediction:
        log = Path(self.marker_dir) / f"{entry_point}.attempts"
        before = len(log.read_text().split()) if log.is_file() else 0
        with log.open("a") as handle:
            handle.write(f"{os.getpid()}\n")
        if before < self.kills.get(entry_point, 0):
            os.kill(os.getpid(), signal.SIGKILL)
        return dspy.Prediction(code=self.codes[entry_point])


def attempts(marker_dir: Path, entry_point: str) -> list[int]:
    """The pids that ran ``entry_point``, in order."""
    log = marker_dir / f"{entry_point}.attempts"
    return [int(pid) for pid in log.read_text().split()] if log.is_file() else []
