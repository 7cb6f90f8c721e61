"""How an exception in the sandbox is put into words: type, message and the user's frames.

Shared by the code process and the test process, so a failure reads the same wherever it
was raised. Frames from the harness are left out; only ``solution.py`` and ``tests.py`` show.

Example:
    >>> describe_exception(ValueError("bad input"))
    'ValueError: bad input'
"""

from __future__ import annotations

import traceback
from typing import Any

from dspy_coder.sandbox.rewrite import CODE_FILE, TESTS_FILE

MAX_REPR = 240
# An assertion's own message is the test's words (a class example's ends with the calls before
# it, which name the method to blame): kept longer than a value's repr; feedback clips it later.
MAX_ASSERT_MESSAGE = 1200
MAX_FRAMES = 8
USER_FILES = (CODE_FILE, TESTS_FILE)
REMOTE_FRAMES = "_dc_remote_frames"  # frames of an exception raised in the code process


def safe_repr(value: Any, limit: int = MAX_REPR) -> str:
    """repr() that never raises and never returns more than ``limit`` characters."""
    try:
        text = repr(value)
    except BaseException as exc:  # noqa: BLE001 - hostile __repr__
        text = f"<unrepresentable {type(value).__name__}: {type(exc).__name__}>"
    if not isinstance(text, str):
        text = "<repr did not return str>"
    return text if len(text) <= limit else text[: limit - 12] + f"... ({len(text)} chars)"


def safe_str(exc: BaseException) -> str:
    """str(exc) that never raises."""
    try:
        return str(exc)
    except BaseException:  # noqa: BLE001
        return "<unprintable message>"


def user_traceback(exc: BaseException) -> list[str]:
    """Traceback lines from the user's files only (here, then in the code process),
    recursion collapsed."""
    try:
        frames = [
            f for f in traceback.extract_tb(exc.__traceback__) if f.filename in USER_FILES
        ]
        lines = [
            f"  {f.filename}, line {f.lineno}, in {f.name}: {(f.line or '').strip()}"
            for f in frames
        ]
        remote = getattr(exc, REMOTE_FRAMES, None)
        if isinstance(remote, list):
            lines += [str(line) for line in remote]
    except BaseException:  # noqa: BLE001
        return []
    if len(lines) > MAX_FRAMES:
        hidden = len(lines) - MAX_FRAMES
        lines = lines[:3] + [f"  ... {hidden} more frames ..."] + lines[-(MAX_FRAMES - 3) :]
    return lines


def describe_exception(exc: BaseException) -> str:
    """``Type: message`` plus the user-code traceback."""
    head = f"{type(exc).__name__}: {safe_str(exc)}".rstrip(": ")
    if isinstance(exc, SystemExit):
        head = f"SystemExit: the code called sys.exit({safe_repr(exc.code)})"
    frames = user_traceback(exc)
    return head + ("\nTraceback (user code):\n" + "\n".join(frames) if frames else "")


def exception_kind(exc: BaseException) -> str:
    """``memory``, ``assert`` or ``exception``: how the result classifies a failure."""
    if isinstance(exc, MemoryError):
        return "memory"
    if isinstance(exc, AssertionError):
        return "assert"
    return "exception"
