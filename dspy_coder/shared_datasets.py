"""The shared datasets folder (``../shared/datasets`` next to the repository): finding a file
in it and reading a JSON list of records from it, with errors that say what to do.

Example:
    >>> dataset_file("MBPP", "mbpp/sanitized-mbpp.json").name          # doctest: +SKIP
    'sanitized-mbpp.json'
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dspy_coder.errors import UsageError

DEFAULT_DATASETS_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


def dataset_file(label: str, relative: str, datasets_dir: Path | None = None) -> Path:
    """Where ``relative`` is in the datasets folder, or a ``UsageError`` naming the path
    that was tried and the flag that moves it."""
    folder = Path(datasets_dir) if datasets_dir is not None else DEFAULT_DATASETS_DIR
    path = folder / relative
    if not path.is_file():
        raise UsageError(
            f"{label} not found at {path}. Point --datasets-dir (or DSPY_CODER_DATASETS) at the "
            f"folder that holds {relative} (the shared datasets folder, by default "
            f"{DEFAULT_DATASETS_DIR})."
        )
    return path


def converted_records(path: Path, label: str, plural: str,
                      convert: Callable[[dict[str, Any]], dict[str, Any]]) -> list[dict[str, Any]]:
    """Every record of the JSON list in ``path`` through ``convert``, in file order; a file
    or record that cannot be read is a ``UsageError`` naming it."""
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{path} is not a readable JSON file ({exc}).") from exc
    if not isinstance(records, list):
        raise UsageError(f"{path} should hold a JSON list of {plural}.")
    converted = []
    for record in records:
        try:
            converted.append(convert(record))
        except (KeyError, TypeError, ValueError, SyntaxError) as exc:
            task = record.get("task_id", "?") if isinstance(record, dict) else "?"
            raise UsageError(f"{path}: {label} task {task} is malformed: {exc}") from exc
    return converted
