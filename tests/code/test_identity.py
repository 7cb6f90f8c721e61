"""Which candidates count as the same program (a repeat is drawn again, not rerun)."""

from __future__ import annotations

import pytest

from dspy_coder.code.identity import program_identity

BASE = "def f(x):\n    return x * 2\n"


@pytest.mark.parametrize(
    "variant",
    [
        "def f(x):\n    '''Double x.'''\n    return x * 2\n",
        "def f(x):\n    # double it\n    return x*2  # twice\n",
        '"""Module docstring."""\n\n\ndef f(x):\n\n    return (x * 2)\n',
    ],
)
def test_comments_docstrings_and_layout_do_not_make_a_new_program(variant: str):
    assert program_identity(variant) == program_identity(BASE)


@pytest.mark.parametrize(
    "variant",
    [
        "def f(x):\n    return x * 3\n",
        "def f(x):\n    return x + x\n",
        "def f(x):\n    tag = 'v2'\n    return x * 2\n",
        "def f(y):\n    return y * 2\n",
    ],
)
def test_a_change_in_the_code_is_a_new_program(variant: str):
    assert program_identity(variant) != program_identity(BASE)


def test_a_function_of_only_a_docstring_stays_a_function():
    assert program_identity("def f():\n    'Nothing yet.'\n") == "def f():\n    pass"


def test_code_that_does_not_parse_is_compared_by_its_words():
    broken = "def f(x:\n    return x * 2\n"
    assert program_identity(broken) == program_identity("def f(x:\n        return x * 2")
    assert program_identity(broken) != program_identity("def f(x:\n    return x * 3\n")
