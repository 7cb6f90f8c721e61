"""Single-machine use is unchanged: a bench or an optimize without --ray never imports Ray, and
an optimize --ray that cannot work is refused before anything loads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bench.helpers import PROBLEMS

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
from dspy_coder import cli
from tests.bench.helpers import RIGHT, answers_lm
cli.Settings.make_lm = lambda self, spec=None, **kw: answers_lm(RIGHT)
code = cli.main(["bench", "--dataset", sys.argv[1], "--variant", "baseline", "--lm", "dummy/x",
                 "--no-mlflow", "--shard", "1/1", "--out", sys.argv[2]])
print("exit", code, "ray imported", "ray" in sys.modules)
"""


def test_a_bench_without_ray_does_not_import_ray(tmp_path: Path):
    dataset = tmp_path / "toy.jsonl"
    dataset.write_text("".join(json.dumps(p.model_dump()) + "\n" for p in PROBLEMS))
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(dataset), str(tmp_path / "run")],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert "exit 0 ray imported False" in done.stdout, done.stderr[-2000:]
    assert len((tmp_path / "run" / "results.jsonl").read_text().splitlines()) == 3


OPTIMIZE = """
import sys
from dspy_coder import cli
from dspy_coder.optimizers import metric
from tests.optimizers.conftest import answers_for, fake_run, make_problems
from dspy.utils import DummyLM
import dspy
lm = DummyLM(answers_for(make_problems()))
cli.Settings.make_lm = lambda self, spec=None, **kw: lm
cli.Settings.configure = lambda self, spec=None, **kw: dspy.configure(lm=lm) or lm
metric.default_runner = lambda: fake_run
code = cli.main(["optimize", "--program", "baseline", "--dataset", sys.argv[1], "--lm", "dummy/x",
                 "--train-size", "2", "--dev-size", "2", "--no-tracking", "--out", sys.argv[2]])
print("exit", code, "ray imported", "ray" in sys.modules)
"""


def test_an_optimize_without_ray_does_not_import_ray(tmp_path: Path):
    from tests.optimizers.conftest import make_problems

    dataset = tmp_path / "synth.jsonl"
    dataset.write_text("".join(p.model_dump_json() + "\n" for p in make_problems()))
    done = subprocess.run(
        [sys.executable, "-c", OPTIMIZE, str(dataset), str(tmp_path / "run")],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert "exit 0 ray imported False" in done.stdout, done.stderr[-2000:]
    assert (tmp_path / "run" / "program.json").is_file()


@pytest.mark.parametrize(
    "extra", [["--lm", "local:qwen2.5-coder-0.5b"],
              ["--lm", "openai/x", "--teacher-lm", "local:qwen2.5-coder-1.5b"]]
)
def test_optimize_with_ray_refuses_an_in_process_model_before_loading_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog, extra
):
    from dspy_coder import cli

    monkeypatch.setattr(cli, "COMMANDS", ("optimize",))
    argv = ["optimize", "--ray", "--no-tracking", "--out", str(tmp_path / "r"), *extra]
    assert cli.main(argv) == 2
    assert "dspy-coder serve" in caplog.text
    assert not (tmp_path / "r").exists()
