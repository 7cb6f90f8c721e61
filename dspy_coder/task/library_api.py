"""The real interface of a library a project names: signatures and one line of docstring.

A small model knows a library's name better than its API. Told only "tomli-w (import tomli_w):
dumps", the 1.5B wrote ``tomli_w.dump(config, path)`` (it takes a binary file) and called a
``tomli_w.load`` that does not exist. The module tasks therefore list what the library really
offers: the features the requirements name first, then its other public functions and
classes, read by importing it in a child process from where the project's code runs (its
environment's site-packages, then this interpreter's). The library is one the user named and
pip installed, so importing it is no more trust than installing it was.

Example:
    >>> library_api("json", ["dumps"], [])[0].split("(")[0]
    'json.dumps'
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Sequence

logger = logging.getLogger(__name__)

MAX_LINES = 8
TIMEOUT_S = 30.0

_SCRIPT = r'''
import importlib, inspect, json, re, sys
name, limit = sys.argv[1], int(sys.argv[4])
features, site_dirs = json.loads(sys.argv[2]), json.loads(sys.argv[3])
sys.path[:0] = site_dirs
module = importlib.import_module(name)

def line(attr):
    obj = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            return None  # a feature may name a concept ("fastapi:routes"), not an attribute
        obj = getattr(obj, part)
    try:
        # annotations a library keeps as strings (``from __future__ import annotations``)
        # are shown as code: obj: Mapping[str, Any], not obj: 'Mapping[str, Any]'
        signature = re.sub(r"(: |-> )'([^']*)'", r"\1\2", str(inspect.signature(obj)))
    except (TypeError, ValueError):
        signature = "(...)" if callable(obj) else ""
    doc = next((text.strip() for text in (inspect.getdoc(obj) or "").splitlines()
                if text.strip()), "")
    if doc and isinstance(obj, (int, float, str, bytes, tuple, list, dict)):
        doc = ""  # a constant's "docstring" is its type's
    return f"{name}.{attr}{signature}" + (f": {doc[:120]}" if doc else "")

def rank(item):
    # the module's own functions, then its classes, then what it re-exports; exceptions last
    obj = item[1]
    own = getattr(obj, "__module__", "") == name
    if inspect.isclass(obj) and issubclass(obj, BaseException):
        return 4
    return (0 if inspect.isfunction(obj) or inspect.isbuiltin(obj) else 1) + (0 if own else 2)

def public():
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n, obj in vars(module).items() if callable(obj)
                 and (getattr(obj, "__module__", "") or "").startswith(name)]
    items = [(n, getattr(module, n, None)) for n in names
             if isinstance(n, str) and not n.startswith("_")]
    return [n for n, _ in sorted(items, key=rank)]

shown = list(dict.fromkeys(features + public()))[:max(limit, len(features))]
print(json.dumps([text for text in map(line, shown) if text]))
'''


def library_api(import_name: str, features: Sequence[str], site_dirs: Sequence[str],
                limit: int = MAX_LINES) -> list[str]:
    """One line per feature of ``import_name`` that it defines (``module.f(signature): first
    docstring line``), then its other public functions and classes, at most ``limit`` lines in
    all beyond the features; empty when it cannot be imported."""
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-c", _SCRIPT, import_name, json.dumps(list(features)),
             json.dumps(list(site_dirs)), str(limit)],
            capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        logger.warning("Could not read the API of %s: %s", import_name, exc)
        return []
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [""])[-1]
        logger.warning("Could not import %s to read its API: %s", import_name, last)
        return []
    try:
        lines = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return []
    return [str(line) for line in lines]
