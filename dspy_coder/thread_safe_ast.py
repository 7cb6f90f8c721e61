"""``ast.parse`` made safe to call from several threads on CPython 3.11.

CPython 3.11 keeps the AST constructor's recursion counter per interpreter, not per thread
(gh-106905): two threads parsing at once, one switched out mid-parse, make the other raise a
spurious ``SystemError: AST constructor recursion depth mismatch``. Compiles and benchmarks
run the pipeline in threads and parse prompts and code all the time, so an example could
score 0 for nothing. ``install`` (run when ``dspy_coder`` is imported, on 3.11 only) wraps
``ast.parse`` (which ``ast.literal_eval`` uses too) so parses take turns, and retries one
that raced a parse made some other way (the counter is reset on every call, so a retry gives
the exact result).
"""

from __future__ import annotations

import ast
import sys
import threading
from typing import Any

_MISMATCH = "AST constructor recursion depth mismatch"
_RETRIES = 3
_lock = threading.RLock()  # re-entrant: a finalizer run mid-parse may parse too
_original_parse = ast.parse


def parse(source: Any, filename: Any = "<unknown>", mode: str = "exec", **kwargs: Any) -> Any:
    """``ast.parse`` under a process-wide lock, retried when it lost the gh-106905 race."""
    for attempt in range(_RETRIES):
        try:
            with _lock:
                return _original_parse(source, filename, mode, **kwargs)
        except SystemError as exc:
            if _MISMATCH not in str(exc) or attempt == _RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def install() -> None:
    """Put ``parse`` in place of ``ast.parse`` where the bug exists (CPython before 3.12)."""
    if sys.version_info < (3, 12) and ast.parse is not parse:
        ast.parse = parse
