"""``dspy-coder project --install-libs / --project-env``: the libraries go into a project
environment before any LM call, and every module run and integration run imports from it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import dspy
import pytest

from dspy_coder import cli
from dspy_coder.commands.project_libraries import sandbox_runners
from dspy_coder.pipeline import project_coder
from dspy_coder.pipeline.coder import Coder
from dspy_coder.pipeline.project_coder import ProjectCoder
from dspy_coder.task.library_env import LibraryEnv
from dspy_coder.task.project_requirements import requirements_from_flags
from tests.commands.test_project_command import _SignallingLM
from tests.fakes.executors import FakeInterpreter, no_profiler
from tests.fakes.scripted_lm import scripted_lm

WRITER = {"name": "writer", "purpose": "Write a dict as TOML text with tomli_w.",
          "interface": ["def to_toml(data: dict) -> str"], "depends_on": [],
          "unit_tests": ["one key"]}
CONFIG = {"name": "config", "purpose": "Render a project's config as TOML.",
          "interface": ["def config_text(name: str) -> str"], "depends_on": ["writer"],
          "unit_tests": ["a name"]}
PLAN = {"reasoning": "r", "package": "tomlkit2", "modules": json.dumps([WRITER, CONFIG]),
        "integration_tests": json.dumps(["a nested table"]), "performance": json.dumps({})}
WRITER_CODE = "import tomli_w\n\ndef to_toml(data):\n    return tomli_w.dumps(data)\n"
CONFIG_CODE = "def config_text(name):\n    return to_toml({'name': name})\n"
UNIT = {"writer": "def test_one_key():\n    assert to_toml({'a': 1}) == 'a = 1\\n'\n",
        "config": "def test_a_name():\n    assert config_text('x') == 'name = \"x\"\\n'\n"}
INTEGRATION = ("import tomli_w\nfrom tomlkit2.config import config_text\n\n"
               "def test_config_is_toml():\n"
               "    assert config_text('x') == tomli_w.dumps({'name': 'x'})\n")


@pytest.mark.pypi
def test_module_and_integration_runs_import_the_project_environment(
    tomli_w_env: LibraryEnv, tmp_path: Path
):
    site = (str(tomli_w_env.site_packages),)
    runners = sandbox_runners(site)
    lm = scripted_lm({"modules": [PLAN], "generated_code": [WRITER_CODE, CONFIG_CODE],
                      "test_code": [{"test_code": UNIT["writer"], "make_input": ""},
                                    {"test_code": UNIT["config"], "make_input": ""}],
                      "integration_test_code": [INTEGRATION]})
    assert runners["interpreter_factory"].keywords == {"site_dirs": site}  # ProgramOfThought's
    # the scripted LM writes the code directly: a fake interpreter and no profiling
    runners = {**runners, "interpreter_factory": FakeInterpreter, "profiler": no_profiler}
    coder = Coder(routing="simple", drafts=0, max_iterations=1, retry_backoff_s=0.0, **runners)
    with dspy.context(lm=lm):
        result = ProjectCoder(coder, executor=runners["executor"])(requirements=(
            requirements_from_flags("a TOML writer", libraries=["tomli-w:dumps"])))
    for module in result.report.modules.values():
        best = next(a for a in module.attempts if a.iteration == module.best_iteration)
        assert best.execution.status == "passed", best.execution.error
    assert [o.passed for o in result.report.integration_results] == [True]

    assert 'dependencies = ["tomli-w"]' in result.files["pyproject.toml"]
    assert "`pip install tomli-w`" in result.files["README.md"]
    for path, text in result.files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
                         env={**os.environ, "PYTHONPATH": str(tomli_w_env.site_packages)})
    assert run.returncode == 0, run.stdout + run.stderr  # with the library installed
    assert " passed" in run.stdout and "skipped" not in run.stdout


def test_project_env_is_built_before_the_lm_and_reaches_every_sandbox_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    site = tmp_path / "env" / "lib" / "site-packages"
    site.mkdir(parents=True)
    asked: list[tuple[list[str], Path | None]] = []

    def fake_env(libraries, path=None):
        asked.append(([lib.name for lib in libraries], path))
        return LibraryEnv(tmp_path / "env", site, {"tomli-w": "1.2.0"})

    monkeypatch.setattr("dspy_coder.task.library_env.library_env", fake_env)
    built: list[ProjectCoder] = []

    class Recorded(ProjectCoder):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            built.append(self)

    monkeypatch.setattr(project_coder, "ProjectCoder", Recorded)
    monkeypatch.setattr(cli, "COMMANDS", ("project",))
    lm = _SignallingLM([])
    monkeypatch.setattr(
        cli.Settings, "configure", lambda self, spec=None, **kw: dspy.configure(lm=lm) or lm)
    out = tmp_path / "out"
    assert cli.main(["project", "a TOML writer", "--lib", "tomli-w:dumps", "--project-env",
                     str(tmp_path / "env"), "--out", str(out)]) == 143
    assert asked == [(["tomli-w"], tmp_path / "env")]
    (project,) = built
    for executor in (project.executor, project.coder.evaluator.executor):
        assert executor.keywords == {"site_dirs": (str(site),)}


@pytest.mark.pypi
def test_install_libs_with_a_name_pypi_does_not_have_stops_before_the_lm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog
):
    configured: list[str] = []
    monkeypatch.setattr(cli, "COMMANDS", ("project",))
    monkeypatch.setattr(cli.Settings, "configure",
                        lambda self, spec=None, **kw: configured.append(spec or self.lm))
    assert cli.main(["project", "a web API", "--lib", "dspy-coder-no-such-package-7f3a",
                     "--install-libs", "--project-env", str(tmp_path / "env"),
                     "--out", str(tmp_path / "out")]) == 2
    assert configured == []
    assert "PyPI has no package named 'dspy-coder-no-such-package-7f3a'" in caplog.text
