"""Project environments: a real one built with pip once per session (imported in the sandbox,
not writable from it, reused without pip), errors split by who is at fault, and the lock and
top-up logic with a fake pip."""

from __future__ import annotations

import os
import stat
import threading
import time
from pathlib import Path

import pytest

from dspy_coder.errors import SetupError, UsageError
from dspy_coder.sandbox import Limits, run
from dspy_coder.task import library_env as env_module
from dspy_coder.task.library_env import MARKER, LibraryEnv, env_key, library_env, site_packages
from dspy_coder.task.project_requirements import Library

TOMLI_W = [Library(name="tomli-w", features=["dumps"])]
CODE = "import tomli_w\n\ndef to_toml(data):\n    return tomli_w.dumps(data)\n"
TESTS = "def test_to_toml():\n    assert to_toml({'a': 1}) == 'a = 1\\n'\n"
WRITE_INTO = """
import os, tomli_w
here = os.path.dirname(tomli_w.__file__)
for target in (os.path.join(here, "planted.py"), tomli_w.__file__):
    try:
        open(target, "a").close()
        print("wrote", target)
    except OSError as exc:
        print("refused", exc.errno)
"""


def _writable(root: Path) -> list[str]:
    return [str(p) for p in [root, *root.rglob("*")]
            if not p.is_symlink() and stat.S_IMODE(p.lstat().st_mode) & 0o222]


@pytest.mark.pypi
def test_a_built_environment_holds_the_library_and_nothing_in_it_is_writable(
    tomli_w_env: LibraryEnv,
):
    assert list(tomli_w_env.installed) == ["tomli-w"]
    assert (tomli_w_env.site_packages / "tomli_w" / "__init__.py").is_file()
    assert (tomli_w_env.path / MARKER).is_file()
    assert _writable(tomli_w_env.path) == []


@pytest.mark.pypi
def test_the_sandbox_imports_it_and_cannot_write_into_it(tomli_w_env: LibraryEnv):
    site = [tomli_w_env.site_packages]
    assert run(CODE, TESTS).status == "error"  # not installed where dspy-coder runs
    result = run(CODE, TESTS, site_dirs=site)
    assert result.status == "passed", result.tests or result.error
    for drop_privileges in (True, False):
        written = run(WRITE_INTO, site_dirs=site, limits=Limits(drop_privileges=drop_privileges))
        assert written.stdout.count("refused") == 2, (drop_privileges, written.stdout)
    assert not (tomli_w_env.site_packages / "tomli_w" / "planted.py").exists()


@pytest.mark.pypi
def test_a_second_call_reuses_it_without_running_pip(
    tomli_w_env: LibraryEnv, monkeypatch: pytest.MonkeyPatch, caplog
):
    def no_pip(*args: object) -> None:
        raise AssertionError(f"ran {args}")

    monkeypatch.setattr(env_module, "_run", no_pip)
    again = library_env([Library(name="TOMLI_W")], tomli_w_env.path)
    assert again == LibraryEnv(tomli_w_env.path, tomli_w_env.site_packages,
                               {"TOMLI_W": tomli_w_env.installed["tomli-w"]})
    assert "reusing it" in caplog.text


@pytest.mark.pypi
def test_a_name_pypi_does_not_have_is_the_users_fault_and_leaves_nothing(tmp_path: Path):
    with pytest.raises(UsageError) as error:
        library_env([Library(name="dspy-coder-no-such-package-7f3a")], tmp_path / "env")
    assert "PyPI has no package named 'dspy-coder-no-such-package-7f3a'" in str(error.value)
    assert "No matching distribution found" in str(error.value)  # pip's last lines
    assert not (tmp_path / "env").exists()


def test_an_index_out_of_reach_is_the_machines_fault(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    for name in ("PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL", "PIP_NO_INDEX"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")  # nothing listens there
    monkeypatch.setenv("PIP_RETRIES", "1")
    with pytest.raises(SetupError, match="could not reach the package index to install tomli-w"):
        library_env(TOMLI_W, tmp_path / "env")
    assert not (tmp_path / "env").exists()


# -- with a fake pip ---------------------------------------------------------------------------


class FakePip:
    """Stands in for ``library_env._run``: makes the venv's site-packages and a dist-info per
    installed package, slowly enough for two builders to overlap."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[str, list[str]]] = []
        self.fail = fail

    def __call__(self, command: list[str], what: str, packages: list[str]) -> None:
        self.calls.append((what, list(packages)))
        if what != "pip":
            target = Path(command[-1])
            site_packages(target).mkdir(parents=True)
            (target / "pyvenv.cfg").write_text("home = /usr/bin\n")
            return
        time.sleep(0.2)
        if self.fail:
            raise SetupError("pip could not install it")
        site = site_packages(Path(command[command.index("--python") + 1]).parent.parent)
        for name in packages:
            info = site / f"{name.replace('-', '_')}-1.0.dist-info"
            info.mkdir()
            (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")


def test_two_runs_at_once_build_it_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    pip = FakePip()
    monkeypatch.setattr(env_module, "_run", pip)
    built: list[LibraryEnv] = []
    threads = [threading.Thread(target=lambda: built.append(
        library_env([Library(name="fake-lib")], tmp_path / "env"))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [what for what, _ in pip.calls] == ["python -m venv", "pip"]
    assert len(built) == 2 and built[0] == built[1]
    assert built[0].installed == {"fake-lib": "1.0"}


def test_the_default_place_is_a_cache_keyed_by_the_libraries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(env_module, "_run", FakePip())
    monkeypatch.setenv("HOME", str(tmp_path))
    libraries = [Library(name="fake-b"), Library(name="fake-a")]
    assert env_key(libraries) == env_key(list(reversed(libraries)))
    assert env_key(libraries) != env_key(libraries[:1])
    env = library_env(libraries)
    assert env.path == tmp_path / ".cache" / "dspy-coder" / "envs" / env_key(libraries)


def test_a_library_added_later_is_installed_into_the_same_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    pip = FakePip()
    monkeypatch.setattr(env_module, "_run", pip)
    library_env([Library(name="fake-a")], tmp_path / "env")
    env = library_env([Library(name="fake-a"), Library(name="fake-b")], tmp_path / "env")
    assert pip.calls == [("python -m venv", ["fake-a"]), ("pip", ["fake-a"]), ("pip", ["fake-b"])]
    assert env.installed == {"fake-a": "1.0", "fake-b": "1.0"}
    assert _writable(env.path) == []


def test_a_failed_top_up_keeps_the_environment_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(env_module, "_run", FakePip())
    first = library_env([Library(name="fake-a")], tmp_path / "env")
    monkeypatch.setattr(env_module, "_run", FakePip(fail=True))
    with pytest.raises(SetupError):
        library_env([Library(name="fake-a"), Library(name="fake-b")], tmp_path / "env")
    assert _writable(first.path) == []
    assert library_env([Library(name="fake-a")], tmp_path / "env") == first


def test_a_directory_it_did_not_make_is_refused_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(env_module, "_run", FakePip())
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(UsageError, match="not an environment dspy-coder made"):
        library_env([Library(name="fake-a")], mine)
    assert (mine / "notes.txt").read_text() == "keep me"
