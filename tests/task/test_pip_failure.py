"""pip's failures, split by who is at fault, each naming the package and ending with pip's
last lines."""

from __future__ import annotations

from dspy_coder.errors import SetupError, UsageError
from dspy_coder.task.pip_failure import pip_failure

NOT_FOUND = ("ERROR: Could not find a version that satisfies the requirement {name} "
             "(from versions: {versions})\nERROR: No matching distribution found for {name}\n")
RETRY = ("WARNING: Retrying (Retry(total=0, ...)) after connection broken by "
         "'NewConnectionError(\"Failed to establish a new connection: [Errno 111] Connection "
         "refused\")': /simple/six/\n")


def test_a_name_the_index_does_not_have_is_a_usage_error_naming_it():
    error = pip_failure(NOT_FOUND.format(name="flask-nope", versions="none"), ["flask-nope"])
    assert isinstance(error, UsageError)
    assert "'flask-nope'" in str(error) and "No matching distribution" in str(error)


def test_an_index_out_of_reach_is_a_setup_error_even_though_pip_also_says_not_found():
    error = pip_failure(RETRY + NOT_FOUND.format(name="six", versions="none"), ["six"])
    assert isinstance(error, SetupError)
    assert "could not reach the package index to install six" in str(error)


def test_a_package_with_no_version_for_this_python_is_a_setup_error():
    error = pip_failure(NOT_FOUND.format(name="oldpkg", versions="0.1, 0.2"), ["oldpkg"])
    assert isinstance(error, SetupError) and "(the index has 0.1, 0.2)" in str(error)


def test_any_other_failure_is_a_setup_error_with_pips_last_lines():
    output = "\n".join(f"line {n}" for n in range(40)) + "\nerror: subprocess-exited-with-error"
    error = pip_failure(output, ["cbuild"])
    assert isinstance(error, SetupError)
    assert str(error).startswith("pip could not install cbuild")
    assert "line 29" in str(error) and "line 28" not in str(error)  # the last 12 lines
