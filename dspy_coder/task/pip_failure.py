"""What a failed ``pip install`` means, and whose fault it is.

pip prints the same "No matching distribution found for X" when PyPI has no package X and
when it could not reach the index at all; the retries it logs on the way tell them apart
(with ``PIP_RETRIES=0`` it logs none, and an index out of reach reads as a missing name). A
name PyPI does not have is the user's to fix (``UsageError``); an index out of reach, a
package with no version for this Python, or a build that fails is the machine's
(``SetupError``). Every message names the package and ends with pip's last lines.

Example:
    >>> output = ("ERROR: Could not find a version that satisfies the requirement nosuchpkg "
    ...           "(from versions: none)\\nERROR: No matching distribution found for nosuchpkg")
    >>> error = pip_failure(output, ["nosuchpkg"])
    >>> type(error).__name__
    'UsageError'
    >>> print(str(error).split(":")[0])
    PyPI has no package named 'nosuchpkg'
"""

from __future__ import annotations

import re
import sys

from dspy_coder.errors import DspyCoderError, SetupError, UsageError

TAIL_LINES = 12

# Signs, in pip's output, that it never reached the index (logged with each retry).
NETWORK_SIGNS = (
    "NewConnectionError", "Failed to establish a new connection", "Name or service not known",
    "Temporary failure in name resolution", "Network is unreachable", "ConnectTimeoutError",
    "Read timed out", "ProxyError", "SSLError", "connection broken", "Max retries exceeded",
)
_NOT_FOUND = re.compile(r"No matching distribution found for (\S+)")
_VERSIONS = re.compile(r"satisfies the requirement (\S+) \(from versions: ([^)]*)\)")


def last_lines(output: str, count: int = TAIL_LINES) -> str:
    """The last ``count`` non-empty lines of ``output``, indented, for an error message."""
    lines = [line for line in output.splitlines() if line.strip()]
    return "\n".join(f"  {line}" for line in lines[-count:]) or "  (no output)"


def pip_failure(output: str, packages: list[str]) -> DspyCoderError:
    """The error to raise for a ``pip install`` of ``packages`` that failed with ``output``."""
    tail = last_lines(output)
    wanted = ", ".join(packages)
    if any(sign in output for sign in NETWORK_SIGNS):
        return SetupError(
            f"pip could not reach the package index to install {wanted}: check the network, "
            f"a proxy or PIP_INDEX_URL, then run again. pip said:\n{tail}")
    not_found = _NOT_FOUND.search(output)
    if not_found:
        name = not_found.group(1)
        versions = dict(_VERSIONS.findall(output)).get(name, "none").strip()
        if versions == "none":
            return UsageError(
                f"PyPI has no package named {name!r}: check the name (its PyPI name, e.g. "
                f"'beautifulsoup4' for bs4) or drop it from the requirements. pip said:\n{tail}")
        python = ".".join(map(str, sys.version_info[:2]))
        return SetupError(
            f"No version of {name} installs on Python {python} here (the index has "
            f"{versions}): run dspy-coder with a Python that {name} supports, or drop it from "
            f"the requirements. pip said:\n{tail}")
    if "No module named pip" in output:
        return SetupError(f"pip is not installed for {sys.executable}; install it with: "
                          f"{sys.executable} -m ensurepip --upgrade")
    if "no such option: --python" in output:
        return SetupError(f"pip is too old to install into another environment (needs 22.3+): "
                          f"{sys.executable} -m pip install --upgrade pip")
    return SetupError(f"pip could not install {wanted}. pip said:\n{tail}")
