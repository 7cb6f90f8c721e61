"""Project requirements from flags, a TOML file and five questions; bad input says what to do."""

from pathlib import Path

import pytest

from dspy_coder.errors import UsageError
from dspy_coder.task.project_requirements import (
    QUESTIONS,
    Library,
    requirements_from_flags,
    requirements_from_toml,
    requirements_interactively,
)


def test_flags_become_a_record_with_libraries_and_their_features():
    req = requirements_from_flags(
        "a caching layer for an API", approach="LRU with a TTL",
        technologies=["threading,sqlite"], libraries=["cachetools:TTLCache,LRUCache", "requests"],
        docs=["https://cachetools.readthedocs.io"], context="thread-safe")
    assert req.technologies == ["threading", "sqlite"]
    assert req.libraries == [Library(name="cachetools", features=["TTLCache", "LRUCache"]),
                             Library(name="requests")]
    assert req.render().splitlines() == [
        "Goal: a caching layer for an API", "Approach: LRU with a TTL",
        "Technologies: threading, sqlite",
        "Libraries: cachetools (use: TTLCache, LRUCache); requests",
        "Documentation: https://cachetools.readthedocs.io", "Context: thread-safe"]


@pytest.mark.parametrize(("goal", "libraries", "message"), [
    ("  ", [], "goal: the goal is empty: say what the package should do"),
    ("x", ["not a package!:routes"], "--lib 'not a package!:routes': name: 'not a package!' is "
                                     "not a package name"),
])
def test_bad_flags_say_what_to_write(goal: str, libraries: list[str], message: str):
    with pytest.raises(UsageError, match=message.replace("(", r"\(")):
        requirements_from_flags(goal, libraries=libraries)


def test_a_toml_file_with_tables_or_strings_for_libraries(tmp_path: Path):
    path = tmp_path / "req.toml"
    path.write_text('goal = "an email library"\ntechnologies = ["CLI"]\n'
                    'libraries = ["email-validator:validate_email", '
                    '{ name = "click", features = ["command"] }]\n')
    req = requirements_from_toml(path)
    assert [lib.name for lib in req.libraries] == ["email-validator", "click"]
    assert req.libraries[1].features == ["command"]


def test_a_toml_file_that_is_missing_broken_or_off_schema_is_a_usage_error(tmp_path: Path):
    with pytest.raises(UsageError, match="does not exist"):
        requirements_from_toml(tmp_path / "nope.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("goal = \n")
    with pytest.raises(UsageError, match="not a readable TOML file"):
        requirements_from_toml(broken)
    extra = tmp_path / "extra.toml"
    extra.write_text('goal = "x"\nbudget = 3\n')
    with pytest.raises(UsageError, match="budget: Extra inputs are not permitted"):
        requirements_from_toml(extra)


def test_five_questions_in_order_and_docs_told_from_context():
    answers = iter(["a URL shortener", "", "CLI, sqlite", "click:command; requests",
                    "see https://click.palletsprojects.com and notes.md, keep it small"])
    asked: list[str] = []

    def ask(question: str) -> str:
        asked.append(question.strip())
        return next(answers)

    req = requirements_interactively(ask, is_terminal=True)
    assert asked == list(QUESTIONS)
    assert req.technologies == ["CLI", "sqlite"]
    assert [lib.name for lib in req.libraries] == ["click", "requests"]
    assert req.docs == ["https://click.palletsprojects.com", "notes.md"]
    assert req.context == "see and, keep it small"


def test_interactive_without_a_terminal_fails_at_once():
    with pytest.raises(UsageError, match="needs a terminal"):
        requirements_interactively(lambda q: pytest.fail("asked without a terminal"), False)
