"""A task in prose gets the entry point it names, so its examples count."""

from __future__ import annotations

from dspy_coder.task.build import build_task

SLUGIFY = ("Write a function slugify(text) that lowercases the text and joins its words with "
           "hyphens. For example slugify('Hello, World!') returns 'hello-world' and "
           "slugify('  A b ') returns 'a-b'.")


def test_prose_naming_one_function_makes_it_the_entry_point_and_its_examples_ground_truth():
    task = build_task(SLUGIFY)
    assert task.entry_point == "slugify"
    assert [(e.call, e.expected) for e in task.examples] == [
        ("slugify('Hello, World!')", "'hello-world'"), ("slugify('  A b ')", "'a-b'")]


def test_prose_naming_several_names_a_class_or_none_has_no_entry_point():
    for prompt in (
        "Build an email module: a validate_email(s) and a normalize_email(s) function.",
        "Implement an LRU cache class LRUCache(capacity) with get(key) and put(key, value).",
        "Write a class Counter(start) that counts upwards from start.",
        "Write a function that doubles a number.",
        "Convert '1h30m' into a total number of seconds (an int).",
    ):
        assert build_task(prompt).entry_point is None, prompt


def test_a_given_entry_point_or_signature_wins_and_code_written_on_other_code_is_left_alone():
    assert build_task(SLUGIFY, entry_point="make_slug").entry_point == "make_slug"
    assert build_task("def add(a, b):\n    '''add(1, 2) == 3; uses slugify(text)'''\n"
                      ).entry_point == "add"
    # a project's module: its prose names the functions of the modules it is written on too
    module = build_task(SLUGIFY, context_code="def words(text):\n    return text.split()\n")
    assert module.entry_point is None and module.examples == []
    assert build_task(SLUGIFY, context_imports=["pkg"]).entry_point is None


def test_prose_naming_several_functions_counts_the_examples_of_each():
    """Issue #20's email task with examples written in: no entry point (two functions), but
    each function's examples count, the value of one ending where the next call begins."""
    task = build_task(
        "Build an email module: a validate_email(s) and a normalize_email(s) function. For "
        "example normalize_email(' Bob@Example.COM ') returns 'bob@example.com', "
        "validate_email('bob@example.com') is True and validate_email('bob') is False.")
    assert task.entry_point is None
    assert sorted((e.call, e.expected) for e in task.examples) == [
        ("normalize_email(' Bob@Example.COM ')", "'bob@example.com'"),
        ("validate_email('bob')", "False"), ("validate_email('bob@example.com')", "True")]


def test_a_function_named_in_words_is_the_entry_point():
    task = build_task("Create a function named count_words that takes a sentence and returns "
                      "the number of words in it.")
    assert task.entry_point == "count_words"
    assert build_task("Write a function called `top` that returns the largest item."
                      ).entry_point == "top"
    # two such names, or a class so named, give none
    assert build_task("Write a function named a_b and a function named c_d that add numbers."
                      ).entry_point is None
