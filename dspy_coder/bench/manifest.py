"""What a result file must state: date, machine, model, commit and the exact command.

``manifest.json`` in a run directory is created on the first session and updated by every
resumed session (each session is listed with its own commit and command). It is replaced
atomically, so a kill leaves the old or the new version; one that is unreadable anyway (a
truncated copy, a disk error) never blocks a resume or a report: both fall back on the copy
that ``summary.json`` embeds, and a resume keeps the unreadable file aside as
``manifest.json.unreadable-<time>`` and writes a rebuilt one. The answers live in
``results.jsonl``, which none of this touches.

Example:
    >>> manifest = update_manifest(Path("benchmarks/results/x"), name="x", lm="local:...",
    ...                            params={"variants": ["baseline"]})   # doctest: +SKIP
    >>> manifest["machine"]                                              # doctest: +SKIP
    'Linux x86_64, 2 CPUs, 24.0 GiB RAM (host build-1)'
"""

from __future__ import annotations

import json
import logging
import os
import platform
import shlex
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dspy_coder.bench.portable_paths import portable_command
from dspy_coder.durable_files import write_text_atomic
from dspy_coder.errors import UsageError

logger = logging.getLogger(__name__)

MANIFEST_FILE = "manifest.json"
SUMMARY_FILE = "summary.json"  # written by bench.report, with a copy of the manifest


class UnreadableManifest(Exception):
    """``manifest.json`` exists but is not a JSON object; the message says why."""


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def git_commit(cwd: Path | None = None) -> str:
    """``<sha>`` or ``<sha>+dirty`` of the working tree, or ``unknown`` outside git."""
    where = str(cwd or Path(__file__).resolve().parent)
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "dspy_coder"],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{sha}+dirty" if dirty else sha


def machine_description() -> str:
    memory = ""
    try:
        import psutil

        memory = f", {psutil.virtual_memory().total / 2**30:.1f} GiB RAM"
    except ImportError:  # pragma: no cover - psutil is a dependency
        pass
    cpu = platform.processor() or platform.machine()
    return (
        f"{platform.system()} {platform.machine()} ({cpu}), {os.cpu_count()} CPUs{memory}, "
        f"Python {platform.python_version()} (host {socket.gethostname()})"
    )


def command_line(argv: list[str] | None = None) -> str:
    args = list(sys.argv if argv is None else argv)
    if args:
        args[0] = Path(args[0]).name
    return shlex.join(args)


def package_versions() -> dict[str, str]:
    from importlib import metadata

    versions: dict[str, str] = {}
    for name in ("dspy", "dspy-coder", "llama_cpp_python", "mlflow"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def _load(path: Path) -> dict[str, Any]:
    """The manifest at ``path`` ({} if there is none); raise :class:`UnreadableManifest`."""
    if not path.is_file():
        return {}
    try:
        manifest = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnreadableManifest(f"{type(exc).__name__}: {exc}") from exc
    if not isinstance(manifest, dict):
        raise UnreadableManifest(f"it holds a JSON {type(manifest).__name__}, not an object")
    return manifest


def _copy_in_summary(run_dir: Path) -> dict[str, Any]:
    """The manifest as of the last summary (``summary.json`` embeds it), or {}."""
    try:
        summary = json.loads((run_dir / SUMMARY_FILE).read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    copy = summary.get("manifest") if isinstance(summary, dict) else None
    return dict(copy) if isinstance(copy, dict) else {}


def read_manifest(run_dir: Path) -> dict[str, Any]:
    """The run's manifest ({} if there is none). An unreadable one is replaced, for reading
    only, by the copy in ``summary.json``, with a warning saying what to do."""
    path = run_dir / MANIFEST_FILE
    try:
        return _load(path)
    except UnreadableManifest as exc:
        copy = _copy_in_summary(run_dir)
        logger.warning(
            "%s is unreadable (%s); using %s. Rerunning the bench command that made "
            "this run resumes it and rewrites the manifest (the unreadable file is kept "
            "aside); the answers in results.jsonl are not affected.",
            path,
            exc,
            f"the copy in {SUMMARY_FILE}"
            if copy
            else "nothing instead (no date, command or expected answer count in the table)",
        )
        return copy


def _manifest_for_session(run_dir: Path) -> dict[str, Any]:
    """The manifest a new session extends: the current one or, if it is unreadable, the copy in
    ``summary.json`` (or a fresh one), marked as rebuilt. The unreadable file is renamed aside,
    never deleted."""
    path = run_dir / MANIFEST_FILE
    try:
        return _load(path)
    except UnreadableManifest as exc:
        aside = path.with_name(f"{MANIFEST_FILE}.unreadable-{now_utc().replace(':', '')}")
        os.replace(path, aside)
        manifest = _copy_in_summary(run_dir)
        logger.warning(
            "%s was unreadable (%s): kept it as %s and rebuilt the manifest from %s. "
            "Finished answers in results.jsonl are kept and skipped as usual.",
            path,
            exc,
            aside.name,
            f"the copy in {SUMMARY_FILE}" if manifest else "this session alone",
        )
        manifest["rebuilt"] = {
            "at": now_utc(),
            "reason": str(exc)[:300],
            "unreadable_copy": aside.name,
            "from": SUMMARY_FILE if manifest else "nothing (earlier sessions are not listed)",
        }
        return manifest


def check_dataset(run_dir: Path, dataset: str) -> None:
    """Refuse to add a session on ``dataset`` to a run folder made on another problem set:
    HumanEval with and without its examples share task ids, so their rows would mix in one
    summary. Folders whose manifest names no dataset are not checked."""
    try:
        manifest = _load(run_dir / MANIFEST_FILE)
    except UnreadableManifest:  # the session rebuilds it, and says so
        manifest = _copy_in_summary(run_dir)
    params = manifest.get("params")
    recorded = params.get("dataset") if isinstance(params, dict) else None
    if recorded and recorded != dataset:
        raise UsageError(
            f"{run_dir} holds results on the dataset {recorded!r}, not {dataset!r}; rows of "
            "both would mix in its summary. Give another --out (or none: the default folder "
            "is named after the dataset)."
        )


def update_manifest(
    run_dir: Path,
    *,
    name: str,
    lm: str,
    params: dict[str, Any],
    argv: list[str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Start a new session entry (and create the manifest if needed); return the manifest."""
    manifest = _manifest_for_session(run_dir)
    session = {
        "started_at": now_utc(),
        "commit": git_commit(),
        # relative to the repository: a results folder must not carry this machine's paths
        "command": portable_command(command_line(argv)),
        "invoked_as": portable_command(command_line(None)),
        "machine": machine_description(),
    }
    manifest.setdefault("name", name)
    manifest.setdefault("created_at", session["started_at"])
    manifest.update(
        {
            "lm": lm,
            "params": params,
            "machine": session["machine"],
            "commit": session["commit"],
            "command": session["command"],
            "updated_at": session["started_at"],
            "versions": package_versions(),
            **extra,
        }
    )
    manifest.setdefault("sessions", []).append(session)
    write_manifest(run_dir, manifest)
    return manifest


def finish_session(run_dir: Path, manifest: dict[str, Any], **status: Any) -> dict[str, Any]:
    """Record the end of the latest session (answers done, state)."""
    manifest["updated_at"] = now_utc()
    if manifest.get("sessions"):
        manifest["sessions"][-1].update({"finished_at": manifest["updated_at"], **status})
    write_manifest(run_dir, manifest)
    return manifest


def write_manifest(run_dir: Path, manifest: dict[str, Any]) -> None:
    write_text_atomic(run_dir / MANIFEST_FILE, json.dumps(manifest, indent=2) + "\n")
