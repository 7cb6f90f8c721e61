# Tests of solution.py, written by dspy-coder (status unverified, score n/a). Run: pytest
#
# No test checked what this answer does: the task gives no examples, and every test the test
# writer wrote was dropped or rejected (the reasons are below). It is unverified: read it
# before you rely on it.
# 5 static check(s) of the names the task asks for and the code uses: the answer passed 5.
#
# 6 generated test(s) did not count and are marked skip, with the reason; remove a marker to
# run that test.

import pytest

from solution import *  # noqa: F403


@pytest.fixture(autouse=True)
def _own_working_directory(tmp_path, monkeypatch):
    """Each test starts in an empty directory of its own, as in dspy-coder's sandbox."""
    monkeypatch.chdir(tmp_path)


def test_code_defines_every_name_it_uses():
    import pathlib as _pathlib
    import pytest as _pytest
    _check = _pytest.importorskip("dspy_coder.task.requirements")
    _source = _pathlib.Path(__file__).with_name("solution.py").read_text()
    _undefined = _check.undefined_names(_source)
    assert not _undefined, _check.undefined_message(_undefined)


def test_code_uses_only_what_its_modules_offer():
    import pathlib as _pathlib
    import pytest as _pytest
    _reader = _pytest.importorskip("dspy_coder.task.module_attributes")
    _source = _pathlib.Path(__file__).with_name("solution.py").read_text()
    _uses = _reader.module_attribute_uses(_source)
    _imports = _reader.imported_modules(_source)
    def imported_object(dotted: str) -> object:
        """The module ``dotted`` names, or the name its last part is in the module before it
        (``collections.OrderedDict``). Raises ImportError or AttributeError when neither exists."""
        import importlib

        try:
            return importlib.import_module(dotted)
        except ImportError:
            parent, _, name = dotted.rpartition(".")
            if not parent:
                raise
            return getattr(importlib.import_module(parent), name)
    import difflib as _difflib
    import importlib as _importlib
    for _name in _imports:  # what the code imports, so its submodules are attributes too
        try:
            _importlib.import_module(_name)
        except Exception:
            pass
    _missing = []
    for _name, _attributes in _uses.items():
        try:
            _object = imported_object(_name)
        except Exception:
            continue  # not importable here: the code's own import fails first, and says so
        _offered = sorted(_n for _n in dir(_object) if not _n.startswith("_"))
        for _attribute in _attributes:
            if not hasattr(_object, _attribute):
                _near = _difflib.get_close_matches(_attribute, _offered, n=3)
                _hint = (f"did you mean {', '.join(_near)}?" if _near
                         else f"it has {', '.join(_offered[:12])}")
                _missing.append(f"{_name}.{_attribute} ({_name} has no {_attribute}; {_hint})")
    assert not _missing, ("The code uses " + "; ".join(_missing)
                          + ": an AttributeError when that line runs.")


def test_task_names_LRUCache():
    import ast as _ast, pathlib as _pathlib
    _source = _pathlib.Path(__file__).with_name("solution.py").read_text()
    _defined = {_n.name for _n in _ast.walk(_ast.parse(_source))
                if isinstance(_n, (_ast.FunctionDef, _ast.AsyncFunctionDef,
                                   _ast.ClassDef))}
    assert 'LRUCache' in _defined, 'The task asks for LRUCache(...), but the code does not define LRUCache.'


def test_task_names_get():
    import ast as _ast, pathlib as _pathlib
    _source = _pathlib.Path(__file__).with_name("solution.py").read_text()
    _defined = {_n.name for _n in _ast.walk(_ast.parse(_source))
                if isinstance(_n, (_ast.FunctionDef, _ast.AsyncFunctionDef,
                                   _ast.ClassDef))}
    assert 'get' in _defined, 'The task asks for get(...), but the code does not define get.'


def test_task_names_put():
    import ast as _ast, pathlib as _pathlib
    _source = _pathlib.Path(__file__).with_name("solution.py").read_text()
    _defined = {_n.name for _n in _ast.walk(_ast.parse(_source))
                if isinstance(_n, (_ast.FunctionDef, _ast.AsyncFunctionDef,
                                   _ast.ClassDef))}
    assert 'put' in _defined, 'The task asks for put(...), but the code does not define put.'


@pytest.mark.skip(reason='rejected: it uses nothing of the code under test, only what the test defines itself (a mock of its own)')
def test_generated_1():
    from collections import OrderedDict, deque

    class LRUCache(OrderedDict):

        def __init__(self, capacity):
            self.capacity = capacity

        def get(self, key):
            value = super(LRUCache, self).get(key)
            if value:
                self.move_to_end(key)
            return value

        def put(self, key, value):
            if key in self:
                del self[key]
            if len(self) >= self.capacity:
                self.popitem(last=False)
            super(LRUCache, self).update({key: value})
    cache = LRUCache(3)
    assert cache.get(1) is None
    cache.put(1, 2)
    assert cache.get(1) == 2
    cache.put(2, 4)
    assert cache.get(2) == 4
    cache.put(3, 6)
    assert cache.get(3) == 6
    cache.put(4, 8)
    assert cache.get(1) == 2
    assert cache.get(2) == 4
    assert cache.get(3) == 6
    assert cache.get(4) == 8


@pytest.mark.skip(reason='rejected: it uses nothing of the code under test, only what the test defines itself (a mock of its own)')
def test_generated_2():
    from collections import OrderedDict, deque

    class LRUCache(OrderedDict):

        def __init__(self, capacity):
            self.capacity = capacity

        def get(self, key):
            value = super(LRUCache, self).get(key)
            if value:
                self.move_to_end(key)
            return value

        def put(self, key, value):
            if key in self:
                del self[key]
            if len(self) >= self.capacity:
                self.popitem(last=False)
            super(LRUCache, self).update({key: value})
    cache = LRUCache(2)
    cache.put(1, 10)
    cache.put(2, 20)
    cache.get(1) == 10
    cache.put(3, 30)
    assert cache.get(2) == 20
    assert cache.get(1) == 10


@pytest.mark.skip(reason='rejected: it uses nothing of the code under test, only what the test defines itself (a mock of its own)')
def test_generated_3():
    from collections import OrderedDict, deque

    class LRUCache(OrderedDict):

        def __init__(self, capacity):
            self.capacity = capacity

        def get(self, key):
            value = super(LRUCache, self).get(key)
            if value:
                self.move_to_end(key)
            return value

        def put(self, key, value):
            if key in self:
                del self[key]
            if len(self) >= self.capacity:
                self.popitem(last=False)
            super(LRUCache, self).update({key: value})
    cache = LRUCache(1)
    assert cache.get(0) is None
    cache.put(0, 1)
    assert cache.get(0) == 1
    cache.put(1, 2)
    assert cache.get(0) is None
    cache.put(1, 3)
    assert cache.get(0) is None


@pytest.mark.skip(reason='rejected: it uses nothing of the code under test, only what the test defines itself (a mock of its own)')
def test_generated_4():
    from collections import OrderedDict, deque

    class LRUCache(OrderedDict):

        def __init__(self, capacity):
            self.capacity = capacity

        def get(self, key):
            value = super(LRUCache, self).get(key)
            if value:
                self.move_to_end(key)
            return value

        def put(self, key, value):
            if key in self:
                del self[key]
            if len(self) >= self.capacity:
                self.popitem(last=False)
            super(LRUCache, self).update({key: value})
    cache = LRUCache(2)
    assert cache.put(1, 10) == None
    assert cache.put(2, 20) == None
    assert cache.put(1, 30) == 10
    assert cache.put(2, 40) == 20
    assert cache.get(1) == 30
    assert cache.get(2) == 40


@pytest.mark.skip(reason='rejected: it uses nothing of the code under test, only what the test defines itself (a mock of its own)')
def test_generated_5():
    from collections import OrderedDict, deque

    class LRUCache(OrderedDict):

        def __init__(self, capacity):
            self.capacity = capacity

        def get(self, key):
            value = super(LRUCache, self).get(key)
            if value:
                self.move_to_end(key)
            return value

        def put(self, key, value):
            if key in self:
                del self[key]
            if len(self) >= self.capacity:
                self.popitem(last=False)
            super(LRUCache, self).update({key: value})
    cache = LRUCache(3)
    assert cache.put(1, 10) == None
    assert cache.put(2, 20) == None
    assert cache.put(3, 30) == None
    assert cache.get(1) == 10
    assert cache.get(2) == 20
    assert cache.put(4, 40) == 40
    assert cache.get(1) == 10
    assert cache.get(2) == 20
    assert cache.get(3) == 30
    assert cache.get(4) == 40


@pytest.mark.skip(reason='rejected: it uses nothing of the code under test, only what the test defines itself (a mock of its own)')
def test_generated_6():
    from collections import OrderedDict, deque

    class LRUCache(OrderedDict):

        def __init__(self, capacity):
            self.capacity = capacity

        def get(self, key):
            value = super(LRUCache, self).get(key)
            if value:
                self.move_to_end(key)
            return value

        def put(self, key, value):
            if key in self:
                del self[key]
            if len(self) >= self.capacity:
                self.popitem(last=False)
            super(LRUCache, self).update({key: value})
    cache = LRUCache(1)
    assert cache.put(0, 1)
    assert cache.put(1, 2)
