"""A module's dependencies are shown to the model as their interface, not their bodies: the
1.5B copied the bodies of the code it was shown instead of writing its own functions."""

import ast

from dspy_coder.task.interface_stubs import interface_stubs

CONTEXT = '''import tomli_w

LIMIT = 3


def build_config(defaults: dict, overrides: dict) -> dict:
    """Build a config dictionary from defaults and overrides."""
    config = defaults.copy()
    config.update(overrides)
    return config


class Store:
    """A key-value store."""

    def __init__(self):
        self.data = {}

    def get(self, key):
        return self.data.get(key)
'''


def test_bodies_become_ellipses_and_signatures_docstrings_imports_and_constants_stay():
    stubs = interface_stubs(CONTEXT)
    assert "def build_config(defaults: dict, overrides: dict) -> dict:" in stubs
    assert "Build a config dictionary from defaults and overrides." in stubs
    assert "import tomli_w" in stubs and "LIMIT = 3" in stubs
    assert "class Store:" in stubs and "def get(self, key):" in stubs
    assert "config.update" not in stubs and "self.data.get" not in stubs
    tree = ast.parse(stubs)  # still Python
    build = next(n for n in tree.body if isinstance(n, ast.FunctionDef))
    assert isinstance(build.body[-1].value, ast.Constant) and build.body[-1].value.value is ...


def test_code_that_does_not_parse_is_shown_as_it_is():
    assert interface_stubs("def broken(:\n    pass\n") == "def broken(:\n    pass\n"


def test_the_attributes_a_constructor_sets_stay_visible():
    """A module built on a store needs to know the store keeps ``self.data``; a stub that hid
    every ``__init__`` line left only the methods to guess from."""
    stubs = interface_stubs(
        "class Cache:\n"
        "    def __init__(self, capacity: int, loader=None):\n"
        "        '''A bounded cache.'''\n"
        "        if capacity < 1:\n"
        "            raise ValueError('capacity')\n"
        "        self.capacity = capacity\n"
        "        self.entries: dict = {}\n"
        "        for _ in range(2):\n"
        "            self.hits = 0\n"
        "        self.loader = loader or (lambda key: [key for key in range(10)\n"
        "                                              if key % 2 == 0 and key > 3])\n"
        "        helper = 3\n"
    )
    assert "self.capacity = capacity" in stubs
    assert "self.entries: dict = {}" in stubs
    assert stubs.count("self.hits = 0") == 1
    assert "self.loader = ..." in stubs  # a long value is not shown
    assert "raise ValueError" not in stubs and "helper = 3" not in stubs
    assert "A bounded cache." in stubs
    ast.parse(stubs)


def test_a_constructor_that_sets_no_attribute_is_an_ellipsis():
    stubs = interface_stubs("class A:\n    def __init__(self):\n        print('hi')\n")
    assert "print" not in stubs and "..." in stubs
