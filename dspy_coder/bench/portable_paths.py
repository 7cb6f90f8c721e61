"""Paths in result files written relative to the repository, so a results folder moves between
machines and committed results never hold one machine's absolute paths.

The commands a manifest records (``command``, ``invoked_as``) have every absolute path in them
(``--out /home/me/repo/...``, ``sqlite:////home/me/repo/mlflow.db``, ``--flag=/path``) rewritten
relative to the repository root; run them from the root to reproduce or resume a run.

Example:
    >>> portable_word("/srv/repo/benchmarks/results/x", Path("/srv/repo"))
    'benchmarks/results/x'
    >>> portable_word("sqlite:////srv/repo/mlflow.db", Path("/srv/repo"))
    'sqlite:///mlflow.db'
    >>> portable_word("--datasets-dir=/srv/shared/datasets", Path("/srv/repo"))
    '--datasets-dir=../shared/datasets'
    >>> portable_word("http://10.0.0.5:8000/v1", Path("/srv/repo"))
    'http://10.0.0.5:8000/v1'
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

_ABSOLUTE = re.compile(r"^(?P<head>(?:--[\w-]+=)?(?:sqlite:///|file://)?)(?P<path>/.*)$")
# an absolute path inside free text (a table header, an old manifest): after a space, a quote,
# '=' or a sqlite URI's three slashes
_IN_TEXT = re.compile(r"(?P<head>(?:^|[\s\"'=`(])(?:sqlite:///|file://)?)(?P<path>/[\w.+-]+(?:/[^\s\"'`,)]*)?)")


def repo_root() -> Path:
    """The repository the package runs from (its checkout), else the current directory."""
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "pyproject.toml").is_file() and (checkout / ".git").exists():
        return checkout
    return Path.cwd().resolve()


def portable_word(word: str, root: Path) -> str:
    """One command-line word with an absolute path in it made relative to ``root``."""
    match = _ABSOLUTE.match(word)
    if not match:
        return word
    return match["head"] + os.path.relpath(match["path"], root)


def portable_command(command: str, root: Path | None = None) -> str:
    """A shell-quoted command with its absolute paths made relative to ``root``."""
    root = root or repo_root()
    try:
        words = shlex.split(command)
    except ValueError:
        return portable_text(command, root)
    return shlex.join(portable_word(word, root) for word in words)


def portable_text(text: str, root: Path | None = None) -> str:
    """Free text with every absolute path in it made relative to ``root``."""
    root = root or repo_root()
    return _IN_TEXT.sub(
        lambda m: m["head"] + os.path.relpath(m["path"], root) if m["path"] != "/" else m[0], text
    )
