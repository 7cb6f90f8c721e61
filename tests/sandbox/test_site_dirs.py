"""``site_dirs``: the code and its tests (``run``), ProgramOfThought's interpreter and the
profiler import a project environment's libraries, and cannot write into them (read-only
mount, file permissions)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from dspy.primitives.code_interpreter import CodeExecutionError

from dspy_coder.errors import UsageError
from dspy_coder.sandbox import Limits, SandboxInterpreter, run
from dspy_coder.sandbox.isolation import support
from dspy_coder.sandbox.profiling import profile

LIBRARY = "def greet(name):\n    return f'hello {name}'\n"
WRITE_INTO = """
import os, probe_library
here = os.path.dirname(probe_library.__file__)
for target in (os.path.join(here, "planted.py"), probe_library.__file__):
    try:
        with open(target, "a") as handle:
            handle.write("planted = True\\n")
        print("wrote", os.path.basename(target))
    except OSError as exc:
        print("refused", os.path.basename(target), exc.errno)
"""


@pytest.fixture()
def site_dir(tmp_path: Path) -> Path:
    """A site directory (below /tmp and a 0700 directory, like pytest's) holding one module,
    read-only like a built project environment."""
    site = tmp_path / "env" / "site-packages"
    site.mkdir(parents=True)
    (site / "probe_library.py").write_text(LIBRARY)
    for path in (site / "probe_library.py", site):
        path.chmod(stat.S_IMODE(path.stat().st_mode) & ~0o222)
    yield site
    site.chmod(0o755)


def test_the_code_and_its_tests_import_from_a_site_dir(site_dir: Path):
    code = "from probe_library import greet\n\ndef welcome():\n    return greet('you')\n"
    tests = ("import probe_library\n\n"
             "def test_welcome():\n    assert welcome() == probe_library.greet('you')\n")
    result = run(code, tests, site_dirs=[site_dir])
    assert result.status == "passed", result.tests or result.error
    assert run("import probe_library").status == "error"  # only where it was asked for


@pytest.mark.parametrize("drop_privileges", [True, False], ids=["run-uid", "root-in-the-run"])
def test_the_code_cannot_write_into_a_site_dir(site_dir: Path, drop_privileges: bool):
    if not drop_privileges and not (os.geteuid() == 0 and support().mount_namespace):
        pytest.skip("without a mount namespace only file permissions protect it (root ignores)")
    result = run(WRITE_INTO, site_dirs=[site_dir],
                 limits=Limits(drop_privileges=drop_privileges))
    assert result.status == "passed", result.error
    assert "wrote" not in result.stdout, result.stdout
    assert result.stdout.count("refused") == 2
    if not drop_privileges:  # root inside the run: only the read-only mount stops it
        assert result.stdout.count(" 30\n") == 2  # EROFS
    assert sorted(p.name for p in site_dir.iterdir()) == ["probe_library.py"]
    assert (site_dir / "probe_library.py").read_text() == LIBRARY


def test_site_dirs_must_be_directories(tmp_path: Path):
    with pytest.raises(UsageError, match="not a directory"):
        run("pass", site_dirs=[tmp_path / "missing"])
    with pytest.raises(UsageError, match="list of directories"):
        run("pass", site_dirs=str(tmp_path))  # type: ignore[arg-type]


def test_programofthoughts_interpreter_imports_from_a_site_dir_and_cannot_write_there(
    site_dir: Path,
):
    with SandboxInterpreter(site_dirs=[site_dir]) as interpreter:
        assert interpreter.execute("from probe_library import greet\nprint(greet('pot'))") == (
            "hello pot")
        written = interpreter.execute(WRITE_INTO)
    assert "wrote" not in written and written.count("refused") == 2, written
    assert sorted(p.name for p in site_dir.iterdir()) == ["probe_library.py"]
    with SandboxInterpreter() as interpreter, pytest.raises(CodeExecutionError):
        interpreter.execute("import probe_library")


def test_the_profiler_imports_from_a_site_dir(site_dir: Path):
    code = ("from probe_library import greet\n\n"
            "def greet_all(names):\n    return [greet(n) for n in names]\n")
    result = profile(code, "greet_all", "def make_input(n):\n    return (['x'] * n,)\n",
                     budget_s=1.0, site_dirs=[site_dir])
    assert result.status == "ok", result.error
    assert result.complexity is not None
