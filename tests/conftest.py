"""Fixtures shared across the test folders."""

from __future__ import annotations

import pytest

from dspy_coder.task.library_env import LibraryEnv, library_env
from dspy_coder.task.project_requirements import Library


@pytest.fixture(scope="session")
def tomli_w_env(tmp_path_factory: pytest.TempPathFactory) -> LibraryEnv:
    """A real project environment holding tomli-w (tiny, pure Python, not installed with
    dspy-coder), built with pip once per session; tests that use it are marked ``pypi``."""
    return library_env([Library(name="tomli-w")], tmp_path_factory.mktemp("envs") / "tomli-w")
