"""``dspy-coder watch RUN_DIR``: the live view of a run, from another terminal, drawn from
the events its run directory keeps (``events.jsonl``), until the run ends. ``--once``
prints the view as it stands and returns.

Example:
    dspy-coder solve --file task.py --out out/ --view log &
    dspy-coder watch out/run
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

from dspy_coder.commands.live_view import LiveState, render
from dspy_coder.commands.run_dir import EVENTS, read_run
from dspy_coder.pipeline.events import RunEvent

logger = logging.getLogger(__name__)
POLL_S = 0.5


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "watch", help="watch a run live from its run directory",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    parser.add_argument("--once", action="store_true", help="print the view once and return")
    return parser


class EventTail:
    """Reads the events appended to a file since the last read (whole lines only)."""

    def __init__(self, path: Path) -> None:
        self.path, self.offset = path, 0

    def read(self) -> list[RunEvent]:
        if not self.path.is_file():
            return []
        with self.path.open("rb") as file:
            file.seek(self.offset)
            chunk = file.read()
        complete = chunk[: chunk.rfind(b"\n") + 1]  # a line still being written waits
        self.offset += len(complete)
        return [RunEvent.model_validate(json.loads(line))
                for line in complete.decode("utf-8").splitlines() if line.strip()]


def run(args: argparse.Namespace, settings) -> int:
    from rich.console import Console
    from rich.live import Live

    state_file = read_run(args.run_dir)
    view = LiveState(f"dspy-coder {' '.join(state_file['argv'][:1])} · {args.run_dir}")
    tail = EventTail(args.run_dir / EVENTS)
    for event in tail.read():
        view.fold(event)
    console = Console(stderr=False)
    if args.once:
        console.print(render(view))
        return 0
    with Live(render(view), console=console, refresh_per_second=2,
              get_renderable=lambda: render(view)):
        while read_run(args.run_dir)["status"] == "running":
            for event in tail.read():
                view.fold(event)
            time.sleep(POLL_S)
        for event in tail.read():
            view.fold(event)
    return 0
