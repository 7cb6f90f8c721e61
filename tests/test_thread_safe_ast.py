"""Parsing in several threads at once on CPython 3.11 (gh-106905): the race is real, and the
parse ``dspy_coder`` installs never loses it."""

from __future__ import annotations

import subprocess
import sys

import pytest

_RACE = """
import ast, gc, sys, threading
if {install}:
    import dspy_coder  # installs the thread-safe parse
sys.setswitchinterval(1e-6)
gc.set_threshold(50, 1, 1)
gc.callbacks.append(lambda phase, info: sum(range(50)))  # Python code mid-parse
source = "def f(x):\\n" + "".join(
    f"    y{{i}} = [{{{{'a': (x, {{i}}, [1, 2, (3, 4)])}}}}]\\n" for i in range(200))
errors = []
def work():
    for _ in range(150):
        try:
            assert isinstance(ast.parse(source), ast.Module)
            ast.literal_eval("[(1, 2), {{'a': [3]}}]")
        except SystemError as exc:
            errors.append(str(exc))
threads = [threading.Thread(target=work) for _ in range(4)]
[t.start() for t in threads]
[t.join() for t in threads]
print(len(errors))
"""


def _race_errors(install: bool) -> int:
    completed = subprocess.run([sys.executable, "-c", _RACE.format(install=install)],
                               capture_output=True, text=True, timeout=300, check=True)
    return int(completed.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="the bug is fixed in CPython 3.12")
def test_parses_in_threads_never_raise_the_spurious_recursion_error():
    if _race_errors(install=False) == 0:
        pytest.skip("the race did not happen on this machine this time, so nothing to compare")
    assert _race_errors(install=True) == 0
