"""Examples written into a task's prose judge the answer in the real sandbox, as docstring
examples do: a draft that fails one is repaired, and the answer that passes them all is a
success, not "unverified"."""

import dspy

from dspy_coder.pipeline.coder import Coder
from dspy_coder.sandbox import run as sandbox_run
from tests.fakes.executors import FakeInterpreter, no_profiler
from tests.fakes.scripted_lm import scripted_lm

SLUGIFY = ("Write a function slugify(text) that lowercases the text and joins its words with "
           "single hyphens. For example slugify('Hello, World!') returns 'hello-world' and "
           "slugify('  A  b ') returns 'a-b'.")
ONE_HYPHEN_EACH = ("import re\n\ndef slugify(text):\n"
                   "    return re.sub(r'[^a-z0-9]', '-', text.lower()).strip('-')\n")
RUNS_OF_THEM = ("import re\n\ndef slugify(text):\n"
                "    return re.sub(r'[^a-z0-9]+', '-', text.lower()).strip('-')\n")
EMAIL = ("Build an email module: a validate_email(s) and a normalize_email(s) function. For "
         "example normalize_email(' Bob@Example.COM ') returns 'bob@example.com' and "
         "validate_email('bob') is False.")
NO_STRIP = ("def validate_email(s):\n    return '@' in s\n\n"
            "def normalize_email(s):\n    return s.lower()\n")
BOTH = ("def validate_email(s):\n    return '@' in s\n\n"
        "def normalize_email(s):\n    return s.strip().lower()\n")


def coder() -> Coder:
    return Coder(executor=sandbox_run, interpreter_factory=FakeInterpreter, profiler=no_profiler,
                 retry_backoff_s=0.0, routing="simple", refine_strategy="repair", drafts=0,
                 max_iterations=2)


def solve(lm, prompt: str):
    with dspy.context(lm=lm):
        return coder()(prompt=prompt).report


def test_a_prose_example_fails_a_draft_and_the_repair_that_passes_it_is_a_success():
    lm = scripted_lm({"generated_code": [ONE_HYPHEN_EACH], "fixed_code": [RUNS_OF_THEM]})
    report = solve(lm, SLUGIFY)
    assert report.task.entry_point == "slugify" and len(report.task.examples) == 2
    first = report.attempts[0]
    assert "slugify('  A  b ') returned 'a--b', expected 'a-b'" in first.feedback
    assert report.status == "success" and report.code.strip() == RUNS_OF_THEM.strip()
    assert report.score is not None and report.score >= 0.95
    counted = [t.name for t in report.tests if t.vetted and t.source == "docstring"]
    assert counted == ["test_docstring_example_1", "test_docstring_example_2"]


def test_each_named_function_s_prose_examples_judge_a_task_with_no_entry_point():
    lm = scripted_lm({"generated_code": [NO_STRIP], "fixed_code": [BOTH]})
    report = solve(lm, EMAIL)
    assert report.task.entry_point is None and len(report.task.examples) == 2
    assert "normalize_email(' Bob@Example.COM ') returned ' bob@example.com '" in (
        report.attempts[0].feedback)
    assert report.status == "success" and report.code.strip() == BOTH.strip()
