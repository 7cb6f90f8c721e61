"""A project's libraries are shown to the model with the real signatures of what they offer:
told only "tomli-w (import tomli_w): dumps", the 1.5B called ``tomli_w.dump(config, path)`` and
a ``tomli_w.load`` that does not exist."""

from dspy_coder.task.library_api import library_api

MYLIB = '''
"""A tiny library."""

from __future__ import annotations

__all__ = ["dumps", "dump"]


def dumps(obj: dict, /, *, indent: int = 4) -> str:
    """Serialise obj to a TOML string.

    More words that are not shown."""
    return ""


def dump(obj: dict, fp, /) -> None:
    """Write obj to a binary file object."""


def _private():
    pass
'''


def test_the_named_features_come_first_with_signature_and_first_docstring_line(tmp_path):
    (tmp_path / "mylib.py").write_text(MYLIB)
    lines = library_api("mylib", ["dumps"], [str(tmp_path)])
    assert lines == [
        "mylib.dumps(obj: dict, /, *, indent: int = 4) -> str: Serialise obj to a TOML string.",
        "mylib.dump(obj: dict, fp, /) -> None: Write obj to a binary file object.",
    ]


def test_a_feature_that_is_no_attribute_is_left_out_and_an_unimportable_library_gives_nothing(
        tmp_path):
    (tmp_path / "mylib.py").write_text(MYLIB)
    lines = library_api("mylib", ["loads"], [str(tmp_path)])  # a concept, or a wrong name
    assert [line.split("(")[0] for line in lines] == ["mylib.dumps", "mylib.dump"]
    assert library_api("no_such_module_xyz", ["f"], [str(tmp_path)]) == []
    (tmp_path / "broken.py").write_text("raise RuntimeError('no')\n")
    assert library_api("broken", [], [str(tmp_path)]) == []


def test_a_library_installed_where_dspy_coder_runs_is_read_too():
    lines = library_api("psutil", ["cpu_count"], [])
    assert lines[0].startswith("psutil.cpu_count(logical=True)")
