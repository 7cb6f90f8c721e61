"""A module attribute the code reads but the module does not have is found where the code runs
(the 1.5B's TOML project called ``tomli_w.load`` in every candidate)."""

import subprocess
import sys

from dspy_coder.task.module_attributes import (
    candidate_attributes_test,
    imported_object,
    module_attribute_uses,
    module_attributes_test,
)


def test_the_attributes_read_through_an_import_are_listed_per_module():
    code = ("import json\nimport os.path\nimport xml.etree.ElementTree as ET\n"
            "import mypkg.store\n\ndef f(x):\n    json.dumps(x)\n    json.loadz(x)\n"
            "    os.path.join('a', 'b')\n    ET.fromstring(x)\n    mypkg.store.get(x)\n")
    assert module_attribute_uses(code, skip={"mypkg"}) == {
        "json": ["dumps", "loadz"], "os": ["path"], "xml.etree.ElementTree": ["fromstring"]}


def test_a_name_from_imported_is_judged_by_the_object_it_names():
    """``from xml.etree import ElementTree as ET`` then ``ET.fromstrin``: the same AttributeError
    as through ``import``, and the usual way to import a class or a submodule."""
    code = ("from xml.etree import ElementTree as ET\nfrom collections import OrderedDict\n"
            "from . import sibling\nfrom os.path import *\n\n"
            "def f(x):\n    ET.fromstrin(x)\n    OrderedDict.fromkeys(x)\n    sibling.g()\n")
    assert module_attribute_uses(code) == {
        "collections.OrderedDict": ["fromkeys"], "xml.etree.ElementTree": ["fromstrin"]}


def test_an_attribute_the_code_sets_itself_is_not_judged():
    code = "import types\ntypes.flag = 1\n\ndef f():\n    return types.flag, types.nothing\n"
    assert module_attribute_uses(code) == {"types": ["nothing"]}


def test_an_imported_object_is_a_module_or_a_name_in_one():
    import collections
    import xml.etree.ElementTree

    assert imported_object("xml.etree.ElementTree") is xml.etree.ElementTree
    assert imported_object("collections.OrderedDict") is collections.OrderedDict


def test_a_name_bound_otherwise_too_is_not_judged():
    code = ("import json\nimport re\ntry:\n    import tomllib\nexcept ImportError:\n"
            "    import tomli as tomllib\n\ndef f(re):\n    json = {}\n    return json.get, "
            "re.x, tomllib.load\n")
    assert module_attribute_uses(code) == {}
    assert module_attribute_uses("def broken(:\n") == {}


def _run(test_code: str, tmp_path, solution: str = "") -> subprocess.CompletedProcess:
    (tmp_path / "solution.py").write_text(solution)
    (tmp_path / "test_solution.py").write_text(test_code)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(tmp_path)], capture_output=True, text=True, cwd=tmp_path)


def test_the_candidate_check_fails_on_a_missing_attribute_and_names_what_is_near(tmp_path):
    code = "import json\n\ndef read(s):\n    return json.load(s) or json.loadz(s)\n"
    run = _run(candidate_attributes_test(code).code, tmp_path)
    assert "1 failed" in run.stdout
    assert "json.loadz (json has no loadz; did you mean load, loads?)" in run.stdout
    run = _run(candidate_attributes_test(code.replace("loadz", "loads")).code, tmp_path)
    assert "1 passed" in run.stdout


def test_the_candidate_check_reads_names_from_imported_classes_too(tmp_path):
    code = ("from collections import OrderedDict\n\ndef f(d):\n"
            "    return OrderedDict.fromkeyz(d)\n")
    run = _run(candidate_attributes_test(code).code, tmp_path)
    assert "1 failed" in run.stdout
    assert ("collections.OrderedDict.fromkeyz (collections.OrderedDict has no fromkeyz; did you "
            "mean fromkeys?)") in run.stdout


def test_the_written_check_reads_solution_py(tmp_path):
    run = _run(module_attributes_test().code, tmp_path,
               solution="import math\n\ndef f(x):\n    return math.sqroot(x)\n")
    assert "1 failed" in run.stdout and "math.sqroot (math has no sqroot" in run.stdout


def test_no_humaneval_or_mbpp_reference_solution_reads_an_attribute_its_module_lacks():
    from dspy_coder.datasets import load_problems

    problems = load_problems("humaneval") + load_problems("mbpp")
    uses = [(p.task_id, module, attributes) for p in problems
            for module, attributes in module_attribute_uses(
                p.prompt + p.canonical_solution).items()]
    assert len(uses) > 40  # the check is exercised: json, math, re, heapq, ...
    missing = [(task, module, a) for task, module, attributes in uses for a in attributes
               if not hasattr(imported_object(module), a)]
    assert missing == []


def test_a_submodule_the_code_imports_elsewhere_is_an_attribute_of_its_package(tmp_path):
    """``import pkg`` then ``pkg.sub.g()`` works once some import loaded ``pkg.sub`` (here
    ``import pkg.sub as s``): the check imports what the code imports before it looks."""
    (tmp_path / "pkgx").mkdir()
    (tmp_path / "pkgx" / "__init__.py").write_text("")
    (tmp_path / "pkgx" / "sub.py").write_text("def g():\n    return 1\n")
    code = "import pkgx\nimport pkgx.sub as s\n\ndef f():\n    return pkgx.sub.g() + s.g()\n"
    run = _run(candidate_attributes_test(code).code, tmp_path)
    assert "1 passed" in run.stdout, run.stdout


def test_of_classeval_s_references_only_one_reads_an_attribute_its_module_lacks():
    """ClassEval_51 calls ``np.mat``, which numpy 2.0 removed: its reference fails where it
    runs, and the check says so before any test reaches the line."""
    import numpy

    from dspy_coder.datasets import load_problems

    flagged = []
    for p in load_problems("classeval"):
        for module, attributes in module_attribute_uses(
                p.prompt + "\n" + p.canonical_solution).items():
            loaded = imported_object(module)
            flagged += [(p.task_id, f"{module}.{a}") for a in attributes
                        if not hasattr(loaded, a)]
    expected = [("ClassEval_51", "numpy.mat")] if numpy.__version__ >= "2" else []
    assert flagged == expected
