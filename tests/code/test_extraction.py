from dspy_coder.code.extraction import assemble_solution, extract_code

PROMPT = (
    "from typing import List\n\n\n"
    "def helper(x):\n    return x * 2\n\n\n"
    "def double_all(xs: List[int]) -> List[int]:\n"
    '    """Double every element."""\n'
)


def test_extracts_longest_fenced_block():
    text = "Sure:\n```python\nx = 1\n```\nand\n```python\ndef f():\n    return 2\n```\n"
    assert extract_code(text) == "def f():\n    return 2"


def test_unterminated_fence_is_still_code():
    assert extract_code("```python\ndef f():\n    return 1\n") == "def f():\n    return 1"


def test_full_function_keeps_prompt_imports_and_helpers():
    raw = (
        "```python\ndef double_all(xs: List[int]) -> List[int]:\n"
        "    return [helper(x) for x in xs]\n```"
    )
    code = assemble_solution(raw, PROMPT, "double_all")
    namespace: dict = {}
    exec(code, namespace)
    assert namespace["double_all"]([1, 2]) == [2, 4]
    assert code.count("def helper") == 1


def test_bare_body_goes_under_the_prompt_signature():
    code = assemble_solution("return [x * 2 for x in xs]", PROMPT, "double_all")
    namespace: dict = {}
    exec(code, namespace)
    assert namespace["double_all"]([3]) == [6]


def test_leading_prose_is_dropped():
    raw = "Here is the function you asked for\ndef double_all(xs):\n    return xs\n"
    namespace: dict = {}
    exec(assemble_solution(raw, PROMPT, "double_all"), namespace)
    assert namespace["double_all"]([1]) == [1]


def test_example_usage_after_the_function_is_dropped():
    raw = (
        "```python\nimport math\n\nLIMIT = 3\n\ndef f(x):\n    return x + 1\n\n"
        "assert f(1) == 3  # a wrong self-written check\n"
        "print(f(2))\nf(3)\n"
        "if __name__ == '__main__':\n    print(f(4))\n```"
    )
    code = assemble_solution(raw, "def f(x):\n    '''Add one.'''\n", "f")
    assert "assert" not in code and "print" not in code and "__main__" not in code
    namespace: dict = {}
    exec(code, namespace)  # loads without tripping the wrong assert
    assert namespace["f"](1) == 2 and namespace["LIMIT"] == 3


def test_setup_calls_at_module_level_are_kept():
    raw = "import sys\nsys.setrecursionlimit(10000)\n\ndef f(n):\n    return n\n"
    assert "sys.setrecursionlimit(10000)" in assemble_solution(raw, "def f(n):\n", "f")


def test_prompt_imports_and_constants_are_not_repeated():
    prompt = (
        'from typing import List\n\nFIX = """\nAdd more.\n"""\n\n'
        "def f(xs: List[int]) -> int:\n"
    )
    raw = prompt + "    return 1\n"
    code = assemble_solution(raw, prompt, "f")
    assert code.count("from typing import List") == 1
    assert code.count("FIX =") == 1


def test_a_function_with_only_placeholders_has_an_empty_body():
    from dspy_coder.code.extraction import has_empty_body

    docstring_only = 'def f(x):\n    """Double x.\n    >>> f(2)\n    4\n    """\n'
    assert has_empty_body(docstring_only, "f")
    assert has_empty_body(docstring_only + "    pass\n", "f")
    assert has_empty_body('def f(x):\n    ...\n', "f")
    assert has_empty_body('def f(x):\n    raise NotImplementedError("todo")\n', "f")
    assert has_empty_body(docstring_only + "    obj['code']\n", "f")  # a template echoed
    assert not has_empty_body(docstring_only + "    return 2 * x\n", "f")
    assert not has_empty_body(docstring_only + "    print(x)\n", "f")
    assert not has_empty_body('def f(x):\n    raise ValueError("no")\n', "f")
    assert not has_empty_body("def g():\n    pass\n", "f")  # f not defined: not judged here
    assert not has_empty_body("def f(:\n", "f")


MODULE_TASK = (
    "Write the module `mail/cli.py` of the Python package `mail`: a small CLI.\n"
    "It must define this public interface:\n"
    "    def main(argv: list[str] | None = None) -> int\n"
    "Keep it under 100 lines.")


def test_an_answer_without_the_entry_point_is_not_put_under_a_task_written_in_prose():
    # the email project at dbba08e: `obj['generated_code']` went under the module's prose task,
    # so the module file was the task's sentences and no candidate could even load
    assert "Write the module" not in assemble_solution("obj['generated_code']", MODULE_TASK,
                                                       "main")
    helper = "def helper(s):\n    return s.lower()\n"
    assert assemble_solution(helper, MODULE_TASK, "main") == helper
    assert assemble_solution("", MODULE_TASK, "main") == ""


def test_a_whole_function_spelled_apart_from_the_task_is_bound_to_the_task_s_name():
    """MBPP/233 asks for ``lateralsuface_cylinder``; the 1.5B wrote the whole function as
    ``lateralsurface_cylinder``, which was put under the signature as a body: a nested def and
    an outer function returning None (the baseline's answer was right)."""
    prompt = ('def lateralsuface_cylinder(r, h):\n'
              '    """Write a function to find the lateral surface area of a cylinder."""\n')
    raw = "import math\n\ndef lateralsurface_cylinder(r, h):\n    return 2 * math.pi * r * h\n"
    namespace: dict = {}
    exec(assemble_solution(raw, prompt, "lateralsuface_cylinder"), namespace)  # noqa: S102
    assert round(namespace["lateralsuface_cylinder"](10, 5), 2) == 314.16
    # a function of another name is no stand-in: the answer still goes under the signature
    other = "def area(r, h):\n    return r * h\n"
    assert assemble_solution(other, prompt, "lateralsuface_cylinder").startswith(prompt)
