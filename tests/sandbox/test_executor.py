"""Behaviour of sandbox.run on ordinary (non-hostile) code."""

from __future__ import annotations

import json

import pytest

from dspy_coder.errors import UsageError
from dspy_coder.sandbox import Limits, run
from dspy_coder.types import ExecutionResult

ADD = "def add(a, b):\n    return a + b\n"
WRONG_ADD = "def add(a, b):\n    return a - b\n"


def test_module_without_tests_passes_and_captures_stdout():
    result = run("print('hello')\nimport sys\nprint('oops', file=sys.stderr)\n")
    assert result.status == "passed"
    assert result.passed
    assert result.stdout == "hello\n"
    assert result.stderr == "oops\n"
    assert result.tests == []
    assert result.duration_s > 0
    assert result.peak_memory_mb > 0
    assert "process" in result.isolation


def test_module_runs_as_main_without_tests():
    result = run("if __name__ == '__main__':\n    print('main')\n")
    assert result.stdout == "main\n"


def test_pytest_style_reports_each_test():
    tests = (
        "def test_ok():\n    assert add(1, 2) == 3\n"
        "def test_bad():\n    assert add(2, 2) == 5\n"
        "def test_also_ok():\n    assert add(0, 0) == 0\n"
    )
    result = run(ADD, tests)
    assert result.status == "failed"
    assert [(t.name, t.passed) for t in result.tests] == [
        ("test_ok", True), ("test_bad", False), ("test_also_ok", True)
    ]
    assert "add(2, 2) returned 4" in result.tests[1].message


def test_an_assertion_s_own_message_reaches_the_feedback_whole_not_cut_at_a_repr_s_length():
    # ClassEval_49: the message ended in "(after ...; m.remove_job(...))", the method to blame,
    # and the cut at 240 characters took that off before the feedback could keep it
    message = "x" * 300 + " (after m.remove_job(m.jobs[0]))"
    result = run(ADD, f"def test_long():\n    assert add(1, 1) == 3, {message!r}\n")
    assert result.tests[0].message.endswith(f"message: {message}")


def test_an_assert_in_a_class_method_shows_its_values():
    """Asserts are rewritten to record values; in a class body a ``__name`` would be
    name-mangled, so the recorder's name must not be one."""
    tests = (
        "def test_in_a_class():\n"
        "    class TestAdd:\n"
        "        def check(self):\n"
        "            assert add(2, 2) == 5\n"
        "    TestAdd().check()\n"
    )
    result = run(ADD, tests)
    assert result.status == "failed"
    assert "add(2, 2) returned 4" in result.tests[0].message


def test_check_style_reports_each_assert_with_the_returned_value():
    tests = (
        "def check(candidate):\n"
        "    assert candidate(1, 2) == 3\n"
        "    assert candidate([1], [2]) == [1, 2]\n"
        "    assert candidate(5, 5) == 10, 'five plus five'\n"
    )
    result = run(WRONG_ADD, tests, entry_point="add")
    assert result.status == "failed"
    assert len(result.tests) == 3
    assert not any(t.passed for t in result.tests)
    assert "candidate(1, 2) returned -1" in result.tests[0].message
    assert "TypeError" in result.tests[1].message
    assert "five plus five" in result.tests[2].message
    assert run(ADD, tests, entry_point="add").status == "passed"


def test_check_loop_and_helper_statements_run_in_order():
    tests = (
        "import math\n"
        "def check(candidate):\n"
        "    pairs = [(1, 1), (2, 3)]\n"
        "    for a, b in pairs:\n"
        "        assert candidate(a, b) == a + b\n"
        "    assert math.isclose(candidate(0.1, 0.2), 0.3)\n"
    )
    result = run(WRONG_ADD, tests, entry_point="add")
    assert [t.passed for t in result.tests] == [False, False]
    assert "candidate(a, b) returned 0" in result.tests[0].message
    assert "a + b = 2" in result.tests[0].message


def test_exception_in_candidate_shows_user_traceback_only():
    code = "def div(a, b):\n    return helper(a, b)\n\ndef helper(a, b):\n    return a / b\n"
    tests = "def check(candidate):\n    assert candidate(1, 0) == 0\n"
    result = run(code, tests, entry_point="div")
    assert result.status == "failed"
    message = result.tests[0].message
    assert "ZeroDivisionError: division by zero" in message
    assert "solution.py, line 5, in helper: return a / b" in message
    assert "harness" not in message and "supervisor" not in message


def test_tests_can_import_from_solution_module():
    tests = "from solution import add\n\ndef test_add():\n    assert add(2, 3) == 5\n"
    assert run(ADD, tests).status == "passed"


@pytest.mark.parametrize(
    ("code", "tests", "entry_point", "needle"),
    [
        ("def f(:\n", None, None, "SyntaxError in solution.py, line 1"),
        (ADD, "def test_x(:\n", None, "SyntaxError in tests.py"),
        ("raise ValueError('boom')\n", "def test_x():\n    pass\n", None, "ValueError: boom"),
        (ADD, "x = 1\n", None, "No tests found"),
        (ADD, "def check(candidate):\n    assert candidate(1, 1) == 2\n", "sub", "`sub`"),
        ("import sys\nsys.exit(0)\n", "def test_x():\n    pass\n", None, "no test ran"),
    ],
)
def test_problems_loading_code_or_tests_are_errors(code, tests, entry_point, needle):
    result = run(code, tests, entry_point=entry_point)
    assert result.status == "error"
    assert needle in result.error
    assert not result.passed


def test_sys_exit_without_tests():
    assert run("import sys\nsys.exit(0)\n").status == "passed"
    failed = run("import sys\nsys.exit(3)\n")
    assert failed.status == "error"
    assert "sys.exit(3)" in failed.error


def test_exception_inside_a_test_is_a_failed_test_not_an_error():
    tests = "def test_a():\n    raise KeyError('k')\n\ndef test_b():\n    assert add(1, 1) == 2\n"
    result = run(ADD, tests)
    assert result.status == "failed"
    assert "KeyError: 'k'" in result.tests[0].message
    assert result.tests[1].passed


def test_stdin_is_closed():
    result = run("try:\n    input()\nexcept EOFError:\n    print('eof')\n")
    assert result.stdout == "eof\n"


def test_output_is_capped_with_a_note():
    limits = Limits(max_output_bytes=4096)
    result = run("print('x' * 100_000)\n", limits=limits)
    assert result.status == "passed"
    assert result.stdout.startswith("x" * 4096)
    assert "[output truncated" in result.stdout
    assert len(result.stdout) < 4096 + 200


def test_memory_error_is_memory_status():
    result = run("x = bytearray(2 * 1024 ** 3)\n", limits=Limits(memory_mb=128))
    assert result.status == "memory"
    assert "MemoryError" in result.error


def test_result_serialises_to_json():
    result = run(ADD, "def test_a():\n    assert add(1, 1) == 3\n")
    data = json.loads(result.model_dump_json())
    assert data["status"] == "failed"
    assert data["passed"] is False
    assert ExecutionResult.model_validate_json(result.model_dump_json()).tests[0].name == "test_a"


def test_bad_arguments_are_usage_errors():
    with pytest.raises(UsageError):
        run(b"print(1)")  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        run("x = 1", entry_point="not a name")
    with pytest.raises(UsageError):
        run("x = 1", limits={"timeout_s": 1})  # type: ignore[arg-type]


def test_concurrent_runs_do_not_mix_results():
    from concurrent.futures import ThreadPoolExecutor

    def one(i: int):
        return run(f"print({i})\n").stdout

    with ThreadPoolExecutor(4) as pool:
        outputs = list(pool.map(one, range(12)))
    assert outputs == [f"{i}\n" for i in range(12)]


def test_code_runs_at_normal_priority_in_a_temp_cwd():
    result = run("import os\nprint(os.getpriority(os.PRIO_PROCESS, 0))\nprint(os.getcwd())\n")
    lines = result.stdout.split()
    assert lines[0] == "0"
    assert "dspy-coder-run-" in lines[1]


def test_each_test_finds_an_empty_working_directory_of_its_own():
    # tests that each open the same database or file must not see each other's rows (as two
    # generated tests of ClassEval_14 did, both opening "test.db")
    code = ("import os\n\nclass Store:\n    def __init__(self, path):\n        self.path = path\n"
            "    def add(self, row):\n        with open(self.path, 'a') as f:\n"
            "            f.write(row + '\\n')\n"
            "    def rows(self):\n        with open(self.path) as f:\n"
            "            return f.read().split()\n")
    tests = "".join(
        f"def test_{i}():\n    s = Store('test.db')\n    s.add('r{i}')\n"
        f"    assert s.rows() == ['r{i}']\n\n\n" for i in range(3))
    result = run(code, tests=tests)
    assert [t.passed for t in result.tests] == [True, True, True], result.tests


def test_a_test_and_the_code_it_calls_share_the_test_s_directory():
    # a test writes the CSV the code reads, and reads the database the code writes, as
    # ClassEval's own tests of file and database classes do
    code = ("import sqlite3\n\ndef count_rows(csv_path):\n    with open(csv_path) as f:\n"
            "        return len(f.read().splitlines())\n\n"
            "def save(name):\n    con = sqlite3.connect('test.db')\n"
            "    con.execute('CREATE TABLE IF NOT EXISTS t (name TEXT)')\n"
            "    con.execute('INSERT INTO t VALUES (?)', (name,))\n    con.commit()\n"
            "    con.close()\n")
    tests = ("def test_reads_what_the_test_wrote():\n"
             "    with open('data.csv', 'w') as f:\n        f.write('a,1\\nb,2\\n')\n"
             "    assert count_rows('data.csv') == 2\n\n\n"
             "def test_the_test_reads_what_the_code_wrote():\n    import sqlite3\n"
             "    save('ann')\n    con = sqlite3.connect('test.db')\n"
             "    assert con.execute('SELECT name FROM t').fetchall() == [('ann',)]\n"
             "    save('bob')\n")
    result = run(code, tests=tests)
    assert [t.passed for t in result.tests] == [True, True], result.tests
