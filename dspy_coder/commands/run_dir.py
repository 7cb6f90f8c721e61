"""A run directory: what a ``solve`` or ``project`` run keeps as it goes, so
``dspy-coder resume RUN_DIR`` can continue it after Ctrl-C, a signal or kill -9.

- ``run.json``: the command line, where it ran and the run's state (``running``,
  ``stopped``, ``finished``), rewritten atomically at each change;
- ``lm_journal/``: every LM answer of the run (DSPy's response cache, scoped to this run and
  written to SQLite as each answer arrives). A resumed run goes the same way and is answered
  from the journal up to where it stopped: no LM call is paid twice. The sandbox runs of
  that stretch are repeated (they are cheap and leave nothing behind);
- ``state.json``: each task's record (task, plan, tests, attempts, approvals, checkpoints,
  LM usage) after its latest attempt, rewritten atomically;
- ``events.jsonl``: the run's events (``pipeline.events``), a line each, flushed at once;
- ``STOP``: present once ``dspy-coder stop`` asked the run to end after its current step;
- ``approvals.jsonl``: every answer given at an approval gate, replayed in order on resume,
  so nobody is asked again.

A new run in the same directory starts a new journal.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from dspy_coder.durable_files import write_text_atomic
from dspy_coder.errors import UsageError

logger = logging.getLogger(__name__)

RUN_FILE = "run.json"
JOURNAL = "lm_journal"
EVENTS = "events.jsonl"
APPROVALS = "approvals.jsonl"
STATE = "state.json"  # each task's record after its latest attempt
STOP = "STOP"  # written by `dspy-coder stop`: the run ends after its current step
JOURNAL_LIMIT_BYTES = 4 * 1024**3  # DSPy's default (10 MB) would evict a long run's answers


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class RunDir:
    """One run's directory (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.state: dict = {}

    def start(self, argv: list[str]) -> None:
        """Begin a new run here: the command line is kept; an older run's journal goes."""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"Cannot create the run directory {self.path} "
                             f"({exc.strerror or exc}); pass --run-dir a writable path.") from exc
        shutil.rmtree(self.path / JOURNAL, ignore_errors=True)
        (self.path / EVENTS).unlink(missing_ok=True)
        (self.path / APPROVALS).unlink(missing_ok=True)
        (self.path / STOP).unlink(missing_ok=True)
        (self.path / STATE).unlink(missing_ok=True)
        self.state = {"argv": list(argv), "cwd": os.getcwd(), "status": "running",
                      "started": _now(), "resumed": []}
        self._save()

    def reopen(self) -> None:
        """Continue the run kept here."""
        self.state = read_run(self.path)
        (self.path / STOP).unlink(missing_ok=True)
        self.state["status"] = "running"
        self.state["resumed"].append(_now())
        self._save()

    def end(self, finished: bool, status: str) -> None:
        """``finished``: the run ended by itself (``status`` is its report's); otherwise it
        was stopped and can be resumed."""
        self.state.update(status="finished" if finished else "stopped", result=status,
                          ended=_now())
        self._save()

    def end_and_tell(self, finished: bool, status: str) -> None:
        """``end``, and say how to resume a run that did not finish."""
        self.end(finished, status)
        if not finished:
            logger.warning("Stopped; continue with: dspy-coder resume %s", self.path)

    def keep_snapshot(self, task_id: str, snapshot: dict) -> None:
        """Write ``snapshot`` as the latest state of ``task_id`` (``state.json``)."""
        path = self.path / STATE
        states = json.loads(path.read_text()) if path.is_file() else {}
        states[task_id] = snapshot
        write_text_atomic(path, json.dumps(states, default=str) + "\n")

    def _save(self) -> None:
        write_text_atomic(self.path / RUN_FILE, json.dumps(self.state, indent=2) + "\n")

    @contextmanager
    def journal(self) -> Iterator[None]:
        """Within the block DSPy answers repeated requests from this run's journal."""
        import dspy
        from dspy.clients.cache import Cache

        previous = dspy.cache
        dspy.cache = Cache(enable_disk_cache=True, enable_memory_cache=True,
                           disk_cache_dir=str(self.path / JOURNAL),
                           disk_size_limit_bytes=JOURNAL_LIMIT_BYTES)
        try:
            yield
        finally:
            dspy.cache = previous


class JournaledApprover:
    """Answers a gate from the run's earlier answers while they last (a resumed run asks
    the same gates in the same order), then asks ``inner`` and keeps its answer."""

    def __init__(self, inner, path: Path) -> None:
        self.inner, self.path = inner, path
        lines = path.read_text().splitlines() if path.is_file() else []
        self.replay = [json.loads(line) for line in lines if line.strip()]

    def __call__(self, request):
        if self.replay and self.replay[0]["gate"] == request.gate:
            logger.info("The %s gate is answered from the run's journal.", request.gate)
            return self.replay.pop(0)["decision"]
        self.replay = []  # the run went another way: ask from here on
        answer = self.inner(request)
        decision = answer.model_dump() if hasattr(answer, "model_dump") else dict(answer)
        with self.path.open("a", encoding="utf-8") as file:
            file.write(json.dumps({"gate": request.gate, "decision": decision}) + "\n")
            file.flush()
            os.fsync(file.fileno())
        return answer


def journaled(approval, run_dir: RunDir):
    """``approval`` answering from (and keeping its answers in) the run's directory."""
    import dataclasses

    if approval is None:
        return None
    return dataclasses.replace(approval, approver=JournaledApprover(
        approval.approver, run_dir.path / APPROVALS))


def read_run(path: Path) -> dict:
    """The ``run.json`` of ``path``; a usage error when it is not a run directory."""
    file = path / RUN_FILE
    if not file.is_file():
        raise UsageError(f"{path} is not a run directory (no {RUN_FILE}); pass the directory "
                         "a solve or project run kept (default: <--out>/run).")
    try:
        state = json.loads(file.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise UsageError(f"{file} cannot be read ({exc}); the run cannot be resumed.") from exc
    if not isinstance(state, dict) or not isinstance(state.get("argv"), list):
        raise UsageError(f"{file} holds no command line; the run cannot be resumed.")
    state.setdefault("resumed", [])
    return state


def add_run_dir_option(parser) -> None:
    parser.add_argument("--run-dir", type=Path, metavar="DIR",
                        help="keep the run's state here as it goes, for `dspy-coder resume DIR` "
                        "(default: <--out>/run)")


def run_dir_path(args) -> Path:
    """Where a run is kept: ``--run-dir``, else ``<--out>/run``."""
    return Path(args.run_dir) if args.run_dir else args.out / "run"


@contextmanager
def kept_run(args) -> Iterator[RunDir]:
    """The run's directory, started (or reopened by ``resume``) with its events and, unless
    ``--lm-cache`` chose DSPy's shared cache, its own LM journal in force."""
    from contextlib import nullcontext

    from dspy_coder.pipeline.events import JsonlEvents, watching
    from dspy_coder.pipeline.snapshots import keeping
    from dspy_coder.pipeline.stop_requests import honouring

    run_dir = RunDir(run_dir_path(args))
    if getattr(args, "resuming", False):
        run_dir.reopen()
    else:
        run_dir.start(getattr(args, "argv", None) or [])
    sink = JsonlEvents(run_dir.path / EVENTS)
    with sink, watching(sink), honouring((run_dir.path / STOP).exists), keeping(
            run_dir.keep_snapshot), (
            nullcontext() if args.lm_cache else run_dir.journal()):
        yield run_dir
