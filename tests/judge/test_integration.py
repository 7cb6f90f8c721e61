"""A project's modules run together in the sandbox; a failure is put on the module it is on."""

from dspy_coder.judge.integration import blame, flatten, strip_package_imports
from dspy_coder.sandbox import run as sandbox_run
from dspy_coder.types import TestCase

STORE = ("class Store:\n    def __init__(self):\n        self.items = {}\n\n"
         "    def put(self, key, value):\n        self.items[key] = value\n\n"
         "    def get(self, key):\n        return self.items[key]\n")
CACHE = ("from cache_layer.store import Store\nfrom .store import Store\nimport store\n\n"
         "def cached(store, key):\n    return store.get(key)\n\n"
         "def count(store):\n    return len(store.items) + 1\n")
OWNERS = {"Store": "store", "cached": "cache", "count": "cache"}


def _run(flat, tests: list[TestCase]):
    return {t.name: t for t in sandbox_run(flat.source, tests="\n\n\n".join(
        strip_package_imports(t.code, "cache_layer", {"store", "cache"}) for t in tests)).tests}


def test_sibling_imports_go_and_the_rest_stays_where_it_was():
    lines = strip_package_imports(CACHE, "cache_layer", {"store"}).splitlines()
    assert lines[:2] == ["", ""] and lines[3] == ""
    # `import store` bound a module's name: it now names the flattened namespace
    assert lines[2].startswith("store = globals().get('store', type(\"FlatPackage\"")
    kept = "import json\nfrom collections import deque\n"
    assert strip_package_imports(kept, "cache_layer", {"store"}) == kept


def test_a_failure_is_blamed_on_the_module_its_traceback_ends_in_or_whose_result_was_wrong():
    flat = flatten("cache_layer", [("store", STORE), ("cache", CACHE)])
    tests = [
        TestCase(name="test_missing", code="from cache_layer.cache import cached\n"
                 "from cache_layer.store import Store\n\ndef test_missing():\n"
                 "    assert cached(Store(), 'k') is None\n"),
        TestCase(name="test_count", code="def test_count():\n    assert count(Store()) == 0\n"),
        TestCase(name="test_ok", code="def test_ok():\n    s = Store()\n"
                 "    s.put('k', 1)\n    assert cached(s, 'k') == 1\n"),
    ]
    outcomes = _run(flat, tests)
    assert outcomes["test_ok"].passed
    assert "KeyError" in outcomes["test_missing"].message
    assert blame(outcomes["test_missing"], tests[0], flat, OWNERS) == ["store"]  # self.items[key]
    assert "count(Store()) returned 1" in outcomes["test_count"].message
    assert blame(outcomes["test_count"], tests[1], flat, OWNERS) == ["cache"]


def test_imports_inside_a_test_go_too_and_the_test_still_runs():
    """The 1.5B's integration tests came fenced and parametrized; reading them copied the
    package imports into each test, where they failed with ModuleNotFoundError."""
    test = ("def test_integration_1():\n    from cache_layer.store import Store\n"
            "    from cache_layer.cache import (\n        cached,\n    )\n"
            "    import json\n    s = Store()\n    s.put('k', json.dumps(1))\n"
            "    assert cached(s, 'k') == '1'\n")
    stripped = strip_package_imports(test, "cache_layer", {"store", "cache"})
    # blank lines keep the numbers; no `pass` where the test has statements left (the email
    # project's written tests opened with three of them)
    assert stripped.splitlines()[1:6] == ["", "", "", "", "    import json"]
    only_imports = "def test_x():\n    from cache_layer.store import Store\n"
    assert strip_package_imports(only_imports, "cache_layer", {"store"}) == (
        "def test_x():\n    pass\n")
    flat = flatten("cache_layer", [("store", STORE), ("cache", CACHE)])
    outcome = _run(flat, [TestCase(name="test_integration_1", code=test)])
    assert outcome["test_integration_1"].passed, outcome["test_integration_1"].message
