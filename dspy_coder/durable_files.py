"""Writing result files so that a kill, a crash or a full disk leaves the old file or the new
one, never half of one.

``write_text_atomic`` writes a temporary file in the target's directory, flushes and fsyncs
it, renames it over the target (``os.replace``, atomic on POSIX) and fsyncs the directory so
the rename itself survives a power cut. ``fsync_file`` makes a file written by someone else
(e.g. DSPy's ``Module.save``) durable before it is renamed into place.

Example:
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as scratch:
    ...     path = write_text_atomic(Path(scratch) / "summary.json", '{"answers": 3}\\n')
    ...     path.read_text()
    '{"answers": 3}\\n'
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


def fsync_directory(directory: Path) -> None:
    """Persist the directory entries (a rename or a new file) of ``directory``.

    Some file systems cannot fsync a directory; the data is then as safe as they allow.
    """
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def fsync_file(path: Path) -> None:
    """Flush a closed file's data to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_bytes_atomic(path: Path, data: bytes) -> Path:
    """Replace ``path`` with ``data`` all at once (see the module docstring); return ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)
    return path


def write_text_atomic(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Replace ``path`` with ``text`` all at once; return ``path``."""
    return write_bytes_atomic(path, text.encode(encoding))


def _read_umask() -> int:
    """The process umask (read by setting it and putting it back), for the temp file's mode:
    ``mkstemp`` creates 0600, and a results file should get the usual 0644. Read once, at
    import, so no thread ever creates a file while the umask is briefly 0."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


@contextlib.contextmanager
def exclusive_lock(lock_path: Path) -> Iterator[None]:
    """Hold an inter-process lock on ``lock_path``, so two processes do not build the same
    file or directory at once (no-op off POSIX, where the atomic rename still keeps the
    result consistent)."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
