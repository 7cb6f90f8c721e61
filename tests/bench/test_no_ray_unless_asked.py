"""Single-machine use is unchanged: a bench without --ray never imports Ray."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
