"""The live terminal view of ``solve`` and ``project`` (``--view live``, the default at a
terminal): the iteration budget used, the step under way, each attempt's tests and score,
and the checkpoints, escalations and approvals, redrawn as the run's events arrive.

It is an event sink (``pipeline.events``); it steps aside while a person answers an approval
gate, so the question and the answer are not drawn over.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from dspy_coder.pipeline.events import RunEvent, watching

VIEWS = ("live", "log")
HISTORY_LINES = 6


@dataclass
class _Attempt:
    task_id: str
    iteration: int
    stage: str
    tests: str
    score: str


@dataclass
class LiveState:
    """What the view shows, folded from the events."""

    title: str
    task_id: str = ""
    progress: float = 0.0
    step: str = ""
    step_started: float = 0.0
    best: float | None = None
    attempts: list[_Attempt] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    finished: str = ""

    def fold(self, event: RunEvent) -> None:
        if event.task_id:
            self.task_id = event.task_id
        if event.progress is not None:
            self.progress = event.progress
        if event.kind == "run_started":  # a resumed run goes over the same task again
            self.attempts = [a for a in self.attempts if a.task_id != (event.task_id or "task")]
        elif event.kind == "step_started":
            self.step, self.step_started = event.step or "", event.time
        elif event.kind == "step_finished":
            self.step = ""
        elif event.kind == "attempt_scored":
            data = event.data or {}
            score = data.get("score")
            checked = data.get("checked", False)
            if checked and score is not None:
                self.best = max(self.best or 0.0, score)
            self.attempts.append(_Attempt(
                self.task_id or "task", event.iteration or 0, event.step or "",
                f"{data.get('tests_passed', 0)}/{data.get('tests_total', 0)}",
                f"{score:.2f}" if checked and score is not None else "unchecked"))
        elif event.kind == "run_finished":
            self.finished = event.message
        elif event.kind in ("checkpoint", "escalated", "approval_answered", "error") or (
                event.kind == "note" and event.level in ("WARN", "ERROR")) or (
                event.kind == "note" and (event.step or "").startswith("module")):
            self.lines = [*self.lines, event.message][-HISTORY_LINES:]


def render(state: LiveState):
    """The view as a rich renderable."""
    from rich.console import Group
    from rich.progress_bar import ProgressBar
    from rich.table import Table
    from rich.text import Text

    head = Text.assemble((state.title, "bold"), f"  {state.task_id}")
    budget = Table.grid(padding=(0, 1))
    budget.add_row(ProgressBar(total=1.0, completed=state.progress, width=30),
                   Text(f"{100 * state.progress:.0f}% of the iteration budget"),
                   Text("best " + (f"{state.best:.2f}" if state.best is not None else "n/a")))
    attempts = Table("task", "iteration", "stage", "tests", "score", box=None,
                     header_style="dim")
    for attempt in state.attempts[-8:]:
        attempts.add_row(attempt.task_id, str(attempt.iteration), attempt.stage,
                         attempt.tests, attempt.score)
    parts = [head, budget, attempts]
    if state.step:
        parts.append(Text(f"… {state.step} ({time.time() - state.step_started:.0f} s)",
                          style="cyan"))
    parts += [Text(line, style="yellow") for line in state.lines]
    if state.finished:
        parts.append(Text(f"finished: {state.finished}", style="bold"))
    return Group(*parts)


class LiveView:
    """A sink that redraws ``render(state)`` on each event (and every second)."""

    def __init__(self, title: str) -> None:
        from rich.console import Console
        from rich.live import Live

        self.state = LiveState(title)
        self._lock = threading.Lock()
        self.live = Live(render(self.state), console=Console(stderr=True),
                         refresh_per_second=2, transient=False,
                         get_renderable=lambda: render(self.state))

    def __call__(self, event: RunEvent) -> None:
        with self._lock:
            self.state.fold(event)
        if event.kind == "approval_requested":
            self.live.stop()  # the person reads and types in the plain terminal
        elif event.kind == "approval_answered":
            self.live.start()


def choose_view(requested: str | None) -> str:
    """``live`` at a terminal, ``log`` elsewhere, unless asked."""
    if requested:
        return requested
    return "live" if sys.stderr.isatty() else "log"


@contextmanager
def viewing(view: str, title: str) -> Iterator[None]:
    """Within the block, the run is drawn live (``live``) or only logged (``log``)."""
    if view != "live":
        yield
        return
    sink = LiveView(title)
    with sink.live, watching(sink):
        yield


def add_view_option(parser) -> None:
    parser.add_argument("--view", choices=VIEWS, default=None,
                        help="live: redraw the run's progress in the terminal; log: log lines "
                        "only (default: live at a terminal, log otherwise)")
