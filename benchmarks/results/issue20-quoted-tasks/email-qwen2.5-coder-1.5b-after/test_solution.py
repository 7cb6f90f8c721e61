# Tests of solution.py, written by dspy-coder (status unverified, score n/a). Run: pytest
#
# 4 test(s) judged the answer (docstring examples, and generated tests a candidate
# confirmed); the answer passed 4 of them.
# 4 static check(s) of the names the task asks for and the code uses: the answer passed 4.
#
# 8 generated test(s) did not count and are marked skip, with the reason; remove a marker to
# run that test.
#
# Dropped while reading the test writer's answer (the whole answer is in report.json,
# generated_tests_raw):
#   the answer's own validate_email: the task asks the code to define it: its tests use the code's instead
#   the answer's own normalize_email: the task asks the code to define it: its tests use the code's instead

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


def test_task_names_validate_email():
    import ast as _ast, pathlib as _pathlib
    _source = _pathlib.Path(__file__).with_name("solution.py").read_text()
    _defined = {_n.name for _n in _ast.walk(_ast.parse(_source))
                if isinstance(_n, (_ast.FunctionDef, _ast.AsyncFunctionDef,
                                   _ast.ClassDef))}
    assert 'validate_email' in _defined, 'The task asks for validate_email(...), but the code does not define validate_email.'


def test_task_names_normalize_email():
    import ast as _ast, pathlib as _pathlib
    _source = _pathlib.Path(__file__).with_name("solution.py").read_text()
    _defined = {_n.name for _n in _ast.walk(_ast.parse(_source))
                if isinstance(_n, (_ast.FunctionDef, _ast.AsyncFunctionDef,
                                   _ast.ClassDef))}
    assert 'normalize_email' in _defined, 'The task asks for normalize_email(...), but the code does not define normalize_email.'


def test_generated_1():
    assert validate_email('example@example.com') == True


def test_generated_2():
    assert validate_email('invalid-email') == False


def test_generated_3():
    assert validate_email('example@.com') == False


def test_generated_4():
    assert validate_email('example@com.') == False


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_5():
    assert validate_email('example@com') == True


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_6():
    assert validate_email('example@com') == True


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_7():
    assert validate_email('example@com') == True


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_8():
    assert validate_email('example@com') == True


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_9():
    assert validate_email('example@com') == True


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_10():
    assert validate_email('example@com') == True


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_11():
    assert validate_email('example@com') == True


@pytest.mark.skip(reason='unvetted: the independently written candidates did not agree on it, so it did not count; the answer fails it')
def test_generated_12():
    assert validate_email('example@com') == True
