"""ClassEval as class-level problems: loading from the shared datasets folder, the prompt
(imports and skeleton, never the hidden tests), the graded test classes and the repaired
skeletons (its grading is in tests/bench/test_class_grading)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from dspy_coder.classeval import (
    CLASSEVAL_FILE,
    class_prompt,
    classeval_problem,
    graded_test_classes,
    repair_skeleton,
)
from dspy_coder.datasets import Problem, load_problems, prompt_syntax_error, select_problems
from dspy_coder.errors import UsageError
from dspy_coder.shared_datasets import DEFAULT_DATASETS_DIR

DATA = DEFAULT_DATASETS_DIR / CLASSEVAL_FILE


@pytest.fixture(scope="module")
def raw() -> list[dict]:
    if not DATA.is_file():
        pytest.skip(f"ClassEval data not found at {DATA} (the shared datasets folder)")
    return json.loads(DATA.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def classeval(raw) -> list[Problem]:
    return load_problems("classeval")


def test_all_70_tasks_load_with_the_class_as_entry_point(classeval, raw):
    assert len(classeval) == 70
    assert [p.task_id for p in classeval] == [f"ClassEval_{n}" for n in range(70)]
    first = classeval[0]
    assert first.entry_point == "AccessGatewayFilter"
    assert first.prompt.startswith("import logging\nimport datetime\n\nclass AccessGatewayFilter:")
    assert first.canonical_solution == raw[0]["solution_code"] == first.reference_code()
    assert first.test == raw[0]["test"]
    assert first.grading_prelude == "import logging\nimport datetime\n"
    assert first.test_classes == [
        "AccessGatewayFilterTestFilter", "AccessGatewayFilterTestIsStartWith",
        "AccessGatewayFilterTestGetJwtUser", "AccessGatewayFilterTest",
    ]
    assert sum(len(p.test_classes) for p in classeval) == 333
    for problem, record in zip(classeval, raw, strict=True):
        assert problem.entry_point == record["class_name"]
        assert prompt_syntax_error(problem.prompt) is None, problem.task_id
        defined = [n.name for n in ast.parse(problem.prompt).body if isinstance(n, ast.ClassDef)]
        assert defined == [problem.entry_point], problem.task_id
        for line in record["import_statement"]:
            assert line in problem.prompt.splitlines(), (problem.task_id, line)
        task = problem.to_task()
        assert (task.entry_point, task.task_id) == (problem.entry_point, problem.task_id)


def test_the_hidden_tests_never_reach_the_prompt(classeval, raw):
    for problem, record in zip(classeval, raw, strict=True):
        assert "unittest" not in problem.prompt, problem.task_id
        for name in record["test_classes"]:
            assert name not in problem.prompt, (problem.task_id, name)
        test_methods = [line.strip() for line in record["test"].splitlines()
                        if line.strip().startswith("def test")]
        assert not [m for m in test_methods if m in problem.prompt], problem.task_id
        assert problem.to_task().prompt == problem.prompt
        assert "test" not in problem.to_task().model_dump()


def test_a_test_class_that_defines_no_test_is_not_graded(classeval, raw):
    pdf = classeval[69]
    assert raw[69]["test_classes"][0] == "TestPDFHandler"
    assert pdf.test_classes == [
        "PDFHandlerTestMergePdfs", "PDFHandlerTestExtractTextFromPdfs", "PDFHandlerTestMain",
    ]
    test = (
        "import unittest\n\nclass Fixture(unittest.TestCase):\n    def setUp(self):\n"
        "        pass\n\nclass Inherits(Base):\n    pass\n\nclass Base(unittest.TestCase):\n"
        "    def test_x(self):\n        pass\n"
    )
    assert graded_test_classes(test, ["Fixture", "Inherits", "Base"]) == ["Inherits", "Base"]
    with pytest.raises(ValueError, match="Missing are not in the test module"):
        graded_test_classes(test, ["Base", "Missing"])


def test_the_four_broken_skeletons_are_repaired(classeval, raw):
    for number in (22, 43, 46):
        with pytest.raises(SyntaxError):
            ast.parse(raw[number]["skeleton"])
        ast.parse(classeval[number].prompt)
    assert "\u201c" not in classeval[43].prompt and "\u201d" not in classeval[46].prompt
    # ClassEval_5: the whole skeleton is one string literal, which defines no class
    assert isinstance(ast.parse(raw[5]["skeleton"]).body[0], ast.Expr)
    assert classeval[5].prompt.startswith("# This class is an automatic guitar simulator")
    # the other 66 skeletons are unchanged
    for number, record in enumerate(raw):
        if number not in (5, 22, 43, 46):
            assert repair_skeleton(record["skeleton"]) == record["skeleton"]


def test_the_prompt_puts_the_task_imports_first_without_repeating_the_skeletons():
    skeleton = "import re\nfrom x import y\n\nclass A:\n    pass\n"
    assert class_prompt(["from x import y", "import re"], skeleton) == (
        "from x import y\nimport re\n\nclass A:\n    pass\n"
    )
    # an import only the skeleton has is kept; no imports at all: the skeleton as it is
    assert class_prompt(["import re"], "import os\nclass A:\n    pass") == (
        "import re\nimport os\n\nclass A:\n    pass\n"
    )
    assert class_prompt([], "class A:\n    pass\n") == "class A:\n    pass\n"
    broken = '    def f(self):\n        """\n        doc\n\n    def g(self):\n        """x"""\n'
    assert repair_skeleton(broken) == (
        '    def f(self):\n        """\n        doc\n        """\n\n    def g(self):\n'
        '        """x"""\n'
    )


def test_tasks_are_selected_by_number(classeval):
    assert [p.task_id for p in select_problems(classeval, ids=["0", "ClassEval_52"])] == [
        "ClassEval_0", "ClassEval_52",
    ]


def test_a_missing_or_malformed_file_is_a_usage_error_naming_the_path(tmp_path: Path):
    with pytest.raises(UsageError, match=str(tmp_path / CLASSEVAL_FILE)):
        load_problems("classeval", datasets_dir=tmp_path)
    (tmp_path / CLASSEVAL_FILE).parent.mkdir(parents=True)
    (tmp_path / CLASSEVAL_FILE).write_text('[{"task_id": "ClassEval_9", "skeleton": "x"}]')
    with pytest.raises(UsageError, match="ClassEval task ClassEval_9 is malformed"):
        load_problems("classeval", datasets_dir=tmp_path)
    record = {
        "task_id": "ClassEval_1", "skeleton": "class A:\n    pass\n", "import_statement": [],
        "test": "import unittest\nclass T(unittest.TestCase):\n    def test_a(self):\n"
        "        pass\n", "test_classes": ["T"], "solution_code": "class A:\n    pass\n",
        "class_name": "A",
    }
    (tmp_path / CLASSEVAL_FILE).write_text(json.dumps([record]))
    [problem] = load_problems("classeval", datasets_dir=tmp_path)
    assert problem.test_classes == ["T"] and problem.grading_prelude == ""
    assert classeval_problem(record)["prompt"] == "class A:\n    pass\n"
