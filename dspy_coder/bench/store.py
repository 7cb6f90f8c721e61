"""Resumable benchmark results: one JSON line per graded answer, keyed by
(problem, variant, program fingerprint, LM, sample).

A rerun reads the file first and skips every key already present, so a long run can be
stopped (Ctrl-C, a killed session) and continued with the same command. Each line is appended
with one ``write`` call on an ``O_APPEND`` descriptor, then fsynced, so a line is in the file
whole or not at all, even when Ctrl-C/SIGTERM (raised between Python bytecodes) interrupts the
writer. A torn last line (a crash of the machine mid-write, possibly inside a multi-byte UTF-8
character) is skipped with a warning when reading, so its answer is redone on resume, and it is
ended before the next append; every complete line is kept.

Example:
    >>> store = ResultsStore(Path("benchmarks/results/run/results.jsonl"))  # doctest: +SKIP
    >>> store.append(record)                                                # doctest: +SKIP
    >>> record.key in store.done_keys()                                     # doctest: +SKIP
    True
"""

from __future__ import annotations

import json
import logging
import os
import threading
from datetime import UTC, datetime
from pathlib import Path

from pydantic import (
    BaseModel,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
)

from dspy_coder.durable_files import fsync_directory

logger = logging.getLogger(__name__)

ResultKey = tuple[str, str, str, str, int]
# fields left out of a row when None, so rows without them stay as they always were
OPTIONAL_FIELDS = ("test_classes_passed", "test_classes_total", "trace_id")
# grade_status of an answer whose class-level tests need NLTK data this machine lacks
MISSING_DATA_STATUS = "missing_data"


class RecordCost(BaseModel):
    """What one answer cost to produce."""

    lm_calls: int = 0
    cached_calls: int = Field(default=0, description="LM calls answered from DSPy's cache.")
    prompt_tokens: int = 0
    completion_tokens: int = 0
    wall_time_s: float = Field(default=0.0, description="Generation time (program call).")
    grade_time_s: float = 0.0
    iterations: int = Field(default=1, description="Pipeline iterations (1 for single-shot).")

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class ResultRecord(BaseModel):
    """One graded answer of one program variant to one problem (one sample)."""

    task_id: str
    variant: str
    program_fingerprint: str
    lm: str
    sample: int = 0
    passed: bool
    grade_status: str = Field(
        description="Sandbox status of the hidden-test run, 'no_code', 'harness_error', or "
        "'missing_data' (class-level tests that need NLTK data not installed here)."
    )
    grade_error: str = Field(default="", description="First lines of the grading failure.")
    program_error: str = Field(default="", description="Exception the program raised, if any.")
    harness_error: str = Field(
        default="",
        description="Sandbox infrastructure failure (not the answer's fault) that kept this "
        "answer from being generated or graded; the answer counts as not passed.",
    )
    code: str = ""
    cost: RecordCost = Field(default_factory=RecordCost)
    temperature: float = 0.0
    report_status: str = ""
    stop_reason: str = ""
    best_iteration: int | None = None
    score: float | None = None
    score_history: list[float] = Field(default_factory=list)
    finished_at: str = Field(default_factory=lambda: datetime.now(UTC).isoformat("T", "seconds"))
    test_classes_passed: int | None = Field(
        default=None,
        description="Class-level problems (ClassEval): the hidden test classes the answer passed "
        "(0 when it was not graded). Left out of the row for other problems.",
    )
    test_classes_total: int | None = Field(
        default=None, description="Class-level problems: how many hidden test classes there are."
    )
    trace_id: str | None = Field(
        default=None,
        description="The MLflow trace of the program call (tracked runs only); the hidden-test "
        "verdict is attached to it as feedback.",
    )

    @model_serializer(mode="wrap")
    def _leave_out_unused_fields(self, handler: SerializerFunctionWrapHandler) -> dict:
        """Rows of function-level problems stay as they were before class-level ones existed
        (and rows of untracked runs as they were before trace ids)."""
        data = handler(self)
        for name in OPTIONAL_FIELDS:
            if data.get(name, 0) is None:
                del data[name]
        return data

    @property
    def key(self) -> ResultKey:
        return make_key(self.task_id, self.variant, self.program_fingerprint, self.lm, self.sample)

    @property
    def failed_to_run(self) -> bool:
        """The program raised or the sandbox failed: what ``--retry-errors`` redoes."""
        return bool(self.program_error or self.harness_error)


def make_key(task_id: str, variant: str, fingerprint: str, lm: str, sample: int) -> ResultKey:
    """The identity of one unit of work."""
    return (task_id, variant, fingerprint, lm, sample)


def read_records(path: Path) -> list[ResultRecord]:
    """All valid records in ``path`` (later duplicates of a key replace earlier ones).

    Lines are decoded one at a time, so a line that is not UTF-8 or not a valid record (a torn
    last line) is skipped with a warning and costs no other line.
    """
    if not path.is_file():
        return []
    by_key: dict[ResultKey, ResultRecord] = {}
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            torn = not raw.endswith(b"\n")
            try:
                record = ResultRecord.model_validate_json(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValidationError) as exc:
                _warn_bad_line(path, number, torn, exc)
                continue
            by_key[record.key] = record
    return list(by_key.values())


def _warn_bad_line(path: Path, number: int, torn: bool, exc: Exception) -> None:
    if torn:
        logger.warning(
            "%s:%d, the last line, is incomplete (the writer was stopped mid-line: %s); "
            "ignoring it, so its answer counts as not done and a resume redoes it.",
            path,
            number,
            type(exc).__name__,
        )
    else:
        logger.warning(
            "%s:%d is not a valid result line (%s); ignoring it.", path, number, type(exc).__name__
        )


class ResultsStore:
    """Append-only JSONL of :class:`ResultRecord`, safe to append from several threads."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def records(self) -> list[ResultRecord]:
        return read_records(self.path)

    def done_keys(self, include_errors: bool = True) -> set[ResultKey]:
        """Keys already finished; with ``include_errors=False`` program errors and harness
        failures count as undone."""
        return {r.key for r in self.records() if include_errors or not r.failed_to_run}

    def append(self, record: ResultRecord) -> None:
        line = record.model_dump_json() + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._repair_torn_tail()
            append_whole_line(self.path, line)

    def _repair_torn_tail(self) -> None:
        """If the file does not end in a newline (a crash mid-write), end the torn line."""
        if not self.path.is_file() or self.path.stat().st_size == 0:
            return
        with self.path.open("rb") as handle:
            handle.seek(-1, 2)
            last = handle.read(1)
        if last != b"\n":
            append_whole_line(self.path, "\n")


def append_whole_line(path: Path, line: str) -> None:
    """Append ``line`` (ending in a newline) with a single ``write`` on an ``O_APPEND``
    descriptor, then fsync it: no buffering that could flush half a line, and no Python code
    between the first and the last byte for a KeyboardInterrupt to land in."""
    data = line.encode("utf-8")
    created = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        written = os.write(fd, data)
        while written < len(data):  # a regular file takes it all at once unless the disk is full
            written += os.write(fd, data[written:])
        os.fsync(fd)  # on disk before the unit counts as done (a power cut keeps the line)
    finally:
        os.close(fd)
    if created:
        fsync_directory(path.parent)


def append_json_line(path: Path, payload: dict) -> None:
    """Append one JSON object as a line (used for the optional full-report log)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    append_whole_line(path, json.dumps(payload, default=str) + "\n")
