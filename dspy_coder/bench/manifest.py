"""What a result file must state: date, machine, model, commit and the exact command.

``manifest.json`` in a run directory is created on the first session and updated by every
resumed session (each session is listed with its own commit and command).

Example:
    >>> manifest = update_manifest(Path("benchmarks/results/x"), name="x", lm="local:...",
    ...                            params={"variants": ["baseline"]})   # doctest: +SKIP
    >>> manifest["machine"]                                              # doctest: +SKIP
    'Linux x86_64, 2 CPUs, 24.0 GiB RAM (host build-1)'
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MANIFEST_FILE = "manifest.json"


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


def read_manifest(run_dir: Path) -> dict[str, Any]:
    path = run_dir / MANIFEST_FILE
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


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
    manifest = read_manifest(run_dir)
    session = {
        "started_at": now_utc(),
        "commit": git_commit(),
        "command": command_line(argv),
        "invoked_as": command_line(None),
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
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
