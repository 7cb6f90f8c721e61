"""Requirements stated in prose: the names a task calls for and its complexity target."""

from __future__ import annotations

import subprocess
import sys

from dspy_coder.task.requirements import (
    missing_names,
    requirement_tests,
    stated_requirements,
)

LRU = ("Implement an LRU cache class LRUCache(capacity) with get(key) and put(key, value), "
       "O(1) each")
EMAIL = ("Build an email validation module: a validate_email(s) and a normalize_email(s) "
         "function, with tests")


def test_the_names_and_complexity_a_free_text_task_asks_for():
    assert stated_requirements(LRU, None).names == ("LRUCache", "get", "put")
    assert stated_requirements(LRU, None).time_complexity == "O(1)"
    assert stated_requirements(EMAIL, None).names == ("validate_email", "normalize_email")
    assert stated_requirements(EMAIL, None).time_complexity is None


def test_a_code_prompt_states_its_names_itself_but_may_state_a_complexity():
    prompt = 'def f(xs):\n    """Sort xs with sorted(xs) in O(n log n), e.g. g(x)."""\n'
    assert stated_requirements(prompt, "f").names == ()
    assert stated_requirements(prompt, "f").time_complexity == "O(n log n)"


def test_builtins_keywords_and_method_calls_on_other_objects_are_not_requirements():
    text = "Write parse(s) that uses len(s), str.split(x) and print() if (x) is set."
    assert stated_requirements(text, None).names == ("parse",)


def test_an_aside_in_parentheses_is_not_a_call_but_a_signature_is():
    """"seconds (an int)" made every candidate of a real run fail a requirement to define
    seconds(...); arguments and parameter lists, annotated or not, still name a function."""
    duration = ("Write a function parse_duration(s) that converts strings like '1h30m' into a "
                "total number of seconds (an int). Raise ValueError for anything else.")
    assert stated_requirements(duration, None).names == ("parse_duration",)
    signatures = "Add area(shape: str, *sizes: float) and scale(x, factor=2) and reset()."
    assert stated_requirements(signatures, None).names == ("area", "scale", "reset")
    assert stated_requirements("Sort the items (ascending) with order(", None).names == ()


def test_a_method_of_a_class_counts_as_defined():
    code = "class LRUCache:\n    def get(self, k):\n        pass\n"
    assert missing_names(code, ("LRUCache", "get", "put")) == ["put"]
    assert missing_names("def broken(:\n", ("x",)) == ["x"]


def test_the_requirement_tests_run_under_plain_pytest_next_to_solution(tmp_path):
    (tmp_path / "solution.py").write_text("def validate_email(s):\n    return '@' in s\n")
    tests = requirement_tests(stated_requirements(EMAIL, None))
    (tmp_path / "test_solution.py").write_text("\n\n".join(t.code for t in tests))
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          str(tmp_path)], capture_output=True, text=True, cwd=tmp_path)
    assert "1 failed, 1 passed" in run.stdout
    assert "asks for normalize_email(...), but the code does not define" in run.stdout


def test_a_name_the_code_never_defines_is_found_without_running_it():
    from dspy_coder.task.requirements import undefined_names

    code = ("import re\nfrom x import y as z\n\nclass LRU:\n    def __init__(self, n):\n"
            "        self.head = Node(n)\n        [k for k in range(n)]\n"
            "        try:\n            pass\n        except ValueError as err:\n"
            "            print(err, z, re)\n")
    assert undefined_names(code) == ["Node"]
    assert undefined_names("from m import *\nNode()\n") == []  # a star import: not judged
    assert undefined_names("def f(:\n") == []


def test_no_humaneval_reference_solution_uses_an_undefined_name():
    from dspy_coder.datasets import load_problems
    from dspy_coder.task.requirements import undefined_names

    flagged = [p.task_id for p in load_problems("humaneval")
               if undefined_names(p.prompt + p.canonical_solution)]
    assert flagged == []


MODULE_TASK = ("Write the module `cache/invalidate.py` of the Python package `cache`: removes "
               "the keys that match a pattern.\nIt must define this public interface:\n"
               "    def invalidate(pattern: str) -> None\n    class Store(capacity: int)\n")
ONLY_A_METHOD = ("class Store:\n    def __init__(self, capacity):\n        self.keys = {}\n\n"
                 "    def invalidate(self, pattern):\n        self.keys.clear()\n")


def test_a_signature_line_in_the_prose_declares_a_top_level_name():
    stated = stated_requirements(MODULE_TASK, None)
    assert stated.top_level == ("invalidate", "Store")
    assert set(stated.top_level) <= set(stated.names)
    assert stated_requirements(LRU, None).top_level == ()  # "class LRUCache(capacity) with"
    method = "Write it:\n    def get(self, key) -> int\n    def put(cls, key)\n"
    assert stated_requirements(method, None).top_level == ()  # methods, not module functions


def test_a_top_level_name_defined_only_as_a_method_is_missing():
    """The 1.5B's `cache.invalidate` defined `invalidate` as a method of a copied `Cache`, so
    `from cache.invalidate import invalidate` failed; a method must not count for it."""
    from dspy_coder.code.module_functions import top_level_bindings

    assert {"invalidate", "Store"} - top_level_bindings(ONLY_A_METHOD) == {"invalidate"}
    assert missing_names(ONLY_A_METHOD, ("invalidate",)) == []  # a method counts otherwise
    imported = "from re import sub as invalidate\nStore = dict\n"
    assert {"invalidate", "Store"} <= top_level_bindings(imported)
    assert top_level_bindings("def broken(:\n") == set()


def test_the_top_level_requirement_test_runs_under_plain_pytest(tmp_path):
    (tmp_path / "solution.py").write_text(ONLY_A_METHOD)
    tests = requirement_tests(stated_requirements(MODULE_TASK, None))
    assert [t.name for t in tests] == ["test_task_defines_invalidate", "test_task_defines_Store"]
    (tmp_path / "test_solution.py").write_text("\n\n".join(t.code for t in tests))
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          str(tmp_path)], capture_output=True, text=True, cwd=tmp_path)
    assert "1 failed, 1 passed" in run.stdout
    assert "declares invalidate at the top level" in run.stdout
