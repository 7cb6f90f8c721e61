"""A task can build on code it does not write (a project's earlier modules): the model sees
it, it runs before each candidate, and it never becomes part of the answer."""

import dspy

from dspy_coder.pipeline.coder import Coder
from dspy_coder.sandbox import run as sandbox_run
from dspy_coder.task.build import CONTEXT_HEADER, runnable_code, task_text
from dspy_coder.types import Task
from tests.fakes.executors import FakeInterpreter, no_profiler
from tests.fakes.scripted_lm import all_prompts, history_mark, lm_calls_since, scripted_lm

CONTEXT = "def is_valid(s):\n    return '@' in s\n"
ANSWER = "def count_valid(items):\n    return sum(1 for s in items if is_valid(s))\n"
TESTS = "def test_a():\n    assert count_valid(['a@b', 'x']) == 1\n"


def sandboxed_coder(drafts: int = 3, max_iterations: int = 2) -> Coder:
    """A ``Coder`` that runs its candidates in the real sandbox, routed simple."""
    return Coder(executor=sandbox_run, interpreter_factory=FakeInterpreter,
                 profiler=no_profiler, retry_backoff_s=0.0, routing="simple", drafts=drafts,
                 max_iterations=max_iterations)


def test_the_context_is_shown_and_run_first_but_is_not_the_answer():
    task = Task(prompt="Write count_valid(items), counting the valid addresses.",
                context_code=CONTEXT)
    assert CONTEXT_HEADER in task_text(task) and "def is_valid(s):" in task_text(task)
    assert "return '@' in s" not in task_text(task)  # its interface, not its body
    assert runnable_code(task, ANSWER).startswith(CONTEXT)
    lm = scripted_lm({"generated_code": [ANSWER] * 4,
                      "test_code": [{"test_code": TESTS, "make_input": ""}]})
    coder = sandboxed_coder()
    mark = history_mark()
    with dspy.context(lm=lm):
        report = coder(prompt=task.prompt, context_code=CONTEXT).report
    assert "def is_valid(s):" in all_prompts(lm_calls_since(mark))
    assert "return '@' in s" not in all_prompts(lm_calls_since(mark))
    assert report.code.strip() == ANSWER.strip()  # the context is not part of the answer
    first = report.attempts[0]
    assert first.execution.tests_passed == first.execution.tests_total  # is_valid was there
    assert "never defines or imports" not in first.feedback
    # the task names count_valid, not is_valid: only its own names are required of it
    assert [t.name for t in report.tests if t.source == "requirement"] == [
        "test_code_defines_every_name_it_uses", "test_code_uses_only_what_its_modules_offer",
        "test_task_names_count_valid"]


def test_the_context_comes_first_and_the_task_ends_saying_what_this_code_must_define():
    """The TOML project's toml_writer, shown the config builder's code after its task, copied
    it in every candidate and defined neither write_toml nor read_toml (0 of 3 drafts); with
    the dependencies' interface first and the names to write last, 3 of 3 wrote them."""
    task = Task(prompt="Write the module `pkg/writer.py`. It must define this public interface:"
                       "\n    def write_toml(config: dict, path: str) -> None\n",
                context_code=CONTEXT)
    text = task_text(task)
    assert text.index("def is_valid(s):") < text.index("Write the module")
    assert text.rstrip().endswith("own part: define write_toml (and any helpers); the names above "
                                  "already exist.")


def test_the_test_writer_is_told_to_test_this_code_s_own_part_not_to_define_it():
    """"Define write_toml" was the closing line of the test writer's task too, where it asks
    for the wrong thing: the tests are to call this code's names, not define them."""
    task = Task(prompt="Write count_valid(items), counting the valid addresses.",
                context_code=CONTEXT)
    tests_text = task_text(task, audience="tests")
    assert tests_text.rstrip().endswith(
        "Test only this code's own part: count_valid; the names above are already written and "
        "tested on their own.")
    assert "define" not in tests_text.split("```")[-1]
    lm = scripted_lm({"generated_code": [ANSWER] * 4,
                      "test_code": [{"test_code": TESTS, "make_input": ""}]})
    mark = history_mark()
    with dspy.context(lm=lm):
        sandboxed_coder()(prompt=task.prompt, context_code=CONTEXT)
    calls = lm_calls_since(mark)
    writer = [c for c in calls if "`test_code`" in all_prompts([c])]
    coders = [c for c in calls if "`test_code`" not in all_prompts([c])]
    assert writer and coders
    assert "Test only this code's own part: count_valid" in all_prompts(writer)
    assert "define count_valid" not in all_prompts(writer)
    assert "define count_valid" in all_prompts(coders)


def test_the_answer_s_imports_of_what_its_context_stands_for_are_dropped_when_it_runs():
    # the email project at dbba08e: the CLI imported validate_email from the package, which
    # its module's sandbox run does not have (the validator's code is the context instead)
    importing = ("from mailkit.validator import is_valid\nfrom mailkit import is_valid\n\n\n"
                 + ANSWER)
    lm = scripted_lm({"generated_code": [importing] * 4,
                      "test_code": [{"test_code": TESTS, "make_input": ""}]})
    coder = sandboxed_coder()
    with dspy.context(lm=lm):
        report = coder(prompt="Write count_valid(items), counting the valid addresses.",
                       context_code=CONTEXT, context_imports=["mailkit", "validator"]).report
    first = report.attempts[0]
    assert first.execution.tests_passed == first.execution.tests_total, first.feedback
    assert report.code.startswith("from mailkit.validator import is_valid")  # the file keeps it


def test_a_declared_module_function_written_only_as_a_method_fails_until_it_is_top_level():
    # the cache project at cb462dd: `invalidate` was declared `def invalidate(pattern)`, and
    # the 1.5B wrote it as a method of a class, so `from cache.invalidate import invalidate`
    # failed; a method must not satisfy a declared module-level function
    prompt = ("Write the module `cache/invalidate.py`: removes the keys matching a pattern.\n"
              "It must define this public interface:\n    def invalidate(pattern: str) -> int\n")
    # (a class that needs constructor arguments: no default instance can serve the function)
    method = ("class Cache:\n    def __init__(self, store):\n        self.store = store\n\n"
              "    def invalidate(self, pattern):\n        return 0\n")
    function = "def invalidate(pattern):\n    return 0\n"
    tests = "def test_a():\n    assert invalidate('a*') == 0\n"
    lm = scripted_lm({"generated_code": [method] * 4, "fixed_code": [function] * 2,
                      "test_code": [{"test_code": tests, "make_input": ""}]})
    coder = sandboxed_coder(drafts=1, max_iterations=3)
    with dspy.context(lm=lm):
        report = coder(prompt=prompt).report
    assert "defines invalidate only inside a class, as a method" in report.attempts[0].feedback
    assert report.code.strip() == function.strip()
    assert "test_task_defines_invalidate" in {t.name for t in report.tests}


def test_a_module_s_generated_tests_that_import_it_from_its_package_run():
    # the cache project at bd8a9b6: every generated test of the store began `from cache.cache
    # import Cache`, failed with ModuleNotFoundError in the sandbox for every candidate, so
    # none was ever confirmed and the module ended unverified
    importing_tests = ("from mailkit.counter import count_valid\n\n"
                       "def test_a():\n    from mailkit import validator\n"
                       "    assert count_valid(['a@b', 'x']) == 1\n")
    lm = scripted_lm({"generated_code": [ANSWER] * 4,
                      "test_code": [{"test_code": importing_tests, "make_input": ""}]})
    coder = sandboxed_coder()
    with dspy.context(lm=lm):
        report = coder(prompt="Write count_valid(items), counting the valid addresses.",
                       context_code=CONTEXT,
                       context_imports=["mailkit", "validator", "counter"]).report
    first = report.attempts[0]
    assert first.execution.tests_passed == first.execution.tests_total, first.feedback
    assert report.status == "success"
    # the test as written keeps its import: plain pytest in the package folder needs it
    generated = next(t for t in report.tests if t.source == "generated")
    assert "from mailkit.counter import count_valid" in generated.code


def test_a_module_s_tests_that_reach_it_through_its_package_name_run():
    # the TOML project at 6717e42: every generated test of config_builder did `import
    # toml_config_writer.config_builder` and called `toml_config_writer.config_builder.
    # build_config(...)`; the import was dropped in the sandbox, so each test failed with
    # NameError: name 'toml_config_writer' is not defined, for every candidate
    dotted_tests = ("import mailkit.counter\nimport mailkit.counter as c\n"
                    "from mailkit import counter\n\n"
                    "def test_a():\n    assert mailkit.counter.count_valid(['a@b', 'x']) == 1\n\n"
                    "def test_b():\n"
                    "    assert c.count_valid(['a@b']) == counter.count_valid(['a@b'])\n")
    lm = scripted_lm({"generated_code": [ANSWER] * 4,
                      "test_code": [{"test_code": dotted_tests, "make_input": ""}]})
    with dspy.context(lm=lm):
        report = sandboxed_coder()(
            prompt="Write count_valid(items), counting the valid addresses.",
            context_code=CONTEXT, context_imports=["mailkit", "validator", "counter"]).report
    first = report.attempts[0]
    assert first.execution.tests_passed == first.execution.tests_total, first.feedback
    assert report.status == "success"


def test_a_candidate_that_only_copies_the_code_it_builds_on_is_drawn_again():
    """Every candidate of the TOML project's toml_writer was a copy of the config builder: run
    and scored as attempts, they crowded out the draws that might have written the module."""
    lm = scripted_lm({"generated_code": [CONTEXT, CONTEXT, ANSWER, ANSWER, ANSWER],
                      "test_code": [{"test_code": TESTS, "make_input": ""}]})
    coder = sandboxed_coder(drafts=2)
    with dspy.context(lm=lm):
        report = coder(prompt="Write count_valid(items), counting the valid addresses.",
                       context_code=CONTEXT).report
    samples = [a for a in report.attempts if a.stage == "sample"]
    assert samples and all("count_valid" in a.code for a in samples)
    assert any("only copied the code it builds on" in note for note in report.notes)


def test_an_attribute_the_imported_module_lacks_fails_the_candidate_in_the_real_sandbox():
    """The TOML project's modules called ``tomli_w.load`` (it does not exist) in every
    candidate, on a line no counted test reached: the check runs where the code runs."""
    wrong = "import json\n\ndef parse_number(text):\n    return json.loadz(text)\n"
    right = wrong.replace("loadz", "loads")
    tests = "def test_a():\n    assert callable(parse_number)\n"  # never runs the line
    lm = scripted_lm({"generated_code": [wrong, right, right, right],
                      "test_code": [{"test_code": tests, "make_input": ""}]})
    with dspy.context(lm=lm):
        report = sandboxed_coder()(
            prompt="Write parse_number(text), reading a JSON number.").report
    first = report.attempts[0]
    assert "json.loadz (json has no loadz; did you mean load, loads?)" in first.feedback
    assert first.test_score is not None and first.test_score < 1.0
    assert "loads" in report.code and "loadz" not in report.code
