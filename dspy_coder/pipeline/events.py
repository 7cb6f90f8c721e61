"""Live events of a run: typed, with a level, delivered to whoever watches.

A ``Coder`` run emits ``RunEvent``s as it goes (run started, step started and finished,
attempt scored, with the share of the iteration budget used, and run finished). Nothing is
passed through the modules: a watcher registers a sink for the current context with
``watching(sink)``, so compiled programs, benchmarks and project mode emit the same events.
Sinks: any callable, ``JsonlEvents`` (one JSON line per event, flushed, for ``--events``),
and ``stream`` (an iterator of the events, then the prediction). Inside ``dspy.streamify``
each event is also a DSPy ``StatusMessage`` ("[kind] message").

Example:
    >>> seen = []
    >>> with watching(seen.append):
    ...     emit("note", "INFO", "hello")
    >>> seen[0].kind, seen[0].message
    ('note', 'hello')
"""

from __future__ import annotations

import contextvars
import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

logger = logging.getLogger(__name__)

EventKind = Literal["run_started", "step_started", "step_finished", "attempt_scored",
                    "checkpoint", "escalated", "approval_requested", "approval_answered",
                    "note", "error", "run_finished"]
EventLevel = Literal["DEBUG", "INFO", "WARN", "ERROR", "PROGRESS"]


class RunEvent(BaseModel):
    """One thing that happened in a run."""

    time: float = Field(description="Unix time it happened.")
    kind: EventKind
    level: EventLevel
    message: str
    task_id: str | None = None
    step: str | None = None
    iteration: int | None = None
    progress: float | None = Field(
        default=None, description="Share of the iteration budget used, 0 to 1."
    )
    data: dict[str, Any] = Field(default_factory=dict)


EventSink = Callable[[RunEvent], None]
_SINKS: contextvars.ContextVar[tuple[EventSink, ...]] = contextvars.ContextVar(
    "dspy_coder_event_sinks", default=()
)


@contextmanager
def watching(sink: EventSink) -> Iterator[None]:
    """Deliver the events of runs in this context (and threads copied from it) to ``sink``."""
    token = _SINKS.set((*_SINKS.get(), sink))
    try:
        yield
    finally:
        _SINKS.reset(token)


def emit(kind: EventKind, level: EventLevel, message: str, **fields: Any) -> None:
    """Send an event to every sink watching; a failing sink is logged, never fatal."""
    sinks = _SINKS.get()
    stream = _dspy_status_stream()
    if not sinks and stream is None:
        return
    event = RunEvent(time=time.time(), kind=kind, level=level, message=message, **fields)
    if stream is not None:  # inside dspy.streamify: the event is a status message too
        from dspy.streaming.messages import StatusMessage, sync_send_to_stream

        sync_send_to_stream(stream, StatusMessage(f"[{event.kind}] {event.message}"))
    for sink in sinks:
        try:
            sink(event)
        except Exception as exc:  # a watcher must not break the run it watches
            logger.warning("An event sink failed (%s: %s); the run goes on.",
                           type(exc).__name__, exc)


def _dspy_status_stream():
    import dspy

    return dspy.settings.send_stream


class JsonlEvents:
    """A sink that appends each event to a JSON Lines file, flushed at once (``tail -f`` it)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("a", encoding="utf-8")

    def __call__(self, event: RunEvent) -> None:
        self._file.write(json.dumps(event.model_dump(), default=str) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> JsonlEvents:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_DONE = object()


def stream(program: Callable[..., Any], **inputs: Any) -> Iterator[RunEvent | Any]:
    """Run ``program(**inputs)`` in a worker thread; yield its events as they happen, then
    its result (an exception it raised is raised here)."""
    events: queue.Queue = queue.Queue()
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            with watching(events.put):
                outcome["result"] = program(**inputs)
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc
        finally:
            events.put(_DONE)

    context = contextvars.copy_context()  # the caller's DSPy settings and watchers
    worker = threading.Thread(target=context.run, args=(work,), daemon=True)
    worker.start()
    while (item := events.get()) is not _DONE:
        yield item
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    yield outcome["result"]
