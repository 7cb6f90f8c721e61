"""Module-level functions an interface declares, bound to one default instance of the class
the answer wrote them in (as ``random.random`` is bound to a hidden ``Random()``)."""

from __future__ import annotations

import subprocess
import sys

from dspy_coder.code.extraction import assemble_solution
from dspy_coder.code.module_functions import with_module_functions

STORE = ("import threading\n\nclass Cache:\n    def __init__(self, capacity=2):\n"
         "        self.data, self.lock = {}, threading.Lock()\n\n"
         "    def get(self, key):\n        return self.data.get(key)\n\n"
         "    def set(self, key, value):\n        self.data[key] = value\n")
TASK = ("Write the module `cache/store.py` of the Python package `cache`: keeps entries.\n"
        "It must define this public interface:\n    def get(key: str) -> str\n"
        "    def set(key: str, value: str) -> None\n")


def test_the_declared_functions_a_class_implements_are_bound_to_its_default_instance(tmp_path):
    """The 1.5B's cache store: the plan declared get/set as functions, the answer was a class,
    and every candidate failed `from cache.store import get`."""
    code = assemble_solution(f"```python\n{STORE}```", TASK, None)
    assert code.endswith("_default_cache = Cache()\nget = _default_cache.get\n"
                         "set = _default_cache.set\n")
    (tmp_path / "store.py").write_text(code)
    run = subprocess.run([sys.executable, "-c", "from store import get, set\nset('a', 1)\n"
                          "assert get('a') == 1\n"], cwd=tmp_path, capture_output=True)
    assert run.returncode == 0, run.stderr


def test_nothing_is_bound_when_it_cannot_be_done_plainly():
    needs_capacity = STORE.replace("capacity=2", "capacity")
    assert with_module_functions(needs_capacity, ["get", "set"]) == needs_capacity
    two_classes = STORE + "\n\nclass Other:\n    def get(self):\n        return 1\n"
    assert with_module_functions(two_classes, ["get"]) == two_classes  # whose get?
    assert with_module_functions(STORE, ["get", "delete"]) == STORE  # delete is nowhere
    written = STORE + "\n\ndef get(key):\n    return None\n"
    assert with_module_functions(written, ["get"]) == written  # already there
    assert with_module_functions("def broken(:\n", ["get"]) == "def broken(:\n"


def test_a_task_that_states_no_signature_lines_is_left_alone():
    prose = "Implement an LRU cache class LRUCache(capacity) with get(key) and put(key, value)"
    assert assemble_solution(STORE, prose, None) == STORE.rstrip("\n")
