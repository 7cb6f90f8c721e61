"""The runner that executes a class-level task's unittest classes inside the sandbox.

``class_grading`` appends the source of :func:`run_test_classes` (renamed, see
``RUNNER_NAME``) and one call to it after the answer and the hidden test module, and runs the
whole as one program without tests (as ``__main__``, its stdout captured). The runner runs
each named ``TestCase`` class with ``unittest`` on its own, as ClassEval's evaluator does, and
prints one marked line per class: ``MARK nonce {"class": ..., "run": n, "failures": n,
"errors": n, "problems": [...], "missing_data": [...]}``. A class whose line is missing (the
program stopped or timed out first) counts as failed.

Python's ``random`` is seeded (``RANDOM_SEED``) before each class, so a verdict is the same on
every run and does not depend on the classes run before it. ClassEval's evaluator does not
seed: there the reference of ClassEval_58 (MinesweeperGame) fails its main test about one run
in nine (two mines drawn on the same cell), and so would a right answer.

Each class has a CPU-time limit (``ITIMER_PROF``: CPU time, so that a busy machine does not
fail a slow but correct class; a class that waits without computing is stopped by the run's
wall-clock limit instead; unittest records the interrupt as an error of
the test that was running and the class stops there), so one class that loops forever costs
only its own verdict. Errors that name an NLTK resource that is not installed
(``Resource wordnet not found``) are reported in ``missing_data``: such a class could not be
graded on this machine, which is not the answer's fault.

The function runs inside the answer's module: it imports what it needs inside its body, so
that it binds no module-level name the answer or the tests might use, and it must not rely on
anything defined in this file.

Example (the statement the sandbox program ends with; ``_classeval_stdout`` is the stdout
that ``stdout_guard`` kept aside before the answer ran):
    >>> print(runner_call(["FooTest"], "n0nce", 10.0))
    _classeval_run_test_classes(['FooTest'], 'n0nce', 10.0, _classeval_stdout)
"""

from __future__ import annotations

import inspect

MARK = "@@classeval-test-class"
RUNNER_NAME = "_classeval_run_test_classes"
STDOUT_NAME = "_classeval_stdout"
RANDOM_SEED = 0
_PROBLEMS_KEPT = 2  # failing tests described per class
_PROBLEM_CHARS = 400


def run_test_classes(names, nonce, per_class_s, out):
    """Run each ``unittest.TestCase`` class in ``names`` (module globals) on its own and write
    one ``MARK nonce {json}`` line per class to ``out``."""
    import json
    import random
    import re
    import signal
    import unittest

    exception_line = re.compile(r"^[A-Za-z_][\w.]*(?::.*)?$")
    missing = re.compile(r"Resource\s+(?:\x1b\[[0-9;]*m|['\"])?([\w./-]+?)"
                         r"(?:\x1b\[[0-9;]*m|['\"])?\s+not found")
    namespace = globals()

    def summary(text):
        """The exception line of a unittest traceback, with the next line if it says nothing
        more (nltk's LookupError puts its message on the following lines)."""
        lines = text.splitlines()
        found = [i for i, line in enumerate(lines)
                 if exception_line.match(line) and not line.startswith("Traceback")]
        if not found:
            return lines[-1].strip() if lines else ""
        start = found[-1]
        picked = [lines[start].strip()]
        if picked[0].endswith(":"):
            picked += [line.strip() for line in lines[start + 1:]
                       if line.strip().strip("*")][:1]
        return " ".join(picked)
    current = {"result": None}

    # built with type(): a class statement here would be named "...<locals>.ClassTimeout"
    ClassTimeout = type("ClassTimeout", (Exception,), {})

    def on_alarm(signum, frame):
        if current["result"] is not None:
            current["result"].stop()
        raise ClassTimeout(f"the test class used more than its {per_class_s:g} s of CPU time")

    try:
        previous = signal.signal(signal.SIGPROF, on_alarm)
    except (ValueError, OSError):
        previous = None
    for name in names:
        record = {"class": name, "run": 0, "failures": 0, "errors": 0, "problems": [],
                  "missing_data": []}
        result = unittest.TestResult()
        current["result"] = result
        try:
            try:
                case = namespace.get(name)
                if not (isinstance(case, type) and issubclass(case, unittest.TestCase)):
                    raise LookupError(f"no unittest.TestCase class named {name}")
                suite = unittest.defaultTestLoader.loadTestsFromTestCase(case)
                random.seed(RANDOM_SEED)
                if previous is not None:
                    signal.setitimer(signal.ITIMER_PROF, per_class_s)
                suite.run(result)
            finally:
                if previous is not None:
                    signal.setitimer(signal.ITIMER_PROF, 0)
        except BaseException as exc:  # the class fails; the next one still runs
            record["errors"] += 1
            record["problems"].append(f"{name}: {type(exc).__name__}: {exc}"[:_PROBLEM_CHARS])
        current["result"] = None
        record["run"] = result.testsRun
        record["failures"] += len(result.failures)
        record["errors"] += len(result.errors)
        for test, text in [*result.errors, *result.failures]:
            found = missing.findall(text)
            record["missing_data"] += [item for item in found if item not in record["missing_data"]]
            if len(record["problems"]) < _PROBLEMS_KEPT:
                method = getattr(test, "_testMethodName", str(test))
                record["problems"].append(f"{method}: {summary(text)}"[:_PROBLEM_CHARS])
        out.write(f"{MARK} {nonce} {json.dumps(record)}\n")
        out.flush()
    if previous is not None:
        signal.signal(signal.SIGPROF, previous)


def runner_source() -> str:
    """The source of :func:`run_test_classes` under ``RUNNER_NAME``, with its constants
    written in (it runs where this module's globals do not exist)."""
    source = inspect.getsource(run_test_classes)
    source = source.replace("def run_test_classes(", f"def {RUNNER_NAME}(", 1)
    source = source.replace("{MARK}", MARK, 1)
    source = source.replace("RANDOM_SEED", str(RANDOM_SEED))
    source = source.replace("_PROBLEMS_KEPT", str(_PROBLEMS_KEPT))
    return source.replace("_PROBLEM_CHARS", str(_PROBLEM_CHARS))


def stdout_guard() -> str:
    """Source that goes before the answer: the module is named ``solution`` (not
    ``__main__``, so neither the answer's nor the test module's ``if __name__ == "__main__":``
    block runs, as when ClassEval's evaluator imports them), and stdout is kept aside for the
    runner's lines while everything the answer and the tests print is discarded (their output
    could otherwise fill the captured stdout before the runner writes)."""
    return (
        '__name__ = "solution"\n'
        f"import sys as {STDOUT_NAME}_sys, os as {STDOUT_NAME}_os\n"
        f"{STDOUT_NAME} = {STDOUT_NAME}_sys.stdout\n"
        f"{STDOUT_NAME}_sys.stdout = open({STDOUT_NAME}_os.devnull, 'w')\n"
        f"del {STDOUT_NAME}_sys, {STDOUT_NAME}_os\n"
    )


def runner_call(names: list[str], nonce: str, per_class_s: float) -> str:
    """The statement that runs the test classes (after :func:`runner_source`)."""
    return f"{RUNNER_NAME}({names!r}, {nonce!r}, {per_class_s!r}, {STDOUT_NAME})"
